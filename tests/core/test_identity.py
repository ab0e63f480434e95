"""Identity: the account cache, and one person on Telegram and Discord joined by a link code."""

from __future__ import annotations

import pytest

from core.errors import (
    AlreadyLinked,
    LinkCodeInvalid,
    LinkKeyClash,
    LinkNameClash,
    LinkPrivateOnly,
    LinkSamePlatform,
)
from core.identity import IdCache
from core.models import UserRef
from tests.app_fixtures import USER_KEY
from tests.core.people import ALICE
from tests.samples import ogg_bytes, speech_like

TG = UserRef(platform="telegram", user_id="1001")
DC = UserRef(platform="discord", user_id="555")  # a DM / an ephemeral reply
DC_IN_GUILD = UserRef(platform="discord", user_id="555", scope_id="9", is_private=False)
OTHER_DC = UserRef(platform="discord", user_id="556")
OTHER_TG = UserRef(platform="telegram", user_id="1002")


def speech_calls(fake) -> list:
    return [r for r in fake.requests if r.path.endswith("/audio/speech")]


async def test_link_shares_voices_settings_key_and_dictionary(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.set_api_key(TG, USER_KEY)
    await svc.clone(TG, ogg_bytes(speech_like(6.0, silence=1.0)), "mine", transcript="hello there", consent=True)
    await svc.set_voice(TG, "mine")
    await svc.update_settings(TG, speed=1.5)
    await svc.set_pronunciation(TG, "gif", "jif")
    # what the Discord account had before
    await svc.update_settings(DC, speed=2.0, language="ja")
    await svc.set_pronunciation(DC, "gif", "gee eye eff")
    await svc.set_pronunciation(DC, "sql", "sequel")
    await svc.speak(DC, "billed before linking")
    before = (await svc.usage(DC)).total_bytes

    with pytest.raises(LinkPrivateOnly):
        await svc.start_link(DC_IN_GUILD)
    code = await svc.start_link(TG)
    assert len(code) == 8 and code.isalnum() and code.isupper()
    assert await svc.complete_link(DC, code.lower()[:4] + "-" + code.lower()[4:]) == "telegram"

    view = await svc.settings(DC_IN_GUILD)
    assert (view.voice_name, view.effective.speed) == ("mine", 1.5)  # the account's settings win
    assert view.api_key_hint and view.api_key_hint.endswith(USER_KEY[-4:])
    assert [v.name for v in (await svc.voices(DC)).clones] == ["mine"]
    assert {(p.word, p.spoken) for p in await svc.pronunciations(TG)} == {("gif", "jif"), ("sql", "sequel")}
    assert (await svc.usage(TG)).total_bytes == before  # usage was added to the account's
    await svc.speak(DC_IN_GUILD, "gif and sql, in my clone")
    call = speech_calls(fake_siliconflow)[-1]
    assert call.json["voice"].startswith("speech:") and call.json["input"] == "jif and sequel, in my clone"
    assert call.headers["Authorization"] == f"Bearer {USER_KEY}"  # the clone's own key
    assert await svc.linked_platforms(DC) == ["telegram"]
    assert await svc.linked_platforms(TG) == ["discord"]
    # a change on one side is seen on the other
    await svc.update_settings(DC, speed=0.8)
    assert (await svc.settings(TG)).effective.speed == 0.8


async def test_codes_are_single_use_private_and_cross_platform(sf_app):
    svc = sf_app.service
    code = await svc.start_link(TG)
    with pytest.raises(LinkSamePlatform):
        await svc.complete_link(OTHER_TG, code)
    with pytest.raises(LinkCodeInvalid):  # used up by the refused attempt: ask for a new one
        await svc.complete_link(DC, code)
    with pytest.raises(LinkCodeInvalid):
        await svc.complete_link(DC, "")
    seen = await svc.start_link(TG)
    with pytest.raises(LinkPrivateOnly):
        await svc.complete_link(DC_IN_GUILD, seen)
    with pytest.raises(LinkCodeInvalid):  # a code typed where others could see it is burnt
        await svc.complete_link(DC, seen)
    await svc.complete_link(DC, await svc.start_link(TG))
    with pytest.raises(AlreadyLinked):  # the Telegram account already has its Discord account
        await svc.complete_link(OTHER_DC, await svc.start_link(TG))
    with pytest.raises(AlreadyLinked):  # and the Discord account is taken
        await svc.complete_link(DC, await svc.start_link(OTHER_TG))


async def test_a_voice_name_on_both_sides_stops_the_link_and_changes_nothing(sf_app):
    svc = sf_app.service
    for who in (TG, DC):
        await svc.clone(who, ogg_bytes(speech_like(6.0, silence=1.0)), "Same", transcript="hello", consent=True)
    await svc.update_settings(DC, speed=2.0)
    with pytest.raises(LinkNameClash) as caught:
        await svc.complete_link(DC, await svc.start_link(TG))
    assert "Same" in str(caught.value)
    assert (await svc.settings(DC)).effective.speed == 2.0
    assert await svc.linked_platforms(DC) == []


async def test_clones_that_need_the_joining_accounts_own_key_stop_the_link(sf_app, fake_siliconflow):
    svc = sf_app.service
    second_key = "sk-test-second-user-key-000000000000"
    fake_siliconflow.add_api_key(second_key)
    await svc.set_api_key(TG, USER_KEY)
    await svc.set_api_key(DC, second_key)
    await svc.clone(DC, ogg_bytes(speech_like(6.0, silence=1.0)), "dc voice", transcript="hello", consent=True)
    with pytest.raises(LinkKeyClash) as caught:
        await svc.complete_link(DC, await svc.start_link(TG))
    assert "dc voice" in str(caught.value)
    assert await svc.linked_platforms(DC) == []
    await svc.set_api_key(DC, USER_KEY)  # the same key on both: the clone can't be used now, but nothing strands
    await svc.complete_link(DC, await svc.start_link(TG))
    assert await svc.linked_platforms(DC) == ["telegram"]


async def test_unlink_keeps_everything_with_the_account_that_issued_the_code(sf_app):
    svc = sf_app.service
    await svc.update_settings(TG, speed=1.5)
    await svc.complete_link(DC, await svc.start_link(TG))
    assert await svc.unlink(DC) is True
    assert (await svc.settings(DC)).effective.speed == 1.0  # starts afresh
    assert (await svc.settings(TG)).effective.speed == 1.5
    assert await svc.unlink(DC) is False
    # linking again works, from either side; settings the account lacks come from the other side
    assert await svc.complete_link(TG, await svc.start_link(DC)) == "discord"
    assert (await svc.settings(DC)).effective.speed == 1.5


async def test_forget_on_one_platform_forgets_the_linked_account_too(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.clone(TG, ogg_bytes(speech_like(6.0, silence=1.0)), "mine", transcript="hello", consent=True)
    await svc.update_settings(TG, speed=1.5)
    await svc.complete_link(DC, await svc.start_link(TG))
    report = await svc.forget(DC)
    assert report.deleted_remote_voices == ["mine"]
    assert (await svc.settings(TG)).effective.speed == 1.0
    assert (await svc.voices(TG)).clones == []
    assert await svc.linked_platforms(TG) == [] and await svc.linked_platforms(DC) == []
    assert await sf_app.store.find_user("telegram", "1001") != await sf_app.store.find_user("discord", "555")


def test_id_cache_expires_and_is_bounded():
    now = [0.0]
    cache = IdCache(ttl=10.0, max_size=2, clock=lambda: now[0])
    cache.put(("telegram", "1"), 1)
    cache.put(("telegram", "2"), 2)
    cache.put(("telegram", "3"), 3)  # the least recently stored goes
    assert cache.get(("telegram", "1")) is None and cache.get(("telegram", "3")) == 3
    now[0] = 10.5
    assert cache.get(("telegram", "3")) is None
    cache.put(("discord", "9"), 3)
    cache.drop(3)
    assert cache.get(("discord", "9")) is None


async def test_a_second_instance_sees_a_forget_once_its_cache_entry_expires(make_app, tmp_path):
    first = await make_app("local", data_dir=tmp_path / "shared")
    second = await make_app("local", data_dir=tmp_path / "shared")  # another process on the same database
    old = await first.service.user_id(ALICE)
    await first.service.update_settings(ALICE, speed=2)
    await second.service.forget(ALICE)
    first.service.cases.identities._user_ids.ttl = 0.0  # as if USER_ID_TTL had passed
    assert await first.service.user_id(ALICE) != old
    assert (await first.service.settings(ALICE)).effective.speed == 1.0

"""core.accounts: a user's own key, and /forget."""

from __future__ import annotations

import pytest

from core.errors import (
    InvalidApiKey,
    PrivateChatOnly,
)
from core.models import UserRef
from tests.app_fixtures import OPERATOR_KEY, USER_KEY
from tests.core.people import ALICE, ALICE_IN_GROUP, cache_files
from tests.samples import ogg_bytes, speech_like


async def test_api_key_only_in_private_and_checked(sf_app, fake_siliconflow):
    svc = sf_app.service
    with pytest.raises(PrivateChatOnly):
        await svc.set_api_key(ALICE_IN_GROUP, USER_KEY)
    with pytest.raises(InvalidApiKey):
        await svc.set_api_key(ALICE, "not a key")
    with pytest.raises(InvalidApiKey):  # the provider answers 401 to an unknown key
        await svc.set_api_key(ALICE, "sk-this-key-is-not-known-there")
    assert (await svc.settings(ALICE)).api_key_hint is None
    masked = await svc.set_api_key(ALICE, USER_KEY)
    assert USER_KEY not in masked and masked.endswith(USER_KEY[-4:])
    await svc.speak(ALICE, "my own key pays")
    speech = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")]
    assert speech[-1].headers["Authorization"] == f"Bearer {USER_KEY}"
    assert (await svc.usage(ALICE)).today_bytes >= 0
    assert await svc.clear_api_key(ALICE)
    await svc.speak(ALICE, "operator pays again")
    speech = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")]
    assert speech[-1].headers["Authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_no_plaintext_key_anywhere_in_the_data_dir(make_app, tmp_path):
    data = tmp_path / "scan"
    app = await make_app("siliconflow", data_dir=data)
    await app.service.set_api_key(ALICE, USER_KEY)
    await app.service.speak(ALICE, "something to cache")
    await app.aclose()
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)
    for path in files:
        assert USER_KEY.encode() not in path.read_bytes(), path


async def test_forget_deletes_everything_including_remote_clones(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.update_settings(ALICE, speed=2)
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    await svc.set_voice(ALICE, "mine")
    await svc.set_pronunciation(ALICE, "gif", "jif")
    await svc.speak(ALICE, "cached in my voice")
    report = await svc.forget(ALICE)
    assert report.deleted_remote_voices == ["mine"] and report.failed_remote_voices == []
    assert report.deleted_rows > 0 and report.deleted_cache_entries >= 1
    remaining = await sf_app.remote.list_voices()
    assert remaining == []
    view = await svc.settings(ALICE)
    assert view.effective.speed == 1.0 and (await svc.voices(ALICE)).clones == []
    assert await svc.pronunciations(ALICE) == []


async def test_forget_reports_a_clone_it_could_not_delete_and_keeps_the_rest(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.update_settings(ALICE, speed=2)
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "stubborn", transcript="hello", consent=True)
    fake_siliconflow.fail(status=503, times=20)
    report = await svc.forget(ALICE)
    assert report.failed_remote_voices == ["stubborn"] and report.deleted_rows == 0
    assert [v.name for v in (await svc.voices(ALICE)).clones] == ["stubborn"]
    assert (await svc.settings(ALICE)).effective.speed == 2.0


async def test_forget_deletes_local_data_when_the_key_that_made_a_clone_is_gone(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.set_api_key(ALICE, USER_KEY)
    voice = await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    removal = await svc.clear_api_key(ALICE)
    assert removal and removal.stranded == ["mine"]  # /key clear warns about it
    await svc.update_settings(ALICE, speed=2)
    report = await svc.forget(ALICE)
    assert report.failed_remote_voices == []
    assert report.abandoned_remote_voices == [("mine", "key_gone", voice.provider_id)]
    assert report.deleted_rows > 0
    assert (await svc.voices(ALICE)).clones == [] and (await svc.settings(ALICE)).effective.speed == 1.0


async def test_forget_deletes_local_data_when_the_provider_rejects_the_key(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.set_api_key(ALICE, USER_KEY)
    voice = await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    fake_siliconflow.revoke_api_key(USER_KEY)
    report = await svc.forget(ALICE)
    assert report.abandoned_remote_voices == [("mine", "key_rejected", voice.provider_id)]
    assert report.deleted_rows > 0 and (await svc.voices(ALICE)).clones == []


async def test_clearing_a_key_no_clone_depends_on_warns_about_nothing(sf_app):
    svc = sf_app.service
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "on the bot", transcript="hello", consent=True)
    await svc.set_api_key(ALICE, USER_KEY)
    removal = await svc.clear_api_key(ALICE)
    assert removal and removal.stranded == []
    assert not await svc.clear_api_key(ALICE)


async def test_forget_purges_audio_in_a_clone_made_before_a_link(sf_app):
    svc = sf_app.service
    tg = UserRef(platform="telegram", user_id="1001", is_private=True)
    dc = UserRef(platform="discord", user_id="2001", is_private=True)
    await svc.clone(tg, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    await svc.set_voice(tg, "mine")
    await svc.speak(tg, "said on telegram before linking")
    assert cache_files(svc)
    code = await svc.start_link(dc)
    await svc.complete_link(tg, code)
    await svc.forget(dc)
    assert cache_files(svc) == set()

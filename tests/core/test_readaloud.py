"""core.readaloud and what it changes in a request to speak: emoji named in the listener's language (or removed where
a chat turned that off), a channel's voice between the user's own and the server's, and a server's default voice
that is a clone its owner lent (paid by the key that made it)."""

from __future__ import annotations

import pytest

from core.errors import EmptyText, InvalidValue, PermissionDenied, UnknownVoice
from core.models import SettingsPatch, UserRef
from core.readaloud import READ_EMOJI, emoji_language_for, reading, reads_emoji
from tests.app_fixtures import USER_KEY
from tests.core.people import ALICE, ALICE_IN_GROUP, BOB, BOB_IN_GROUP, speech_calls
from tests.samples import ogg_bytes, speech_like


async def _options_never_read(scope):  # pragma: no cover - a failure path
    raise AssertionError("options read for a text without emoji")


async def test_the_language_emoji_are_named_in():
    async def on(scope):
        return {}

    async def off(scope):
        return {READ_EMOJI: False}

    assert await emoji_language_for("plain", language="auto", hint="zh", scope="s",
                                    scope_options=_options_never_read) is None
    assert await emoji_language_for("😂", language="auto", hint="ja-JP", scope=None, scope_options=on) == "ja"
    assert await emoji_language_for("好的😂", language="auto", hint="en", scope="s", scope_options=on) == "zh"
    assert await emoji_language_for("ok 😂", language="yue", hint="en", scope="s", scope_options=on) == "zh"
    assert await emoji_language_for("😂", language="auto", hint=None, scope="s", scope_options=off) is None
    assert reads_emoji({}) and reads_emoji({READ_EMOJI: True}) and not reads_emoji({READ_EMOJI: False})


def test_what_is_said_for_a_message_that_is_not_only_text():
    assert reading("", {"image": 1, "file": 2}, name="Anna", listener="en").text == "Anna sent an image and 2 files."
    assert reading("", {"sticker": 1}, name="", listener="ja").text == "スタンプが送信されました。"
    assert reading("https://a.example/x www.b.example", {}, name="Anna", listener="zh").text == "Anna发送了2个链接。"
    said = reading("hello", {"poll": 1}, name="Anna", listener="en", poll_question="Pizza?")
    assert (said.text, said.announce) == ("hello (with a poll: Pizza?)", True)
    assert reading("", {}, name="Anna", listener="en") is None
    assert reading("hi", {}, name="Anna", listener="en", forwarded=True).text == "Anna forwarded a message: hi"


async def test_emoji_are_spoken_by_name_in_the_listeners_language(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.speak(ALICE, "great 😂😂😂")
    await svc.speak(BOB, "😂")  # emoji only: Bob's language
    await svc.speak(ALICE, "今天很好👍")  # the words' language
    inputs = [c["input"] for c in speech_calls(fake_siliconflow)]
    assert inputs == ["great face with tears of joy", "笑哭了", "今天很好 拇指向上"]


async def test_a_server_may_turn_emoji_names_off(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.update_scope_options(ALICE_IN_GROUP.scope, **{READ_EMOJI: False})
    with pytest.raises(EmptyText):
        await svc.speak(ALICE_IN_GROUP, "😂😂")
    await svc.speak(ALICE_IN_GROUP, "ok 😂")
    assert speech_calls(fake_siliconflow)[-1]["input"] == "ok"


async def test_a_channel_voice_sits_between_the_users_own_and_the_servers(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.update_scope_settings(ALICE_IN_GROUP, is_admin=True, voice="diana")
    utt = await svc.prepare(BOB_IN_GROUP, "in the channel", channel=SettingsPatch(voice="claire"))
    svc.release(utt)
    assert utt.voice_id.endswith(":claire") or utt.voice_id == "claire"
    await svc.update_settings(BOB_IN_GROUP, voice="alex")
    utt = await svc.prepare(BOB_IN_GROUP, "mine wins", channel=SettingsPatch(voice="claire"))
    svc.release(utt)
    assert utt.voice_id.endswith("alex")


async def test_a_server_voice_may_be_a_clone_its_owner_lends(sf_app, fake_siliconflow):
    """Alice (a manager) clones with her own key and lends the clone to the server; Bob, who chose no voice,
    is read in it on Alice's key and the bytes are on her record; nobody else can lend her clone."""
    svc = sf_app.service
    alice_dm = UserRef(platform="discord", user_id="1001", is_private=True)
    await svc.set_api_key(alice_dm, USER_KEY)
    voice = await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there",
                            consent=True)
    assert await svc.scope_voice(ALICE_IN_GROUP, "Alice", is_admin=True) == f"clone:{voice.id}"
    assert await svc.scope_voice(ALICE_IN_GROUP, "bella", is_admin=True) == "bella"
    with pytest.raises(PermissionDenied):
        await svc.scope_voice(ALICE_IN_GROUP, "Alice", is_admin=False)
    with pytest.raises(InvalidValue):  # without her consent a clone is refused, as before
        await svc.update_scope_settings(ALICE_IN_GROUP, is_admin=True, voice="Alice")
    with pytest.raises(UnknownVoice):  # Bob has no clone called Alice: he cannot lend hers
        await svc.update_scope_settings(BOB_IN_GROUP, is_admin=True, lend=True, voice="Alice")
    await svc.update_scope_settings(ALICE_IN_GROUP, is_admin=True, lend=True, voice="Alice")
    await svc.speak(BOB_IN_GROUP, "read in alice's voice")
    last = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")][-1]
    assert last.json["voice"] == voice.provider_id
    assert last.headers["Authorization"] == f"Bearer {USER_KEY}"
    alice, bob = await svc.usage(ALICE_IN_GROUP), await svc.usage(BOB_IN_GROUP)
    assert alice.lent_today == len("read in alice's voice") and bob.total_bytes == 0

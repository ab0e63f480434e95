"""/key: private chats only; in a group the message is deleted and the sender warned; keys never logged."""

from __future__ import annotations

import logging

import pytest

from core.models import UserRef
from tests.fakes.siliconflow_fixtures import USER_KEY

from .conftest import CHAT, GROUP, USER, Harness

SECRET = "sk-groupsecret0123456789abcdef"


def _assert_not_leaked(bot: Harness, caplog: pytest.LogCaptureFixture, secret: str) -> None:
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
    for call in bot.tg.calls:
        if call.method != "getUpdates":
            assert secret not in str(call.params), call.method
    assert bot.tg.token not in caplog.text


async def _hint(bot: Harness, user: int = USER) -> str | None:
    return (await bot.service.settings(UserRef(platform="telegram", user_id=str(user)))).api_key_hint


async def test_key_in_a_group_is_deleted_warned_and_not_stored(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    msg = await bot.send(f"/key {SECRET}", chat=GROUP)
    assert bot.tg.deleted == [(GROUP, msg["message_id"])]
    warning = bot.last_text(GROUP)
    assert "only in a private chat" in warning and "revoke it now" in warning and "I deleted that message" in warning
    assert await _hint(bot) is None
    _assert_not_leaked(bot, caplog, SECRET)


async def test_key_in_a_group_where_the_bot_cannot_delete(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot.tg.cannot_delete.add(GROUP)
    await bot.send(f"/key {SECRET}", chat=GROUP, lang="zh")
    assert "请自行删除" in bot.last_text(GROUP)
    assert await _hint(bot) is None
    _assert_not_leaked(bot, caplog, SECRET)


async def test_key_in_private_is_stored_masked_used_and_cleared(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    msg = await bot.send(f"/key {USER_KEY}")
    assert (CHAT, msg["message_id"]) in bot.tg.deleted
    saved = bot.last_text()
    assert "Saved your key …user" in saved and USER_KEY not in saved
    assert await _hint(bot) is not None
    await bot.send("/speak on my own account")
    assert bot.speech_requests()[-1].api_key == USER_KEY
    await bot.send("/usage")
    assert "Your own key (…user)" in bot.last_text()
    await bot.send("/key")
    assert "Your key: …user." in bot.last_text()
    await bot.send("/key clear")
    assert bot.last_text() == "Your key is removed."
    assert await _hint(bot) is None
    await bot.send("/speak operator again")
    assert bot.speech_requests()[-1].api_key == "sk-test-operator"
    _assert_not_leaked(bot, caplog, USER_KEY)


async def test_a_bad_or_refused_key_is_not_stored_and_still_deleted(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.send("/key short")
    assert "doesn't look like an API key" in bot.last_text()
    refused = "sk-refusedbytheprovider0123456789"
    msg = await bot.send(f"/key {refused}")
    assert (CHAT, msg["message_id"]) in bot.tg.deleted
    assert "doesn't look like an API key" in bot.last_text()
    assert await _hint(bot) is None
    _assert_not_leaked(bot, caplog, refused)


async def test_key_status_without_a_key_and_group_usage(bot: Harness) -> None:
    await bot.send("/key")
    assert "no key of your own" in bot.last_text()
    await bot.send("/key", chat=GROUP)
    assert bot.last_text(GROUP) == "/key works only in a private chat with me."
    assert not bot.tg.deleted


def test_redaction_of_tokens_and_keys() -> None:
    from bots.telegram.logsafety import redact

    line = ('HTTP Request: POST http://127.0.0.1:1/bot123456789:AAFakeTokenForVoicebridgeTestsOnly_x1/sendVoice '
            '"HTTP/1.1 200 OK" key=sk-abcdefghijklmnop0123')
    out = redact(line)
    assert "AAFake" not in out and "sk-abcdefghij" not in out and "/bot<token>/sendVoice" in out

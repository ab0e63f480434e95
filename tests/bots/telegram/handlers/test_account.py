"""/key, /usage, /forget, /link and /unlink (bots/telegram/handlers/account.py).

/key works in private chats only: in a group the message is deleted and the sender warned; keys are never
logged. For /link the Discord side is played by the service, as the Discord bot would call it.
"""

from __future__ import annotations

import logging

import pytest

from core.models import UserRef
from tests.bots.telegram.conftest import CHAT, GROUP, USER, Harness, confirm_prompt
from tests.bots.telegram.conftest import settings_of as _settings
from tests.fakes.siliconflow_fixtures import USER_KEY
from tests.samples import ogg_bytes, speech_like

SECRET = "sk-groupsecret0123456789abcdef"

DISCORD_ME = UserRef(platform="discord", user_id="777000")
DISCORD_IN_GUILD = UserRef(platform="discord", user_id="777000", scope_id="5", is_private=False)


def _code(text: str) -> str:
    return text.split("<code>")[1].split("</code>")[0]



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


async def test_forget_deletes_clones_at_the_provider(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone gone")
    prompt = await confirm_prompt(bot)
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    assert len(bot.sf.voices("sk-test-operator")) == 1
    await bot.send("/forget")
    msg = bot.last("sendMessage")
    await bot.press(bot.button(msg, "Delete everything"), msg.result)
    assert "Deleted voices: gone" in bot.last("editMessageText").params["text"]
    assert bot.sf.voices("sk-test-operator") == []
    assert USER


async def test_code_here_typed_on_discord_shares_everything(bot: Harness) -> None:
    await bot.send("/speed 1.6")
    await bot.send("/pronounce gif jif")
    await bot.send("/link")
    text = bot.last_text()
    assert "valid once, for 10 minutes" in text and "Don't show the code" in text
    code = _code(text)
    assert await bot.service.complete_link(DISCORD_ME, code) == "telegram"
    view = await bot.service.settings(DISCORD_IN_GUILD)
    assert view.effective.speed == 1.6
    await bot.send("/link")
    assert bot.last_text() == "This account is linked with your Discord account. /unlink separates them."
    await bot.send("/unlink")
    assert bot.last_text().startswith("Unlinked.")
    await bot.send("/unlink")
    assert bot.last_text().startswith("This account isn't linked.")
    assert (await bot.service.settings(DISCORD_ME)).effective.speed == 1.0  # the Discord side starts afresh


async def test_code_from_discord_typed_here(bot: Harness) -> None:
    await bot.service.update_settings(DISCORD_ME, speed=0.7)
    code = await bot.service.start_link(DISCORD_ME)
    await bot.send(f"/link {code[:4]} {code[4:].lower()}")
    msg = bot.last("sendMessage")
    assert "Only confirm if both accounts are yours" in msg.params["text"]
    assert "nothing of yours yet" in msg.params["text"]
    await bot.press(bot.button(msg, "Link accounts"), msg.result)
    assert bot.last("editMessageText").params["text"] == (
        "Linked with your Discord account: the same voices, settings, dictionary and key on both.")
    await bot.send("/settings")
    assert "Speed: 0.7×" in bot.last_text() and "Linked with: Discord (/unlink)" in bot.last_text()
    await bot.send(f"/link {code}")
    assert "already linked" in bot.last_text()


async def test_a_code_posted_in_a_group_is_deleted_and_burnt(bot: Harness) -> None:
    code = await bot.service.start_link(DISCORD_ME)
    await bot.send(f"/link {code}", chat=GROUP)
    assert bot.tg.calls_to("deleteMessage", GROUP)
    assert "private chat" in bot.last_text(GROUP)
    await bot.send(f"/link {code}")
    assert "wrong or has expired" in bot.last_text()
    await bot.send("/link", chat=GROUP)
    assert "private chat" in bot.last_text(GROUP)


async def test_someone_elses_code_shows_what_would_move_and_unlink_gives_it_back(bot: Harness) -> None:
    """A code passed on by someone else (phishing) would hand them this account's key and clones: the bot
    says so and waits for the button; /unlink afterwards returns what this side brought."""
    me = UserRef(platform="telegram", user_id="1001", is_private=True)  # the Harness's default user
    await bot.send(f"/key {USER_KEY}")
    await bot.service.clone(me, ogg_bytes(speech_like(6.0, silence=1.0)), "my voice", transcript="hello",
                            consent=True)
    code = await bot.service.start_link(DISCORD_ME)  # the other person's Discord account
    await bot.send(f"/link {code}")
    msg = bot.last("sendMessage")
    assert "“my voice”" in msg.params["text"] and "…user" in msg.params["text"]
    await bot.press(bot.button(msg, "Cancel"), msg.result)
    assert "Not linked" in bot.last("editMessageText").params["text"]
    assert await bot.service.linked_platforms(DISCORD_ME) == []
    assert [v.name for v in (await bot.service.voices(DISCORD_ME)).clones] == []
    await bot.press(bot.button(msg, "Link accounts"), msg.result, user=999)  # not their button
    assert await bot.service.linked_platforms(DISCORD_ME) == []
    await bot.press(bot.button(msg, "Link accounts"), msg.result)
    assert [v.name for v in (await bot.service.voices(DISCORD_ME)).clones] == ["my voice"]
    assert (await bot.service.settings(DISCORD_ME)).api_key_hint == "…user"
    await bot.send("/unlink")
    assert [v.name for v in (await bot.service.voices(DISCORD_ME)).clones] == []
    assert (await bot.service.settings(DISCORD_ME)).api_key_hint is None
    assert [v.name for v in (await bot.service.voices(me)).clones] == ["my voice"]
    assert (await bot.service.settings(me)).api_key_hint == "…user"


async def test_usage_report(bot: Harness) -> None:
    await bot.send("/speak 12345")
    await bot.send("/usage")
    text = bot.last_text()
    assert "Today: 5 bytes in 1 requests" in text and "Estimated cost:" in text and "USD" in text


async def test_usage_shows_the_daily_allowance_on_the_bots_key(make_bot) -> None:
    bot = await make_bot(daily_byte_quota=100)
    await bot.send("/speak 12345")
    await bot.send("/usage")
    assert "(5 of today's 100 bytes on the bot's key)" in bot.last_text()


async def test_forget_asks_first_and_deletes_everything(bot: Harness) -> None:
    await bot.send("/speed 2")
    await bot.send("/forget")
    msg = bot.last("sendMessage")
    await bot.press(bot.button(msg, "Cancel"), msg.result)
    assert bot.last("editMessageText").params["text"] == "Nothing was deleted."
    assert (await _settings(bot)).effective.speed == 2.0
    await bot.press(bot.button(msg, "Delete everything"), msg.result)
    assert "everything about you is deleted" in bot.last("editMessageText").params["text"]
    assert (await _settings(bot)).effective.speed == 1.0

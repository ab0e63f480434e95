"""/link and /unlink on Telegram (the Discord side is played by the service, as the Discord bot would call it)."""

from __future__ import annotations

from core.models import UserRef
from tests.app_fixtures import USER_KEY
from tests.samples import ogg_bytes, speech_like

from .conftest import GROUP, Harness

DISCORD_ME = UserRef(platform="discord", user_id="777000")
DISCORD_IN_GUILD = UserRef(platform="discord", user_id="777000", scope_id="5", is_private=False)


def _code(text: str) -> str:
    return text.split("<code>")[1].split("</code>")[0]


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

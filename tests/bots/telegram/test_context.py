"""The per-update context (bots/telegram/context.py)."""

from __future__ import annotations

from tests.app_fixtures import USER_KEY
from tests.bots.telegram.conftest import GROUP, Harness


async def test_a_group_never_sees_the_end_of_your_key(bot: Harness) -> None:
    await bot.send(f"/key {USER_KEY}")
    await bot.send("/settings")
    assert "…user" in bot.last_text()
    for command in ("/settings", "/usage"):
        await bot.send(command, chat=GROUP)
        text = bot.last_text(GROUP)
        assert "…user" not in text and "your own (shown in a private chat)" in text

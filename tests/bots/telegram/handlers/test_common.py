"""What the handlers share (bots/telegram/handlers/common.py): inline buttons answer only the user who asked."""

from __future__ import annotations

from tests.bots.telegram.conftest import GROUP, Harness
from tests.bots.telegram.conftest import settings_of as _settings


async def test_buttons_belong_to_the_user_who_asked(bot: Harness) -> None:
    await bot.send("/settings", chat=GROUP)
    msg = bot.last("sendMessage", GROUP)
    await bot.press(bot.button(msg, "Speed +"), msg.result, user=4242)
    assert bot.last("answerCallbackQuery").params == {
        "callback_query_id": bot.last("answerCallbackQuery").params["callback_query_id"],
        "text": "These buttons belong to someone else.", "show_alert": True}
    assert (await _settings(bot)).effective.speed == 1.0
    assert (await _settings(bot, 4242)).effective.speed == 1.0

"""/voices and its buttons, /voice (bots/telegram/handlers/voices.py)."""

from __future__ import annotations

from tests.bots.telegram.conftest import Harness
from tests.bots.telegram.conftest import settings_of as _settings


async def test_voices_lists_presets_and_a_button_picks_one(bot: Harness) -> None:
    await bot.send("/voices")
    listing = bot.last("sendMessage")
    assert "anna" in listing.params["text"] and "No clones yet" in listing.params["text"]
    assert "✓ anna" in str(listing.params["reply_markup"])
    await bot.press(bot.button(listing, "claire"), listing.result)
    assert (await _settings(bot)).effective.voice == "claire"
    edited = bot.last("editMessageText")
    assert "✓ claire" in str(edited.params["reply_markup"]) and "<b>claire</b>" in edited.params["text"]
    assert bot.last("answerCallbackQuery").params["text"] == "Your voice is now “claire”."
    await bot.send("/speak after picking")
    assert bot.speech_requests()[-1].json["voice"].endswith(":claire")


async def test_voice_command_and_an_unknown_voice(bot: Harness) -> None:
    await bot.send("/voice david")
    assert bot.last_text() == "Your voice is now “david”."
    await bot.send("/voice nobody")
    assert "no voice called “nobody”" in bot.last_text()
    assert (await _settings(bot)).effective.voice == "david"
    await bot.send("/voice")
    assert "/voice NAME" in bot.last_text()

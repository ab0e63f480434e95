"""The one error handler (bots/telegram/errors.py)."""

from __future__ import annotations

import logging

import pytest

from tests.bots.telegram.conftest import Harness


async def test_an_unexpected_error_is_logged_once_and_the_user_gets_an_apology(
        bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.service, "usage", broken)
    with caplog.at_level(logging.INFO):
        await bot.send("/usage")
    assert bot.last_text() == "Something went wrong on our side. Please try again."
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info and "boom" in str(errors[0].exc_info[1])
    await bot.send("/speak still alive")
    assert bot.voices_sent()

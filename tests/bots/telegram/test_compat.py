"""PTB_TIMEDELTA-proof durations (bots/telegram/compat.py)."""

from __future__ import annotations

import pytest

from tests.bots.telegram.conftest import Harness


@pytest.mark.parametrize("timedelta_mode", ["true", "false"])
async def test_durations_work_with_and_without_ptb_timedelta(
        bot: Harness, monkeypatch: pytest.MonkeyPatch, timedelta_mode: str) -> None:
    import warnings

    from telegram.warnings import PTBDeprecationWarning

    monkeypatch.setenv("PTB_TIMEDELTA", timedelta_mode)
    f = bot.tg.add_file(b"OggS fake")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PTBDeprecationWarning)  # we never read a deprecated int duration
        await bot.send(None, voice=f.as_voice(600), caption="/clone long")
    assert "too long" in bot.last_text()
    assert not bot.tg.calls_to("getFile")

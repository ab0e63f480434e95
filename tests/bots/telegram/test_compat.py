"""PTB_TIMEDELTA-proof durations (bots/telegram/compat.py)."""

from __future__ import annotations

import datetime as dtm
import warnings
from types import SimpleNamespace

import pytest

from bots.telegram.compat import attr_seconds, seconds
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


def test_seconds_from_either_type() -> None:
    assert seconds(None) is None
    assert seconds(7) == 7.0 and isinstance(seconds(7), float)
    assert seconds(dtm.timedelta(minutes=1, milliseconds=500)) == 60.5


def test_attr_seconds_reads_without_the_deprecation_warning() -> None:
    class Voice:
        @property
        def duration(self) -> int:
            warnings.warn("int durations are deprecated", DeprecationWarning, stacklevel=2)
            return 12

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert attr_seconds(Voice(), "duration") == 12.0
    assert attr_seconds(SimpleNamespace(retry_after=dtm.timedelta(seconds=3)), "retry_after") == 3.0
    assert attr_seconds(SimpleNamespace(), "duration") is None

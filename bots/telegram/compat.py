"""PTB_TIMEDELTA-proof durations.

PTB 22.2 deprecated int durations (``Voice.duration``, ``RetryAfter.retry_after`` …): they are ints
(with a deprecation warning on every read) unless ``PTB_TIMEDELTA=true``, when they are timedeltas.
:func:`attr_seconds` reads either as float seconds, without the warning. Durations we *send* are
plain ints (Telegram's type), which PTB accepts in both modes.
"""

from __future__ import annotations

import datetime as dtm
import warnings


def seconds(value: float | dtm.timedelta | None) -> float | None:
    """A PTB duration as seconds, whether PTB_TIMEDELTA is on (timedelta) or off (int)."""
    if value is None:
        return None
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def attr_seconds(obj: object, name: str) -> float | None:
    """``obj.<name>`` as seconds, without PTB's deprecation warning about its future type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seconds(getattr(obj, name, None))

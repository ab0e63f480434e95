"""Retry timing for HTTP providers: exponential backoff with jitter, and ``Retry-After``."""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["backoff_delay", "parse_retry_after", "retry_delay"]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    Fractional seconds are accepted (some servers and our fake send them). A date in the past
    gives 0.0; anything unparseable gives None.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(attempt: int, *, base: float, cap: float,
                  rand: Callable[[], float] = random.random) -> float:
    """The pause before retry number ``attempt`` (1-based).

    ``base · 2^(attempt-1)`` capped at ``cap``, with "equal jitter": half of it fixed, half
    random, so concurrent clients spread out but never retry immediately.
    """
    exponent = min(max(attempt - 1, 0), 60)
    ceiling = min(cap, base * 2.0**exponent)
    return ceiling / 2 + rand() * ceiling / 2


def retry_delay(attempt: int, *, base: float, cap: float, retry_after: float | None = None,
                retry_after_max: float | None = None,
                rand: Callable[[], float] = random.random) -> float | None:
    """The pause before retry ``attempt``, honouring the server's ``Retry-After``.

    Returns None when the server asks for longer than ``retry_after_max``: waiting that long
    inside one request helps nobody, so the caller should give up and report ``retry_after``.
    """
    delay = backoff_delay(attempt, base=base, cap=cap, rand=rand)
    if retry_after is not None:
        if retry_after_max is not None and retry_after > retry_after_max:
            return None
        delay = max(delay, retry_after)
    return delay

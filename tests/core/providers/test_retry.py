"""core.providers.retry: ``Retry-After`` parsing and jittered exponential backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from core.providers.retry import backoff_delay, parse_retry_after, retry_delay


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("-3") == 0.0
    for junk in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(junk) is None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert backoff_delay(1, base=0.5, cap=8, rand=lambda: 0.0) == 0.25
    assert backoff_delay(1, base=0.5, cap=8, rand=lambda: 1.0) == 0.5
    assert backoff_delay(4, base=0.5, cap=8, rand=lambda: 1.0) == 4.0
    assert backoff_delay(50, base=0.5, cap=8, rand=lambda: 1.0) == 8.0
    assert retry_delay(1, base=0.5, cap=8, retry_after=3, retry_after_max=32, rand=lambda: 1.0) == 3.0
    assert retry_delay(1, base=0.5, cap=8, retry_after=60, retry_after_max=32) is None

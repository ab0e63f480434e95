"""Per-user limits of one process: requests per minute, requests in flight, notices said once."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

from core.errors import Busy, TooManyRequests

#: Users whose rate-limit windows are kept before idle ones are swept.
RATE_WINDOWS_SWEEP_AT = 10_000
#: Notices remembered as said before the memory starts over (each is said once per user and process).
TOLD_MAX = 100_000


class Limits:
    """The in-memory limits of one process, by account id."""

    def __init__(self, *, per_minute: int, in_flight: int, clock: Callable[[], float]) -> None:
        self.per_minute = per_minute
        self.max_in_flight = in_flight
        self._clock = clock
        self._recent: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._in_flight: collections.Counter[int] = collections.Counter()
        self._told: set[tuple[int, str]] = set()

    def check_busy(self, uid: int) -> None:
        """Raise :class:`Busy` if the user already has as many requests in flight as allowed."""
        if self._in_flight[uid] >= self.max_in_flight:
            raise Busy(limit=self.max_in_flight)

    def check_rate(self, uid: int) -> None:
        """Count one request against the user's per-minute rate; raise :class:`TooManyRequests` past it."""
        limit = self.per_minute
        if not limit:
            return
        now = self._clock()
        if len(self._recent) > RATE_WINDOWS_SWEEP_AT:  # forget users idle for a minute (bounded memory)
            for idle in [u for u, w in self._recent.items() if not w or now - w[-1] >= 60.0]:
                del self._recent[idle]
        window = self._recent[uid]
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= limit:
            raise TooManyRequests(retry_after=max(1, int(60.0 - (now - window[0])) + 1))
        window.append(now)

    def hold(self, uid: int) -> None:
        """Take one of the user's in-flight slots (see :meth:`release`)."""
        self._in_flight[uid] += 1

    def release(self, uid: int) -> None:
        """Give back one of the user's in-flight slots."""
        self._in_flight[uid] -= 1
        if self._in_flight[uid] <= 0:
            del self._in_flight[uid]

    def untold(self, uid: int, notices: Iterable[str]) -> list[str]:
        """The notices not yet said to this user in this process, now marked as said."""
        fresh = [n for n in notices if (uid, n) not in self._told]
        if len(self._told) > TOLD_MAX:  # start over rather than grow forever
            self._told.clear()
        self._told.update((uid, n) for n in fresh)
        return fresh

    def forget(self, uid: int) -> None:
        """Drop what is kept about a forgotten user."""
        self._recent.pop(uid, None)

"""Flow control in the adapter: a per-chat send pacer and a per-user cap on requests in progress.

PTB's AIORateLimiter keeps the bot under Telegram's global limits (30/s, 20/min per group) but does
not pace private chats (≈1 message/s) and cannot keep one chat's messages in order. :class:`ChatPacer`
does both: one FIFO lock and one token bucket per chat. :class:`UserGate` stops one user from
occupying more than a few workers with synthesis or cloning (the service has its own cap too).
:class:`SpeakingSlots` bounds the speaking requests of the whole process: past ``TELEGRAM_MAX_SPEAKING`` a new
one is refused at once with a short "busy, try again in a moment" (:class:`BotBusy`), never queued unseen;
cheap updates (buttons, /help) don't take a slot and are always handled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import AIORateLimiter

from core.errors import Busy



#: The bot's own overall rate: Telegram allows about 30 calls a second; a tenth under it, a burst of 200 voice
#: notes drew no 429 in ``python -m bench burst`` (at 30 it drew 29, and each one stops all sending for a second).
OVERALL_MESSAGES_PER_SECOND = 27

#: How many calls may go out back to back after a quiet spell. aiolimiter's bucket holds a whole second's rate by
#: default: 27 calls at once, then 27 a second, which Telegram's own bucket (about 30) answers with 429s when the
#: event loop releases its requests in a clump (38 of them in a 200-chat burst on PostgreSQL). A bucket of 3 keeps
#: the same rate, evenly spaced.
OVERALL_BURST = 3

#: The share of the bot's overall rate that must be free for a chat action to be sent at all.
CHAT_ACTION_HEADROOM = 1 / 3


class RateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, except that chat actions never stand in the way of messages.

    ``record_voice`` is repeated every few seconds while synthesizing. A chat action is sent only when
    the bot's overall budget has room to spare (a third of it free), no message is waiting for it, and the
    voice notes the bot owes soon (``backlog()``: the speaking requests in progress) fit in a third of a second's
    budget; otherwise it is skipped (the status is cosmetic, a voice note is what the user waits for: in a burst
    of 200 chats, each chat action sent delayed every later note by 1/27 s). A chat action that is sent doesn't
    use up a group's 20 messages a minute, but still counts toward the bot's overall rate and still waits out a
    RetryAfter. (Only the limiter's view of the request changes; the request itself is sent unchanged.)
    """

    #: Chat actions skipped because messages needed the budget (for tests and the burst bench).
    skipped_chat_actions = 0

    def __init__(self, *args: Any, backlog: Callable[[], int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backlog = backlog

    def _room_for_chat_action(self) -> bool:
        limiter = getattr(self, "_base_limiter", None)
        if limiter is None:
            return True
        if self._backlog is not None:
            per_second = limiter.max_rate / limiter.time_period
            if self._backlog() > per_second * CHAT_ACTION_HEADROOM:
                return False
        waiting = getattr(limiter, "_waiters", None)
        return not waiting and limiter.has_capacity(limiter.max_rate * CHAT_ACTION_HEADROOM)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint == "sendChatAction":
            if not self._room_for_chat_action():
                self.skipped_chat_actions += 1
                return True  # what Telegram answers to a chat action
            data = {"chat_id": 0}  # a chat, but not a group
        return await super().process_request(callback=callback, args=args, kwargs=kwargs, endpoint=endpoint,
                                              data=data, rate_limit_args=rate_limit_args)


@dataclass
class _Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float
    stamp: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatPacer:
    """Per-chat token bucket: sends to one chat go out in order and at most at the chat's rate."""

    def __init__(self, *, private_per_second: float = 1.0, private_burst: int = 3,
                 group_per_minute: float = 20.0, group_burst: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._private = (private_per_second, float(max(1, private_burst)))
        self._group = (group_per_minute / 60.0, float(max(1, group_burst)))
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def _bucket(self, chat_id: int) -> _Bucket:
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            if len(self._buckets) > 20_000:
                self._prune()
            rate, burst = self._group if chat_id < 0 else self._private
            bucket = self._buckets[chat_id] = _Bucket(rate=rate, burst=burst, tokens=burst, stamp=self._clock())
        return bucket

    def _prune(self) -> None:
        now = self._clock()
        for chat_id, b in list(self._buckets.items()):
            if b.users == 0 and b.tokens + (now - b.stamp) * b.rate >= b.burst:
                del self._buckets[chat_id]

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's turn: waits for earlier sends to this chat and for a token."""
        bucket = self._bucket(chat_id)
        bucket.users += 1
        try:
            async with bucket.lock:
                now = self._clock()
                bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.stamp) * bucket.rate)
                bucket.stamp = now
                if bucket.tokens < 1.0:
                    await asyncio.sleep((1.0 - bucket.tokens) / bucket.rate)
                    now = self._clock()
                    bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.stamp) * bucket.rate)
                    bucket.stamp = now
                bucket.tokens -= 1.0
                yield
        finally:
            bucket.users -= 1


#: PTB's updates in flight: every speaking slot, plus room for cheap updates (buttons, /help) at the same time.
CHEAP_UPDATE_HEADROOM = 64


class BotBusy(Busy):
    """The process is speaking for as many requests as it can finish (``limit``); this one is refused."""

    code = "speaking_busy"


#: How many accepted speaking requests synthesize and encode at once; the others wait their turn with the chat's
#: "recording a voice note" status showing. All 200 of a burst at once took longer (p95 19 s against 15.6 s) and
#: 500 at once held 402 MiB: they share two cores, so each finishes later and holds its buffers longer.
WORKING_AT_ONCE = 128


class SpeakingSlots:
    """At most ``limit`` speaking requests in progress in the process; the next gets :class:`BotBusy` at once.
    Of those, :meth:`working` lets :data:`WORKING_AT_ONCE` make their audio at a time."""

    def __init__(self, limit: int, working: int = WORKING_AT_ONCE) -> None:
        self.limit = max(1, limit)
        self.active = 0
        self.refused = 0  # for tests and the burst bench
        self._working = asyncio.Semaphore(max(1, min(working, self.limit)))

    @asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Wait for a turn to make audio (the request was accepted and its chat shows it is being worked on)."""
        async with self._working:
            yield

    @asynccontextmanager
    async def enter(self) -> AsyncIterator[None]:
        if self.active >= self.limit:
            self.refused += 1
            raise BotBusy(limit=self.limit)
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1


class UserGate:
    """At most ``limit`` requests of one user in progress; the next gets :class:`core.errors.Busy`."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._active: dict[int, int] = {}

    def active(self, user_id: int) -> int:
        return self._active.get(user_id, 0)

    @asynccontextmanager
    async def enter(self, user_id: int) -> AsyncIterator[None]:
        if self._active.get(user_id, 0) >= self.limit:
            raise Busy(limit=self.limit)
        self._active[user_id] = self._active.get(user_id, 0) + 1
        try:
            yield
        finally:
            left = self._active[user_id] - 1
            if left:
                self._active[user_id] = left
            else:
                del self._active[user_id]

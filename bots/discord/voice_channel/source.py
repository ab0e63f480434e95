"""The one long-lived ``AudioSource`` of a guild's voice connection.

The voice sender (``sender.py``) calls :meth:`StreamingOpusSource.read` every 20 ms and sends whatever
it returns; ``b""`` ends playback for good. So the source must never block and must tell "nothing to
say right now" (Opus silence) from "the end" (``b""``):

* asyncio pushes ready 20 ms Opus packets with :meth:`push` (each batch tagged with the queue item
  it belongs to) and marks an item's end with :meth:`end_item`;
* :meth:`read` pops the next packet, returns ``OPUS_SILENCE`` on underrun, and ``b""`` only after
  :meth:`finish` once everything was read, or at once after :meth:`stop`;
* :meth:`drop` removes one item's packets (``/skip``) or all of them (``/clear``, a disconnect)
  without ending the source: the next read is silence or the next item.

Events the player needs (an item was heard to its end, the buffer ran dry) are reported through
``on_event``, called **from the reader thread**; the guild player wraps it with
``loop.call_soon_threadsafe`` so nothing of asyncio is touched from that thread. They happen once per
item, not per packet.

Thread safety: one ``threading.Lock`` guards the deque and the counters; every critical section is
O(1) or a bounded copy of a push batch, so the reader never waits on the producer for long.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import discord

from bots.discord.opus import (
    OPUS_SILENCE,  # b"\xf8\xff\xfe", the same frame as discord.opus.OPUS_SILENCE
)

log = logging.getLogger(__name__)

#: Event names passed to ``on_event(name, tag)``.
EVENT_ITEM_STARTED = "started"  # the first packet of an item was read
EVENT_ITEM_DONE = "done"  # the end marker of an item was read (everything before it was sent)
EVENT_DRAINED = "drained"  # the buffer just became empty (underrun or idle begins)

_END = object()  # the end-of-item marker in the deque
ALL = object()  # drop(ALL): every item


@dataclass(slots=True)
class SourceStats:
    """Counters since the source was made (read by tests, the bench and /voice status)."""

    packets: int = 0  # queued packets handed to the player
    silence: int = 0  # underrun silence frames handed to the player
    underruns: int = 0  # times the buffer ran dry while an item was still expected
    dropped: int = 0  # packets removed by drop()
    first_packet_at: float | None = None  # perf_counter of the first queued packet read


class StreamingOpusSource(discord.AudioSource):
    """An ``is_opus()`` source fed from asyncio; see the module doc for the contract."""

    def __init__(self, *, on_event: Callable[[str, Hashable], None] | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[Hashable, object]] = collections.deque()
        self._finished = False
        self._stopped = False
        self._current: Hashable | None = None  # the tag of the last packet read
        self._was_empty = True
        self._counts: collections.Counter[Hashable] = collections.Counter()  # queued packets per tag
        self._on_event = on_event
        self._clock = clock
        self.stats = SourceStats()

    # --- discord.AudioSource ------------------------------------------------------------------

    def is_opus(self) -> bool:
        return True

    def read(self) -> bytes:
        """The next 20 ms packet; ``OPUS_SILENCE`` on underrun; ``b""`` only at the real end. Never blocks."""
        events: list[tuple[str, Hashable]] = []
        with self._lock:
            if self._stopped:
                return b""
            data: bytes | None = None
            while self._queue:
                tag, item = self._queue.popleft()
                if item is _END:
                    events.append((EVENT_ITEM_DONE, tag))
                    if self._current == tag:
                        self._current = None
                    continue
                if tag != self._current:
                    self._current = tag
                    events.append((EVENT_ITEM_STARTED, tag))
                data = item  # type: ignore[assignment]
                self._counts[tag] -= 1
                if self._counts[tag] <= 0:
                    del self._counts[tag]
                break
            if data is not None:
                self.stats.packets += 1
                if self.stats.first_packet_at is None:
                    self.stats.first_packet_at = self._clock()
                self._was_empty = False
            elif self._finished:
                self._stopped = True
                data = b""
            else:
                self.stats.silence += 1
                if not self._was_empty:
                    self._was_empty = True
                    if self._current is not None:
                        self.stats.underruns += 1
                    events.append((EVENT_DRAINED, self._current))
                data = OPUS_SILENCE
        self._emit(events)
        return data

    def cleanup(self) -> None:
        """Called by discord.py when its player ends; the source stays usable for a new ``play()``."""

    # --- fed from asyncio ---------------------------------------------------------------------

    def push(self, packets: Iterable[bytes], tag: Hashable = None) -> int:
        """Queue ready Opus packets of item ``tag``; returns how many. Ignored after stop()/finish()."""
        batch = [(tag, bytes(p)) for p in packets if p]
        if not batch:
            return 0
        with self._lock:
            if self._stopped or self._finished:
                return 0
            self._queue.extend(batch)
            self._counts[tag] += len(batch)
        return len(batch)

    def end_item(self, tag: Hashable) -> None:
        """Mark the end of item ``tag``: ``EVENT_ITEM_DONE`` fires when the reader gets here."""
        with self._lock:
            if not (self._stopped or self._finished):
                self._queue.append((tag, _END))

    def drop(self, tag: Hashable = ALL) -> int:
        """Remove the queued packets of item ``tag`` (all items if no tag given); returns how many.

        The source keeps running (silence, or the next item's packets). A dropped item's end
        marker goes too, so its ``done`` event never fires: the caller knows it dropped it.
        """
        with self._lock:
            if tag is ALL:
                removed = sum(self._counts.values())
                self._queue.clear()
                self._counts.clear()
                self._current = None
            else:
                removed = self._counts.pop(tag, 0)
                self._queue = collections.deque(entry for entry in self._queue if entry[0] != tag)
                if self._current == tag:
                    self._current = None
            self.stats.dropped += removed
        return removed

    def finish(self) -> None:
        """No more packets will come: once the queue is read, ``read()`` returns ``b""``."""
        with self._lock:
            self._finished = True

    def stop(self) -> None:
        """End now: queued packets are dropped and the next ``read()`` returns ``b""``."""
        with self._lock:
            self._stopped = True
            self.stats.dropped += sum(self._counts.values())
            self._queue.clear()
            self._counts.clear()

    # --- state --------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Queued packets not yet read (end markers excluded)."""
        with self._lock:
            return sum(self._counts.values())

    def pending_for(self, tag: Hashable) -> int:
        """Queued packets of item ``tag``."""
        with self._lock:
            return self._counts.get(tag, 0)

    @property
    def pending_seconds(self) -> float:
        return self.pending * 0.02

    @property
    def current(self) -> Hashable | None:
        """The item whose packet was read last (None between items)."""
        with self._lock:
            return self._current

    @property
    def ended(self) -> bool:
        """True once ``read()`` has returned (or will return) ``b""``."""
        with self._lock:
            return self._stopped

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._finished or self._stopped

    # --- internals ----------------------------------------------------------------------------

    def _emit(self, events: list[tuple[str, Hashable]]) -> None:
        if not events or self._on_event is None:
            return
        for name, tag in events:
            try:
                self._on_event(name, tag)
            except Exception:  # never let a callback kill the sender thread
                log.exception("voice source event handler failed")


__all__ = [
    "ALL", "EVENT_DRAINED", "EVENT_ITEM_DONE", "EVENT_ITEM_STARTED", "OPUS_SILENCE", "SourceStats",
    "StreamingOpusSource",
]

"""A fair speech queue for one guild: pure asyncio, no Discord.

Fairness rule: **the author served least recently goes next** (FIFO within an author). It is
round-robin between the people who are waiting, with one refinement over a rotating list: someone
who has not spoken yet (or not for a while) goes before a person who was just served, even if they
posted a moment later. So with A1 A2 A3 queued and B1 arriving while A1 plays, the order is
A1 B1 A2 A3 — a plain rotation would play A2 first. Ties (nobody served yet) go by arrival.

Bounds: at most ``per_user`` waiting items per author and ``total`` per guild; a full queue raises
:class:`QueueFull` / :class:`UserQueueFull` (both :class:`core.errors.Busy`, with their own sentence).
Items older than ``ttl`` seconds are dropped instead of being spoken (a reply to a conversation
that moved on minutes ago is noise); ``on_drop`` is called for each item that leaves the queue
without being served (expired, cleared, removed) so its owner can free what it holds.

A *continuation* (:meth:`FairQueue.follow`: the next part of one answer, e.g. a talking character's next sentence)
is served straight after the item it follows when that was the last one served, before anyone else, so one answer
is heard as a whole; while the rest of the answer is still being written, :meth:`FairQueue.hold_after` keeps the
turn (nobody else's item is served after that one until its continuation comes or the hold is released).

``skip`` is decided here (who may skip: the author, or a manager) and carried out by whoever runs
the items (the guild player registers ``on_skip``). The clock is injectable for tests.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from core.errors import Busy, NotFound, PermissionDenied

T = TypeVar("T")

DEFAULT_PER_USER = 5
DEFAULT_TOTAL = 50
DEFAULT_TTL = 120.0


class UserQueueFull(Busy):
    """This author already has ``limit`` items waiting."""

    code = "busy"


class QueueFull(Busy):
    """The guild's queue holds ``limit`` items."""

    code = "voice_queue_full"


@dataclass(eq=False, slots=True)
class QueueItem(Generic[T]):
    """One waiting (or playing) request."""

    id: int
    author: Hashable
    payload: T
    enqueued_at: float
    label: str = ""
    skipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class FairQueue(Generic[T]):
    """Per-guild queue: least-recently-served author first, FIFO per author, bounded, expiring."""

    def __init__(self, *, per_user: int = DEFAULT_PER_USER, total: int = DEFAULT_TOTAL,
                 ttl: float | None = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic,
                 on_drop: Callable[[QueueItem[T], str], None] | None = None,
                 on_skip: Callable[[QueueItem[T]], None] | None = None) -> None:
        if per_user < 1 or total < 1:
            raise ValueError("queue bounds must be at least 1")
        self.per_user = per_user
        self.total = total
        self.ttl = ttl
        self._clock = clock
        self.on_drop = on_drop
        self.on_skip = on_skip
        self._by_author: dict[Hashable, collections.deque[QueueItem[T]]] = {}
        self._last_served: dict[Hashable, int] = {}
        self._serves = 0
        self._ids = itertools.count(1)
        self._size = 0
        self._last_id: int | None = None  # the item served last (continuations of it go first)
        self._holds: set[int] = set()  # items whose author keeps the turn after them (hold_after)
        self._changed = asyncio.Event()
        #: Items handed out by get() and not yet marked done (the one being heard first).
        self.current: list[QueueItem[T]] = []

    # --- adding -------------------------------------------------------------------------------

    def put(self, author: Hashable, payload: T, *, label: str = "", **extra: Any) -> QueueItem[T]:
        """Queue ``payload`` for ``author``; raises ``UserQueueFull`` / ``QueueFull`` (nothing changes)."""
        self.expire()
        waiting = self._by_author.get(author)
        if waiting is not None and len(waiting) >= self.per_user:
            raise UserQueueFull(limit=self.per_user)
        if self._size >= self.total:
            raise QueueFull(limit=self.total)
        item = QueueItem(id=next(self._ids), author=author, payload=payload, enqueued_at=self._clock(),
                         label=label, extra=dict(extra))
        self._by_author.setdefault(author, collections.deque()).append(item)
        self._size += 1
        self._changed.set()
        return item

    def follow(self, item: QueueItem[T], after: QueueItem[T]) -> None:
        """Make waiting ``item`` a continuation of ``after`` (the same author's): when ``after`` was the last item
        served, ``item`` goes next, before anyone else (if it is at the head of its author's queue)."""
        if item.author != after.author:
            raise ValueError("an item can only continue its own author's")
        item.extra["follows"] = after.id

    def hold_after(self, item: QueueItem[T]) -> None:
        """Keep the turn after ``item`` for its author (more of one answer is coming): once ``item`` was served,
        nobody else's item is, until a continuation of it is queued or :meth:`release_hold` is called."""
        self._holds.add(item.id)

    def release_hold(self, item: QueueItem[T]) -> None:
        """End :meth:`hold_after`: the others' items may go after ``item`` again."""
        self._holds.discard(item.id)
        self._changed.set()

    @staticmethod
    def _continues(items: collections.deque[QueueItem[T]] | list[QueueItem[T]], last: int | None) -> bool:
        return last is not None and bool(items) and items[0].extra.get("follows") == last

    # --- taking -------------------------------------------------------------------------------

    def _pick_author(self) -> Hashable | None:
        for author, items in self._by_author.items():
            if self._continues(items, self._last_id):
                return author
        if self._last_id in self._holds:
            return None  # the rest of that answer is still being written
        best: Hashable | None = None
        best_key: tuple[int, int] | None = None
        for author, items in self._by_author.items():
            if not items:
                continue
            key = (self._last_served.get(author, -1), items[0].id)
            if best_key is None or key < best_key:
                best, best_key = author, key
        return best

    def get_nowait(self) -> QueueItem[T] | None:
        """The next item in fair order (expired ones are dropped first), or None if empty."""
        self.expire()
        author = self._pick_author()
        if author is None:
            return None
        items = self._by_author[author]
        item = items.popleft()
        if not items:
            del self._by_author[author]
        self._size -= 1
        self._serves += 1
        self._last_served[author] = self._serves
        self._last_id = item.id
        self._prune_history()
        self.current.append(item)
        return item

    async def get(self) -> QueueItem[T]:
        """Wait for the next item."""
        while True:
            item = self.get_nowait()
            if item is not None:
                return item
            self._changed.clear()
            await self._changed.wait()

    async def wait_nonempty(self, timeout: float | None = None) -> bool:
        """Wait until something is queued (True) or ``timeout`` passes (False); takes nothing."""
        self.expire()
        if self._size:
            return True
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass
        self.expire()
        return self._size > 0

    def done(self, item: QueueItem[T]) -> None:
        """The item was heard to its end (or abandoned): it is no longer current."""
        try:
            self.current.remove(item)
        except ValueError:
            pass

    # --- removing -----------------------------------------------------------------------------

    def expire(self) -> list[QueueItem[T]]:
        """Drop waiting items older than ``ttl``; returns them."""
        if self.ttl is None or not self._size:
            return []
        cutoff = self._clock() - self.ttl
        gone: list[QueueItem[T]] = []
        for author in list(self._by_author):
            items = self._by_author[author]
            while items and items[0].enqueued_at <= cutoff:
                gone.append(items.popleft())
            if not items:
                del self._by_author[author]
        self._size -= len(gone)
        for item in gone:
            self._dropped(item, "expired")
        return gone

    def clear(self, author: Hashable | None = None) -> list[QueueItem[T]]:
        """Remove every waiting item (or one author's); the item being heard is not touched."""
        gone: list[QueueItem[T]] = []
        for who in list(self._by_author):
            if author is not None and who != author:
                continue
            gone.extend(self._by_author.pop(who))
        self._size -= len(gone)
        gone.sort(key=lambda i: i.id)
        for item in gone:
            self._dropped(item, "cleared")
        return gone

    def remove(self, item_id: int) -> QueueItem[T] | None:
        """Remove one waiting item by id."""
        for author, items in self._by_author.items():
            for item in items:
                if item.id == item_id:
                    items.remove(item)
                    if not items:
                        del self._by_author[author]
                    self._size -= 1
                    self._dropped(item, "removed")
                    return item
        return None

    def skip(self, requester: Hashable, *, is_manager: bool = False) -> QueueItem[T]:
        """Skip the item being heard. Its author or a manager may; raises NotFound / PermissionDenied."""
        playing = next((i for i in self.current if not i.skipped), None)
        if playing is None:
            raise NotFound(what="utterance", name="now playing")
        if playing.author != requester and not is_manager:
            raise PermissionDenied(action="action_skip_others")
        playing.skipped = True
        if self.on_skip is not None:
            self.on_skip(playing)
        return playing

    # --- looking ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    def waiting(self, author: Hashable | None = None) -> int:
        if author is None:
            return self._size
        return len(self._by_author.get(author, ()))

    def snapshot(self) -> list[QueueItem[T]]:
        """Waiting items in the order they would be served now (no side effects)."""
        queues = {a: list(items) for a, items in self._by_author.items() if items}
        served = dict(self._last_served)
        serves = self._serves
        last = self._last_id
        order: list[QueueItem[T]] = []
        while queues:
            author = next((a for a, items in queues.items() if self._continues(items, last)), None)
            if author is None:
                author = min(queues, key=lambda a: (served.get(a, -1), queues[a][0].id))
            order.append(queues[author].pop(0))
            last = order[-1].id
            if not queues[author]:
                del queues[author]
            serves += 1
            served[author] = serves
        return order

    def position(self, item: QueueItem[T]) -> int | None:
        """1-based place among waiting items, or None if it is not waiting."""
        for index, other in enumerate(self.snapshot(), start=1):
            if other is item:
                return index
        return None

    # --- internals ----------------------------------------------------------------------------

    def _dropped(self, item: QueueItem[T], reason: str) -> None:
        if self.on_drop is not None:
            self.on_drop(item, reason)

    def _prune_history(self) -> None:
        if len(self._last_served) <= 1000:
            return
        # Forget the longest-ago authors who are not waiting: they simply count as "not served yet".
        idle = sorted((n, a) for a, n in self._last_served.items() if a not in self._by_author)
        for _, author in idle[: len(self._last_served) - 500]:
            del self._last_served[author]


__all__ = ["DEFAULT_PER_USER", "DEFAULT_TOTAL", "DEFAULT_TTL", "FairQueue", "QueueFull", "QueueItem",
           "UserQueueFull"]

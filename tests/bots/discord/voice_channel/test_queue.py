"""FairQueue: fairness, bounds, expiry with an injected clock, skip, clear."""

from __future__ import annotations

import asyncio

import pytest

from bots.discord.voice_channel.queue import FairQueue, QueueFull, UserQueueFull
from core.errors import Busy, NotFound, PermissionDenied
from core.i18n import error_text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drain(queue: FairQueue) -> list[str]:
    out = []
    while (item := queue.get_nowait()) is not None:
        out.append(item.payload)
        queue.done(item)
    return out


def test_round_robin_between_users_fifo_within_each() -> None:
    queue: FairQueue[str] = FairQueue(per_user=10)
    for payload in ["a1", "a2", "a3"]:
        queue.put("A", payload)
    queue.put("B", "b1")
    queue.put("B", "b2")
    queue.put("C", "c1")
    assert [i.payload for i in queue.snapshot()] == ["a1", "b1", "c1", "a2", "b2", "a3"]
    assert drain(queue) == ["a1", "b1", "c1", "a2", "b2", "a3"]


def test_someone_arriving_while_a_chatty_user_is_served_goes_next() -> None:
    """A plain rotation would play A2 before B1 here; least-recently-served plays B1."""
    queue: FairQueue[str] = FairQueue(per_user=10)
    queue.put("A", "a1")
    queue.put("A", "a2")
    queue.put("A", "a3")
    first = queue.get_nowait()
    assert first is not None and first.payload == "a1"
    queue.put("B", "b1")  # posted while a1 is heard
    assert drain(queue) == ["b1", "a2", "a3"]


def test_history_keeps_fairness_across_an_empty_queue() -> None:
    queue: FairQueue[str] = FairQueue()
    queue.put("A", "a1")
    assert drain(queue) == ["a1"]
    queue.put("A", "a2")
    queue.put("B", "b1")  # B has never been served: before A's second message
    assert drain(queue) == ["b1", "a2"]


def test_per_user_bound_is_a_busy_error_and_changes_nothing() -> None:
    queue: FairQueue[str] = FairQueue(per_user=2, total=10)
    queue.put("A", "a1")
    queue.put("A", "a2")
    with pytest.raises(UserQueueFull) as err:
        queue.put("A", "a3")
    assert isinstance(err.value, Busy)
    assert "2" in error_text(err.value, "en")
    assert len(queue) == 2
    queue.put("B", "b1")  # others are not affected
    assert len(queue) == 3


def test_overall_bound_has_its_own_sentence() -> None:
    import bots.discord.voice_channel.strings  # noqa: F401  (registers the voice channel's sentences)

    queue: FairQueue[str] = FairQueue(per_user=5, total=3)
    for who in "ABC":
        queue.put(who, who)
    with pytest.raises(QueueFull) as err:
        queue.put("D", "d")
    assert isinstance(err.value, Busy)
    for lang in ("en", "zh", "ja"):
        assert "3" in error_text(err.value, lang)
    assert error_text(err.value, "en") != error_text(Busy(limit=3), "en")
    assert len(queue) == 3


def test_items_expire_with_an_injected_clock_and_are_reported() -> None:
    clock = Clock()
    dropped: list[tuple[str, str]] = []
    queue: FairQueue[str] = FairQueue(ttl=120, clock=clock, on_drop=lambda i, why: dropped.append((i.payload, why)))
    queue.put("A", "old")
    clock.now += 100
    queue.put("B", "new")
    clock.now += 30  # "old" is 130 s old, "new" 30 s
    assert drain(queue) == ["new"]
    assert dropped == [("old", "expired")]


def test_expiry_frees_room_for_new_items() -> None:
    clock = Clock()
    queue: FairQueue[str] = FairQueue(per_user=1, ttl=10, clock=clock)
    queue.put("A", "a1")
    with pytest.raises(Busy):
        queue.put("A", "a2")
    clock.now += 11
    queue.put("A", "a2")
    assert drain(queue) == ["a2"]


def test_skip_by_author_or_manager_only() -> None:
    skipped: list[str] = []
    queue: FairQueue[str] = FairQueue(on_skip=lambda item: skipped.append(item.payload))
    with pytest.raises(NotFound):
        queue.skip("A")
    queue.put("A", "a1")
    queue.put("B", "b1")
    playing = queue.get_nowait()
    assert playing is not None and playing.payload == "a1"
    with pytest.raises(PermissionDenied):
        queue.skip("B")
    assert queue.skip("A").payload == "a1"
    assert skipped == ["a1"]
    queue.done(playing)
    nxt = queue.get_nowait()
    assert nxt is not None
    assert queue.skip("C", is_manager=True).payload == "b1"
    assert skipped == ["a1", "b1"]


def test_skip_targets_the_item_being_heard_not_the_prefetched_one() -> None:
    queue: FairQueue[str] = FairQueue()
    queue.put("A", "a1")
    queue.put("B", "b1")
    heard = queue.get_nowait()
    prefetched = queue.get_nowait()  # synthesis of the next item already started
    assert heard and prefetched
    assert queue.skip("B", is_manager=True) is heard
    assert queue.skip("B") is prefetched  # now the first not-skipped one


def test_clear_all_or_one_author_releases_each_item() -> None:
    dropped: list[str] = []
    queue: FairQueue[str] = FairQueue(on_drop=lambda i, why: dropped.append(f"{i.payload}:{why}"))
    queue.put("A", "a1")
    queue.put("B", "b1")
    queue.put("A", "a2")
    assert [i.payload for i in queue.clear("A")] == ["a1", "a2"]
    assert dropped == ["a1:cleared", "a2:cleared"]
    assert len(queue) == 1
    queue.clear()
    assert len(queue) == 0 and dropped[-1] == "b1:cleared"


def test_remove_and_position() -> None:
    queue: FairQueue[str] = FairQueue()
    a1 = queue.put("A", "a1")
    a2 = queue.put("A", "a2")
    b1 = queue.put("B", "b1")
    assert [queue.position(i) for i in (a1, b1, a2)] == [1, 2, 3]
    assert queue.remove(b1.id) is b1
    assert queue.position(a2) == 2 and queue.position(b1) is None
    assert queue.waiting("A") == 2 and queue.waiting() == 2


async def test_get_waits_for_a_put() -> None:
    queue: FairQueue[str] = FairQueue()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put("A", "a1")
    item = await asyncio.wait_for(getter, 2)
    assert item.payload == "a1"
    assert await queue.wait_nonempty(0.01) is False

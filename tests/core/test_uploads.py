"""core.uploads: the per-user gate and the process-wide byte budget of clone uploads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from core.errors import AudioTooLarge, Busy
from core.i18n import error_text
from core.models import UserRef
from core.uploads import (
    CloneInProgress,
    CloneUploads,
    UploadsBusy,
    clone_uploads,
    install_clone_uploads,
)

KB = 1024
ALICE = UserRef(platform="telegram", user_id="1")
BOB = UserRef(platform="discord", user_id="1")  # same id on another platform: another user


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def idle(uploads: CloneUploads) -> bool:
    return uploads.users_in_flight == 0 and uploads.reserved_bytes == 0 and uploads.parked == 0


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


# --- the gate --------------------------------------------------------------------------------


def test_one_upload_per_user_and_its_message() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    first = uploads.open(ALICE, 10 * KB)
    with pytest.raises(CloneInProgress) as err:
        uploads.open(ALICE, 1)
    assert isinstance(err.value, Busy)  # adapters rate-limit "busy" answers to a flooding user
    assert "already have a voice clone in progress" in error_text(err.value, "en")
    assert "进行中" in error_text(err.value, "zh") or "正在进行" in error_text(err.value, "zh")
    assert "進行中" in error_text(err.value, "ja")
    other = uploads.open(BOB, 10 * KB)  # another user (and another platform's user 1) is not blocked
    assert uploads.users_in_flight == 2 and uploads.reserved_bytes == 20 * KB
    first.release()
    first.release()  # idempotent
    uploads.open(ALICE).release()  # the turn is free again
    other.release()
    assert idle(uploads)


def test_budget_is_reserved_before_and_refusal_holds_nothing() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    a = uploads.open(ALICE, 70 * KB)
    with pytest.raises(UploadsBusy) as err:
        uploads.open(BOB, 40 * KB)
    assert "try again in a minute" in error_text(err.value, "en")
    assert uploads.users_in_flight == 1 and uploads.reserved_bytes == 70 * KB  # Bob holds nothing, not even a turn
    with pytest.raises(AudioTooLarge):  # larger than the whole budget: could never fit
        uploads.open(BOB, 101 * KB)
    a.reserve(10 * KB)  # shrinking gives bytes back
    b = uploads.open(BOB, 40 * KB)
    with pytest.raises(UploadsBusy):
        b.reserve(95 * KB)
    assert b.reserved == 40 * KB  # a refused growth keeps what was held
    a.release()
    b.release()
    assert idle(uploads)
    with pytest.raises(RuntimeError):
        b.reserve(1)


async def test_slot_is_released_after_success_error_and_cancellation() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    async with uploads.slot(ALICE, 5 * KB) as slot:
        assert uploads.in_flight(ALICE) and slot.reserved == 5 * KB
    assert idle(uploads)

    with pytest.raises(ValueError):
        async with uploads.slot(ALICE, 5 * KB):
            raise ValueError("boom")
    assert idle(uploads)

    entered = asyncio.Event()

    async def waits_forever() -> None:
        async with uploads.slot(ALICE, 5 * KB):
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(waits_forever())
    await entered.wait()
    assert uploads.users_in_flight == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert idle(uploads)


# --- reading a download ----------------------------------------------------------------------


async def test_collect_grows_and_shrinks_the_reservation() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    async with uploads.slot(ALICE, 1 * KB) as slot:  # declared 1 KB, 30 KB arrive: accounted as they come
        data = await slot.collect(chunks(b"a" * 10 * KB, b"", b"b" * 20 * KB), limit=50 * KB)
        assert data == b"a" * 10 * KB + b"b" * 20 * KB
        assert slot.reserved == uploads.reserved_bytes == 30 * KB
    async with uploads.slot(ALICE, 50 * KB) as slot:  # declared more than arrives: shrunk to the real size
        await slot.collect(chunks(b"x" * KB), limit=50 * KB)
        assert uploads.reserved_bytes == KB
    assert idle(uploads)


async def test_collect_stops_reading_past_the_limit_whatever_was_declared() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    produced: list[int] = []
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                produced.append(4 * KB)
                yield b"z" * 4 * KB
        finally:
            closed.set()

    with pytest.raises(AudioTooLarge) as err:
        async with uploads.slot(ALICE, KB) as slot:
            await slot.collect(endless(), limit=20 * KB)
    assert err.value.params["limit"] == 20 * KB
    assert sum(produced) <= 24 * KB  # stopped at the first chunk past the limit
    assert closed.is_set()  # and the source was closed at once (its connection goes with it)
    assert idle(uploads)


async def test_collect_past_the_budget_is_busy() -> None:
    uploads = CloneUploads(budget_bytes=50 * KB)
    other = uploads.open(BOB, 30 * KB)
    with pytest.raises(UploadsBusy):
        async with uploads.slot(ALICE, KB) as slot:  # declared 1 KB; 25 KB arrive; only 20 KB left
            await slot.collect(chunks(*[b"q" * 5 * KB] * 5), limit=1000 * KB)
    assert uploads.reserved_bytes == 30 * KB and uploads.users_in_flight == 1
    other.release()
    assert idle(uploads)


async def test_collect_over_http_stops_reading_an_endless_response() -> None:
    """A server that would send forever: the client stops reading a little past the limit."""
    sent = 0
    done = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            while sent < 512 * 1024 * 1024:
                await response.write(b"\0" * 64 * KB)
                sent += 64 * KB
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            done.set()
        return response

    app = web.Application()
    app.router.add_get("/file", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    uploads = CloneUploads()
    try:
        async with httpx.AsyncClient() as client:

            async def body() -> AsyncIterator[bytes]:
                async with client.stream("GET", f"http://127.0.0.1:{port}/file") as response:
                    async for chunk in response.aiter_bytes():
                        yield chunk

            with pytest.raises(AudioTooLarge):
                async with uploads.slot(ALICE, KB) as slot:
                    await asyncio.wait_for(slot.collect(body(), limit=2 * 1024 * KB), 20)
            await asyncio.wait_for(done.wait(), 20)  # the connection was closed: the server stopped
        assert sent < 64 * 1024 * KB  # far less than the server would have sent
        assert idle(uploads)
    finally:
        await runner.cleanup()


# --- waiting for consent -----------------------------------------------------------------------


def test_parked_bytes_keep_the_turn_until_taken() -> None:
    clock = Clock()
    uploads = CloneUploads(budget_bytes=100 * KB, hold_seconds=180, clock=clock)
    slot = uploads.open(ALICE, 20 * KB)
    uploads.park("tok", slot, b"d" * 10 * KB)
    assert uploads.parked == 1 and uploads.reserved_bytes == 10 * KB  # the real size
    with pytest.raises(CloneInProgress):  # the user's turn is held while the button waits
        uploads.open(ALICE)
    assert uploads.take("tok", BOB) is None  # not Bob's
    taken = uploads.take("tok", ALICE)
    assert taken is slot and taken.data == b"d" * 10 * KB
    assert uploads.take("tok", ALICE) is None  # only once
    assert uploads.users_in_flight == 1  # still held by whoever took it …
    taken.release()  # … until they release it
    assert idle(uploads) and taken.data is None


async def test_a_parked_slot_survives_its_context_manager() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    async with uploads.slot(ALICE, KB) as slot:
        uploads.park("tok", slot, b"x" * KB)
    assert uploads.users_in_flight == 1 and uploads.parked == 1
    uploads.discard("tok")
    uploads.discard("tok")
    assert idle(uploads)


def test_parked_bytes_expire_and_free_the_budget() -> None:
    clock = Clock()
    uploads = CloneUploads(budget_bytes=100 * KB, hold_seconds=180, clock=clock)
    uploads.park("tok", uploads.open(ALICE, KB), b"x" * 60 * KB)
    with pytest.raises(UploadsBusy):
        uploads.open(BOB, 50 * KB)
    clock.now += 179
    assert uploads.parked == 1
    clock.now += 1
    bob = uploads.open(BOB, 50 * KB)  # the expired bytes were given back first
    assert uploads.take("tok", ALICE) is None
    assert not uploads.in_flight(ALICE)
    bob.release()
    assert idle(uploads)


async def test_parked_bytes_are_dropped_on_time_without_any_other_call() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB, hold_seconds=0.05)
    slot = uploads.open(ALICE, KB)
    uploads.park("tok", slot, b"x" * KB)
    await asyncio.sleep(0.2)
    assert slot.released and slot.data is None  # the timer released it (no call into uploads needed)
    assert idle(uploads)


def test_drop_user_releases_their_parked_uploads() -> None:
    uploads = CloneUploads(budget_bytes=100 * KB)
    uploads.park("a", uploads.open(ALICE, KB), b"x")
    uploads.park("b", uploads.open(BOB, KB), b"y")
    uploads.drop_user(ALICE)
    assert uploads.take("a", ALICE) is None and uploads.parked == 1
    uploads.drop_user("discord:1")
    assert idle(uploads)


def test_one_instance_per_owner() -> None:
    class Service:
        pass

    service, other = Service(), Service()
    assert clone_uploads(service) is clone_uploads(service)
    assert clone_uploads(service) is not clone_uploads(other)
    small = install_clone_uploads(service, CloneUploads(budget_bytes=KB))
    assert clone_uploads(service) is small

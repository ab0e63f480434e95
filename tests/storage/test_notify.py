"""storage.notify: two stores on one PostgreSQL, as two processes have, hear each other's changes through
LISTEN/NOTIFY; a listening connection that is killed comes back and tells its listeners to drop everything."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest

from core.changes import (
    CHARACTERS,
    DICTIONARY,
    EVERYTHING,
    FORGET,
    IDENTITY,
    KEYS,
    SCOPE,
    SETTINGS,
    VOICE_DELETED,
    VOICES,
    Change,
    NoChanges,
)
from core.models import SettingsPatch
from storage import Store
from storage.notify import NOTICES, SILENT, PgChanges, asyncpg_dsn, decode, encode, open_changes
from tests.storage.fixtures import KEY, make_voice

WAIT = 2.0  # seconds a notice may take to arrive (it takes milliseconds)


class Heard:
    """Records what a feed's listeners hear."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def __call__(self, change: Change) -> None:
        self.changes.append(change)

    async def wait_for(self, predicate: Callable[[list[Change]], bool], timeout: float = WAIT) -> None:
        async def poll() -> None:
            while not predicate(self.changes):
                await asyncio.sleep(0.02)

        try:
            await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            pytest.fail(f"not heard within {timeout} s; heard {self.changes}")

    async def heard(self, *expected: Change) -> None:
        await self.wait_for(lambda got: all(c in got for c in expected))


@pytest.fixture
def pg_url(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()


@pytest.fixture
async def two(pg_url: str, secret_key: bytes) -> AsyncIterator[tuple[Store, Store, Any, Any]]:
    """Two stores (process A and process B) on one PostgreSQL, each with its feed."""
    a = await Store.open(pg_url, secret_key)
    b = await Store.open(pg_url, secret_key, upgrade=False)
    feed_a = await open_changes(a, retry_min=0.5)
    feed_b = await open_changes(b, retry_min=0.5)
    try:
        yield a, b, feed_a, feed_b
    finally:
        for closer in (feed_a.aclose, feed_b.aclose, a.close, b.close):
            await closer()


@pytest.mark.postgres
async def test_what_one_store_writes_the_other_hears(two) -> None:
    a, b, feed_a, feed_b = two
    assert isinstance(feed_b, PgChanges) and feed_b.listening.is_set()
    heard_b, heard_a = Heard(), Heard()
    feed_b.subscribe(heard_b)
    feed_a.subscribe(heard_a)

    uid = await a.get_or_create_user("test", "42")
    other = await a.get_or_create_user("test2", "43")
    await a.update_user_settings(uid, speed=1.5)
    await a.set_api_key(uid, KEY, "fp")
    await a.set_pronunciation("user:1", "GIF", "jif", limit=100)
    await a.update_scope_options("test:7", join_on_speak=True)  # goes through edit_scope_options: one notice
    await a.create_character("test:7", "Kurisu", SettingsPatch(), uid)
    voice = await make_voice(a, uid)
    await a.delete_voice(uid, voice.name)
    await a.link_identity(other, uid)
    await a.forget_user(uid)
    await heard_b.heard(Change(SETTINGS, str(uid)), Change(KEYS, str(uid)), Change(DICTIONARY, "user:1"),
                        Change(SCOPE, "test:7"), Change(CHARACTERS, "test:7"), Change(VOICES, str(uid)),
                        Change(VOICE_DELETED, f"{uid}:{voice.id}"), Change(IDENTITY), Change(FORGET, str(uid)))
    assert heard_b.changes.count(Change(SCOPE, "test:7")) == 1
    # what a store only reads, or writes that nobody caches, sends nothing
    other = await a.get_or_create_user("test", "44")
    await a.add_usage(other, 10)
    await a.get_user_settings(other)
    await b.update_user_settings(other, gain=1.0)  # B's own change: A hears it, B does not hear itself
    await heard_a.heard(Change(SETTINGS, str(other)))
    assert Change(SETTINGS, str(other)) not in heard_b.changes
    assert heard_a.changes == [Change(SETTINGS, str(other))]


@pytest.mark.postgres
async def test_a_killed_listening_connection_comes_back_and_drops_everything(two, pg_url: str) -> None:
    a, b, feed_a, feed_b = two
    heard = Heard()
    feed_b.subscribe(heard)
    pid = feed_b._conn.get_server_pid()
    admin = await asyncpg.connect(asyncpg_dsn(pg_url), timeout=5)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    # a change made while B is not listening (it waits retry_min = 0.5 s before reconnecting) is lost to it…
    uid = await a.get_or_create_user("test", "1")
    await a.update_user_settings(uid, speed=2.0)
    # …so once it listens again it tells its listeners to drop everything, and hears what comes next
    await heard.heard(EVERYTHING)
    assert feed_b.connections == 2
    await a.update_scope_options("test:9", join_on_speak=False)
    await heard.heard(Change(SCOPE, "test:9"))


@pytest.mark.postgres
async def test_a_feed_that_cannot_listen_keeps_trying_and_publishing_never_raises(pg_url: str,
                                                                                 secret_key: bytes) -> None:
    store = await Store.open(pg_url, secret_key)
    try:
        feed = PgChanges("postgresql://nobody@127.0.0.1:1/none", lambda c, p: _fail(), retry_min=0.05,
                         retry_max=0.1, connect_timeout=0.5)
        await feed.start()  # returns after connect_timeout, still trying
        assert not feed.listening.is_set()
        await feed.publish(Change(SETTINGS, "1"))  # logged, not raised: the change itself is stored
        await feed.aclose()
    finally:
        await store.close()


async def _fail() -> None:
    raise ConnectionRefusedError


async def test_sqlite_has_no_feed(sqlite_url: str, secret_key: bytes) -> None:
    async with await Store.open(sqlite_url, secret_key) as store:
        feed = await open_changes(store)
        assert isinstance(feed, NoChanges)
        assert "update_user_settings" not in vars(store)  # nothing wrapped: no other process to tell


def test_every_write_of_the_store_says_whether_others_must_hear_of_it() -> None:
    """A new write method must be listed in NOTICES (what others drop) or SILENT (nothing cached)."""
    writers = {name for name, fn in inspect.getmembers(Store, inspect.iscoroutinefunction)
               if not name.startswith("_") and "_write()" in inspect.getsource(fn)}
    assert writers - set(NOTICES) - SILENT == set()
    assert set(NOTICES) <= {name for name, _ in inspect.getmembers(Store, inspect.iscoroutinefunction)}


def test_notices_round_trip_and_foreign_payloads_are_ignored() -> None:
    change = Change(SCOPE, "x" * 500)
    origin, decoded = decode(encode("me", change))  # type: ignore[misc]
    assert origin == "me" and decoded.topic == SCOPE and len(decoded.key) == 200
    for junk in ("", "nope", "[]", '{"o": 1, "t": "scope", "k": ""}', '{"t": "scope"}'):
        assert decode(junk) is None

"""No lost writes, no "database is locked": concurrent adapters on one database (both engines)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from core.models import SettingsPatch
from storage import Store

WRITERS = 50


async def test_two_adapters_update_different_fields_without_losing_writes(db_url: str, secret_key: bytes) -> None:
    """Telegram and Discord adapters (two Store objects) change different fields of one user at once."""
    async with await Store.open(db_url, secret_key) as telegram, await Store.open(db_url, secret_key) as discord:
        for round_ in range(15):
            uid = await telegram.get_or_create_user("telegram", f"u{round_}")
            await asyncio.gather(
                telegram.update_user_settings(uid, voice=f"voice{round_}"),
                discord.update_user_settings(uid, speed=1.0 + round_ / 100),
                telegram.update_user_settings(uid, gain=-1.0 * round_ / 10),
                discord.update_user_settings(uid, language="ja"),
                discord.update_user_settings(uid, style=f"style{round_}"),
            )
            expected = SettingsPatch(voice=f"voice{round_}", speed=1.0 + round_ / 100, gain=-1.0 * round_ / 10,
                                     language="ja", style=f"style{round_}")
            assert await telegram.get_user_settings(uid) == expected
            assert await discord.get_user_settings(uid) == expected


async def test_concurrent_scope_option_merges_keep_every_key(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as a, await Store.open(db_url, secret_key) as b:
        scope = "discord:42"
        await asyncio.gather(*(
            (a if i % 2 else b).update_scope_options(scope, **{f"k{i}": i}) for i in range(40)))
        assert await a.get_scope_options(scope) == {f"k{i}": i for i in range(40)}
        # deletes and sets racing on different keys
        await asyncio.gather(*(
            (a if i % 2 else b).update_scope_options(scope, **{f"k{i}": None if i < 20 else -i})
            for i in range(40)))
        assert await b.get_scope_options(scope) == {f"k{i}": -i for i in range(20, 40)}


async def _writer(store: Store, n: int, results: list[int]) -> None:
    """One busy writer: a new user, settings, usage, a key, shared scope options and a shared counter."""
    uid = await store.get_or_create_user("discord", f"writer{n}")
    await store.update_user_settings(uid, voice=f"v{n}")
    await asyncio.sleep(random.random() / 100)
    await store.add_usage(uid, n)
    await store.set_api_key(uid, f"sk-writer-key-{n:04d}-abcdef", f"fp{n}")
    await store.update_scope_options("discord:shared", **{f"w{n}": True})
    shared = await store.get_or_create_user("discord", "everyone")
    await store.add_usage(shared, 1)
    assert await store.get_user_settings(uid) == SettingsPatch(voice=f"v{n}")
    results.append(uid)


async def _check_writers(store: Store) -> None:
    async def check(n: int) -> None:
        uid = await store.find_user("discord", f"writer{n}")
        assert uid is not None
        assert await store.get_usage(uid) == (n, 1, n, 1)
        assert await store.get_api_key(uid) == f"sk-writer-key-{n:04d}-abcdef"

    await asyncio.gather(*(check(n) for n in range(WRITERS)))
    shared = await store.find_user("discord", "everyone")
    assert shared is not None
    assert (await store.get_usage(shared))[:2] == (WRITERS, WRITERS)
    assert await store.get_scope_options("discord:shared") == {f"w{n}": True for n in range(WRITERS)}


async def test_fifty_concurrent_writers_one_store(store: Store) -> None:
    results: list[int] = []
    await asyncio.gather(*(_writer(store, n, results) for n in range(WRITERS)))
    assert len(set(results)) == WRITERS
    await _check_writers(store)


async def test_fifty_concurrent_writers_two_stores_one_database(db_url: str, secret_key: bytes) -> None:
    """Two Store objects on one SQLite file: each has its own writer; BEGIN IMMEDIATE + busy_timeout
    make them take turns instead of raising "database is locked"."""
    async with await Store.open(db_url, secret_key) as a, await Store.open(db_url, secret_key) as b:
        results: list[int] = []
        await asyncio.gather(*(_writer(a if n % 2 else b, n, results) for n in range(WRITERS)))
        assert len(set(results)) == WRITERS
        await _check_writers(b)


async def test_concurrent_usage_increments_are_exact(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as a, await Store.open(db_url, secret_key) as b:
        uid = await a.get_or_create_user("telegram", "1")
        await asyncio.gather(*((a if i % 2 else b).add_usage(uid, i) for i in range(100)))
        assert await a.get_usage(uid) == (sum(range(100)), 100, sum(range(100)), 100)


async def test_two_stores_open_a_new_sqlite_file_at_once(data_dir: Path, secret_key: bytes) -> None:
    """Two processes starting together both run the migrations: one waits, neither fails."""
    url = f"sqlite+aiosqlite:///{data_dir / 'fresh' / 'voicebridge.db'}"
    stores = await asyncio.gather(*(Store.open(url, secret_key) for _ in range(3)))
    try:
        ids = await asyncio.gather(*(s.get_or_create_user("telegram", "1") for s in stores))
        assert len(set(ids)) == 1
    finally:
        for s in stores:
            await s.close()


@pytest.mark.parametrize("mode", ["same-store", "other-store"])
async def test_readers_see_committed_writes_immediately(db_url: str, secret_key: bytes, mode: str) -> None:
    async with await Store.open(db_url, secret_key) as a, await Store.open(db_url, secret_key) as b:
        reader = a if mode == "same-store" else b
        uid = await a.get_or_create_user("telegram", "1")
        for i in range(20):
            await a.update_user_settings(uid, speed=1.0 + i / 10)
            assert (await reader.get_user_settings(uid)).speed == 1.0 + i / 10

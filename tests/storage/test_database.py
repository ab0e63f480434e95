"""The base of every repository (storage.database): open and close, ping, the schema revision, the
secret key checked at open, and nothing lost across a restart; on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging

import pytest
from cryptography.fernet import Fernet

from core.errors import ConfigError, SecretKeyMismatch
from core.models import SettingsPatch
from storage import Store, head_revision
from tests.storage.fixtures import KEY, make_voice


async def test_dialect_ping_and_revision(store: Store, db_url: str) -> None:
    assert store.dialect == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
    await store.ping()
    assert await store.schema_revision() == head_revision()


async def test_context_manager_and_double_close(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as store:
        await store.ping()
    await store.close()  # idempotent


async def test_bad_secret_key_is_a_config_error(db_url: str) -> None:
    with pytest.raises(ConfigError) as err:
        await Store.open(db_url, b"not a fernet key")
    assert "VOICEBRIDGE_SECRET_KEY" in str(err.value)


async def test_in_memory_sqlite(secret_key: bytes) -> None:
    """``sqlite+aiosqlite://`` works too (one shared connection), e.g. for quick experiments."""
    async with await Store.open("sqlite+aiosqlite://", secret_key) as store:
        uids = await asyncio.gather(*(store.get_or_create_user("cli", str(i % 3)) for i in range(12)))
        assert len(set(uids)) == 3
        await asyncio.gather(*(store.update_user_settings(uids[0], **{f: v})
                               for f, v in (("voice", "anna"), ("speed", 2.0), ("gain", 1.0))))
        assert await store.get_user_settings(uids[0]) == SettingsPatch(voice="anna", speed=2.0, gain=1.0)


async def test_another_secret_is_refused_at_open_and_nothing_is_logged(
        db_url: str, secret_key: bytes, caplog: pytest.LogCaptureFixture) -> None:
    # (it used to open, and every stored key silently read as absent; see tests/storage/test_keyring.py)
    async with await Store.open(db_url, secret_key) as store:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_api_key(uid, KEY, "fp")
    caplog.set_level(logging.DEBUG)
    other = Fernet.generate_key()
    with pytest.raises(SecretKeyMismatch) as err:
        await Store.open(db_url, other)
    assert "\n" not in str(err.value) and "rotate-key" in str(err.value)
    for secret in (KEY, secret_key.decode(), other.decode()):
        assert secret not in caplog.text and secret not in str(err.value)
    async with await Store.open(db_url, secret_key) as store:
        assert await store.get_api_key(uid) == KEY


async def test_restart_keeps_everything(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as store:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_ui_language(uid, "zh")
        await store.update_user_settings(uid, voice="speech:kurisu", speed=0.8, gain=-2.5, language="ja",
                                         style="温柔")
        await store.update_scope_settings("telegram:-100", voice="bella")
        await store.update_scope_options("telegram:-100", autoread=True)
        voice = await make_voice(store, uid, "Kurisu")
        await store.set_api_key(uid, KEY, "fp")
        char = await store.create_character("telegram:-100", "Amadeus", SettingsPatch(voice="alex"), uid)
        await store.add_usage(uid, 321)
        before = await store.export_all()

    async with await Store.open(db_url, secret_key) as store:
        assert await store.find_user("telegram", "1") == uid
        assert await store.get_ui_language(uid) == "zh"
        assert await store.get_user_settings(uid) == SettingsPatch(
            voice="speech:kurisu", speed=0.8, gain=-2.5, language="ja", style="温柔")
        assert await store.get_scope_settings("telegram:-100") == SettingsPatch(voice="bella")
        assert await store.get_scope_options("telegram:-100") == {"autoread": True}
        assert await store.get_voice(uid, "kurisu") == voice
        assert await store.get_api_key(uid) == KEY
        assert await store.get_character("telegram:-100", "amadeus") == char
        assert (await store.get_usage(uid))[:2] == (321, 1)
        after = await store.export_all()
    assert after["tables"] == before["tables"]


# --- units of work (_write_unit / _read_unit) ----------------------------------------------------


async def test_a_write_unit_commits_when_it_returns_and_leaves_nothing_when_it_raises(store: Store) -> None:
    import sqlalchemy as sa

    from storage import schema

    def add(conn: sa.Connection, fail: bool) -> int:
        conn.execute(sa.insert(schema.users).values(platform="cli", platform_user_id="unit",
                                                    created_at=schema.utcnow()))
        if fail:
            raise RuntimeError("half-done")
        return conn.execute(sa.select(sa.func.count()).select_from(schema.users)).scalar_one()

    with pytest.raises(RuntimeError):
        await store._write_unit(lambda conn: add(conn, True))
    assert await store.find_user("cli", "unit") is None  # rolled back: nothing half-done
    assert await store._write_unit(lambda conn: add(conn, False)) >= 1
    uid = await store.find_user("cli", "unit")
    assert uid is not None
    assert await store._read_unit(
        lambda conn: conn.execute(sa.select(schema.users.c.platform_user_id)
                                  .where(schema.users.c.id == uid)).scalar_one()) == "unit"


async def test_on_a_sqlite_file_units_run_whole_in_threads_of_their_own(store: Store, db_url: str) -> None:
    import threading

    where = await store._write_unit(lambda conn: threading.current_thread().name)
    read_where = await store._read_unit(lambda conn: threading.current_thread().name)
    if db_url.startswith("sqlite"):
        assert where.startswith("sqlite-writer") and read_where.startswith("sqlite-reader")
    else:
        assert where == read_where == threading.current_thread().name  # PostgreSQL: on the async connection


async def test_write_units_and_async_writes_are_one_queue_and_lose_nothing(store: Store) -> None:
    """Usage added through units of work, interleaved with async writes of the same user's settings: every
    increment counted, every write kept."""
    uid = await store.get_or_create_user("cli", "many")
    await asyncio.gather(*(store.add_usage(uid, 10) for _ in range(40)),
                         *(store.update_user_settings(uid, speed=1.0 + i / 100) for i in range(10)))
    today_bytes, today_requests, *_ = await store.get_usage(uid)
    assert (today_bytes, today_requests) == (400, 40)
    assert (await store.get_user_settings(uid)).speed is not None


async def test_close_stops_the_unit_threads(db_url: str, secret_key: bytes) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL runs its units on the async connection: no threads")
    store = await Store.open(db_url, secret_key)
    await store.get_or_create_user("cli", "x")  # a read and a write: both pools have started a thread
    threads = [*store._writer_thread._threads, *store._reader_threads._threads]
    assert threads
    await store.close()
    for thread in threads:
        await asyncio.to_thread(thread.join, 5)
        assert not thread.is_alive()


async def test_no_free_connection_within_the_pool_timeout_is_storage_unavailable(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pooled connection in use for the whole pool timeout (an overloaded process): the request gets the
    "storage unavailable, try again" answer, not an internal error."""
    from core.errors import StorageUnavailable

    pool = store._reader.pool
    monkeypatch.setattr(pool, "_timeout", 0.2)
    held = []
    try:
        for _ in range(pool.size() + max(0, pool._max_overflow)):
            conn = store._reader.connect()
            await conn.start()
            held.append(conn)
        with pytest.raises(StorageUnavailable):
            await store.ping()
    finally:
        for conn in held:
            await conn.close()
    await store.ping()  # connections back: fine again

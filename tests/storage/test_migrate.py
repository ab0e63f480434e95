"""Migrations (storage.migrate): idempotent on empty databases, data kept from 0001, 0002 downgrades;
the migrations create exactly what storage.schema describes."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import Store, head_revision, upgrade
from storage.engine import create_engine
from tests.storage.fixtures import CONSENT


async def test_migrations_on_empty_sqlite_are_idempotent(data_dir: Path, sqlite_url: str, secret_key: bytes) -> None:
    # different databases migrating at once in one process (Alembic's context is process-global)
    await asyncio.gather(*(upgrade(f"sqlite+aiosqlite:///{data_dir / f'other{i}.db'}") for i in range(4)))
    await upgrade(sqlite_url)
    await upgrade(sqlite_url)
    await asyncio.gather(upgrade(sqlite_url), upgrade(sqlite_url))
    await _assert_schema_matches_models(sqlite_url)
    async with await Store.open(sqlite_url, secret_key, upgrade=False) as store:
        assert await store.schema_revision() == head_revision()


@pytest.mark.postgres
async def test_migrations_on_empty_postgres_are_idempotent(make_pg_database, secret_key: bytes) -> None:
    url = make_pg_database()
    async with await Store.open(url, secret_key, upgrade=False) as store:
        assert await store.schema_revision() is None
    await asyncio.gather(upgrade(url), upgrade(url), upgrade(url))  # concurrent starts are serialised
    await upgrade(url)
    await _assert_schema_matches_models(url)
    async with await Store.open(url, secret_key) as store:
        assert await store.schema_revision() == head_revision()
        uid = await store.get_or_create_user("telegram", "1")
        assert uid == 1


async def _assert_schema_matches_models(url: str) -> None:
    """The hand-written migrations create exactly what storage.schema describes."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.schema import metadata

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    finally:
        await engine.dispose()
    assert diff == []


async def _migrate(url: str, target: str, *, down: bool = False) -> None:
    """Alembic upgrade or downgrade to ``target`` (the app itself only ever upgrades to head)."""
    from alembic import command

    from storage.migrate import alembic_config

    step = command.downgrade if down else command.upgrade
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: step(alembic_config(sync), target))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_upgrade_from_0001_keeps_the_data_and_0002_downgrades(dialect, data_dir: Path, secret_key: bytes,
                                                                     request) -> None:
    url = (f"sqlite+aiosqlite:///{data_dir / 'old.db'}" if dialect == "sqlite"
           else request.getfixturevalue("make_pg_database")())
    await _migrate(url, "0001")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO users (id, platform, platform_user_id, created_at) "
                                       "VALUES (1, 'telegram', '7', :now)"), {"now": CONSENT})
            await conn.execute(sa.text("INSERT INTO usage (user_id, day, bytes, requests) VALUES (1, :d, 500, 3)"),
                               {"d": date(2025, 5, 5)})
    finally:
        await engine.dispose()
    async with await Store.open(url, secret_key) as store:  # upgrades to head on open
        assert await store.schema_revision() == head_revision()
        assert await store.get_usage(1, day=date(2025, 5, 5)) == (500, 3, 500, 3)
        assert await store.get_operator_bytes(1, day=date(2025, 5, 5)) == 0
        await store.set_pronunciation("user:1", "gif", "jif", limit=10)
    await _assert_schema_matches_models(url)
    await _migrate(url, "0001", down=True)
    async with await Store.open(url, secret_key) as store:
        assert await store.get_usage(1, day=date(2025, 5, 5)) == (500, 3, 500, 3)
        assert await store.list_pronunciations("user:1") == []  # the 0002 tables were dropped and made again

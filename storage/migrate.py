"""Alembic, run from code: no ``alembic.ini`` is needed on disk.

``await upgrade(url)`` brings a database to the newest schema; the app calls it at start
(:meth:`storage.store.Store.open`) and ``voicebridge db upgrade`` calls it too. It is safe to run
from several processes at once: on SQLite the migration runs inside ``BEGIN IMMEDIATE`` (one
writer at a time), on PostgreSQL under a transaction-scoped advisory lock.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import create_engine, ensure_sqlite_wal, safe_url

log = logging.getLogger("voicebridge.storage")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: An arbitrary constant: the PostgreSQL advisory lock that serialises concurrent upgrades.
_PG_MIGRATION_LOCK = 7_310_492_001
#: Alembic keeps its running context in module globals: one migration at a time per process
#: (across event loops and threads), even for different databases.
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config built in code, pointing at the packaged migrations."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _upgrade_sync(connection: Connection) -> tuple[str | None, str | None]:
    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(alembic_config(connection), "head")
    after = MigrationContext.configure(connection).get_current_revision()
    return before, after


async def upgrade_connection(conn: AsyncConnection) -> None:
    """Apply pending migrations on ``conn``, which must be inside a transaction (the caller commits)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    if await current_revision(conn) == head_revision():
        return  # the usual start: nothing to do
    while not _ALEMBIC_LOCK.acquire(blocking=False):  # polling: never blocks the loop, cancellable
        await asyncio.sleep(0.005)
    try:
        before, after = await conn.run_sync(_upgrade_sync)
    finally:
        _ALEMBIC_LOCK.release()
    if before is None:
        log.debug("database schema created at revision %s", after)  # a fresh install: routine
    elif before != after:
        log.info("database schema upgraded from %s to %s", before, after)


async def upgrade_engine(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await upgrade_connection(conn)


async def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (idempotent)."""
    engine = create_engine(url, role="writer")
    try:
        log.debug("applying migrations to %s", safe_url(url))
        await ensure_sqlite_wal(engine)
        await upgrade_engine(engine)
    finally:
        await engine.dispose()


def _current_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return await conn.run_sync(_current_sync)

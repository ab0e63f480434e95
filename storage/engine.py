"""Engines for SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQLite: every connection runs with WAL, ``busy_timeout`` and ``foreign_keys=ON``; SQLAlchemy (not
the sqlite3 module) emits ``BEGIN``, so a whole transaction — reads included — is one SQLite
transaction. Writer connections begin with ``BEGIN IMMEDIATE``: they take the write lock up
front, so two processes (or two :class:`~storage.store.Store` objects) on one file wait for each
other through ``busy_timeout`` instead of failing a read→write upgrade with "database is locked".

:func:`create_thread_engine` makes the synchronous twin of a SQLite file's engine (pysqlite, the same
connection settings and ``BEGIN``), for the units of work that :class:`storage.database.Database` runs whole in
a thread of their own: aiosqlite hands every statement, fetch and commit to its thread and back, and on a busy
event loop each of those hand-offs waits for a turn of the loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from core.errors import ConfigError

log = logging.getLogger("voicebridge.storage")

#: How long a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 60_000

_ALLOWED = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB"

Role = Literal["reader", "writer"]


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``sqlite://`` / ``postgresql://`` / ``postgres://`` get the async driver."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        raise ConfigError(name="VOICEBRIDGE_DATABASE_URL", allowed=_ALLOWED) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend == "sqlite" and driver in ("", "aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql" and driver in ("", "asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ConfigError(name="VOICEBRIDGE_DATABASE_URL", allowed=_ALLOWED)


def safe_url(url: str | URL) -> str:
    """The URL for logs and messages: the password is masked."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<invalid database URL>"
    return parsed.render_as_string(hide_password=True)


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or is_sqlite_memory(url):
        return None
    database = url.database or ""
    if database.startswith("file:"):
        return None  # URI filenames: the operator knows what they are doing
    return Path(database)


def _create_private_file(path: Path) -> None:
    """Create the SQLite file (and its directory) readable by this user only: the directory we create gets
    0700, a new database file 0600 — its -wal and -shm files take the file's mode. Existing ones are left
    as they are."""
    from core.secret_key import make_private_dir

    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # an empty file is an empty database
    except FileExistsError:
        return
    os.close(fd)


#: Seconds to connect to PostgreSQL, and for one statement, before the request fails (StorageUnavailable).
PG_CONNECT_TIMEOUT = 10.0
PG_COMMAND_TIMEOUT = 30.0
#: Seconds a request waits for a free pooled connection while all of them are in use (an outage fails at
#: connect, above, not here). In a burst of 500 new chats, 10 s turned 86 of them away while the queue of
#: requests was still draining; waiting is what the user would rather have.
PG_POOL_TIMEOUT = 60.0


def create_engine(url: str | URL, role: Role = "writer") -> AsyncEngine:
    """An engine for ``url``. On SQLite, ``role`` decides how transactions begin and the pool size."""
    parsed = normalize_url(url)
    common: dict[str, Any] = {"hide_parameters": True}  # bound values never reach logs or errors
    if parsed.get_backend_name() == "postgresql":
        # timeouts: an unreachable server (packets dropped) fails a request in seconds, not asyncpg's 60 s
        return create_async_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True,
                                   pool_timeout=PG_POOL_TIMEOUT,
                                   connect_args={"timeout": PG_CONNECT_TIMEOUT,
                                                 "command_timeout": PG_COMMAND_TIMEOUT}, **common)

    path = sqlite_path(parsed)
    if path is not None:
        _create_private_file(path)
    kwargs: dict[str, Any] = dict(common, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    if is_sqlite_memory(parsed):
        kwargs["poolclass"] = StaticPool
    elif role == "writer":
        kwargs.update(pool_size=1, max_overflow=0)  # the single writer connection
    else:
        kwargs.update(pool_size=5, max_overflow=10)
    engine = create_async_engine(parsed, **kwargs)
    _install_sqlite_events(engine, immediate=role == "writer")
    return engine


def create_thread_engine(url: str | URL, role: Role = "writer") -> Engine | None:
    """The synchronous engine of a SQLite file for ``role`` (one connection for the writer, four for readers),
    used from worker threads; None for PostgreSQL and in-memory SQLite (their units of work run on the async
    engine)."""
    parsed = normalize_url(url)
    if sqlite_path(parsed) is None:
        return None
    size = 1 if role == "writer" else 4
    engine = create_sync_engine(parsed.set(drivername="sqlite+pysqlite"), hide_parameters=True, pool_size=size,
                                max_overflow=0, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                              "check_same_thread": False})
    _install_sqlite_events(engine, immediate=role == "writer")
    return engine


def _install_sqlite_events(engine: AsyncEngine | Engine, *, immediate: bool) -> None:
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see the "begin" hook), not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # journal_mode=WAL is persistent in the file: ensure_sqlite_wal() sets it once at open
            cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; durable at checkpoints
        finally:
            cursor.close()

    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)


async def ensure_sqlite_wal(engine: AsyncEngine, *, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> None:
    """Switch a SQLite file to WAL (a no-op if it is already; nothing to do on PostgreSQL).

    Changing the journal mode needs an exclusive lock and SQLite does not always wait for it
    through ``busy_timeout`` (two processes creating the file at once), so this retries.
    """
    if engine.dialect.name != "sqlite" or is_sqlite_memory(engine.url):
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection  # the aiosqlite connection; no transaction is open on it
        assert driver is not None
        while True:
            try:
                cursor = await driver.execute("PRAGMA journal_mode = WAL")
                row = await cursor.fetchone()
                await cursor.close()
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or loop.time() > deadline:
                    raise
                await asyncio.sleep(0.02)
    mode = str(row[0]).lower() if row else "?"
    if mode != "wal":
        log.warning("SQLite refused WAL mode (journal_mode=%s); concurrent access will be slower", mode)

"""The base every repository builds on: open and close, the read and write plumbing, the secret key.

SQLite (the default): reads use a small pool of connections, while every write goes through one
writer connection, serialised by an :class:`asyncio.Lock` and begun with ``BEGIN IMMEDIATE``
(see :mod:`storage.engine`), so concurrent writers queue instead of failing with "database is
locked". PostgreSQL: one asyncpg pool; concurrent writers rely on row locks and upserts.

The hottest statements (a user's first sight, usage) are written as synchronous units of work and run with
:meth:`Database._write_unit` / :meth:`Database._read_unit`: on a SQLite file, whole in a thread of their own (one
hand-off instead of one per statement; in a burst of 200 new chats, each of aiosqlite's ~10 hand-offs per write
waited for a turn of a busy event loop while holding the one writer); elsewhere on the async connection.

Partial updates are single ``INSERT … ON CONFLICT DO UPDATE`` statements that set only the
columns given, so two adapters changing different fields of one row never lose each other's write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.errors import ConfigError, StorageUnavailable
from core.keys import secret_key_id  # a short, non-reversible id of the Fernet key (exports carry it too)
from storage import keyring
from storage.engine import (
    create_engine,
    create_thread_engine,
    ensure_sqlite_wal,
    is_sqlite_memory,
    normalize_url,
    safe_url,
)
from storage.migrate import current_revision, head_revision, upgrade_connection

log = logging.getLogger("voicebridge.storage")

T = TypeVar("T")


def integrity_kind(exc: IntegrityError) -> Literal["unique", "foreign_key", "other"]:
    """``unique``, ``foreign_key`` or ``other`` for an IntegrityError from either database."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code == "23505":
        return "unique"
    if code == "23503":
        return "foreign_key"
    message = str(orig).lower()
    if "unique" in message or "duplicate key" in message:
        return "unique"
    if "foreign key" in message:
        return "foreign_key"
    return "other"


@contextlib.contextmanager
def _unavailable_as_typed(state: dict[str, bool]) -> Iterator[None]:
    """The database is down, restarting, unreachable or has no free connection: :class:`StorageUnavailable`
    (the transaction rolled back, so nothing was half-done; the pool reconnects by itself once it is back), not a driver error.
    A bare OSError counts only while connecting (``state["connected"]`` False): later it is the caller's."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        log.warning("the database is unavailable: %s", type(exc.orig).__name__)
        raise StorageUnavailable() from None
    except sa.exc.TimeoutError:  # every pooled connection stayed in use for the whole pool timeout
        log.warning("the database is overloaded: no free connection within the pool timeout")
        raise StorageUnavailable() from None
    except (OSError, TimeoutError) as exc:
        if state["connected"]:
            raise
        log.warning("the database is unreachable: %s", type(exc).__name__)
        raise StorageUnavailable() from None
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning("the database connection was lost: %s", type(exc.orig).__name__)
        raise StorageUnavailable() from None


class _NoKey:
    """Stands in for the Fernet key when a store is opened without one: nothing decrypts, nothing is stored."""

    def encrypt(self, data: bytes) -> bytes:
        raise ConfigError(name="VOICEBRIDGE_SECRET_KEY", allowed="storing an API key needs a secret key, and this "
                          "command opened the database without one")

    def decrypt(self, token: bytes) -> bytes:
        raise InvalidToken


class Database:
    """The connection to the database that every repository of :class:`storage.store.Store` shares."""

    def __init__(self, *, url: str, reader: AsyncEngine, writer: AsyncEngine, secret_key: bytes | None) -> None:
        self._url = url
        self._reader = reader
        self._writer = writer
        self._dialect = writer.dialect.name
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self._dialect == "sqlite" else None
        # a SQLite file's units of work: synchronous engines, each with threads of its own
        self._thread_writer = create_thread_engine(url, "writer")
        self._thread_reader = create_thread_engine(url, "reader")
        self._writer_thread = self._reader_threads = None
        if self._thread_writer is not None:
            self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
            self._reader_threads = ThreadPoolExecutor(4, thread_name_prefix="sqlite-reader")
        self._use_key(secret_key)
        self._closed = False

    def _use_key(self, secret_key: bytes | None) -> None:
        self._fernet: Fernet | _NoKey = Fernet(secret_key) if secret_key is not None else _NoKey()
        self._secret_key_id = secret_key_id(secret_key) if secret_key is not None else None

    # --- life cycle ------------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, secret_key: bytes | None, *, upgrade: bool = True,
                   operator_key: str | None = None, next_key: bytes | None = None) -> Self:
        """Connect to ``url`` (applying migrations unless ``upgrade=False``).

        The key is checked against the one the database records (recorded on first open; see
        :mod:`storage.keyring`): another key is refused with :class:`~core.errors.SecretKeyMismatch`.
        ``secret_key`` None: no key (nothing can be stored encrypted; refused if the database holds
        keys). Legacy key fingerprints are upgraded, for the operator's key too when ``operator_key`` is
        given. ``next_key``: the pending key of an interrupted rotation, used if the database says so.
        """
        for key in (secret_key, next_key):
            if key is None:
                continue
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ConfigError(name="VOICEBRIDGE_SECRET_KEY",
                                  allowed="a Fernet key (32 url-safe base64-encoded bytes)") from None
        parsed = normalize_url(url)
        writer = create_engine(parsed, role="writer")
        if parsed.get_backend_name() == "sqlite" and not is_sqlite_memory(parsed):
            reader = create_engine(parsed, role="reader")
        else:
            reader = writer
        store = cls(url=str(url), reader=reader, writer=writer, secret_key=secret_key)
        try:
            await ensure_sqlite_wal(writer)
            if upgrade:
                async with store._write() as conn:
                    await upgrade_connection(conn)
                    await store._check_key(conn, secret_key, next_key, operator_key)
            else:
                revision = await store.schema_revision()
                if revision != head_revision():
                    log.warning("the database schema is at %s, this version expects %s: run `voicebridge db "
                                "upgrade`", revision or "nothing (empty database)", head_revision())
                else:
                    async with store._write() as conn:
                        await store._check_key(conn, secret_key, next_key, operator_key)
        except BaseException:
            await store.close()
            raise
        log.debug("store open on %s", safe_url(parsed))
        return store

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._reader is not self._writer:
            await self._reader.dispose()
        await self._writer.dispose()
        loop = asyncio.get_running_loop()
        for engine, threads in ((self._thread_writer, self._writer_thread), (self._thread_reader, self._reader_threads)):
            if engine is not None and threads is not None:
                await loop.run_in_executor(threads, engine.dispose)
                threads.shutdown(wait=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._dialect

    @property
    def url(self) -> str:
        """The database URL with the password masked (safe to log)."""
        return safe_url(self._url)

    async def ping(self) -> None:
        async with self._read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def schema_revision(self) -> str | None:
        async with self._read() as conn:
            return await current_revision(conn)

    # --- plumbing --------------------------------------------------------------------------

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        if self._reader is self._writer and self._write_lock is not None:
            # in-memory SQLite: one shared connection, so reads queue behind writes too
            async with self._write() as conn:
                yield conn
            return
        state = {"connected": False}
        with _unavailable_as_typed(state):
            async with self._reader.connect() as conn:
                state["connected"] = True
                yield conn

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; on SQLite, the only one running in this Store."""
        state = {"connected": False}
        with _unavailable_as_typed(state):
            if self._write_lock is None:
                async with self._writer.begin() as conn:
                    state["connected"] = True
                    yield conn
                return
            async with self._write_lock, self._writer.begin() as conn:
                state["connected"] = True
                yield conn

    async def _write_unit(self, work: Callable[[sa.Connection], T]) -> T:
        """``work(connection)`` as one write transaction (committed if it returns, rolled back if it raises). On a
        SQLite file it runs whole in the writer's thread, behind the same lock as :meth:`_write`."""
        if self._thread_writer is None:
            async with self._write() as conn:
                return await conn.run_sync(work)
        assert self._write_lock is not None
        async with self._write_lock:
            return await self._in_thread(self._writer_thread, self._thread_writer.begin, work)

    async def _read_unit(self, work: Callable[[sa.Connection], T]) -> T:
        """``work(connection)`` in one read transaction; on a SQLite file, whole in a reader thread."""
        if self._thread_reader is None:
            async with self._read() as conn:
                return await conn.run_sync(work)
        return await self._in_thread(self._reader_threads, self._thread_reader.connect, work)

    @staticmethod
    async def _in_thread(threads: ThreadPoolExecutor | None, open_connection: Callable[[], Any],
                         work: Callable[[sa.Connection], T]) -> T:
        def run() -> T:
            with open_connection() as conn:
                return work(conn)

        with _unavailable_as_typed({"connected": True}):
            return await asyncio.get_running_loop().run_in_executor(threads, run)

    def _insert(self, table: sa.Table) -> pg.Insert | sqlite.Insert:
        if self._dialect == "postgresql":
            return pg.insert(table)
        return sqlite.insert(table)

    # --- the secret key (storage.keyring) ----------------------------------------------------

    async def _check_key(self, conn: AsyncConnection, secret_key: bytes | None, next_key: bytes | None,
                         operator_key: str | None) -> None:
        """At open, inside its write transaction: the key matches the database's record (or becomes it)."""
        used = await keyring.check_secret_key(conn, secret_key, next_key=next_key)
        if used is not secret_key:
            self._use_key(used)
        await keyring.upgrade_fingerprints(conn, used, operator_key=operator_key)

    @property
    def secret_key_id(self) -> str | None:
        """The id of the key this store encrypts with (None: opened without one)."""
        return self._secret_key_id

    async def recorded_secret_key_id(self) -> str | None:
        """The id of the key the database records its API keys are encrypted with."""
        async with self._read() as conn:
            return await keyring.meta_get(conn, keyring.META_SECRET_KEY_ID)

    async def rotate_secret_key(self, old_key: bytes, new_key: bytes, *,
                                operator_key: str | None = None) -> keyring.RotationReport:
        """Re-encrypt every stored API key under ``new_key`` in one transaction (fingerprints upgraded
        first) and record it; this store uses ``new_key`` from then on. ``old_key`` must be the current one."""
        if secret_key_id(old_key) != self._secret_key_id:
            raise ValueError("old_key is not the key this store was opened with")
        Fernet(new_key)
        async with self._write() as conn:
            report = await keyring.rotate(conn, old_key, new_key, operator_key=operator_key)
        self._use_key(new_key)
        return report

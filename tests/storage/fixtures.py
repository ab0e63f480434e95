"""Database fixtures: the same tests on SQLite and PostgreSQL.

Fixtures (stable names; other areas' tests use them):

* ``secret_key`` — a fresh Fernet key (bytes).
* ``data_dir`` — an empty ``VOICEBRIDGE_DATA_DIR`` (``tmp_path / "data"``); the SQLite file lives here.
* ``db_url`` — parametrized ``sqlite`` / ``postgres``: a migrated, empty database.
  SQLite: ``sqlite+aiosqlite:///<data_dir>/voicebridge.db`` (migrated when a Store opens it).
  PostgreSQL: one database per test session (unique name, created from the ``postgres`` database
  on 127.0.0.1:5432, migrated once, dropped at the end), every table TRUNCATEd before each test —
  ``meta`` too, so the secret key id one test's Store recorded does not refuse the next test's key.
* ``store`` — a :class:`storage.Store` opened on ``db_url``, closed after the test.
* ``sqlite_url`` — the URL of the SQLite file in ``data_dir`` (not migrated: the first Store to open it does).
* ``make_pg_database`` — a factory returning the URL of a brand-new *empty* (unmigrated) PostgreSQL
  database; each is dropped at the end of the session.

Helpers for the storage tests: ``CONSENT`` (a consent time), ``KEY`` (an API key) and :func:`make_voice`.

PostgreSQL unreachable: the ``postgres`` cases are skipped with the reason — or fail when the
environment variable ``CI`` is set. ``VOICEBRIDGE_TEST_POSTGRES`` overrides the server
(default ``postgresql://postgres@127.0.0.1:5432/postgres``; trust auth or a password in the URL).
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from core.models import Voice
    from storage import Store

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get("VOICEBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def run_in_thread(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a private event loop in another thread.

    Lets synchronous (and session-scoped) fixtures use asyncpg without touching the test's loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _admin_dsn() -> str:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlalchemy_url(database: str) -> str:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


async def _connect(database: str | None = None) -> Any:
    import asyncpg

    dsn = _admin_dsn()
    if database is not None:
        dsn = make_url(dsn).set(database=database).render_as_string(hide_password=False)
    return await asyncpg.connect(dsn, timeout=5)


class _PostgresServer:
    """Creates and drops the test databases on one server."""

    def __init__(self) -> None:
        self.prefix = f"vb_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"{self.prefix}_{len(self.created)}"

        async def create() -> None:
            conn = await _connect()
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
                # test databases need no crash durability: commits without waiting for fsync
                await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
            finally:
                await conn.close()

        run_in_thread(create)
        self.created.append(name)
        return _sqlalchemy_url(name)

    def drop_all(self) -> None:
        async def drop() -> None:
            conn = await _connect()
            try:
                for name in self.created:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        if self.created:
            run_in_thread(drop)


def _unreachable(reason: str) -> None:
    message = f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)} is unreachable ({reason})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI is set, so this fails instead of skipping", pytrace=False)
    pytest.skip(message + "; start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
                "or run `bash scripts/test`")


@pytest.fixture(scope="session")
def _pg_server() -> Iterator[_PostgresServer]:
    async def probe() -> None:
        conn = await _connect()
        try:
            # databases left behind by a killed run (the pid in the name is gone) are dropped now
            for row in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'vb\\_test\\_%'"):
                match = re.fullmatch(r"vb_test_(\d+)_[0-9a-f]{6}_\d+", row["datname"])
                if match and not Path(f"/proc/{match.group(1)}").exists():
                    await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        finally:
            await conn.close()

    failure = None
    try:
        run_in_thread(probe)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "unreachable"
        failure = f"{type(exc).__name__}: {exc}"
    if failure is not None:
        _unreachable(failure)
    server = _PostgresServer()
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def make_pg_database(_pg_server: _PostgresServer) -> Callable[[], str]:
    """Call it to get the SQLAlchemy URL of a new, empty PostgreSQL database."""
    return _pg_server.create_database


@pytest.fixture(scope="session")
def _pg_session_url(make_pg_database: Callable[[], str]) -> str:
    from storage.migrate import upgrade

    url = make_pg_database()
    run_in_thread(lambda: upgrade(url))
    return url


def _truncate_all(url: str) -> None:
    database = make_url(url).database
    assert database is not None

    async def truncate() -> None:
        conn = await _connect(database)
        try:
            await conn.execute("SET lock_timeout = '15s'")
            # every table but Alembic's, ``meta`` (the recorded secret key id) included
            tables = [r["tablename"] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
            assert "meta" in tables, "the session database lacks the meta table"
            if tables:
                await conn.execute("TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(f'"{name}"' for name in tables)))
        finally:
            await conn.close()

    run_in_thread(truncate)


@pytest.fixture
def secret_key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, data_dir: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{data_dir / 'voicebridge.db'}"
    url: str = request.getfixturevalue("_pg_session_url")
    _truncate_all(url)
    return url


@pytest.fixture
async def store(db_url: str, secret_key: bytes) -> AsyncIterator[Any]:
    from storage import Store

    opened = await Store.open(db_url, secret_key)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'voicebridge.db'}"


# --- helpers ----------------------------------------------------------------------------------

CONSENT = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
KEY = "sk-plaintextsecretkey-0123456789abcdefWXYZ"


async def make_voice(store: Store, owner: int, name: str = "Kurisu", **kw: object) -> Voice:
    args: dict[str, object] = {"provider": "siliconflow", "provider_id": f"speech:{name}:abc:{owner}",
                               "key_fingerprint": "fp1", "transcript": "hello there", "consent_at": CONSENT}
    args.update(kw)
    return await store.add_voice(owner, name, **args)  # type: ignore[arg-type]

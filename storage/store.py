"""The only object that talks SQL: :class:`Store`.

SQLite (the default): reads use a small pool of connections, while every write goes through one
writer connection, serialised by an :class:`asyncio.Lock` and begun with ``BEGIN IMMEDIATE``
(see :mod:`storage.engine`), so concurrent writers queue instead of failing with "database is
locked". PostgreSQL: one asyncpg pool; concurrent writers rely on row locks and upserts.

Partial updates are single ``INSERT … ON CONFLICT DO UPDATE`` statements that set only the
columns given, so two adapters changing different fields of one row never lose each other's write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.errors import ConfigError, DictionaryFull, LinkCodeInvalid, NameTaken, NotFound, StorageUnavailable
from core.keys import secret_key_id  # a short, non-reversible id of the Fernet key (exports carry it too)
from core.lexicon import user_owner, word_key
from core.models import Character, CloneRequest, Pronunciation, SettingsPatch, Voice
from storage import keyring
from storage import schema as t
from storage.engine import (
    create_engine,
    ensure_sqlite_wal,
    is_sqlite_memory,
    normalize_url,
    safe_url,
)
from storage.migrate import current_revision, head_revision, upgrade, upgrade_connection

__all__ = ["Store", "secret_key_id", "upgrade"]

log = logging.getLogger("voicebridge.storage")

EXPORT_FORMAT = "voicebridge-export"
EXPORT_VERSION = 1

_SETTINGS = frozenset(t.SETTINGS_FIELDS)
_FLOAT_FIELDS = frozenset({"speed", "gain"})
#: Tables whose integer ``id`` comes from a sequence (exported, and restored by an import).
_SERIAL_TABLES = (t.users, t.voices, t.characters)


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _clean_settings(fields: Mapping[str, Any], extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    unknown = set(fields) - _SETTINGS - extra
    if unknown:
        raise ValueError(f"unknown settings field(s): {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is not None and key in _FLOAT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{key} must be a number")
            value = float(value)
        elif value is not None and key in _SETTINGS and not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        out[key] = value
    return out


def _patch(row: Any) -> SettingsPatch:
    if row is None:
        return SettingsPatch()
    m = row._mapping
    return SettingsPatch(**{f: m[f] for f in t.SETTINGS_FIELDS})


def _voice(row: Any) -> Voice:
    m = row._mapping
    return Voice(
        name=m["name"], kind="clone", provider_id=m["provider_id"], owner_id=m["owner_id"],
        key_fingerprint=m["key_fingerprint"], transcript=m["transcript"], consent_at=m["consent_at"],
        created_at=m["created_at"], id=m["id"], shared=m["shared"],
    )


def _character(row: Any) -> Character:
    m = row._mapping
    return Character(scope=m["scope"], name=m["name"], settings=_patch(row), owner_id=m["owner_id"],
                     created_at=m["created_at"], id=m["id"])


def _load_options(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        log.warning("scope options are not valid JSON; treating them as empty")
        return {}
    return value if isinstance(value, dict) else {}


def _dump_options(options: Mapping[str, Any]) -> str:
    try:
        return json.dumps(options, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scope options must be JSON-serialisable: {exc}") from None


def _integrity_kind(exc: IntegrityError) -> str:
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
    """The database is down, restarting or unreachable: :class:`StorageUnavailable` (the transaction rolled
    back, so nothing was half-done; the pool reconnects by itself once it is back), not a driver error.
    A bare OSError counts only while connecting (``state["connected"]`` False): later it is the caller's."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        log.warning("the database is unavailable: %s", type(exc.orig).__name__)
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


class Store:
    """Every read and write of voicebridge's state. Open with ``await Store.open(url, secret_key)``."""

    def __init__(self, *, url: str, reader: AsyncEngine, writer: AsyncEngine, secret_key: bytes | None) -> None:
        self._url = url
        self._reader = reader
        self._writer = writer
        self._dialect = writer.dialect.name
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self._dialect == "sqlite" else None
        self._use_key(secret_key)
        self._closed = False

    def _use_key(self, secret_key: bytes | None) -> None:
        self._fernet: Any = Fernet(secret_key) if secret_key is not None else _NoKey()
        self._secret_key_id = secret_key_id(secret_key) if secret_key is not None else None

    # --- life cycle ------------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, secret_key: bytes | None, *, upgrade: bool = True,
                   operator_key: str | None = None, next_key: bytes | None = None) -> Store:
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

    def _insert(self, table: sa.Table) -> Any:
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

    # --- users -----------------------------------------------------------------------------

    async def find_user(self, platform: str, platform_user_id: str) -> int | None:
        async with self._read() as conn:
            return await self._find_user(conn, platform, str(platform_user_id))

    @staticmethod
    async def _find_user(conn: AsyncConnection, platform: str, platform_user_id: str) -> int | None:
        """The account of a platform identity: its own id, or the account it is linked to."""
        links = t.identity_links
        row = (await conn.execute(
            sa.select(t.users.c.id, links.c.account_id)
            .select_from(t.users.outerjoin(links, links.c.identity_id == t.users.c.id))
            .where(t.users.c.platform == platform, t.users.c.platform_user_id == platform_user_id)
        )).first()
        if row is None:
            return None
        return row.account_id if row.account_id is not None else row.id

    async def identity_id(self, platform: str, platform_user_id: str) -> int | None:
        """The platform identity's own users row id (not the account it may be linked to)."""
        async with self._read() as conn:
            return (await conn.execute(
                sa.select(t.users.c.id).where(t.users.c.platform == platform,
                                              t.users.c.platform_user_id == str(platform_user_id))
            )).scalar_one_or_none()

    async def get_or_create_user(self, platform: str, platform_user_id: str) -> int:
        """The user's (account) id, creating the row on first sight (safe when two calls race)."""
        platform_user_id = str(platform_user_id)
        found = await self.find_user(platform, platform_user_id)
        if found is not None:
            return found
        async with self._write() as conn:
            stmt = self._insert(t.users).values(platform=platform, platform_user_id=platform_user_id,
                                                created_at=t.utcnow())
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["platform", "platform_user_id"]))
            user_id = await self._find_user(conn, platform, platform_user_id)
        assert user_id is not None
        return user_id

    async def get_user(self, user_id: int) -> tuple[str, str] | None:
        """``(platform, platform_user_id)`` of a user id, or None."""
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.users.c.platform, t.users.c.platform_user_id).where(t.users.c.id == user_id)
            )).first()
        return (row[0], row[1]) if row else None

    async def set_ui_language(self, user_id: int, lang: str | None) -> None:
        async with self._write() as conn:
            result = await conn.execute(
                sa.update(t.users).where(t.users.c.id == user_id).values(ui_language=lang))
        if result.rowcount == 0:
            raise NotFound(what="user", name=str(user_id))

    async def get_ui_language(self, user_id: int) -> str | None:
        async with self._read() as conn:
            return (await conn.execute(
                sa.select(t.users.c.ui_language).where(t.users.c.id == user_id))).scalar_one_or_none()

    # --- settings --------------------------------------------------------------------------

    async def get_user_settings(self, user_id: int) -> SettingsPatch:
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.user_settings).where(t.user_settings.c.user_id == user_id))).first()
        return _patch(row)

    async def update_user_settings(self, user_id: int, **fields: Any) -> SettingsPatch:
        """Change only the given fields (None clears one); returns the whole row afterwards."""
        values = _clean_settings(fields)
        if not values:
            return await self.get_user_settings(user_id)
        values["updated_at"] = t.utcnow()
        stmt = self._insert(t.user_settings).values(user_id=user_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["user_id"],
                                          set_={k: stmt.excluded[k] for k in values})
        try:
            async with self._write() as conn:
                await conn.execute(stmt)
                row = (await conn.execute(
                    sa.select(t.user_settings).where(t.user_settings.c.user_id == user_id))).first()
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None
        return _patch(row)

    async def get_scope_settings(self, scope: str) -> SettingsPatch:
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.scope_settings).where(t.scope_settings.c.scope == scope))).first()
        return _patch(row)

    async def update_scope_settings(self, scope: str, **fields: Any) -> SettingsPatch:
        values = _clean_settings(fields)
        if not values:
            return await self.get_scope_settings(scope)
        values["updated_at"] = t.utcnow()
        stmt = self._insert(t.scope_settings).values(scope=scope, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["scope"],
                                          set_={k: stmt.excluded[k] for k in values})
        async with self._write() as conn:
            await conn.execute(stmt)
            row = (await conn.execute(
                sa.select(t.scope_settings).where(t.scope_settings.c.scope == scope))).first()
        return _patch(row)

    async def get_scope_options(self, scope: str) -> dict[str, Any]:
        async with self._read() as conn:
            raw = (await conn.execute(
                sa.select(t.scope_settings.c.options).where(t.scope_settings.c.scope == scope)
            )).scalar_one_or_none()
        return _load_options(raw)

    async def update_scope_options(self, scope: str, **options: Any) -> dict[str, Any]:
        """Merge ``options`` into the scope's options (a None value deletes that key); returns the result."""
        _dump_options({k: v for k, v in options.items() if v is not None})  # fail before touching the DB

        def merge(current: dict[str, Any]) -> dict[str, Any]:
            for key, value in options.items():
                if value is None:
                    current.pop(key, None)
                else:
                    current[key] = value
            return current

        return await self.edit_scope_options(scope, merge)

    async def edit_scope_options(self, scope: str,
                                 edit: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Apply ``edit`` to the scope's options as stored now, inside one transaction; returns the result.

        ``edit`` gets the current options and returns the new ones (it must not await or have other
        effects: on PostgreSQL the row is locked meanwhile). Two concurrent edits of different entries
        (adding two auto-read channels, muting two members) both survive, unlike writing back a copy.
        """
        async with self._write() as conn:
            # Make sure the row exists, then lock it (PostgreSQL) for the read-modify-write.
            # On SQLite the writer lock and BEGIN IMMEDIATE already make this exclusive.
            await conn.execute(self._insert(t.scope_settings)
                               .values(scope=scope, options="{}", updated_at=t.utcnow())
                               .on_conflict_do_nothing(index_elements=["scope"]))
            query = sa.select(t.scope_settings.c.options).where(t.scope_settings.c.scope == scope)
            if self._dialect == "postgresql":
                query = query.with_for_update()
            current = edit(_load_options((await conn.execute(query)).scalar_one()))
            current = {k: v for k, v in current.items() if v is not None}
            await conn.execute(sa.update(t.scope_settings).where(t.scope_settings.c.scope == scope)
                               .values(options=_dump_options(current), updated_at=t.utcnow()))
        return current

    async def list_scopes_with_option(self, key: str, *, prefix: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Scopes whose options set ``key`` to a truthy value (e.g. every guild with autoread on),
        optionally only scopes starting with ``prefix`` (``"discord:"``); sorted by scope."""
        needle = json.dumps(key, ensure_ascii=False)
        query = (sa.select(t.scope_settings.c.scope, t.scope_settings.c.options)
                 .where(t.scope_settings.c.options.contains(needle, autoescape=True))
                 .order_by(t.scope_settings.c.scope))
        if prefix:
            query = query.where(t.scope_settings.c.scope.startswith(prefix, autoescape=True))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        out = []
        for scope, raw in rows:
            options = _load_options(raw)
            if options.get(key):
                out.append((scope, options))
        return out

    # --- voices ----------------------------------------------------------------------------

    async def add_voice(self, owner_id: int, name: str, *, provider: str, provider_id: str,
                        key_fingerprint: str | None, transcript: str | None,
                        consent_at: datetime) -> Voice:
        """Record a clone. Raises NameTaken if the owner already has a voice of that name (any case)."""
        if consent_at is None:
            raise ValueError("consent_at is required: a clone is stored only with consent")
        now = t.utcnow()
        values = {"owner_id": owner_id, "name": name, "name_key": t.name_key(name), "provider": provider,
                  "provider_id": provider_id, "key_fingerprint": key_fingerprint, "transcript": transcript,
                  "consent_at": consent_at, "created_at": now}
        try:
            async with self._write() as conn:
                result = await conn.execute(sa.insert(t.voices).values(**values).returning(t.voices))
                row = result.one()
        except IntegrityError as exc:
            if _integrity_kind(exc) == "unique":
                raise NameTaken(name=name) from None
            raise NotFound(what="user", name=str(owner_id)) from None
        return _voice(row)

    async def list_voices(self, owner_id: int) -> list[Voice]:
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(t.voices).where(t.voices.c.owner_id == owner_id)
                .order_by(t.voices.c.name_key, t.voices.c.id))).all()
        return [_voice(r) for r in rows]

    async def get_voice(self, owner_id: int, name: str) -> Voice | None:
        """The owner's voice called ``name`` (case-insensitive)."""
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.voices).where(t.voices.c.owner_id == owner_id,
                                          t.voices.c.name_key == t.name_key(name)))).first()
        return _voice(row) if row else None

    async def get_voice_by_id(self, voice_id: int) -> Voice | None:
        async with self._read() as conn:
            row = (await conn.execute(sa.select(t.voices).where(t.voices.c.id == voice_id))).first()
        return _voice(row) if row else None

    async def get_voice_by_provider_id(self, provider_id: str) -> Voice | None:
        """The stored clone with this ``speech:…`` URI (the oldest, should several users share one)."""
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.voices).where(t.voices.c.provider_id == provider_id)
                .order_by(t.voices.c.id).limit(1))).first()
        return _voice(row) if row else None

    async def delete_voice(self, owner_id: int, name: str) -> Voice | None:
        """Delete the owner's voice called ``name`` (case-insensitive); returns what was deleted."""
        where = (t.voices.c.owner_id == owner_id, t.voices.c.name_key == t.name_key(name))
        async with self._write() as conn:
            row = (await conn.execute(sa.select(t.voices).where(*where))).first()
            if row is None:
                return None
            await conn.execute(sa.delete(t.voices).where(t.voices.c.id == row.id))
        return _voice(row)

    async def set_voice_shared(self, owner_id: int, name: str, shared: bool | None) -> Voice | None:
        """Whether others may speak with the owner's voice ``name`` (None: the default); None if no such voice."""
        where = (t.voices.c.owner_id == owner_id, t.voices.c.name_key == t.name_key(name))
        async with self._write() as conn:
            if not (await conn.execute(sa.update(t.voices).where(*where).values(shared=shared))).rowcount:
                return None
            row = (await conn.execute(sa.select(t.voices).where(*where))).first()
        return _voice(row)

    async def list_all_voices_with_owner(self) -> list[tuple[Voice, str, str]]:
        """Every stored clone with its owner's ``(platform, platform_user_id)``, by voice id."""
        query = (sa.select(t.voices, t.users.c.platform, t.users.c.platform_user_id)
                 .join(t.users, t.users.c.id == t.voices.c.owner_id).order_by(t.voices.c.id))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [(_voice(r), r.platform, r.platform_user_id) for r in rows]

    # --- API keys --------------------------------------------------------------------------

    async def set_api_key(self, user_id: int, plaintext: str, fingerprint: str) -> None:
        """Store the user's key, Fernet-encrypted; only the last 4 characters are kept readable."""
        if not plaintext:
            raise ValueError("empty API key")
        ciphertext = self._fernet.encrypt(plaintext.encode()).decode("ascii")
        hint = plaintext[-4:] if len(plaintext) > 8 else ""
        now = t.utcnow()
        stmt = self._insert(t.api_keys).values(user_id=user_id, ciphertext=ciphertext, fingerprint=fingerprint,
                                               hint=hint, created_at=now, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id"],
            set_={k: stmt.excluded[k] for k in ("ciphertext", "fingerprint", "hint", "updated_at")})
        try:
            async with self._write() as conn:
                await conn.execute(stmt)
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None

    async def get_api_key(self, user_id: int) -> str | None:
        """The user's key in plain text, or None (none stored, or it no longer decrypts)."""
        async with self._read() as conn:
            ciphertext = (await conn.execute(
                sa.select(t.api_keys.c.ciphertext).where(t.api_keys.c.user_id == user_id))).scalar_one_or_none()
        if ciphertext is None:
            return None
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            log.warning("the stored API key of user %s cannot be decrypted (was VOICEBRIDGE_SECRET_KEY "
                        "changed?); treating it as absent", user_id)
            return None

    async def get_api_key_info(self, user_id: int) -> tuple[str, str] | None:
        """``(fingerprint, hint)`` where hint is the key's last 4 characters ("" for very short keys)."""
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.api_keys.c.fingerprint, t.api_keys.c.hint)
                .where(t.api_keys.c.user_id == user_id))).first()
        return (row[0], row[1]) if row else None

    async def clear_api_key(self, user_id: int) -> bool:
        async with self._write() as conn:
            result = await conn.execute(sa.delete(t.api_keys).where(t.api_keys.c.user_id == user_id))
        return result.rowcount > 0

    # --- characters ------------------------------------------------------------------------

    async def create_character(self, scope: str, name: str, settings: SettingsPatch,
                               owner_id: int | None) -> Character:
        values = _clean_settings(settings.as_dict())
        now = t.utcnow()
        try:
            async with self._write() as conn:
                row = (await conn.execute(
                    sa.insert(t.characters).values(scope=scope, name=name, name_key=t.name_key(name),
                                                   owner_id=owner_id, created_at=now, updated_at=now,
                                                   **values).returning(t.characters))).one()
        except IntegrityError as exc:
            if _integrity_kind(exc) == "unique":
                raise NameTaken(name=name) from None
            raise NotFound(what="user", name=str(owner_id)) from None
        return _character(row)

    async def get_character(self, scope: str, name: str) -> Character | None:
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(t.characters).where(t.characters.c.scope == scope,
                                              t.characters.c.name_key == t.name_key(name)))).first()
        return _character(row) if row else None

    async def list_characters(self, scope: str) -> list[Character]:
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(t.characters).where(t.characters.c.scope == scope)
                .order_by(t.characters.c.name_key, t.characters.c.id))).all()
        return [_character(r) for r in rows]

    async def update_character(self, scope: str, name: str, **fields: Any) -> Character:
        """Change the given settings fields (None clears one), ``new_name`` (rename) or ``owner_id``.

        Raises NotFound if there is no such character, NameTaken if a rename collides (any case).
        """
        values = _clean_settings(fields, extra=frozenset({"new_name", "owner_id"}))
        if "new_name" in values:
            new_name = values.pop("new_name")
            if not isinstance(new_name, str) or not new_name:
                raise ValueError("new_name must be a non-empty string")
            values["name"] = new_name
            values["name_key"] = t.name_key(new_name)
        values["updated_at"] = t.utcnow()
        where = (t.characters.c.scope == scope, t.characters.c.name_key == t.name_key(name))
        try:
            async with self._write() as conn:
                row = (await conn.execute(
                    sa.update(t.characters).where(*where).values(**values).returning(t.characters))).first()
        except IntegrityError as exc:
            if _integrity_kind(exc) == "unique":
                raise NameTaken(name=values["name"]) from None
            raise NotFound(what="user", name=str(values.get("owner_id"))) from None
        if row is None:
            raise NotFound(what="character", name=name)
        return _character(row)

    async def delete_character(self, scope: str, name: str) -> bool:
        async with self._write() as conn:
            result = await conn.execute(sa.delete(t.characters).where(
                t.characters.c.scope == scope, t.characters.c.name_key == t.name_key(name)))
        return result.rowcount > 0

    # --- usage -----------------------------------------------------------------------------

    async def add_usage(self, user_id: int, nbytes: int, *, day: date | None = None, requests: int = 1,
                        operator: bool = False, lent: bool = False) -> None:
        """Add ``nbytes`` billed UTF-8 bytes and ``requests`` requests to the user's (UTC) day;
        ``operator``: the operator's key paid for them (they count against the daily quota);
        ``lent``: someone else spoke them through the user's clone, on the user's own key."""
        if nbytes < 0 or requests < 0:
            raise ValueError("usage cannot be negative")
        stmt = self._insert(t.usage).values(user_id=user_id, day=day or _utc_today(), bytes=int(nbytes),
                                            requests=int(requests), operator_bytes=int(nbytes) if operator else 0,
                                            lent_bytes=int(nbytes) if lent else 0)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "day"],
            set_={name: getattr(t.usage.c, name) + getattr(stmt.excluded, name)
                  for name in ("bytes", "requests", "operator_bytes", "lent_bytes")})
        try:
            async with self._write() as conn:
                await conn.execute(stmt)
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None

    async def get_usage(self, user_id: int, *, day: date | None = None) -> tuple[int, int, int, int]:
        """``(today_bytes, today_requests, total_bytes, total_requests)``; "today" is ``day`` or the UTC day."""
        day = day or _utc_today()
        async with self._read() as conn:
            today = (await conn.execute(
                sa.select(t.usage.c.bytes, t.usage.c.requests)
                .where(t.usage.c.user_id == user_id, t.usage.c.day == day))).first()
            total = (await conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(t.usage.c.bytes), 0),
                          sa.func.coalesce(sa.func.sum(t.usage.c.requests), 0))
                .where(t.usage.c.user_id == user_id))).one()
        today_bytes, today_requests = (int(today[0]), int(today[1])) if today else (0, 0)
        return today_bytes, today_requests, int(total[0]), int(total[1])

    async def get_lent_bytes(self, user_id: int, *, day: date | None = None) -> tuple[int, int]:
        """``(today, total)`` bytes others spoke through the user's clones on the user's own key."""
        async with self._read() as conn:
            today = (await conn.execute(
                sa.select(t.usage.c.lent_bytes)
                .where(t.usage.c.user_id == user_id, t.usage.c.day == (day or _utc_today())))).scalar_one_or_none()
            total = (await conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.usage.c.lent_bytes), 0))
                                        .where(t.usage.c.user_id == user_id))).scalar_one()
        return int(today or 0), int(total)

    async def get_operator_bytes(self, user_id: int, *, day: date | None = None) -> int:
        """Bytes the operator's key paid for on ``day`` (default: the UTC day): what the quota counts."""
        async with self._read() as conn:
            value = (await conn.execute(
                sa.select(t.usage.c.operator_bytes)
                .where(t.usage.c.user_id == user_id, t.usage.c.day == (day or _utc_today())))).scalar_one_or_none()
        return int(value or 0)

    # --- forget ----------------------------------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        """Delete every row about the user (settings, voices, key, usage, dictionary, pending clone
        requests, link codes, the user itself), and the identities on other platforms linked to it.

        Characters are the guild's: the user's characters stay, with no owner. Returns the number
        of rows deleted (characters un-owned are not counted).
        """
        deleted = 0
        async with self._write() as conn:
            # identities linked to this account go too: it is one person, and their data is this account's
            links = t.identity_links
            linked = (await conn.execute(sa.select(links.c.identity_id)
                                         .where(links.c.account_id == user_id))).scalars().all()
            await conn.execute(sa.delete(links).where(
                (links.c.identity_id == user_id) | (links.c.account_id == user_id)))
            await conn.execute(sa.delete(t.link_codes).where(t.link_codes.c.user_id.in_([user_id, *linked])))
            everyone = [user_id, *linked]  # a linked identity keeps what it did not bring, unused: it goes too
            for table, column in ((t.voices, t.voices.c.owner_id), (t.api_keys, t.api_keys.c.user_id),
                                  (t.user_settings, t.user_settings.c.user_id),
                                  (t.usage, t.usage.c.user_id), (t.pending_clones, t.pending_clones.c.user_id)):
                deleted += (await conn.execute(sa.delete(table).where(column.in_(everyone)))).rowcount
            deleted += (await conn.execute(sa.delete(t.pronunciations).where(
                t.pronunciations.c.owner.in_([user_owner(u) for u in everyone])))).rowcount
            await conn.execute(sa.update(t.characters).where(t.characters.c.owner_id.in_(everyone))
                               .values(owner_id=None))
            deleted += (await conn.execute(sa.delete(t.users).where(t.users.c.id.in_(everyone)))).rowcount
        return deleted

    # --- pronunciation dictionaries ---------------------------------------------------------

    async def list_pronunciations(self, owner: str) -> list[Pronunciation]:
        """The dictionary of ``owner`` ("user:<id>" or a scope), sorted by word."""
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(t.pronunciations.c.word, t.pronunciations.c.spoken)
                .where(t.pronunciations.c.owner == owner).order_by(t.pronunciations.c.word_key))).all()
        return [Pronunciation(word=r.word, spoken=r.spoken) for r in rows]

    async def pronunciation_layers(self, *owners: str) -> list[list[Pronunciation]]:
        """The dictionaries of several owners in one query, in the order asked, each sorted by word."""
        table = t.pronunciations
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(table.c.owner, table.c.word, table.c.spoken)
                .where(table.c.owner.in_(owners)).order_by(table.c.word_key))).all()
        layers: dict[str, list[Pronunciation]] = {owner: [] for owner in owners}
        for row in rows:
            layers[row.owner].append(Pronunciation(word=row.word, spoken=row.spoken))
        return [layers[owner] for owner in owners]

    async def set_pronunciation(self, owner: str, word: str, spoken: str, *, limit: int) -> Pronunciation:
        """Add or replace ``owner``'s entry for ``word`` (any case). Raises DictionaryFull when a
        new word would make the dictionary hold more than ``limit`` entries."""
        key = word_key(word)
        table = t.pronunciations
        where = (table.c.owner == owner, table.c.word_key == key)
        stmt = self._insert(table).values(owner=owner, word_key=key, word=word, spoken=spoken,
                                          updated_at=t.utcnow())
        stmt = stmt.on_conflict_do_update(index_elements=["owner", "word_key"],
                                          set_={k: stmt.excluded[k] for k in ("word", "spoken", "updated_at")})
        async with self._write() as conn:
            exists = (await conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))).scalar_one()
            if not exists:
                count = (await conn.execute(sa.select(sa.func.count()).select_from(table)
                                            .where(table.c.owner == owner))).scalar_one()
                if count >= limit:
                    raise DictionaryFull(limit=limit)
            await conn.execute(stmt)
        return Pronunciation(word=word, spoken=spoken)

    async def delete_pronunciation(self, owner: str, word: str) -> Pronunciation | None:
        """Remove ``owner``'s entry for ``word`` (any case); returns what was removed."""
        table = t.pronunciations
        where = (table.c.owner == owner, table.c.word_key == word_key(word))
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table.c.word, table.c.spoken).where(*where))).first()
            if row is None:
                return None
            await conn.execute(sa.delete(table).where(*where))
        return Pronunciation(word=row.word, spoken=row.spoken)

    # --- clone requests awaiting consent ------------------------------------------------------

    async def add_clone_request(self, user_id: int, request: CloneRequest, *, max_per_user: int,
                                max_age: float) -> None:
        """Keep ``request`` until its owner confirms. Requests older than ``max_age`` seconds (anyone's)
        are dropped, and the owner's oldest beyond ``max_per_user``."""
        table = t.pending_clones
        now = t.utcnow()
        async with self._write() as conn:
            await conn.execute(sa.delete(table).where(table.c.created_at < now - timedelta(seconds=max_age)))
            # newest first; requests made in the same microsecond fall back to token order
            mine = (await conn.execute(sa.select(table.c.token).where(table.c.user_id == user_id)
                                       .order_by(table.c.created_at.desc(), table.c.token.desc()))).scalars().all()
            stale = list(mine[max(0, max_per_user - 1):])
            if stale:
                await conn.execute(sa.delete(table).where(table.c.token.in_(stale)))
            await conn.execute(sa.insert(table).values(
                token=request.token, user_id=user_id, chat_id=request.chat_id, name=request.name,
                transcript=request.transcript, file_ref=request.file_ref, filename=request.filename,
                created_at=now))

    async def take_clone_request(self, user_id: int, token: str, *, max_age: float) -> CloneRequest | None:
        """Remove and return the user's request ``token`` if it is younger than ``max_age`` seconds."""
        table = t.pending_clones
        where = (table.c.token == token, table.c.user_id == user_id)
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table).where(*where))).first()
            # a double tap on the button: only the press that deleted the request clones
            if row is None or (await conn.execute(sa.delete(table).where(*where))).rowcount != 1:
                return None
        if row.created_at < t.utcnow() - timedelta(seconds=max_age):
            return None
        return CloneRequest(token=row.token, name=row.name, transcript=row.transcript, file_ref=row.file_ref,
                            filename=row.filename, chat_id=row.chat_id, created_at=row.created_at)

    # --- one person on two platforms -------------------------------------------------------------

    async def create_link_code(self, user_id: int, code: str, *, max_age: float) -> None:
        """Issue ``code`` for ``user_id`` (replacing their earlier one); expired codes are dropped."""
        table = t.link_codes
        now = t.utcnow()
        async with self._write() as conn:
            await conn.execute(sa.delete(table).where(
                (table.c.user_id == user_id) | (table.c.created_at < now - timedelta(seconds=max_age))))
            await conn.execute(sa.insert(table).values(code=code, user_id=user_id, created_at=now))

    async def take_link_code(self, code: str, *, max_age: float) -> int | None:
        """The account that issued ``code`` if it is younger than ``max_age`` seconds; the code is used up."""
        table = t.link_codes
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.code == code))).first()
            # rowcount: of two concurrent takes (PostgreSQL), only the one that deleted it gets the code
            if row is None or (await conn.execute(sa.delete(table).where(table.c.code == code))).rowcount != 1:
                return None
        if row.created_at < t.utcnow() - timedelta(seconds=max_age):
            return None
        return row.user_id

    async def peek_link_code(self, code: str, *, max_age: float) -> int | None:
        """The account that issued ``code`` if it is younger than ``max_age`` seconds; the code stays valid."""
        table = t.link_codes
        async with self._read() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.code == code))).first()
        if row is None or row.created_at < t.utcnow() - timedelta(seconds=max_age):
            return None
        return row.user_id

    async def linked_identities(self, account_id: int) -> list[tuple[str, str]]:
        """``(platform, platform_user_id)`` of every identity that uses ``account_id``'s data, itself first."""
        links = t.identity_links
        async with self._read() as conn:
            own = (await conn.execute(sa.select(t.users.c.platform, t.users.c.platform_user_id)
                                      .where(t.users.c.id == account_id))).all()
            linked = (await conn.execute(
                sa.select(t.users.c.platform, t.users.c.platform_user_id)
                .select_from(links.join(t.users, t.users.c.id == links.c.identity_id))
                .where(links.c.account_id == account_id).order_by(t.users.c.platform))).all()
        return [(r[0], r[1]) for r in (*own, *linked)]

    async def is_linked(self, identity_id: int) -> bool:
        """Whether the identity uses another account, or another identity uses it."""
        links = t.identity_links
        async with self._read() as conn:
            return bool((await conn.execute(sa.select(sa.func.count()).select_from(links).where(
                (links.c.identity_id == identity_id) | (links.c.account_id == identity_id)))).scalar_one())

    async def link_identity(self, identity_id: int, account_id: int, *, code: str | None = None) -> None:
        """Make ``identity_id`` use ``account_id``'s data from now on, in one transaction.

        What the identity had moves over where the account has nothing in its place: clones
        (NameTaken if the account has a voice of the same name: nothing changes then), the API key,
        settings, dictionary entries for other words, usage (added up) and characters it created.
        What stays behind (a key or settings where the account has its own, entries for words the
        account has too) is kept under the identity, unused while linked. What moved is recorded with
        the link, so :meth:`unlink` gives it back. ``code``: the link code, used up in the same transaction
        (LinkCodeInvalid if another link took it first), so a crash leaves it valid.
        """
        uid, aid = identity_id, account_id
        v, k, st, u, p = t.voices, t.api_keys, t.user_settings, t.usage, t.pronunciations
        brought: dict[str, Any] = {}
        async with self._write() as conn:
            if code is not None and (await conn.execute(
                    sa.delete(t.link_codes).where(t.link_codes.c.code == code))).rowcount != 1:
                raise LinkCodeInvalid()
            theirs = {r.name_key: r.name for r in (await conn.execute(
                sa.select(v.c.name_key, v.c.name).where(v.c.owner_id == uid))).all()}
            clash = (await conn.execute(sa.select(v.c.name).where(
                v.c.owner_id == aid, v.c.name_key.in_(list(theirs))).limit(1))).scalar_one_or_none()
            if clash is not None:
                raise NameTaken(name=clash)
            brought["voices"] = list((await conn.execute(sa.select(v.c.id).where(v.c.owner_id == uid))).scalars())
            await conn.execute(sa.update(v).where(v.c.owner_id == uid).values(owner_id=aid))
            for table, column, what in ((k, k.c.user_id, "key"), (st, st.c.user_id, "settings")):
                has = (await conn.execute(sa.select(sa.func.count()).select_from(table)
                                          .where(column == aid))).scalar_one()
                if has:
                    continue
                # the key is remembered by its fingerprint: it is given back only if it is still this key
                marker = (await conn.execute(sa.select(k.c.fingerprint).where(k.c.user_id == uid))
                          ).scalar_one_or_none() if what == "key" else True
                if (await conn.execute(sa.update(table).where(column == uid).values({column.name: aid}))).rowcount:
                    brought[what] = marker
            for row in (await conn.execute(sa.select(u).where(u.c.user_id == uid))).all():
                stmt = self._insert(u).values(user_id=aid, day=row.day, bytes=row.bytes, requests=row.requests,
                                              operator_bytes=row.operator_bytes, lent_bytes=row.lent_bytes)
                await conn.execute(stmt.on_conflict_do_update(
                    index_elements=["user_id", "day"],
                    set_={name: getattr(u.c, name) + getattr(stmt.excluded, name)
                          for name in ("bytes", "requests", "operator_bytes", "lent_bytes")}))
            await conn.execute(sa.delete(u).where(u.c.user_id == uid))
            mine, ours = user_owner(uid), user_owner(aid)
            kept = sa.select(p.c.word_key).where(p.c.owner == ours).scalar_subquery()
            words = sa.and_(p.c.owner == mine, p.c.word_key.not_in(kept))
            brought["words"] = list((await conn.execute(sa.select(p.c.word_key).where(words))).scalars())
            await conn.execute(sa.update(p).where(words).values(owner=ours))
            chars = t.characters
            brought["characters"] = list((await conn.execute(
                sa.select(chars.c.id).where(chars.c.owner_id == uid))).scalars())
            await conn.execute(sa.update(chars).where(chars.c.owner_id == uid).values(owner_id=aid))
            for table in (t.pending_clones, t.link_codes):
                await conn.execute(sa.delete(table).where(table.c.user_id == uid))
            await conn.execute(sa.insert(t.identity_links).values(
                identity_id=uid, account_id=aid, created_at=t.utcnow(), brought=json.dumps(brought)))

    async def unlink(self, user_id: int) -> int:
        """Undo every link of ``user_id`` (as identity or as account); returns how many there were.

        Each identity gets back what it brought to the link (see :meth:`link_identity`) and still exists:
        its clones, its key (unless replaced since), settings, dictionary entries and characters. What the
        account had stays with the account; usage stays added up.
        """
        links = t.identity_links
        async with self._write() as conn:
            rows = (await conn.execute(sa.select(links).where(
                (links.c.identity_id == user_id) | (links.c.account_id == user_id)))).all()
            for row in rows:
                await self._give_back(conn, row.identity_id, row.account_id, _load_options(row.brought))
            return (await conn.execute(sa.delete(links).where(
                (links.c.identity_id == user_id) | (links.c.account_id == user_id)))).rowcount

    async def _give_back(self, conn: AsyncConnection, uid: int, aid: int, brought: Mapping[str, Any]) -> None:
        """Move what identity ``uid`` brought to account ``aid`` back to it (inside the unlink's transaction)."""
        v, k, st, p, chars = t.voices, t.api_keys, t.user_settings, t.pronunciations, t.characters
        voice_ids = [int(i) for i in brought.get("voices", [])]
        if voice_ids:
            await conn.execute(sa.update(v).where(v.c.owner_id == aid, v.c.id.in_(voice_ids)).values(owner_id=uid))
        for table, column, what in ((k, k.c.user_id, "key"), (st, st.c.user_id, "settings")):
            if brought.get(what):
                left = (await conn.execute(sa.select(sa.func.count()).select_from(table)
                                           .where(column == uid))).scalar_one()
                where = column == aid
                if what == "key":  # not a key the account set after the link
                    where = sa.and_(where, k.c.fingerprint == brought[what])
                if not left:
                    await conn.execute(sa.update(table).where(where).values({column.name: uid}))
        words = [str(w) for w in brought.get("words", [])]
        if words:
            mine = user_owner(uid)
            taken = sa.select(p.c.word_key).where(p.c.owner == mine).scalar_subquery()
            await conn.execute(sa.update(p).where(p.c.owner == user_owner(aid), p.c.word_key.in_(words),
                                                  p.c.word_key.not_in(taken)).values(owner=mine))
        char_ids = [int(i) for i in brought.get("characters", [])]
        if char_ids:
            await conn.execute(sa.update(chars).where(chars.c.owner_id == aid, chars.c.id.in_(char_ids))
                               .values(owner_id=uid))

    # --- export / import -------------------------------------------------------------------

    async def export_all(self) -> dict[str, Any]:
        """Every table as JSON-safe rows (API keys stay encrypted), plus the schema revision."""
        async with self._read() as conn:
            if self._dialect == "postgresql":
                await conn.execution_options(isolation_level="REPEATABLE READ")
            revision = await current_revision(conn)
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in t.TABLES:
                rows = (await conn.execute(sa.select(table).order_by(*table.primary_key.columns))).all()
                tables[table.name] = [{c.name: _to_json(c, r._mapping[c.name]) for c in table.columns}
                                      for r in rows]
            sequences = {table.name: await self._next_id(conn, table) for table in _SERIAL_TABLES}
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "schema_revision": revision,
            "exported_at": t.utcnow().isoformat(),
            "source_dialect": self._dialect,
            "secret_key_id": self._secret_key_id,
            "sequences": sequences,
            "tables": tables,
        }

    async def import_all(self, data: Mapping[str, Any], *, allow_other_secret: bool = False) -> None:
        """Load an :meth:`export_all` dump into this (empty) database, in one transaction.

        Refuses a dump from another schema revision, a non-empty database, and — unless
        ``allow_other_secret`` — API keys encrypted with a different ``VOICEBRIDGE_SECRET_KEY``
        (they would never decrypt here).
        """
        if data.get("format") != EXPORT_FORMAT or data.get("version") != EXPORT_VERSION:
            raise ValueError("not a voicebridge export (or from an unsupported version)")
        head = head_revision()
        if data.get("schema_revision") != head:
            raise ValueError(f"the export has schema revision {data.get('schema_revision')!r}; this "
                             f"version of voicebridge imports {head!r} — upgrade or export with the same version")
        tables = data.get("tables")
        if not isinstance(tables, Mapping):
            raise ValueError("the export has no tables")  # noqa: TRY004 - bad data, not a bad call
        known = {table.name: table for table in t.TABLES}
        unknown = set(tables) - set(known)
        if unknown:
            raise ValueError(f"the export has unknown tables: {', '.join(sorted(unknown))}")
        if (tables.get("api_keys") and data.get("secret_key_id") != self._secret_key_id
                and not allow_other_secret):
            raise ValueError("the export's API keys were encrypted with a different VOICEBRIDGE_SECRET_KEY; "
                             "set the same key here (or import anyway and lose the stored keys)")
        prepared: list[tuple[sa.Table, list[dict[str, Any]]]] = []
        for table in t.TABLES:
            rows = tables.get(table.name) or []
            names = {c.name for c in table.columns}
            out = []
            if not isinstance(rows, list):
                raise ValueError(f"table {table.name} is not a list of rows")  # noqa: TRY004 - bad data
            for row in rows:
                if not isinstance(row, Mapping):
                    raise ValueError(f"a row of {table.name} is not an object")  # noqa: TRY004
                extra = set(row) - names
                if extra:
                    raise ValueError(f"unknown columns in {table.name}: {', '.join(sorted(extra))}")
                out.append({c.name: _from_json(c, row.get(c.name)) for c in table.columns if c.name in row})
            prepared.append((table, out))

        async with self._write() as conn:
            if await current_revision(conn) != head:
                raise ValueError("the database is not at the current schema; run `voicebridge db upgrade`")
            for table in t.TABLES:
                if (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one():
                    raise ValueError(f"the database is not empty (table {table.name} has rows); "
                                     "import only into a fresh database")
            for table, rows in prepared:
                for start in range(0, len(rows), 500):
                    await conn.execute(sa.insert(table), rows[start:start + 500])
            # ids continue where the source left off: an id deleted there is not handed out again
            sequences = data.get("sequences") or {}
            imported = dict(prepared)
            for table in _SERIAL_TABLES:
                highest = max((row.get("id") or 0 for row in imported[table]), default=0)
                wanted = max(int(sequences.get(table.name) or 1), highest + 1)
                await self._set_next_id(conn, table, wanted)

    async def _next_id(self, conn: AsyncConnection, table: sa.Table) -> int:
        """The id the database will hand out next for ``table``."""
        if self._dialect == "postgresql":
            seq = (await conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                      {"t": table.name})).scalar_one()
            last, called = (await conn.execute(sa.text(f"SELECT last_value, is_called FROM {seq}"))).one()
            return int(last) + 1 if called else int(last)
        seq = (await conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                                  {"t": table.name})).scalar_one_or_none()
        return int(seq or 0) + 1

    async def _set_next_id(self, conn: AsyncConnection, table: sa.Table, next_id: int) -> None:
        if self._dialect == "postgresql":
            await conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n, false)"),
                               {"t": table.name, "n": next_id})
            return
        updated = await conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :s WHERE name = :t"),
                                     {"t": table.name, "s": next_id - 1})
        if updated.rowcount == 0:
            await conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"),
                               {"t": table.name, "s": next_id - 1})


def _to_json(column: sa.Column, value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _from_json(column: sa.Column, value: Any) -> Any:
    if value is None:
        return None
    ctype = column.type
    if isinstance(ctype, t.UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(ctype, sa.Date):
        return date.fromisoformat(value)
    if isinstance(ctype, sa.Float):
        return float(value)
    if isinstance(ctype, sa.Integer):  # BigInteger is an Integer
        return int(value)
    return value

"""``voicebridge db export FILE`` / ``voicebridge db import FILE``: everything as one JSON document.

A path ending in ``.gz`` is gzip-compressed on export; import detects gzip by its magic bytes.
API keys stay Fernet-encrypted in the file, so the target must run with the same
``VOICEBRIDGE_SECRET_KEY`` (import refuses otherwise). The file is written atomically, mode 0600.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import schema
from storage.database import Database
from storage.migrate import current_revision, head_revision

EXPORT_FORMAT = "voicebridge-export"
EXPORT_VERSION = 1

#: Tables whose integer ``id`` comes from a sequence (exported, and restored by an import).
_SERIAL_TABLES = (schema.users, schema.voices, schema.characters, schema.voice_references, schema.conversation_turns)


class TransferRepo(Database):
    async def export_all(self) -> dict[str, Any]:
        """Every table as JSON-safe rows (API keys stay encrypted), plus the schema revision."""
        async with self._read() as conn:
            if self._dialect == "postgresql":
                await conn.execution_options(isolation_level="REPEATABLE READ")
            revision = await current_revision(conn)
            tables: dict[str, list[dict[str, object]]] = {}
            for table in schema.TABLES:
                rows = (await conn.execute(sa.select(table).order_by(*table.primary_key.columns))).all()
                tables[table.name] = [{c.name: _to_json(r._mapping[c.name]) for c in table.columns} for r in rows]
            sequences = {table.name: await self._next_id(conn, table) for table in _SERIAL_TABLES}
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "schema_revision": revision,
            "exported_at": schema.utcnow().isoformat(),
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
        known = {table.name: table for table in schema.TABLES}
        unknown = set(tables) - set(known)
        if unknown:
            raise ValueError(f"the export has unknown tables: {', '.join(sorted(unknown))}")
        if ((tables.get("api_keys") or tables.get("voice_references")) and data.get("secret_key_id") != self._secret_key_id
                and not allow_other_secret):
            raise ValueError("the export's API keys were encrypted with a different VOICEBRIDGE_SECRET_KEY; "
                             "set the same key here (or import anyway and lose the stored keys)")
        prepared: list[tuple[sa.Table, list[dict[str, Any]]]] = []
        for table in schema.TABLES:
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
            for table in schema.TABLES:
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


def _to_json(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _from_json(column: sa.Column[Any], value: Any) -> object:
    """A value read from an export's JSON (anything, until checked) as ``column`` stores it."""
    if value is None:
        return None
    ctype = column.type
    if isinstance(ctype, schema.UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(ctype, sa.Date):
        return date.fromisoformat(value)
    if isinstance(ctype, sa.Float):
        return float(value)
    if isinstance(ctype, sa.Integer):  # BigInteger is an Integer
        return int(value)
    return value


# --- files -------------------------------------------------------------------------------------


def _counts(data: Mapping[str, Any]) -> dict[str, int]:
    return {name: len(rows) for name, rows in (data.get("tables") or {}).items()}


async def export_to_file(store: TransferRepo, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write every table to ``path``; returns the number of rows per table."""
    data = await store.export_all()
    target = Path(path)
    payload = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
    if target.name.endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _counts(data)


def read_export(path: str | os.PathLike[str]) -> dict[str, Any]:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{path} is not a voicebridge export: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a voicebridge export")  # noqa: TRY004 - bad data, not a bad call
    return data


async def import_from_file(store: TransferRepo, path: str | os.PathLike[str], *,
                           allow_other_secret: bool = False) -> dict[str, int]:
    """Load an export into ``store`` (which must be empty); returns the number of rows per table."""
    data = read_export(path)
    await store.import_all(data, allow_other_secret=allow_other_secret)
    return _counts(data)

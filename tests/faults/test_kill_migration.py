"""SIGKILL in the middle of a migration (``storage.migrate.upgrade``, what ``voicebridge db upgrade`` and
every start run) from 0002 to head, on a database holding data.

Kill points: in the middle of the schema change (SQLite: batch mode rebuilds ``usage`` by copying it to
``_alembic_tmp_usage``, and the kill falls right after the old table was dropped; PostgreSQL: right
after ``ALTER TABLE usage ADD COLUMN``), and right after the version row was bumped to head, before the
commit.

Invariants after the kill:

* **At 0002 or at head, never in between**: the recorded revision and the schema agree (0002: no
  ``meta`` table and none of 0003's columns; head: all of them), and no ``_alembic_tmp_*`` table is left.
* **Data intact**: every row of every table is there, unchanged (0002's columns).
* **Repeatable**: the next upgrade reaches head with the same data, and the app's Store opens on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from storage import Store
from storage.engine import create_engine, ensure_sqlite_wal
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.faults.conftest import db_params, kill_child_at

pytestmark = [pytest.mark.faults, pytest.mark.timeout(60)]

PATTERNS = {
    ("mid-schema-change", "sqlite"): r"^DROP TABLE usage\b",
    ("mid-schema-change", "postgres"): r"^ALTER TABLE usage ADD COLUMN",
    ("version-bumped-uncommitted", "sqlite"): r"^UPDATE alembic_version",
    ("version-bumped-uncommitted", "postgres"): r"^UPDATE alembic_version",
}
NEW_IN_HEAD = {"voices": "shared", "usage": "lent_bytes", "identity_links": "brought"}
#: Every column added after 0002 (left out when rows are compared); tables added after it have no 0002 rows.
ADDED_AFTER_0002 = {"voices": {"shared"}, "usage": {"lent_bytes", "tokens", "operator_tokens"},
                    "identity_links": {"brought"}, "characters": {"persona", "greeting", "reply_language", "model"}}
NEW_TABLES = ("alembic_version", "meta", "talks", "conversation_turns")


async def _at_0002_with_data(url: str) -> None:
    engine = create_engine(url)
    try:
        await ensure_sqlite_wal(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0002"))
            now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
            unset = {"speed": None, "gain": None, "language": None, "style": None}
            rows = {
                "users": [
                    {"id": 1, "platform": "telegram", "platform_user_id": "1001", "ui_language": "zh",
                     "created_at": now},
                    {"id": 2, "platform": "discord", "platform_user_id": "2001", "ui_language": None,
                     "created_at": now}],
                "user_settings": [{"user_id": 1, "voice": "clone:1", "speed": 1.25, "gain": -2.0, "language": "zh",
                                   "style": None, "updated_at": now}],
                "scope_settings": [{"scope": "discord:9", "voice": "anna", **unset, "options": '{"autoread": true}',
                                    "updated_at": now}],
                "voices": [{"id": 1, "owner_id": 1, "name": "Kurisu", "name_key": "kurisu", "provider": "siliconflow",
                            "provider_id": "speech:vb1-kurisu:abc:def", "key_fingerprint": "fp",
                            "transcript": "你好", "consent_at": now, "created_at": now}],
                "characters": [{"id": 1, "scope": "discord:9", "name": "Narrator", "name_key": "narrator",
                                "voice": "bella", **unset, "owner_id": 2, "created_at": now, "updated_at": now}],
                "usage": [
                    {"user_id": 1, "day": date(2026, 11, 30), "bytes": 1234, "requests": 5, "operator_bytes": 1000},
                    {"user_id": 2, "day": date(2026, 11, 29), "bytes": 77, "requests": 1, "operator_bytes": 0}],
                "pronunciations": [{"owner": "user:1", "word_key": "gif", "word": "gif", "spoken": "jif",
                                    "updated_at": now}],
                "identity_links": [{"identity_id": 2, "account_id": 1, "created_at": now}],
                "link_codes": [{"code": "ABCDEFGH", "user_id": 1, "created_at": now}],
            }
            for table, values in rows.items():
                cols = list(values[0])
                await conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                                           f"({', '.join(':' + c for c in cols)})"), values)
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
                for table in ("users", "voices", "characters"):
                    await conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    finally:
        await engine.dispose()


async def _snapshot(url: str) -> tuple[str | None, set[str], dict[str, set[str]], dict[str, list[tuple]]]:
    """(revision, tables, columns per table, 0002's columns of every row of every table)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            revision = await current_revision(conn)

            def inspect(sync_conn):
                insp = sa.inspect(sync_conn)
                return {name: {c["name"] for c in insp.get_columns(name)} for name in insp.get_table_names()}

            columns = await conn.run_sync(inspect)
            data = {}
            for table, cols in sorted(columns.items()):
                if table in NEW_TABLES or table.startswith("_alembic_tmp"):
                    continue
                keep = sorted(cols - ADDED_AFTER_0002.get(table, set()))
                result = await conn.execute(sa.text(f"SELECT {', '.join(keep)} FROM {table}"))
                rows = sorted(tuple(map(repr, r)) for r in result.all())
                if rows:  # tables later revisions add start empty; a table that lost every row still differs
                    data[table] = rows
    finally:
        await engine.dispose()
    return revision, set(columns), columns, data


def _old_tables(after: dict[str, list[tuple]], before: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """``after`` without the tables later revisions add empty (e.g. the web console's sessions)."""
    return {table: rows for table, rows in after.items() if table in before or rows}


@pytest.mark.parametrize("point, db", db_params(*PATTERNS))
async def test_kill_during_migration(point: str, db: str, tmp_path: Path, make_db_url, secret_key: bytes) -> None:
    url = make_db_url(db)
    await _at_0002_with_data(url)
    revision, tables, _, data = await _snapshot(url)
    assert revision == "0002" and "meta" not in tables
    assert sum(map(len, data.values())) == 11

    spec = {"op": "migrate", "alarm": 30, "args": {"url": url},
            "hooks": [{"kind": "sql", "pattern": PATTERNS[(point, db)], "mark": point}]}
    await kill_child_at(spec)

    revision, tables, columns, after = await _snapshot(url)
    assert not [t for t in tables if t.startswith("_alembic_tmp")], f"a half-done table copy is left: {tables}"
    assert revision in ("0002", head_revision()), revision
    new_columns = {table: column in columns.get(table, set()) for table, column in NEW_IN_HEAD.items()}
    if revision == "0002":
        assert "meta" not in tables and not any(new_columns.values()), \
            f"the database says 0002 but has part of the next schema: meta={'meta' in tables}, {new_columns}"
    else:
        assert "meta" in tables and all(new_columns.values())
    assert _old_tables(after, data) == data, "rows changed or were lost by the killed migration"

    # --- the migration is repeated ----------------------------------------------------------------
    await upgrade(url)
    revision, tables, columns, after = await _snapshot(url)
    assert revision == head_revision()
    assert _old_tables(after, data) == data
    async with await Store.open(url, secret_key) as store:
        assert await store.get_usage(1, day=date(2026, 11, 30)) == (1234, 5, 1234, 5)
        assert [v.name for v in await store.list_voices(1)] == ["Kurisu"]
        assert await store.find_user("discord", "2001") == 1

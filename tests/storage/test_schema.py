"""The tables (storage/schema.py): UTC timestamps on both databases, case-insensitive names, and the order
export and import rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage import schema

TOKYO = timezone(timedelta(hours=9))


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgres"])
def test_timestamps_go_in_as_utc(dialect) -> None:
    column = schema.UTCDateTime()
    bound = column.process_bind_param(datetime(2024, 5, 1, 18, 0, tzinfo=TOKYO), dialect)
    naive = column.process_bind_param(datetime(2024, 5, 1, 9, 0), dialect)  # naive: taken as UTC already
    if dialect.name == "sqlite":
        assert bound == naive == datetime(2024, 5, 1, 9, 0)  # SQLite stores the naive UTC text
    else:
        assert bound == naive == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert column.process_bind_param(None, dialect) is None
    with pytest.raises(TypeError):
        column.process_bind_param("2024-05-01", dialect)


@pytest.mark.parametrize("stored", [datetime(2024, 5, 1, 9, 0), "2024-05-01 09:00:00",
                                    datetime(2024, 5, 1, 18, 0, tzinfo=TOKYO)])
def test_timestamps_come_back_aware_in_utc(stored) -> None:
    value = schema.UTCDateTime().process_result_value(stored, sqlite.dialect())
    assert value == datetime(2024, 5, 1, 9, 0, tzinfo=UTC) and value.tzinfo is UTC
    assert schema.UTCDateTime().process_result_value(None, sqlite.dialect()) is None


async def test_a_round_trip_and_case_insensitive_names_on_sqlite(tmp_path) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(schema.metadata.create_all)
            when = datetime(2024, 5, 1, 18, 0, tzinfo=TOKYO)
            await conn.execute(sa.insert(schema.users).values(id=1, platform="telegram", platform_user_id="7",
                                                              created_at=when))
            created = (await conn.execute(sa.select(schema.users.c.created_at))).scalar_one()
            assert created == when and created.tzinfo is UTC
            voice = dict(owner_id=1, provider="siliconflow", provider_id="speech:x", consent_at=when, created_at=when)
            await conn.execute(sa.insert(schema.voices).values(name="Kurisu", name_key=schema.name_key("Kurisu"),
                                                               **voice))
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(sa.insert(schema.voices).values(name="KURISU", name_key=schema.name_key("KURISU"),
                                                                   **voice))
    finally:
        await engine.dispose()


def test_name_keys_fold_case_beyond_ascii() -> None:
    assert schema.name_key("Kurisu") == schema.name_key("KURISU") == "kurisu"
    assert schema.name_key("Straße") == schema.name_key("STRASSE")
    assert schema.name_key("Ωmega") == schema.name_key("ωMEGA")


def test_tables_come_parents_first_and_meta_is_not_exported() -> None:
    # meta and the web console's links and sessions describe this server, not users' data: not exported
    assert set(schema.TABLES) == set(schema.metadata.sorted_tables) - {schema.meta, schema.web_links, schema.web_sessions}
    seen: set[str] = set()
    for table in schema.TABLES:
        parents = {fk.column.table.name for fk in table.foreign_keys}
        assert parents <= seen | {table.name}, (table.name, parents - seen)
        seen.add(table.name)


def test_settings_columns_and_constraint_names() -> None:
    for table in (schema.user_settings, schema.scope_settings, schema.characters):
        assert set(schema.SETTINGS_FIELDS) <= set(table.c.keys()), table.name
    assert schema.users.primary_key.name == "pk_users"
    assert {c.name for c in schema.voices.constraints if isinstance(c, sa.UniqueConstraint)} == \
        {"uq_voices_owner_name"}
    # user data goes with its user; a character outlives its creator
    assert {fk.ondelete for fk in schema.voices.foreign_keys} == {"CASCADE"}
    assert {fk.ondelete for fk in schema.characters.foreign_keys} == {"SET NULL"}

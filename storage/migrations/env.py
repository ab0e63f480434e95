"""Alembic environment.

The app runs migrations through :func:`storage.migrate.upgrade`, which hands a live connection in
``config.attributes["connection"]``. Run by the ``alembic`` command instead (developers), it
connects to ``VOICEBRIDGE_DATABASE_URL`` (or the default SQLite file) with an async engine.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.schema import metadata

config = context.config
target_metadata = metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite needs batch mode
        compare_type=True,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from core.config import load_config

    return load_config().effective_database_url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


async def _run_online_async() -> None:
    from storage.engine import create_engine

    engine = create_engine(_database_url(), role="writer")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_online_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

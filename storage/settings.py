"""Settings of a user and of a scope (``"<platform>:<id>"``: a chat, a server), and a scope's options."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.errors import NotFound
from core.models import SettingsPatch
from storage import schema
from storage.database import Database

log = logging.getLogger("voicebridge.storage")

#: A settings value as stored: a string, a number (speed, gain) or None (not set).
SettingValue = str | float | None
#: A scope's options: a JSON object the adapters define.
Options = dict[str, Any]

_SETTINGS = frozenset(schema.SETTINGS_FIELDS)
_FLOAT_FIELDS = frozenset({"speed", "gain"})


def clean_settings(fields: Mapping[str, object], extra: frozenset[str] = frozenset()) -> dict[str, object]:
    """``fields`` checked against the settings columns (and ``extra`` names), numbers made floats."""
    unknown = set(fields) - _SETTINGS - extra
    if unknown:
        raise ValueError(f"unknown settings field(s): {', '.join(sorted(unknown))}")
    out: dict[str, object] = {}
    for key, value in fields.items():
        if value is not None and key in _FLOAT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{key} must be a number")
            value = float(value)
        elif value is not None and key in _SETTINGS and not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        out[key] = value
    return out


def settings_patch(row: sa.Row[Any] | None) -> SettingsPatch:
    """The settings columns of a row (user_settings, scope_settings, characters)."""
    if row is None:
        return SettingsPatch()
    m = row._mapping
    return SettingsPatch(**{f: m[f] for f in schema.SETTINGS_FIELDS})


def load_options(raw: str | None) -> Options:
    """A JSON object stored as text; anything else reads as empty."""
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


class SettingsRepo(Database):
    async def get_user_settings(self, user_id: int) -> SettingsPatch:
        return await self._settings(schema.user_settings, "user_id", user_id)

    async def update_user_settings(self, user_id: int, **fields: SettingValue) -> SettingsPatch:
        """Change only the given fields (None clears one); returns the whole row afterwards."""
        values = clean_settings(fields)
        if not values:
            return await self.get_user_settings(user_id)
        try:
            return await self._upsert_settings(schema.user_settings, "user_id", user_id, values)
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None

    async def get_scope_settings(self, scope: str) -> SettingsPatch:
        return await self._settings(schema.scope_settings, "scope", scope)

    async def update_scope_settings(self, scope: str, **fields: SettingValue) -> SettingsPatch:
        values = clean_settings(fields)
        if not values:
            return await self.get_scope_settings(scope)
        return await self._upsert_settings(schema.scope_settings, "scope", scope, values)

    async def _settings(self, table: sa.Table, key: str, value: int | str) -> SettingsPatch:
        async with self._read() as conn:
            row = (await conn.execute(sa.select(table).where(table.c[key] == value))).first()
        return settings_patch(row)

    async def _upsert_settings(self, table: sa.Table, key: str, value: int | str,
                               values: dict[str, object]) -> SettingsPatch:
        """Set only the columns in ``values`` of the row whose ``key`` is ``value``; the whole row afterwards."""
        values["updated_at"] = schema.utcnow()
        stmt = self._insert(table).values({key: value, **values})
        stmt = stmt.on_conflict_do_update(index_elements=[key], set_={k: stmt.excluded[k] for k in values})
        async with self._write() as conn:
            await conn.execute(stmt)
            row = (await conn.execute(sa.select(table).where(table.c[key] == value))).first()
        return settings_patch(row)

    async def get_scope_options(self, scope: str) -> Options:
        async with self._read() as conn:
            raw = (await conn.execute(
                sa.select(schema.scope_settings.c.options).where(schema.scope_settings.c.scope == scope)
            )).scalar_one_or_none()
        return load_options(raw)

    async def update_scope_options(self, scope: str, **options: Any) -> Options:
        """Merge ``options`` into the scope's options (a None value deletes that key); returns the result."""
        _dump_options({k: v for k, v in options.items() if v is not None})  # fail before touching the DB

        def merge(current: Options) -> Options:
            for key, value in options.items():
                if value is None:
                    current.pop(key, None)
                else:
                    current[key] = value
            return current

        return await self.edit_scope_options(scope, merge)

    async def edit_scope_options(self, scope: str, edit: Callable[[Options], Options]) -> Options:
        """Apply ``edit`` to the scope's options as stored now, inside one transaction; returns the result.

        ``edit`` gets the current options and returns the new ones (it must not await or have other
        effects: on PostgreSQL the row is locked meanwhile). Two concurrent edits of different entries
        (adding two auto-read channels, muting two members) both survive, unlike writing back a copy.
        """
        table = schema.scope_settings
        async with self._write() as conn:
            # Make sure the row exists, then lock it (PostgreSQL) for the read-modify-write.
            # On SQLite the writer lock and BEGIN IMMEDIATE already make this exclusive.
            await conn.execute(self._insert(table)
                               .values(scope=scope, options="{}", updated_at=schema.utcnow())
                               .on_conflict_do_nothing(index_elements=["scope"]))
            query = sa.select(table.c.options).where(table.c.scope == scope)
            if self._dialect == "postgresql":
                query = query.with_for_update()
            current = edit(load_options((await conn.execute(query)).scalar_one()))
            current = {k: v for k, v in current.items() if v is not None}
            await conn.execute(sa.update(table).where(table.c.scope == scope)
                               .values(options=_dump_options(current), updated_at=schema.utcnow()))
        return current

    async def list_scopes_with_option(self, key: str, *, prefix: str | None = None) -> list[tuple[str, Options]]:
        """Scopes whose options set ``key`` to a truthy value (e.g. every server with autoread on),
        optionally only scopes starting with ``prefix`` (``"<platform>:"``); sorted by scope."""
        table = schema.scope_settings
        needle = json.dumps(key, ensure_ascii=False)
        query = (sa.select(table.c.scope, table.c.options)
                 .where(table.c.options.contains(needle, autoescape=True))
                 .order_by(table.c.scope))
        if prefix:
            query = query.where(table.c.scope.startswith(prefix, autoescape=True))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        out = []
        for scope, raw in rows:
            options = load_options(raw)
            if options.get(key):
                out.append((scope, options))
        return out

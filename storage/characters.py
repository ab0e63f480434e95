"""Characters: named settings (a voice, a speed, …) that belong to a scope and may have an owner."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.errors import NameTaken, NotFound
from core.characters import PERSONA_FIELDS
from core.models import Character, SettingsPatch
from storage import schema
from storage.database import Database, integrity_kind
from storage.settings import SettingValue, clean_settings, settings_patch


def _character(row: sa.Row[Any]) -> Character:
    m = row._mapping
    return Character(scope=m["scope"], name=m["name"], settings=settings_patch(row), owner_id=m["owner_id"],
                     created_at=m["created_at"], id=m["id"],
                     **{name: m[name] for name in PERSONA_FIELDS})


class CharactersRepo(Database):
    async def create_character(self, scope: str, name: str, settings: SettingsPatch,
                               owner_id: int | None) -> Character:
        values = clean_settings(settings.as_dict())
        now = schema.utcnow()
        try:
            async with self._write() as conn:
                row = (await conn.execute(
                    sa.insert(schema.characters).values(scope=scope, name=name, name_key=schema.name_key(name),
                                                        owner_id=owner_id, created_at=now, updated_at=now,
                                                        **values).returning(schema.characters))).one()
        except IntegrityError as exc:
            if integrity_kind(exc) == "unique":
                raise NameTaken(name=name) from None
            raise NotFound(what="user", name=str(owner_id)) from None
        return _character(row)

    async def get_character_by_id(self, character_id: int) -> Character | None:
        table = schema.characters
        async with self._read() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.id == character_id))).first()
        return _character(row) if row else None

    async def get_character(self, scope: str, name: str) -> Character | None:
        table = schema.characters
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(table).where(table.c.scope == scope, table.c.name_key == schema.name_key(name)))).first()
        return _character(row) if row else None

    async def list_characters(self, scope: str) -> list[Character]:
        table = schema.characters
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(table).where(table.c.scope == scope).order_by(table.c.name_key, table.c.id))).all()
        return [_character(r) for r in rows]

    async def update_character(self, scope: str, name: str, **fields: SettingValue | int) -> Character:
        """Change the given settings or persona fields (None clears one), ``new_name`` (rename) or ``owner_id``.

        Raises NotFound if there is no such character, NameTaken if a rename collides (any case).
        """
        table = schema.characters
        values = clean_settings(fields, extra=frozenset({"new_name", "owner_id", *PERSONA_FIELDS}))
        if "new_name" in values:
            new_name = values.pop("new_name")
            if not isinstance(new_name, str) or not new_name:
                raise ValueError("new_name must be a non-empty string")
            values["name"] = new_name
            values["name_key"] = schema.name_key(new_name)
        values["updated_at"] = schema.utcnow()
        where = (table.c.scope == scope, table.c.name_key == schema.name_key(name))
        try:
            async with self._write() as conn:
                row = (await conn.execute(
                    sa.update(table).where(*where).values(**values).returning(table))).first()
        except IntegrityError as exc:
            if integrity_kind(exc) == "unique":
                raise NameTaken(name=values["name"]) from None
            raise NotFound(what="user", name=str(values.get("owner_id"))) from None
        if row is None:
            raise NotFound(what="character", name=name)
        return _character(row)

    async def delete_character(self, scope: str, name: str) -> bool:
        table = schema.characters
        async with self._write() as conn:
            result = await conn.execute(sa.delete(table).where(
                table.c.scope == scope, table.c.name_key == schema.name_key(name)))
        return result.rowcount > 0

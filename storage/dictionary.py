"""Pronunciation dictionaries: a user's own (``"user:<id>"``) and a scope's (``"<platform>:<id>"``)."""

from __future__ import annotations

import sqlalchemy as sa

from core.errors import DictionaryFull
from core.lexicon import word_key
from core.models import Pronunciation
from storage import schema
from storage.database import Database


class DictionaryRepo(Database):
    async def list_pronunciations(self, owner: str) -> list[Pronunciation]:
        """The dictionary of ``owner`` ("user:<id>" or a scope), sorted by word."""
        table = schema.pronunciations
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(table.c.word, table.c.spoken)
                .where(table.c.owner == owner).order_by(table.c.word_key))).all()
        return [Pronunciation(word=r.word, spoken=r.spoken) for r in rows]

    async def pronunciation_layers(self, *owners: str) -> list[list[Pronunciation]]:
        """The dictionaries of several owners in one query, in the order asked, each sorted by word."""
        table = schema.pronunciations
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
        table = schema.pronunciations
        where = (table.c.owner == owner, table.c.word_key == key)
        stmt = self._insert(table).values(owner=owner, word_key=key, word=word, spoken=spoken,
                                          updated_at=schema.utcnow())
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
        table = schema.pronunciations
        where = (table.c.owner == owner, table.c.word_key == word_key(word))
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table.c.word, table.c.spoken).where(*where))).first()
            if row is None:
                return None
            await conn.execute(sa.delete(table).where(*where))
        return Pronunciation(word=row.word, spoken=row.spoken)

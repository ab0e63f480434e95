"""Talking characters: the conversation going on in a place (``talks``), conversations' memory
(``conversation_turns``) and the chat-model tokens of each user (``usage.tokens``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.errors import NotFound
from core.talk_memory import StoredTurn, TurnRecord
from storage import schema
from storage.accounts import _utc_today
from storage.database import Database


class ConversationsRepo(Database):
    # --- which character talks where -------------------------------------------------------------

    async def start_talk(self, place: str, character_id: int, user_id: int) -> None:
        """``character_id`` now answers in ``place`` (replacing any other), started by ``user_id``."""
        stmt = self._insert(schema.talks).values(place=place, character_id=character_id, user_id=user_id,
                                                 started_at=schema.utcnow())
        stmt = stmt.on_conflict_do_update(index_elements=["place"], set_={
            k: stmt.excluded[k] for k in ("character_id", "user_id", "started_at")})
        try:
            async with self._write() as conn:
                await conn.execute(stmt)
        except IntegrityError:
            raise NotFound(what="what_character", name=str(character_id)) from None

    async def get_talk(self, place: str) -> int | None:
        """The id of the character talking in ``place``, or None."""
        talks = schema.talks
        async with self._read() as conn:
            return (await conn.execute(sa.select(talks.c.character_id)
                                       .where(talks.c.place == place))).scalar_one_or_none()

    async def end_talk(self, place: str) -> bool:
        async with self._write() as conn:
            result = await conn.execute(sa.delete(schema.talks).where(schema.talks.c.place == place))
        return result.rowcount > 0

    # --- memory ------------------------------------------------------------------------------------

    async def add_turns(self, place: str, character_id: int, turns: Sequence[TurnRecord]) -> None:
        """Append turns (in order) to the conversation of ``character_id`` in ``place``."""
        if not turns:
            return
        now = schema.utcnow()
        rows = [dict(place=place, character_id=character_id, user_id=t.user_id, role=t.role, content=t.content,
                     tokens=t.tokens, created_at=now) for t in turns]
        try:
            async with self._write() as conn:
                await conn.execute(sa.insert(schema.conversation_turns), rows)
        except IntegrityError:  # the character or the user was deleted meanwhile
            raise NotFound(what="what_character", name=str(character_id)) from None

    async def recent_turns(self, place: str, character_id: int, *, limit: int) -> list[StoredTurn]:
        """The last ``limit`` turns of a conversation, oldest first."""
        turns = schema.conversation_turns
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(turns.c.user_id, turns.c.role, turns.c.content, turns.c.tokens)
                .where(turns.c.place == place, turns.c.character_id == character_id)
                .order_by(turns.c.id.desc()).limit(limit))).all()
        return [StoredTurn(user_id=r.user_id, role=r.role, content=r.content, tokens=r.tokens)
                for r in reversed(rows)]

    async def clear_turns(self, place: str, character_id: int) -> int:
        turns = schema.conversation_turns
        async with self._write() as conn:
            result = await conn.execute(sa.delete(turns).where(turns.c.place == place,
                                                               turns.c.character_id == character_id))
        return result.rowcount

    async def count_user_turns(self, user_id: int) -> int:
        """How many remembered turns belong to the user (their messages and the answers to them)."""
        turns = schema.conversation_turns
        async with self._read() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(turns)
                                           .where(turns.c.user_id == user_id))).scalar_one())

    # --- tokens ------------------------------------------------------------------------------------

    async def add_tokens(self, user_id: int, tokens: int, *, operator: bool, day: date | None = None) -> None:
        """Add chat-model tokens to the user's (UTC) day; ``operator``: the operator's key paid for them."""
        if tokens < 0:
            raise ValueError("tokens cannot be negative")
        usage = schema.usage
        stmt = self._insert(usage).values(user_id=user_id, day=day or _utc_today(), bytes=0, requests=0,
                                          operator_bytes=0, lent_bytes=0, tokens=int(tokens),
                                          operator_tokens=int(tokens) if operator else 0)
        stmt = stmt.on_conflict_do_update(index_elements=["user_id", "day"], set_={
            name: getattr(usage.c, name) + getattr(stmt.excluded, name) for name in ("tokens", "operator_tokens")})
        try:
            async with self._write() as conn:
                await conn.execute(stmt)
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None

    async def get_tokens(self, user_id: int, *, day: date | None = None) -> tuple[int, int, int]:
        """``(today, total, operator_today)`` chat-model tokens of the user."""
        usage = schema.usage
        day = day or _utc_today()
        async with self._read() as conn:
            today = (await conn.execute(sa.select(usage.c.tokens, usage.c.operator_tokens)
                                        .where(usage.c.user_id == user_id, usage.c.day == day))).first()
            total = (await conn.execute(sa.select(sa.func.coalesce(sa.func.sum(usage.c.tokens), 0))
                                        .where(usage.c.user_id == user_id))).scalar_one()
        return (int(today[0]), int(total), int(today[1])) if today else (0, int(total), 0)

"""The web console's one-time sign-in links and browser sessions, plus the two reads its pages need
(usage per day, the characters an account created). Only SHA-256 hashes of tokens are stored."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from core.models import Character
from storage import schema
from storage.characters import _character
from storage.database import Database


class WebSessionsRepo(Database):
    # --- one-time sign-in links ------------------------------------------------------------

    async def add_web_link(self, nonce_hash: str, user_id: int, *, expires_at: datetime) -> None:
        """Issue a link (expired ones of anybody are dropped on the way)."""
        table = schema.web_links
        async with self._write() as conn:
            await conn.execute(sa.delete(table).where(table.c.expires_at < schema.utcnow()))
            await conn.execute(sa.insert(table).values(nonce_hash=nonce_hash, user_id=user_id, expires_at=expires_at))

    async def take_web_link(self, nonce_hash: str) -> tuple[int, datetime] | None:
        """``(account, expiry)`` of a link, which is used up by this call; None if unknown or already used."""
        table = schema.web_links
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.nonce_hash == nonce_hash))).first()
            # rowcount: of two concurrent opens (PostgreSQL), only the one that deleted it signs in
            if row is None or (await conn.execute(
                    sa.delete(table).where(table.c.nonce_hash == nonce_hash))).rowcount != 1:
                return None
        return row.user_id, row.expires_at

    # --- sessions --------------------------------------------------------------------------

    async def add_web_session(self, token_hash: str, user_id: int, *, expires_at: datetime) -> None:
        table = schema.web_sessions
        now = schema.utcnow()
        async with self._write() as conn:
            await conn.execute(sa.delete(table).where(table.c.expires_at < now))
            await conn.execute(sa.insert(table).values(token_hash=token_hash, user_id=user_id, created_at=now,
                                                       expires_at=expires_at))

    async def get_web_session(self, token_hash: str) -> tuple[int, datetime] | None:
        """``(account, expiry)`` of a session, or None (signed out, forgotten, or never issued)."""
        table = schema.web_sessions
        async with self._read() as conn:
            row = (await conn.execute(sa.select(table.c.user_id, table.c.expires_at)
                                      .where(table.c.token_hash == token_hash))).first()
        return (row[0], row[1]) if row else None

    async def delete_web_session(self, token_hash: str) -> bool:
        table = schema.web_sessions
        async with self._write() as conn:
            return (await conn.execute(sa.delete(table).where(table.c.token_hash == token_hash))).rowcount > 0

    async def delete_web_sessions(self, user_id: int) -> int:
        """End every session and unused link of an account."""
        async with self._write() as conn:
            await conn.execute(sa.delete(schema.web_links).where(schema.web_links.c.user_id == user_id))
            return (await conn.execute(sa.delete(schema.web_sessions)
                                       .where(schema.web_sessions.c.user_id == user_id))).rowcount

    # --- what the pages show ----------------------------------------------------------------

    async def daily_usage(self, user_id: int, *, since: date) -> list[tuple[date, int]]:
        """``(day, bytes)`` for each UTC day since ``since`` on which the account spoke, oldest first."""
        usage = schema.usage
        async with self._read() as conn:
            rows = (await conn.execute(sa.select(usage.c.day, usage.c.bytes)
                                       .where(usage.c.user_id == user_id, usage.c.day >= since)
                                       .order_by(usage.c.day))).all()
        return [(row[0], int(row[1])) for row in rows]

    async def owned_characters(self, owner_id: int) -> list[Character]:
        """The characters the account created, in any chat or server."""
        chars = schema.characters
        async with self._read() as conn:
            rows = (await conn.execute(sa.select(chars).where(chars.c.owner_id == owner_id)
                                       .order_by(chars.c.scope, chars.c.name_key))).all()
        return [_character(row) for row in rows]

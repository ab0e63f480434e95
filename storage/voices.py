"""Cloned voices, and the clone requests that wait for their owner's consent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.errors import NameTaken, NotFound
from core.models import CloneRequest, Voice
from storage import schema
from storage.database import Database, integrity_kind


def _voice(row: sa.Row[Any]) -> Voice:
    m = row._mapping
    return Voice(
        name=m["name"], kind="clone", provider_id=m["provider_id"], owner_id=m["owner_id"],
        key_fingerprint=m["key_fingerprint"], transcript=m["transcript"], consent_at=m["consent_at"],
        created_at=m["created_at"], id=m["id"], shared=m["shared"],
    )


class VoicesRepo(Database):
    # --- voices ----------------------------------------------------------------------------

    async def add_voice(self, owner_id: int, name: str, *, provider: str, provider_id: str,
                        key_fingerprint: str | None, transcript: str | None,
                        consent_at: datetime) -> Voice:
        """Record a clone. Raises NameTaken if the owner already has a voice of that name (any case)."""
        if consent_at is None:
            raise ValueError("consent_at is required: a clone is stored only with consent")
        now = schema.utcnow()
        values = {"owner_id": owner_id, "name": name, "name_key": schema.name_key(name), "provider": provider,
                  "provider_id": provider_id, "key_fingerprint": key_fingerprint, "transcript": transcript,
                  "consent_at": consent_at, "created_at": now}
        try:
            async with self._write() as conn:
                result = await conn.execute(sa.insert(schema.voices).values(**values).returning(schema.voices))
                row = result.one()
        except IntegrityError as exc:
            if integrity_kind(exc) == "unique":
                raise NameTaken(name=name) from None
            raise NotFound(what="user", name=str(owner_id)) from None
        return _voice(row)

    async def list_voices(self, owner_id: int) -> list[Voice]:
        voices = schema.voices
        async with self._read() as conn:
            rows = (await conn.execute(
                sa.select(voices).where(voices.c.owner_id == owner_id)
                .order_by(voices.c.name_key, voices.c.id))).all()
        return [_voice(r) for r in rows]

    async def get_voice(self, owner_id: int, name: str) -> Voice | None:
        """The owner's voice called ``name`` (case-insensitive)."""
        voices = schema.voices
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(voices).where(voices.c.owner_id == owner_id,
                                        voices.c.name_key == schema.name_key(name)))).first()
        return _voice(row) if row else None

    async def get_voice_by_id(self, voice_id: int) -> Voice | None:
        async with self._read() as conn:
            row = (await conn.execute(sa.select(schema.voices).where(schema.voices.c.id == voice_id))).first()
        return _voice(row) if row else None

    async def get_voice_by_provider_id(self, provider_id: str) -> Voice | None:
        """The stored clone with this ``speech:…`` URI (the oldest, should several users share one)."""
        voices = schema.voices
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(voices).where(voices.c.provider_id == provider_id)
                .order_by(voices.c.id).limit(1))).first()
        return _voice(row) if row else None

    async def delete_voice(self, owner_id: int, name: str) -> Voice | None:
        """Delete the owner's voice called ``name`` (case-insensitive); returns what was deleted."""
        voices = schema.voices
        where = (voices.c.owner_id == owner_id, voices.c.name_key == schema.name_key(name))
        async with self._write() as conn:
            row = (await conn.execute(sa.select(voices).where(*where))).first()
            if row is None:
                return None
            await conn.execute(sa.delete(voices).where(voices.c.id == row.id))
        return _voice(row)

    async def set_voice_shared(self, owner_id: int, name: str, shared: bool | None) -> Voice | None:
        """Whether others may speak with the owner's voice ``name`` (None: the default); None if no such voice."""
        voices = schema.voices
        where = (voices.c.owner_id == owner_id, voices.c.name_key == schema.name_key(name))
        async with self._write() as conn:
            if not (await conn.execute(sa.update(voices).where(*where).values(shared=shared))).rowcount:
                return None
            row = (await conn.execute(sa.select(voices).where(*where))).first()
        return _voice(row)

    async def list_all_voices_with_owner(self) -> list[tuple[Voice, str, str]]:
        """Every stored clone with its owner's ``(platform, platform_user_id)``, by voice id."""
        voices, users = schema.voices, schema.users
        query = (sa.select(voices, users.c.platform, users.c.platform_user_id)
                 .join(users, users.c.id == voices.c.owner_id).order_by(voices.c.id))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [(_voice(r), r.platform, r.platform_user_id) for r in rows]

    # --- clone requests awaiting consent ------------------------------------------------------

    async def add_clone_request(self, user_id: int, request: CloneRequest, *, max_per_user: int,
                                max_age: float) -> None:
        """Keep ``request`` until its owner confirms. Requests older than ``max_age`` seconds (anyone's)
        are dropped, and the owner's oldest beyond ``max_per_user``."""
        table = schema.pending_clones
        now = schema.utcnow()
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
        table = schema.pending_clones
        where = (table.c.token == token, table.c.user_id == user_id)
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table).where(*where))).first()
            # a double tap on the button: only the press that deleted the request clones
            if row is None or (await conn.execute(sa.delete(table).where(*where))).rowcount != 1:
                return None
        if row.created_at < schema.utcnow() - timedelta(seconds=max_age):
            return None
        return CloneRequest(token=row.token, name=row.name, transcript=row.transcript, file_ref=row.file_ref,
                            filename=row.filename, chat_id=row.chat_id, created_at=row.created_at)

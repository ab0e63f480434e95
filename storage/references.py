"""Reference recordings of clones on a self-hosted CosyVoice2 (``core.providers.cosyvoice_references``):
the audio and its transcript, each a Fernet token under the secret key, like API keys."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.ext.asyncio import AsyncConnection

from core.providers.cosyvoice_references import Reference
from storage import schema
from storage.database import Database

log = logging.getLogger("voicebridge.storage")


class ReferencesRepo(Database):
    async def add_reference(self, name: str, audio: bytes, transcript: str) -> int:
        """Store a reference recording, encrypted; returns its id."""
        values = {"name": name, "audio": self._fernet.encrypt(audio).decode("ascii"),
                  "transcript": self._fernet.encrypt(transcript.encode()).decode("ascii"),
                  "created_at": schema.utcnow()}
        async with self._write() as conn:
            result = await conn.execute(sa.insert(schema.voice_references).values(**values)
                                        .returning(schema.voice_references.c.id))
            return int(result.scalar_one())

    async def get_reference(self, reference_id: int) -> Reference | None:
        """A stored reference, decrypted; None if there is none (or it no longer decrypts: logged)."""
        table = schema.voice_references
        async with self._read() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.id == reference_id))).first()
        if row is None:
            return None
        try:
            audio = self._fernet.decrypt(row.audio.encode("ascii"))
            transcript = self._fernet.decrypt(row.transcript.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            log.warning("reference recording %d cannot be decrypted (was VOICEBRIDGE_SECRET_KEY changed?)",
                        reference_id)
            return None
        return Reference(id=row.id, name=row.name, audio=audio, transcript=transcript)

    async def list_references(self) -> list[tuple[int, str]]:
        """Every stored reference as ``(id, name)``, oldest first."""
        table = schema.voice_references
        async with self._read() as conn:
            rows = (await conn.execute(sa.select(table.c.id, table.c.name).order_by(table.c.id))).all()
        return [(row.id, row.name) for row in rows]

    async def delete_reference(self, reference_id: int) -> bool:
        """Delete a reference; False if there was none."""
        table = schema.voice_references
        async with self._write() as conn:
            result = await conn.execute(sa.delete(table).where(table.c.id == reference_id))
        return bool(result.rowcount)


async def reencrypt_references(conn: AsyncConnection, old: Fernet, new: Fernet) -> tuple[int, int]:
    """Inside a key rotation's transaction: every reference under ``new``; (re-encrypted, unreadable)."""
    table = schema.voice_references
    done = unreadable = 0
    for row in (await conn.execute(sa.select(table.c.id, table.c.audio, table.c.transcript)
                                   .order_by(table.c.id))).all():
        try:
            audio = old.decrypt(row.audio.encode("ascii"))
            transcript = old.decrypt(row.transcript.encode("ascii"))
        except (InvalidToken, ValueError):
            unreadable += 1
            continue
        await conn.execute(sa.update(table).where(table.c.id == row.id).values(
            audio=new.encrypt(audio).decode("ascii"), transcript=new.encrypt(transcript).decode("ascii")))
        done += 1
    return done, unreadable

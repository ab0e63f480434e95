"""Reference recordings of clones on a self-hosted CosyVoice2 (storage.references), on SQLite and PostgreSQL:
encrypted at rest, re-encrypted by a key rotation, exported and imported with the rest."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from core.providers.cosyvoice_references import ReferenceRepository
from storage import Store
from storage.engine import create_engine

WAV = b"RIFF" + bytes(range(256)) * 40
WORDS = "El Psy Kongroo, the words only its owner said"


async def _stored(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(
                sa.text("SELECT audio, transcript FROM voice_references ORDER BY id"))).all()]
    finally:
        await engine.dispose()


async def test_a_reference_round_trips_and_is_encrypted_at_rest(store: Store, db_url: str) -> None:
    repo: ReferenceRepository = store
    first = await repo.add_reference("vb1-kurisu-abc", WAV, WORDS)
    second = await repo.add_reference("vb2-okabe-def", b"RIFF-other", "other words")
    got = await repo.get_reference(first)
    assert got is not None and (got.name, got.audio, got.transcript) == ("vb1-kurisu-abc", WAV, WORDS)
    assert WORDS not in repr(got) and "RIFF" not in repr(got)
    assert await repo.list_references() == [(first, "vb1-kurisu-abc"), (second, "vb2-okabe-def")]
    for audio, transcript in await _stored(db_url):
        assert "RIFF" not in audio and "Kongroo" not in transcript and "words" not in transcript
    assert await repo.delete_reference(first) and not await repo.delete_reference(first)
    assert await repo.get_reference(first) is None
    assert await repo.add_reference("vb3", WAV, "x") > second  # ids are never reused


async def test_rotation_reencrypts_references_and_export_carries_them(db_url: str, secret_key: bytes) -> None:
    new = Fernet.generate_key()
    async with await Store.open(db_url, secret_key) as store:
        rid = await store.add_reference("vb1-kurisu-abc", WAV, WORDS)
        await store.rotate_secret_key(secret_key, new)
        assert (await store.get_reference(rid)).audio == WAV  # type: ignore[union-attr]
        dump = await store.export_all()
    ((audio, transcript),) = await _stored(db_url)
    assert Fernet(new).decrypt(audio.encode()) == WAV and Fernet(new).decrypt(transcript.encode()).decode() == WORDS
    assert len(dump["tables"]["voice_references"]) == 1


@pytest.mark.parametrize("same_key", [True, False])
async def test_import_refuses_references_under_another_key(tmp_path, same_key: bool) -> None:
    key = Fernet.generate_key()
    async with await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", key) as source:
        rid = await source.add_reference("vb1-kurisu-abc", WAV, WORDS)
        dump = await source.export_all()
    other = key if same_key else Fernet.generate_key()
    async with await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", other) as target:
        if same_key:
            await target.import_all(dump)
            assert (await target.get_reference(rid)).transcript == WORDS  # type: ignore[union-attr]
            assert await target.add_reference("next", WAV, "x") == rid + 1
        else:
            with pytest.raises(ValueError, match="different VOICEBRIDGE_SECRET_KEY"):
                await target.import_all(dump)

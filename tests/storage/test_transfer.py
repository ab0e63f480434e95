"""``voicebridge db export`` / ``db import``: SQLite → PostgreSQL → back, nothing lost or changed."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from core.models import CloneRequest, SettingsPatch
from core.talk_memory import TurnRecord
from storage import Store
from storage.transfer import export_to_file, import_from_file, read_export

KEY = "sk-roundtrip-secret-0123456789-QRST"


async def populate(store: Store) -> dict[str, int]:
    """A bit of everything, including the awkward cases (unicode, NULLs, big numbers, gaps in ids)."""
    alice = await store.get_or_create_user("telegram", "1001")
    bob = await store.get_or_create_user("discord", "987654321098765432")
    gone = await store.get_or_create_user("telegram", "666")
    await store.set_ui_language(alice, "zh")
    await store.update_user_settings(alice, voice="speech:kurisu", speed=1.25, gain=-3.5, language="ja",
                                     style="用温柔的语气说")
    await store.update_user_settings(bob, voice="bella")
    await store.update_scope_settings("discord:42", voice="claire", speed=0.9)
    await store.update_scope_options("discord:42", autoread=True, channels=[1, 2, 3], skip_prefix="!",
                                     announce={"names": True, "emoji": "🙂"})
    await store.update_scope_options("telegram:-1001234", idle_timeout=300)
    consent = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    await store.add_voice(alice, "牧瀬紅莉栖", provider="siliconflow", provider_id="speech:kurisu:abc:1",
                          key_fingerprint="fp-alice", transcript="エル・プサイ・コングルゥ", consent_at=consent)
    doomed = await store.add_voice(alice, "temp", provider="siliconflow", provider_id="speech:t:1",
                                   key_fingerprint=None, transcript=None, consent_at=consent)
    await store.delete_voice(alice, doomed.name)  # leaves a gap in the voice ids
    await store.add_voice(bob, "Bob's voice", provider="siliconflow", provider_id="speech:bob:2",
                          key_fingerprint="fp-bob", transcript="hi", consent_at=consent)
    await store.set_api_key(alice, KEY, "fp-alice")
    await store.create_character("discord:42", "Amadeus", SettingsPatch(voice="speech:kurisu:abc:1", style="耳语"),
                                 alice)
    await store.create_character("discord:42", "Narrator", SettingsPatch(speed=1.5), gone)
    await store.add_usage(alice, 5 * 2**32, day=date(2024, 2, 29), requests=7)
    await store.add_usage(alice, 12)
    await store.add_usage(bob, 3, day=date(2025, 1, 1))
    await store.set_pronunciation(f"user:{alice}", "Kurisu", "クリス", limit=10)
    await store.set_pronunciation("discord:42", "gif", "jif", limit=10)
    carol = await store.get_or_create_user("discord", "424242")  # Alice's Discord account, linked to hers
    await store.link_identity(carol, alice)
    await store.create_link_code(bob, "ABCD2345", max_age=600)
    await store.add_clone_request(bob, CloneRequest(token="tok1", name="Bob 2", transcript=None, file_ref="f-1"),
                                  max_per_user=3, max_age=3600)
    amadeus = await store.get_character("discord:42", "Amadeus")
    assert amadeus is not None and amadeus.id is not None
    await store.start_talk("discord:5150", amadeus.id, alice)  # a conversation, and its memory
    await store.add_turns("discord:5150", amadeus.id, [TurnRecord(alice, "user", "你好，Amadeus", 4),
                                                        TurnRecord(alice, "assistant", "Hello, Okabe.", 4)])
    await store.forget_user(gone)  # the narrator stays, without an owner
    return {"alice": alice, "bob": bob}


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {"schema_revision": data["schema_revision"], "tables": data["tables"]}


@pytest.mark.postgres
@pytest.mark.parametrize("filename", ["export.json", "export.json.gz"])
async def test_sqlite_to_postgres_and_back(tmp_path: Path, sqlite_url: str, secret_key: bytes,
                                           make_pg_database: Callable[[], str], filename: str) -> None:
    async with await Store.open(sqlite_url, secret_key) as source:
        ids = await populate(source)
        original = await source.export_all()
        counts = await export_to_file(source, tmp_path / filename)
    assert counts == {name: len(rows) for name, rows in original["tables"].items()}
    assert counts["users"] == 3 and counts["identity_links"] == 1 and counts["voices"] == 2
    assert counts["characters"] == 2 and counts["pronunciations"] == 2
    dump = tmp_path / filename
    assert os.stat(dump).st_mode & 0o077 == 0  # private: it holds encrypted keys and everything else
    raw = dump.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == filename.endswith(".gz")
    assert KEY.encode() not in (gzip.decompress(raw) if filename.endswith(".gz") else raw)

    pg_url = make_pg_database()
    async with await Store.open(pg_url, secret_key) as target:
        assert await import_from_file(target, dump) == counts
        moved = await target.export_all()
        assert _comparable(moved) == _comparable(original)
        assert moved["sequences"] == original["sequences"] == {"users": 5, "voices": 4, "characters": 3,
                                                               "voice_references": 1,
                                                               "conversation_turns": 3}
        assert [t.content for t in await target.recent_turns("discord:5150", 1, limit=10)] == [
            "你好，Amadeus", "Hello, Okabe."]
        assert moved["source_dialect"] == "postgresql" and original["source_dialect"] == "sqlite"
        # the data works there, not just compares equal
        alice = await target.find_user("telegram", "1001")
        assert alice == ids["alice"]
        assert await target.find_user("discord", "424242") == alice  # the link came along
        assert await target.get_api_key(alice) == KEY
        assert (await target.get_voice(alice, "牧瀬紅莉栖")).transcript == "エル・プサイ・コングルゥ"  # type: ignore[union-attr]
        assert await target.get_scope_options("discord:42") == {
            "announce": {"emoji": "🙂", "names": True}, "autoread": True, "channels": [1, 2, 3], "skip_prefix": "!"}
        assert (await target.get_usage(alice))[2] == 5 * 2**32 + 12
        narrator = await target.get_character("discord:42", "narrator")
        assert narrator is not None and narrator.owner_id is None
        # sequences continue after the imported ids (no duplicate-key error, no reuse)
        new_user = await target.get_or_create_user("telegram", "new")
        assert new_user == 5  # not 3: that id belonged to the forgotten user
        await target.forget_user(new_user)
        new_voice = await target.add_voice(alice, "fresh", provider="siliconflow", provider_id="speech:f",
                                           key_fingerprint=None, transcript=None, consent_at=datetime.now(UTC))
        assert new_voice.id == 4  # the deleted "temp" voice had 2, the last one 3
        await target.delete_voice(alice, "fresh")
        await export_to_file(target, tmp_path / "back.json")

    # …and back down to a fresh SQLite file
    back_url = f"sqlite+aiosqlite:///{tmp_path / 'back' / 'voicebridge.db'}"
    async with await Store.open(back_url, secret_key) as back:
        await import_from_file(back, tmp_path / "back.json")
        again = await back.export_all()
        # the row added and removed on PostgreSQL is gone; everything else is identical
        assert _comparable(again) == _comparable(original)
        assert await back.get_api_key(ids["alice"]) == KEY
        assert again["sequences"] == {"users": 6, "voices": 5, "characters": 3, "voice_references": 1, "conversation_turns": 3}
        assert await back.get_or_create_user("telegram", "another") == 6


async def test_import_refuses_a_non_empty_database(db_url: str, secret_key: bytes, tmp_path: Path) -> None:
    async with await Store.open(db_url, secret_key) as store:
        await populate(store)
        await export_to_file(store, tmp_path / "dump.json")
        before = await store.export_all()
        with pytest.raises(ValueError, match="not empty"):
            await import_from_file(store, tmp_path / "dump.json")
        assert _comparable(await store.export_all()) == _comparable(before)


async def test_import_is_all_or_nothing(store: Store, secret_key: bytes, tmp_path: Path) -> None:
    async with await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'source.db'}", secret_key) as source:
        await populate(source)
        data = await source.export_all()
    broken = json.loads(json.dumps(data))
    broken["tables"]["usage"].append(dict(broken["tables"]["usage"][0]))  # duplicate key in the last table
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        await store.import_all(broken)
    assert all(rows == [] for rows in (await store.export_all())["tables"].values())
    await store.import_all(data)  # the same database takes a good dump afterwards
    assert _comparable(await store.export_all()) == _comparable(data)


async def test_import_checks_the_secret_key(db_url: str, secret_key: bytes, tmp_path: Path) -> None:
    other_key = Fernet.generate_key()
    source_url = f"sqlite+aiosqlite:///{tmp_path / 'source.db'}"
    async with await Store.open(source_url, other_key) as source:
        await populate(source)
        data = await source.export_all()
    async with await Store.open(db_url, secret_key) as store:
        with pytest.raises(ValueError, match="VOICEBRIDGE_SECRET_KEY"):
            await store.import_all(data)
        assert all(rows == [] for rows in (await store.export_all())["tables"].values())
        await store.import_all(data, allow_other_secret=True)
        alice = await store.find_user("telegram", "1001")
        assert alice is not None
        assert await store.get_api_key(alice) is None  # unreadable here, and said so in the log
        assert await store.get_api_key_info(alice) == ("fp-alice", "QRST")


async def test_import_rejects_foreign_or_mismatched_dumps(store: Store, tmp_path: Path) -> None:
    data = await store.export_all()
    for bad, match in (
        ({**data, "format": "something-else"}, "not a voicebridge export"),
        ({**data, "schema_revision": "0000"}, "schema revision"),
        ({**data, "tables": {**data["tables"], "mystery": []}}, "unknown tables"),
        ({**data, "tables": {**data["tables"], "users": [{"id": 1, "nickname": "x"}]}}, "unknown columns"),
    ):
        with pytest.raises(ValueError, match=match):
            await store.import_all(bad)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not json")
    with pytest.raises(ValueError, match="not a voicebridge export"):
        read_export(garbage)

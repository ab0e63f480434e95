"""Users, their interface language, API keys, usage and forgetting them (storage.accounts),
on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from core.errors import NotFound
from core.lexicon import user_owner
from core.models import Pronunciation, SettingsPatch
from storage import Store
from storage.engine import create_engine
from tests.storage.fixtures import KEY, make_voice


async def test_users(store: Store) -> None:
    assert await store.find_user("telegram", "42") is None
    uid = await store.get_or_create_user("telegram", "42")
    assert await store.get_or_create_user("telegram", "42") == uid
    assert await store.find_user("telegram", "42") == uid
    other = await store.get_or_create_user("discord", "42")  # same id, other platform
    assert other != uid
    assert await store.get_user(uid) == ("telegram", "42")
    assert await store.get_user(other) == ("discord", "42")
    assert await store.get_user(999_999) is None


async def test_get_or_create_user_races_to_one_row(store: Store) -> None:
    ids = await asyncio.gather(*(store.get_or_create_user("discord", "777") for _ in range(20)))
    assert len(set(ids)) == 1


async def test_ui_language(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    assert await store.get_ui_language(uid) is None
    await store.set_ui_language(uid, "ja")
    assert await store.get_ui_language(uid) == "ja"
    await store.set_ui_language(uid, None)
    assert await store.get_ui_language(uid) is None
    assert await store.get_ui_language(424242) is None
    with pytest.raises(NotFound):
        await store.set_ui_language(424242, "en")


async def test_api_keys(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    assert await store.get_api_key(uid) is None
    assert await store.get_api_key_info(uid) is None
    assert await store.clear_api_key(uid) is False
    await store.set_api_key(uid, KEY, "fp-one")
    assert await store.get_api_key(uid) == KEY
    assert await store.get_api_key_info(uid) == ("fp-one", "WXYZ")
    await store.set_api_key(uid, "sk-second-key-0000abcd", "fp-two")  # replaces
    assert await store.get_api_key(uid) == "sk-second-key-0000abcd"
    assert await store.get_api_key_info(uid) == ("fp-two", "abcd")
    assert await store.clear_api_key(uid) is True
    assert await store.get_api_key(uid) is None
    assert await store.get_api_key_info(uid) is None
    with pytest.raises(NotFound) as err:
        await store.set_api_key(55555, KEY, "fp")
    assert KEY not in str(err.value) and KEY not in repr(err.value.__cause__) and err.value.__cause__ is None


async def test_api_key_ciphertext_in_the_table(store: Store, db_url: str, secret_key: bytes) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    await store.set_api_key(uid, KEY, "fp")
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT ciphertext, fingerprint, hint FROM api_keys"))).all()
    finally:
        await engine.dispose()
    assert len(rows) == 1
    ciphertext = rows[0][0]
    assert KEY not in ciphertext
    assert Fernet(secret_key).decrypt(ciphertext.encode()).decode() == KEY


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            hits.append(path)
    return hits


async def test_api_keys_encrypted_at_rest_sqlite(data_dir: Path, sqlite_url: str, secret_key: bytes) -> None:
    store = await Store.open(sqlite_url, secret_key)
    try:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_api_key(uid, KEY, "fp")
        await store.set_api_key(await store.get_or_create_user("discord", "2"), KEY + "2", "fp2")
        await store.clear_api_key(uid)
        await store.set_api_key(uid, KEY, "fp")
        assert await store.get_api_key(uid) == KEY
        # while open: the WAL and shared-memory files exist and hold the latest pages
        names = {p.name for p in data_dir.iterdir()}
        assert {"voicebridge.db", "voicebridge.db-wal"} <= names
        assert _files_containing(data_dir, KEY.encode()) == []
        assert _files_containing(data_dir, KEY.encode("utf-16-le")) == []
        assert _files_containing(data_dir, b"WXYZ")  # sanity: the scan does see the stored hint
    finally:
        await store.close()
    assert _files_containing(data_dir, KEY.encode()) == []


async def test_usage_ledger(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    assert await store.get_usage(uid) == (0, 0, 0, 0)
    await store.add_usage(uid, 100)
    await store.add_usage(uid, 23, requests=2)
    assert await store.get_usage(uid) == (123, 3, 123, 3)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    await store.add_usage(uid, 1000, day=yesterday)
    assert await store.get_usage(uid) == (123, 3, 1123, 4)
    assert await store.get_usage(uid, day=yesterday) == (1000, 1, 1123, 4)
    assert await store.get_usage(uid, day=date(2000, 1, 1)) == (0, 0, 1123, 4)
    big = 5 * 2**32  # bigger than a 32-bit int
    await store.add_usage(uid, big, day=date(2024, 2, 29))
    assert (await store.get_usage(uid))[2] == 1123 + big
    with pytest.raises(ValueError):
        await store.add_usage(uid, -1)
    with pytest.raises(NotFound):
        await store.add_usage(99999, 1)
    other = await store.get_or_create_user("telegram", "2")
    assert await store.get_usage(other) == (0, 0, 0, 0)


async def test_forget_user(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    keep = await store.get_or_create_user("telegram", "2")
    for who in (uid, keep):
        await store.update_user_settings(who, voice="anna")
        await make_voice(store, who, "a")
        await make_voice(store, who, "b")
        await store.set_api_key(who, KEY, "fp")
        await store.add_usage(who, 10)
        await store.add_usage(who, 10, day=date(2024, 1, 1))
        await store.set_pronunciation(user_owner(who), "gif", "jif", limit=10)
    await store.create_character("discord:1", "char", SettingsPatch(voice="anna"), uid)
    await store.create_character("discord:1", "kept", SettingsPatch(), keep)
    await store.set_pronunciation("discord:1", "sql", "sequel", limit=10)

    # 2 voices + 1 key + 1 settings + 2 usage days + 1 pronunciation + the user row
    assert await store.forget_user(uid) == 8
    assert await store.list_pronunciations(user_owner(uid)) == []
    assert await store.list_pronunciations(user_owner(keep)) == [Pronunciation("gif", "jif")]
    assert await store.list_pronunciations("discord:1") == [Pronunciation("sql", "sequel")]  # the server's stays
    assert await store.find_user("telegram", "1") is None
    assert await store.get_user(uid) is None
    assert await store.list_voices(uid) == []
    assert await store.get_api_key(uid) is None
    assert await store.get_user_settings(uid) == SettingsPatch()
    assert await store.get_usage(uid) == (0, 0, 0, 0)
    char = await store.get_character("discord:1", "char")
    assert char is not None and char.owner_id is None and char.settings == SettingsPatch(voice="anna")
    # the other user is untouched
    assert len(await store.list_voices(keep)) == 2
    assert await store.get_api_key(keep) == KEY
    assert await store.get_usage(keep) == (10, 1, 20, 2)
    assert (await store.get_character("discord:1", "kept")).owner_id == keep  # type: ignore[union-attr]
    assert await store.forget_user(uid) == 0
    # coming back creates a fresh user with a new id
    assert await store.get_or_create_user("telegram", "1") != uid

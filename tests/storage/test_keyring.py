"""The secret key's record in the database, its rotation, and the upgrade of key fingerprints
(storage.keyring), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from core import keys
from core.config import load_config
from core.secret_key import pending_secret_key_path, secret_key_path, write_key_file
from core.errors import ConfigError, SecretKeyLost, SecretKeyMismatch
from core.keys import secret_key_id
from storage import Store
from storage.engine import create_engine
from storage.keyring import UNRECORDED, open_store

KEY_A = "sk-alice-0123456789abcdefghij"
KEY_B = "sk-bob-0123456789abcdefghijkl"
OPERATOR = "sk-operator-0123456789abcdef"
GONE = "sk-long-gone-0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("VOICEBRIDGE_", "SILICONFLOW_")):
            monkeypatch.delenv(name)


async def _rows(url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(sa.text(sql), params)).all()]
    finally:
        await engine.dispose()


async def _execute(url: str, *statements: tuple[str, dict]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for sql, params in statements:
                await conn.execute(sa.text(sql), params)
    finally:
        await engine.dispose()


async def _migrate(url: str, target: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), target))
    finally:
        await engine.dispose()


async def _voice(store: Store, owner: int, name: str, fingerprint: str | None) -> int:
    voice = await store.add_voice(owner, name, provider="siliconflow", provider_id=f"speech:{name}",
                                  key_fingerprint=fingerprint, transcript=None, consent_at=datetime.now(UTC))
    assert voice.id is not None
    return voice.id


# --- the record -------------------------------------------------------------------------------


async def test_the_first_open_records_the_key_and_another_key_is_refused_in_one_line(
        db_url: str, secret_key: bytes, caplog: pytest.LogCaptureFixture) -> None:
    async with await Store.open(db_url, secret_key) as store:
        assert await store.recorded_secret_key_id() == secret_key_id(secret_key)
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_api_key(uid, KEY_A, keys.fingerprint(KEY_A))
    caplog.set_level(logging.DEBUG)
    other = Fernet.generate_key()
    for upgrade in (True, False):
        with pytest.raises(SecretKeyMismatch) as err:
            await Store.open(db_url, other, upgrade=upgrade)
        message = str(err.value)
        assert "\n" not in message
        assert secret_key_id(secret_key) in message and secret_key_id(other) in message
        assert "voicebridge db rotate-key" in message
        for secret in (secret_key.decode(), other.decode(), KEY_A):
            assert secret not in message and secret not in caplog.text
    async with await Store.open(db_url, secret_key) as store:  # the right key still works: nothing was changed
        assert await store.get_api_key(uid) == KEY_A


async def test_each_test_starts_with_no_recorded_key(db_url: str) -> None:
    # the fixtures empty `meta` with the other tables, so tests sharing the PostgreSQL session database
    # each use their own secret key (the test above recorded one); a keyless open would be refused otherwise
    async with await Store.open(db_url, None) as store:
        assert await store.recorded_secret_key_id() is None


async def test_two_first_opens_with_different_keys_only_one_wins(db_url: str) -> None:
    first, second = Fernet.generate_key(), Fernet.generate_key()
    results = await asyncio.gather(Store.open(db_url, first), Store.open(db_url, second), return_exceptions=True)
    opened = [r for r in results if isinstance(r, Store)]
    try:
        assert len(opened) == 1
        assert sum(isinstance(r, SecretKeyMismatch) for r in results) == 1
        assert await opened[0].recorded_secret_key_id() == opened[0].secret_key_id
    finally:
        for store in opened:
            await store.close()


async def test_without_a_key_only_a_database_that_never_had_one_opens(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, None) as store:
        uid = await store.get_or_create_user("telegram", "1")
        with pytest.raises(ConfigError):
            await store.set_api_key(uid, KEY_A, keys.fingerprint(KEY_A))
        assert await store.recorded_secret_key_id() is None  # nothing recorded: the first key will be
    async with await Store.open(db_url, secret_key):
        pass
    with pytest.raises(SecretKeyLost) as err:
        await Store.open(db_url, None)
    assert secret_key_id(secret_key) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_database_from_before_the_record_is_checked_recorded_and_its_fingerprints_upgraded(
        dialect: str, data_dir: Path, secret_key: bytes, request: pytest.FixtureRequest) -> None:
    url = (f"sqlite+aiosqlite:///{data_dir / 'old.db'}" if dialect == "sqlite"
           else request.getfixturevalue("make_pg_database")())
    await _migrate(url, "0002")
    fernet = Fernet(secret_key)
    now = datetime(2025, 1, 1, tzinfo=UTC) if dialect == "postgres" else datetime(2025, 1, 1)
    users = [("INSERT INTO users (id, platform, platform_user_id, created_at) VALUES (:i, 'telegram', :p, :n)",
              {"i": i, "p": str(i), "n": now}) for i in (1, 2, 3)]
    api_keys = [("INSERT INTO api_keys (user_id, ciphertext, fingerprint, hint, created_at, updated_at) "
                 "VALUES (:u, :c, :f, 'xxxx', :n, :n)",
                 {"u": uid, "c": fernet.encrypt(key.encode()).decode(), "f": keys.legacy_fingerprint(secret_key, key),
                  "n": now}) for uid, key in ((1, KEY_A), (2, KEY_B))]
    voices = [("INSERT INTO voices (id, owner_id, name, name_key, provider, provider_id, key_fingerprint, "
               "consent_at, created_at) VALUES (:i, :o, :n, :n, 'siliconflow', :p, :f, :t, :t)",
               {"i": vid, "o": owner, "n": f"v{vid}", "p": f"speech:v{vid}",
                "f": keys.legacy_fingerprint(secret_key, key), "t": now})
              for vid, owner, key in ((1, 1, KEY_A), (2, 3, OPERATOR), (3, 3, GONE))]
    await _execute(url, *users, *api_keys, *voices)

    # a key none of the stored ones decrypts with: refused, nothing recorded, nothing changed
    with pytest.raises(SecretKeyMismatch) as err:
        await Store.open(url, Fernet.generate_key(), operator_key=OPERATOR)
    assert UNRECORDED in str(err.value)
    assert await _rows(url, "SELECT fingerprint FROM api_keys ORDER BY user_id") == [
        (keys.legacy_fingerprint(secret_key, KEY_A),), (keys.legacy_fingerprint(secret_key, KEY_B),)]

    async with await Store.open(url, secret_key, operator_key=OPERATOR) as store:
        assert await store.recorded_secret_key_id() == secret_key_id(secret_key)
        assert await store.get_api_key(1) == KEY_A
        assert await store.get_api_key_info(2) == (keys.fingerprint(KEY_B), "xxxx")
        assert [v.key_fingerprint for v in await store.list_voices(1)] == [keys.fingerprint(KEY_A)]
        # the operator's is upgraded; a key stored nowhere can't be, and its legacy fingerprint stays
        assert [v.key_fingerprint for v in await store.list_voices(3)] == [
            keys.fingerprint(OPERATOR), keys.legacy_fingerprint(secret_key, GONE)]


async def test_some_undecryptable_keys_from_before_the_record_are_tolerated_with_a_warning(
        db_url: str, secret_key: bytes, caplog: pytest.LogCaptureFixture) -> None:
    async with await Store.open(db_url, secret_key) as store:
        a, b = await store.get_or_create_user("telegram", "1"), await store.get_or_create_user("telegram", "2")
        await store.set_api_key(a, KEY_A, keys.fingerprint(KEY_A))
    stale = Fernet(Fernet.generate_key()).encrypt(KEY_B.encode()).decode()
    await _execute(db_url, ("DELETE FROM meta", {}),  # as before the record existed
                   ("INSERT INTO api_keys (user_id, ciphertext, fingerprint, hint, created_at, updated_at) "
                    "SELECT :u, :c, 'x', 'x', created_at, created_at FROM users WHERE id = :u", {"u": b, "c": stale}))
    async with await Store.open(db_url, secret_key) as store:
        assert await store.recorded_secret_key_id() == secret_key_id(secret_key)
        assert await store.get_api_key(a) == KEY_A
    assert "1 of 2 stored API keys do not decrypt" in caplog.text


async def test_link_markers_are_upgraded_with_the_keys_so_unlink_still_gives_the_key_back(
        db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as store:
        account, identity = (await store.get_or_create_user("telegram", "1"),
                             await store.get_or_create_user("discord", "2"))
        await store.set_api_key(identity, KEY_B, keys.legacy_fingerprint(secret_key, KEY_B))  # an older version
        await store.link_identity(identity, account)  # the key moves over, remembered by its fingerprint
    [(brought,)] = await _rows(db_url, "SELECT brought FROM identity_links")
    assert json.loads(brought)["key"] == keys.legacy_fingerprint(secret_key, KEY_B)
    async with await Store.open(db_url, secret_key) as store:
        [(brought,)] = await _rows(db_url, "SELECT brought FROM identity_links")
        assert json.loads(brought)["key"] == keys.fingerprint(KEY_B)
        assert await store.get_api_key_info(account) == (keys.fingerprint(KEY_B), "ijkl")
        await store.unlink(identity)
        assert await store.get_api_key(identity) == KEY_B


# --- rotation ---------------------------------------------------------------------------------


async def _populate(store: Store, secret_key: bytes) -> dict[str, int]:
    ids = {name: await store.get_or_create_user("telegram", name) for name in ("a", "b", "c")}
    await store.set_api_key(ids["a"], KEY_A, keys.legacy_fingerprint(secret_key, KEY_A))
    await store.set_api_key(ids["b"], KEY_B, keys.fingerprint(KEY_B))
    await _voice(store, ids["a"], "mine", keys.legacy_fingerprint(secret_key, KEY_A))
    await _voice(store, ids["c"], "operators", keys.legacy_fingerprint(secret_key, OPERATOR))
    return ids


async def test_rotation_reencrypts_every_key_and_upgrades_fingerprints_first(db_url: str, secret_key: bytes) -> None:
    new = Fernet.generate_key()
    async with await Store.open(db_url, secret_key) as store:
        ids = await _populate(store, secret_key)
        report = await store.rotate_secret_key(secret_key, new, operator_key=OPERATOR)
        assert (report.reencrypted, report.undecryptable) == (2, 0)
        assert (report.fingerprints_upgraded, report.fingerprints_left) == (3, 0)
        assert report.new_key_id == secret_key_id(new) == await store.recorded_secret_key_id()
        assert await store.get_api_key(ids["a"]) == KEY_A  # the open store goes on with the new key
    ciphertexts = [c for (c,) in await _rows(db_url, "SELECT ciphertext FROM api_keys ORDER BY user_id")]
    assert [Fernet(new).decrypt(c.encode()).decode() for c in ciphertexts] == [KEY_A, KEY_B]
    with pytest.raises(SecretKeyMismatch):
        await Store.open(db_url, secret_key)
    async with await Store.open(db_url, new) as store:
        assert await store.get_api_key(ids["b"]) == KEY_B
        assert [v.key_fingerprint for v in await store.list_voices(ids["a"])] == [keys.fingerprint(KEY_A)]
        assert [v.key_fingerprint for v in await store.list_voices(ids["c"])] == [keys.fingerprint(OPERATOR)]


async def test_a_rotation_that_fails_half_way_changes_nothing(db_url: str, secret_key: bytes,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    async with await Store.open(db_url, secret_key) as store:
        ids = await _populate(store, secret_key)
        before = await store.export_all()
        encrypt, calls = Fernet.encrypt, []

        def failing(self: Fernet, data: bytes) -> bytes:
            calls.append(1)
            if len(calls) == 2:  # the first key is already re-encrypted and written
                raise OSError("the disk went away")
            return encrypt(self, data)

        monkeypatch.setattr(Fernet, "encrypt", failing)
        with pytest.raises(OSError):
            await store.rotate_secret_key(secret_key, Fernet.generate_key(), operator_key=OPERATOR)
        monkeypatch.undo()
        assert len(calls) == 2
        after = await store.export_all()
        assert after["tables"] == before["tables"]  # keys, fingerprints: all as they were
        assert await store.recorded_secret_key_id() == secret_key_id(secret_key)
        assert await store.get_api_key(ids["a"]) == KEY_A
    async with await Store.open(db_url, secret_key) as store:
        assert await store.get_api_key(ids["b"]) == KEY_B


# --- the key file and an interrupted rotation --------------------------------------------------


async def test_a_rotation_that_crashed_after_its_commit_is_finished_at_the_next_start(data_dir: Path) -> None:
    config = load_config(data_dir=data_dir)
    store, old = await open_store(config, create_key=True)
    assert old is not None and secret_key_path(config).read_bytes().strip() == old
    async with store:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_api_key(uid, KEY_A, keys.fingerprint(KEY_A))
        new = Fernet.generate_key()
        write_key_file(pending_secret_key_path(config), new, replace=True)  # what rotate-key does first
        await store.rotate_secret_key(old, new)  # committed … and the process dies before replacing secret.key
    assert secret_key_path(config).read_bytes().strip() == old
    store, key = await open_store(config, create_key=True)
    async with store:
        assert key == new
        assert await store.get_api_key(uid) == KEY_A
    assert secret_key_path(config).read_bytes().strip() == new
    assert not pending_secret_key_path(config).exists()


async def test_a_rotation_that_crashed_before_its_commit_leaves_the_old_key_in_use(data_dir: Path) -> None:
    config = load_config(data_dir=data_dir)
    store, old = await open_store(config, create_key=True)
    async with store:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_api_key(uid, KEY_A, keys.fingerprint(KEY_A))
    write_key_file(pending_secret_key_path(config), Fernet.generate_key(), replace=True)  # … then the crash
    store, key = await open_store(config, create_key=True)
    async with store:
        assert key == old
        assert await store.get_api_key(uid) == KEY_A
    assert secret_key_path(config).read_bytes().strip() == old

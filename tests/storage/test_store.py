"""Store: every method, on SQLite and on PostgreSQL (the ``db_url`` fixture runs each test on both)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from core.errors import ConfigError, DictionaryFull, NameTaken, NotFound, SecretKeyMismatch
from core.lexicon import user_owner
from core.models import Character, CloneRequest, Pronunciation, SettingsPatch, Voice
from storage import Store, head_revision, upgrade
from storage.engine import create_engine

CONSENT = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
KEY = "sk-plaintextsecretkey-0123456789abcdefWXYZ"


async def _voice(store: Store, owner: int, name: str = "Kurisu", **kw: object) -> Voice:
    args: dict[str, object] = {"provider": "siliconflow", "provider_id": f"speech:{name}:abc:{owner}",
                               "key_fingerprint": "fp1", "transcript": "hello there", "consent_at": CONSENT}
    args.update(kw)
    return await store.add_voice(owner, name, **args)  # type: ignore[arg-type]


# --- basics ---------------------------------------------------------------------------------


async def test_dialect_ping_and_revision(store: Store, db_url: str) -> None:
    assert store.dialect == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
    await store.ping()
    assert await store.schema_revision() == head_revision()


async def test_context_manager_and_double_close(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as store:
        await store.ping()
    await store.close()  # idempotent


async def test_bad_secret_key_is_a_config_error(db_url: str) -> None:
    with pytest.raises(ConfigError) as err:
        await Store.open(db_url, b"not a fernet key")
    assert "VOICEBRIDGE_SECRET_KEY" in str(err.value)


async def test_in_memory_sqlite(secret_key: bytes) -> None:
    """``sqlite+aiosqlite://`` works too (one shared connection), e.g. for quick experiments."""
    async with await Store.open("sqlite+aiosqlite://", secret_key) as store:
        uids = await asyncio.gather(*(store.get_or_create_user("cli", str(i % 3)) for i in range(12)))
        assert len(set(uids)) == 3
        await asyncio.gather(*(store.update_user_settings(uids[0], **{f: v})
                               for f, v in (("voice", "anna"), ("speed", 2.0), ("gain", 1.0))))
        assert await store.get_user_settings(uids[0]) == SettingsPatch(voice="anna", speed=2.0, gain=1.0)


def test_database_urls_are_normalised_and_masked() -> None:
    from storage.engine import normalize_url, safe_url

    assert safe_url("postgresql+asyncpg://bot:hunter2@db:5432/vb") == "postgresql+asyncpg://bot:***@db:5432/vb"
    assert normalize_url("postgres://u@h/d").drivername == "postgresql+asyncpg"
    assert normalize_url("sqlite:////tmp/x.db").drivername == "sqlite+aiosqlite"
    for bad in ("mysql://u@h/d", "postgresql+psycopg2://u@h/d", "not a url"):
        with pytest.raises(ConfigError):
            normalize_url(bad)


# --- users ----------------------------------------------------------------------------------


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


# --- settings -------------------------------------------------------------------------------


async def test_user_settings_partial_update_and_clear(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    assert await store.get_user_settings(uid) == SettingsPatch()
    got = await store.update_user_settings(uid, voice="bella", speed=1.25)
    assert got == SettingsPatch(voice="bella", speed=1.25)
    got = await store.update_user_settings(uid, gain=-3, style="用开心的语气说")
    assert got == SettingsPatch(voice="bella", speed=1.25, gain=-3.0, language=None, style="用开心的语气说")
    assert isinstance(got.gain, float)
    got = await store.update_user_settings(uid, speed=None)  # None clears only that field
    assert got == SettingsPatch(voice="bella", gain=-3.0, style="用开心的语气说")
    assert await store.get_user_settings(uid) == got
    assert await store.update_user_settings(uid) == got  # nothing to change
    other = await store.get_or_create_user("telegram", "2")
    assert await store.get_user_settings(other) == SettingsPatch()


async def test_user_settings_reject_bad_fields(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    with pytest.raises(ValueError):
        await store.update_user_settings(uid, volume=3)
    with pytest.raises(ValueError):
        await store.update_user_settings(uid, speed="fast")
    with pytest.raises(ValueError):
        await store.update_user_settings(uid, voice=3)
    with pytest.raises(NotFound):
        await store.update_user_settings(123456, voice="anna")
    assert await store.get_user_settings(uid) == SettingsPatch()


async def test_scope_settings(store: Store) -> None:
    scope = "discord:1234"
    assert await store.get_scope_settings(scope) == SettingsPatch()
    assert await store.update_scope_settings(scope, language="ja", voice="anna") == \
        SettingsPatch(voice="anna", language="ja")
    assert await store.update_scope_settings(scope, language=None) == SettingsPatch(voice="anna")
    assert await store.get_scope_settings("telegram:-1001") == SettingsPatch()
    with pytest.raises(ValueError):
        await store.update_scope_settings(scope, autoread=True)


async def test_scope_options_merge(store: Store) -> None:
    scope = "discord:1234"
    assert await store.get_scope_options(scope) == {}
    assert await store.update_scope_options(scope, autoread=True, skip_prefix="!") == \
        {"autoread": True, "skip_prefix": "!"}
    assert await store.update_scope_options(scope, channels=[1, 2], idle_timeout=300.5, skip_prefix=None) == \
        {"autoread": True, "channels": [1, 2], "idle_timeout": 300.5}
    assert await store.update_scope_options(scope, missing=None) == \
        {"autoread": True, "channels": [1, 2], "idle_timeout": 300.5}
    # settings and options share a row: neither clobbers the other
    await store.update_scope_settings(scope, voice="claire")
    assert await store.get_scope_options(scope) == {"autoread": True, "channels": [1, 2], "idle_timeout": 300.5}
    await store.update_scope_options(scope, announce_names=True)
    assert await store.get_scope_settings(scope) == SettingsPatch(voice="claire")
    with pytest.raises(ValueError):
        await store.update_scope_options(scope, bad=object())
    assert "bad" not in await store.get_scope_options(scope)


async def test_list_scopes_with_option(store: Store) -> None:
    await store.update_scope_options("discord:1", autoread=True)
    await store.update_scope_options("discord:2", autoread=False)
    await store.update_scope_options("discord:3", autoread_channel=5)  # a longer key must not match
    await store.update_scope_options("telegram:-100", autoread=True, x="y")
    await store.update_scope_options("discord:4", **{"100%_sure": True})
    assert await store.list_scopes_with_option("autoread") == [
        ("discord:1", {"autoread": True}), ("telegram:-100", {"autoread": True, "x": "y"})]
    assert await store.list_scopes_with_option("autoread", prefix="discord:") == [("discord:1", {"autoread": True})]
    assert await store.list_scopes_with_option("100%_sure") == [("discord:4", {"100%_sure": True})]
    assert await store.list_scopes_with_option("nothing") == []


# --- voices ---------------------------------------------------------------------------------


async def test_voices_crud(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    other = await store.get_or_create_user("discord", "1")
    v = await _voice(store, uid, "Kurisu")
    assert v.name == "Kurisu" and v.kind == "clone" and v.owner_id == uid and v.id is not None
    assert v.provider_id == f"speech:Kurisu:abc:{uid}" and v.key_fingerprint == "fp1"
    assert v.transcript == "hello there" and v.consent_at == CONSENT
    assert v.created_at is not None and v.created_at.tzinfo is not None
    assert v.created_at.utcoffset() == timedelta(0)

    await _voice(store, uid, "amadeus")
    await _voice(store, other, "kurisu")  # another owner may use the same name
    assert [x.name for x in await store.list_voices(uid)] == ["amadeus", "Kurisu"]
    assert await store.get_voice(uid, "KURISU") == v
    assert await store.get_voice(uid, "nobody") is None
    assert await store.get_voice_by_id(v.id) == v  # type: ignore[arg-type]
    assert await store.get_voice_by_id(10_000) is None
    assert await store.get_voice_by_provider_id(v.provider_id) == v  # type: ignore[arg-type]

    with pytest.raises(NameTaken) as err:
        await _voice(store, uid, "kURISU")
    assert err.value.params["name"] == "kURISU"

    everything = await store.list_all_voices_with_owner()
    assert [(x.name, p, pid) for x, p, pid in everything] == [
        ("Kurisu", "telegram", "1"), ("amadeus", "telegram", "1"), ("kurisu", "discord", "1")]

    deleted = await store.delete_voice(uid, "kurisu")
    assert deleted == v
    assert await store.delete_voice(uid, "kurisu") is None
    assert [x.name for x in await store.list_voices(uid)] == ["amadeus"]
    assert [x.name for x in await store.list_voices(other)] == ["kurisu"]
    # the name is free again, and ids are never reused
    again = await _voice(store, uid, "Kurisu")
    assert again.id != v.id


async def test_voice_unicode_and_timezones(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    tokyo = timezone(timedelta(hours=9))
    v = await _voice(store, uid, "牧瀬紅莉栖", consent_at=datetime(2025, 1, 2, 12, 0, tzinfo=tokyo))
    assert v.consent_at == datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    assert v.consent_at.tzinfo is not None and v.consent_at.utcoffset() == timedelta(0)  # type: ignore[union-attr]
    assert (await store.get_voice(uid, "牧瀬紅莉栖")) == v
    naive = await _voice(store, uid, "naive", consent_at=datetime(2025, 5, 5, 5, 5))
    assert naive.consent_at == datetime(2025, 5, 5, 5, 5, tzinfo=UTC)


async def test_voice_needs_owner_and_consent(store: Store) -> None:
    with pytest.raises(NotFound):
        await _voice(store, 987654, "x")
    uid = await store.get_or_create_user("telegram", "1")
    with pytest.raises(ValueError):
        await _voice(store, uid, "x", consent_at=None)
    assert await store.list_voices(uid) == []


# --- API keys -------------------------------------------------------------------------------


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


async def test_another_secret_is_refused_at_open_and_nothing_is_logged(
        db_url: str, secret_key: bytes, caplog: pytest.LogCaptureFixture) -> None:
    # (it used to open, and every stored key silently read as absent; see tests/storage/test_keyring.py)
    async with await Store.open(db_url, secret_key) as store:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_api_key(uid, KEY, "fp")
    caplog.set_level(logging.DEBUG)
    other = Fernet.generate_key()
    with pytest.raises(SecretKeyMismatch) as err:
        await Store.open(db_url, other)
    assert "\n" not in str(err.value) and "rotate-key" in str(err.value)
    for secret in (KEY, secret_key.decode(), other.decode()):
        assert secret not in caplog.text and secret not in str(err.value)
    async with await Store.open(db_url, secret_key) as store:
        assert await store.get_api_key(uid) == KEY


# --- characters -----------------------------------------------------------------------------


async def test_characters_crud(store: Store) -> None:
    owner = await store.get_or_create_user("discord", "9")
    scope = "discord:1234"
    c = await store.create_character(scope, "Amadeus", SettingsPatch(voice="claire", speed=1.1), owner)
    assert isinstance(c, Character)
    assert (c.scope, c.name, c.owner_id) == (scope, "Amadeus", owner)
    assert c.settings == SettingsPatch(voice="claire", speed=1.1)
    assert c.id is not None and c.created_at is not None and c.created_at.tzinfo is not None
    with pytest.raises(NameTaken):
        await store.create_character(scope, "AMADEUS", SettingsPatch(), owner)
    other_scope = await store.create_character("telegram:-100", "amadeus", SettingsPatch(), None)
    assert other_scope.owner_id is None
    await store.create_character(scope, "bob", SettingsPatch(style="耳语"), None)

    assert await store.get_character(scope, "amadeus") == c
    assert await store.get_character(scope, "nobody") is None
    assert [x.name for x in await store.list_characters(scope)] == ["Amadeus", "bob"]
    assert await store.list_characters("discord:none") == []

    up = await store.update_character(scope, "AMADEUS", gain=2, speed=None, language="ja")
    assert up.settings == SettingsPatch(voice="claire", gain=2.0, language="ja")
    assert up.id == c.id and up.name == "Amadeus"
    renamed = await store.update_character(scope, "amadeus", new_name="Okabe")
    assert renamed.name == "Okabe" and renamed.settings == up.settings
    assert await store.get_character(scope, "amadeus") is None
    with pytest.raises(NameTaken):
        await store.update_character(scope, "okabe", new_name="BOB")
    with pytest.raises(NotFound):
        await store.update_character(scope, "ghost", voice="anna")
    with pytest.raises(ValueError):
        await store.update_character(scope, "okabe", colour="red")
    with pytest.raises(NotFound):
        await store.create_character(scope, "orphan", SettingsPatch(), 31337)
    other_owner = await store.get_or_create_user("discord", "10")
    assert (await store.update_character(scope, "bob", owner_id=other_owner)).owner_id == other_owner
    assert (await store.update_character(scope, "bob", owner_id=None)).owner_id is None

    assert await store.delete_character(scope, "OKABE") is True
    assert await store.delete_character(scope, "okabe") is False
    assert [x.name for x in await store.list_characters(scope)] == ["bob"]


# --- usage ----------------------------------------------------------------------------------


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


# --- forget ---------------------------------------------------------------------------------


async def test_forget_user(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    keep = await store.get_or_create_user("telegram", "2")
    for who in (uid, keep):
        await store.update_user_settings(who, voice="anna")
        await _voice(store, who, "a")
        await _voice(store, who, "b")
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


async def test_pronunciations(store: Store) -> None:
    me, guild = user_owner(1), "discord:7"
    assert await store.list_pronunciations(me) == []
    await store.set_pronunciation(me, "GIF", "jif", limit=3)
    await store.set_pronunciation(me, "New York", "noo york", limit=3)
    await store.set_pronunciation(guild, "gif", "gee eye eff", limit=3)
    # the same word in another case replaces the entry, keeping the new spelling
    assert await store.set_pronunciation(me, "gif", "jiff", limit=3) == Pronunciation("gif", "jiff")
    assert await store.list_pronunciations(me) == [Pronunciation("gif", "jiff"), Pronunciation("New York", "noo york")]
    assert await store.list_pronunciations(guild) == [Pronunciation("gif", "gee eye eff")]

    await store.set_pronunciation(me, "k8s", "kubernetes", limit=3)
    with pytest.raises(DictionaryFull):
        await store.set_pronunciation(me, "sql", "sequel", limit=3)
    await store.set_pronunciation(me, "K8S", "kates", limit=3)  # replacing needs no room
    assert len(await store.list_pronunciations(me)) == 3

    assert await store.delete_pronunciation(me, "new york") == Pronunciation("New York", "noo york")
    assert await store.delete_pronunciation(me, "new york") is None
    assert await store.delete_pronunciation("discord:8", "gif") is None
    assert [p.word for p in await store.list_pronunciations(me)] == ["gif", "K8S"]
    assert await store.list_pronunciations(guild) == [Pronunciation("gif", "gee eye eff")]
    assert await store.pronunciation_layers(guild, "user:404", me) == [
        [Pronunciation("gif", "gee eye eff")], [], [Pronunciation("gif", "jiff"), Pronunciation("K8S", "kates")]]


async def test_clone_requests_wait_for_consent(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    other = await store.get_or_create_user("telegram", "2")

    def request(token: str) -> CloneRequest:
        return CloneRequest(token=token, name=f"voice-{token}", transcript="hello there", file_ref=f"file-{token}",
                            filename="voice.ogg", chat_id="-100")

    await store.add_clone_request(uid, request("a"), max_per_user=2, max_age=60)
    assert await store.take_clone_request(other, "a", max_age=60) is None  # not theirs: stays
    taken = await store.take_clone_request(uid, "a", max_age=60)
    assert taken is not None and (taken.name, taken.file_ref, taken.transcript, taken.chat_id) == (
        "voice-a", "file-a", "hello there", "-100")
    assert taken.created_at is not None and taken.created_at.tzinfo is not None
    assert await store.take_clone_request(uid, "a", max_age=60) is None  # used once

    for token in ("b", "c", "d"):  # at most two waiting: the oldest goes
        await store.add_clone_request(uid, request(token), max_per_user=2, max_age=60)
    assert await store.take_clone_request(uid, "b", max_age=60) is None
    assert await store.take_clone_request(uid, "c", max_age=60) is not None
    assert await store.take_clone_request(uid, "d", max_age=0) is None  # expired

    await store.add_clone_request(uid, request("e"), max_per_user=2, max_age=60)
    assert await store.forget_user(uid) >= 2  # the request and the user
    assert await store.take_clone_request(uid, "e", max_age=60) is None


async def test_a_code_or_clone_request_taken_twice_at_once_is_taken_once(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    await store.create_link_code(uid, "CODE2345", max_age=60)
    await store.add_clone_request(uid, CloneRequest(token="t", name="n", transcript=None, file_ref="f"),
                                  max_per_user=3, max_age=60)
    codes = await asyncio.gather(*(store.take_link_code("CODE2345", max_age=60) for _ in range(5)))
    requests = await asyncio.gather(*(store.take_clone_request(uid, "t", max_age=60) for _ in range(5)))
    assert codes.count(uid) == 1 and codes.count(None) == 4
    assert sum(r is not None for r in requests) == 1


# --- restart, encryption at rest, migrations ------------------------------------------------


async def test_restart_keeps_everything(db_url: str, secret_key: bytes) -> None:
    async with await Store.open(db_url, secret_key) as store:
        uid = await store.get_or_create_user("telegram", "1")
        await store.set_ui_language(uid, "zh")
        await store.update_user_settings(uid, voice="speech:kurisu", speed=0.8, gain=-2.5, language="ja",
                                         style="温柔")
        await store.update_scope_settings("telegram:-100", voice="bella")
        await store.update_scope_options("telegram:-100", autoread=True)
        voice = await _voice(store, uid, "Kurisu")
        await store.set_api_key(uid, KEY, "fp")
        char = await store.create_character("telegram:-100", "Amadeus", SettingsPatch(voice="alex"), uid)
        await store.add_usage(uid, 321)
        before = await store.export_all()

    async with await Store.open(db_url, secret_key) as store:
        assert await store.find_user("telegram", "1") == uid
        assert await store.get_ui_language(uid) == "zh"
        assert await store.get_user_settings(uid) == SettingsPatch(
            voice="speech:kurisu", speed=0.8, gain=-2.5, language="ja", style="温柔")
        assert await store.get_scope_settings("telegram:-100") == SettingsPatch(voice="bella")
        assert await store.get_scope_options("telegram:-100") == {"autoread": True}
        assert await store.get_voice(uid, "kurisu") == voice
        assert await store.get_api_key(uid) == KEY
        assert await store.get_character("telegram:-100", "amadeus") == char
        assert (await store.get_usage(uid))[:2] == (321, 1)
        after = await store.export_all()
    assert after["tables"] == before["tables"]


@pytest.fixture
def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'voicebridge.db'}"


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


async def test_migrations_on_empty_sqlite_are_idempotent(data_dir: Path, sqlite_url: str, secret_key: bytes) -> None:
    # different databases migrating at once in one process (Alembic's context is process-global)
    await asyncio.gather(*(upgrade(f"sqlite+aiosqlite:///{data_dir / f'other{i}.db'}") for i in range(4)))
    await upgrade(sqlite_url)
    await upgrade(sqlite_url)
    await asyncio.gather(upgrade(sqlite_url), upgrade(sqlite_url))
    await _assert_schema_matches_models(sqlite_url)
    async with await Store.open(sqlite_url, secret_key, upgrade=False) as store:
        assert await store.schema_revision() == head_revision()


@pytest.mark.postgres
async def test_migrations_on_empty_postgres_are_idempotent(make_pg_database, secret_key: bytes) -> None:
    url = make_pg_database()
    async with await Store.open(url, secret_key, upgrade=False) as store:
        assert await store.schema_revision() is None
    await asyncio.gather(upgrade(url), upgrade(url), upgrade(url))  # concurrent starts are serialised
    await upgrade(url)
    await _assert_schema_matches_models(url)
    async with await Store.open(url, secret_key) as store:
        assert await store.schema_revision() == head_revision()
        uid = await store.get_or_create_user("telegram", "1")
        assert uid == 1


async def _assert_schema_matches_models(url: str) -> None:
    """The hand-written migrations create exactly what storage.schema describes."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.schema import metadata

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    finally:
        await engine.dispose()
    assert diff == []


async def _migrate(url: str, target: str, *, down: bool = False) -> None:
    """Alembic upgrade or downgrade to ``target`` (the app itself only ever upgrades to head)."""
    from alembic import command

    from storage.migrate import alembic_config

    step = command.downgrade if down else command.upgrade
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: step(alembic_config(sync), target))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_upgrade_from_0001_keeps_the_data_and_0002_downgrades(dialect, data_dir: Path, secret_key: bytes,
                                                                     request) -> None:
    url = (f"sqlite+aiosqlite:///{data_dir / 'old.db'}" if dialect == "sqlite"
           else request.getfixturevalue("make_pg_database")())
    await _migrate(url, "0001")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO users (id, platform, platform_user_id, created_at) "
                                       "VALUES (1, 'telegram', '7', :now)"), {"now": CONSENT})
            await conn.execute(sa.text("INSERT INTO usage (user_id, day, bytes, requests) VALUES (1, :d, 500, 3)"),
                               {"d": date(2025, 5, 5)})
    finally:
        await engine.dispose()
    async with await Store.open(url, secret_key) as store:  # upgrades to head on open
        assert await store.schema_revision() == head_revision()
        assert await store.get_usage(1, day=date(2025, 5, 5)) == (500, 3, 500, 3)
        assert await store.get_operator_bytes(1, day=date(2025, 5, 5)) == 0
        await store.set_pronunciation("user:1", "gif", "jif", limit=10)
    await _assert_schema_matches_models(url)
    await _migrate(url, "0001", down=True)
    async with await Store.open(url, secret_key) as store:
        assert await store.get_usage(1, day=date(2025, 5, 5)) == (500, 3, 500, 3)
        assert await store.list_pronunciations("user:1") == []  # the 0002 tables were dropped and made again

"""API key fingerprints (core.keys): independent of the secret key, and legacy ones still understood by the
service (``Voices.key_for_voice``) and by linking (``_check_keys_for_link``) until they are upgraded at start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from core import keys
from core.errors import LinkKeyClash, VoiceKeyMismatch
from core.models import UserRef
from tests.app_fixtures import USER_KEY

ALICE = UserRef(platform="telegram", user_id="1001")
ALICE_DC = UserRef(platform="discord", user_id="555")
OTHER_KEY = "sk-test-second-user-key-000000000000"


def test_k2_fingerprints_do_not_depend_on_the_secret_key() -> None:
    fp = keys.fingerprint(USER_KEY)
    assert fp.startswith("k2:") and len(fp) == 3 + 32
    assert fp == keys.fingerprint(USER_KEY) != keys.fingerprint(OTHER_KEY)
    assert USER_KEY not in fp
    assert keys.matches(fp, USER_KEY) and not keys.matches(fp, OTHER_KEY)
    assert not keys.is_legacy(fp)


def test_legacy_fingerprints_match_only_with_the_secret_they_were_made_with() -> None:
    secret = Fernet.generate_key()
    legacy = keys.legacy_fingerprint(secret, USER_KEY)
    assert keys.is_legacy(legacy) and len(legacy) == 24
    assert keys.matches(legacy, USER_KEY, legacy_secret=secret)
    assert not keys.matches(legacy, USER_KEY)  # the secret is needed for these
    assert not keys.matches(legacy, USER_KEY, legacy_secret=Fernet.generate_key())
    assert not keys.matches(legacy, OTHER_KEY, legacy_secret=secret)
    assert not keys.matches(None, USER_KEY) and not keys.matches(legacy, None, legacy_secret=secret)


def test_the_secret_key_id_is_stable_and_reveals_nothing() -> None:
    secret = Fernet.generate_key()
    assert keys.secret_key_id(secret) == keys.secret_key_id(secret) != keys.secret_key_id(Fernet.generate_key())
    assert len(keys.secret_key_id(secret)) == 16 and keys.secret_key_id(secret) not in secret.decode()


async def _legacy_clone(app, user: UserRef, name: str, key: str, fake) -> tuple[int, str]:
    """A clone as an older version stored it: its fingerprint is an HMAC with the secret key."""
    uri = fake.add_voice(key, name)
    uid = await app.service.user_id(user)
    secret = app.service.cases.voices._legacy_secret
    await app.store.add_voice(uid, name, provider="siliconflow", provider_id=uri,
                              key_fingerprint=keys.legacy_fingerprint(secret, key), transcript=None,
                              consent_at=datetime.now(UTC))
    return uid, uri


async def test_a_legacy_fingerprint_still_matches_and_is_upgraded_at_the_next_start(
        make_app, tmp_path, fake_siliconflow) -> None:
    data = tmp_path / "shared"
    app = await make_app("siliconflow", data_dir=data)
    svc = app.service
    voices = svc.cases.voices
    uid, uri = await _legacy_clone(app, ALICE, "old", USER_KEY, fake_siliconflow)
    with pytest.raises(VoiceKeyMismatch):  # its key is not stored (yet): nothing to match it with
        await voices.key_for_voice(uid, await app.store.get_voice(uid, "old"))
    await svc.set_api_key(ALICE, USER_KEY)
    assert (await app.store.get_api_key_info(uid))[0] == keys.fingerprint(USER_KEY)  # new keys: k2
    assert await voices.key_for_voice(uid, await app.store.get_voice(uid, "old")) == USER_KEY  # legacy: still ok
    await svc.set_voice(ALICE, "old")
    await svc.speak(ALICE, "in the old voice")
    last = fake_siliconflow.requests_for("speech")[-1]
    assert last.json["voice"] == uri and last.headers["Authorization"] == f"Bearer {USER_KEY}"

    again = await make_app("siliconflow", data_dir=data)  # the next start upgrades what it can
    voice = await again.store.get_voice(uid, "old")
    assert voice.key_fingerprint == keys.fingerprint(USER_KEY)
    assert await again.service.cases.voices.key_for_voice(uid, voice) == USER_KEY


async def test_linking_compares_keys_across_fingerprint_schemes(sf_app_db, fake_siliconflow) -> None:
    app = sf_app_db
    svc = app.service
    fake_siliconflow.add_api_key(OTHER_KEY)
    await svc.set_api_key(ALICE, USER_KEY)
    await svc.set_api_key(ALICE_DC, OTHER_KEY)
    # a clone made with the joining account's key by an older version: legacy fingerprint, while the
    # stored key's fingerprint is k2 — they must still be recognised as the same key
    await _legacy_clone(app, ALICE_DC, "dc voice", OTHER_KEY, fake_siliconflow)
    with pytest.raises(LinkKeyClash) as caught:
        await svc.complete_link(ALICE_DC, await svc.start_link(ALICE))
    assert "dc voice" in str(caught.value)
    # the same key on both sides, its fingerprint legacy on one and k2 on the other, and a legacy clone
    # made with it: nothing is stranded
    uid = await svc.user_id(ALICE_DC)
    await app.store.set_api_key(uid, USER_KEY, keys.legacy_fingerprint(svc.cases.voices._legacy_secret, USER_KEY))
    await _legacy_clone(app, ALICE_DC, "dc old", USER_KEY, fake_siliconflow)
    await svc.complete_link(ALICE_DC, await svc.start_link(ALICE))
    assert await svc.linked_platforms(ALICE_DC) == ["telegram"]


@pytest.fixture
async def sf_app_db(make_app, db_url):
    return await make_app("siliconflow", database_url=db_url)

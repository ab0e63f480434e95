"""SIGKILL in the middle of /forget (``VoiceService.forget``), then a restarted app checks the state.

How /forget works (core/service.py): for each clone, delete it at the provider, then its row (its own
transaction) and its cached audio; then every other row of the user in one transaction
(``Store.forget_user``). It is meant to be resumable: a provider that is down stops it and a repeat
finishes it, and deleting a clone the provider no longer has counts as done.

Kill points: the provider is deleting the second clone (the fake holds that request); the provider
deleted the first clone and its row is not deleted yet; inside ``forget_user``'s transaction.

Invariants after the kill (decided here; the per-clone steps cannot be one transaction with the
provider call, so the order provider-first-then-row is what keeps nothing unreachable):

* **Nothing lost for anyone else**: another user's rows, clone and cached audio are intact.
* **No leak**: every clone the provider still has has its row, so a repeated /forget can reach it.
* **The final step is atomic**: either every row about the user is gone, or all their non-voice data
  (user row, settings, dictionary, usage) is still there, untouched.
* **At most one dangling row**: only the clone whose deletion was in flight may have a row whose
  provider voice is already gone (a repeated /forget clears it: the provider's "not found" counts as
  deleted).
* **Repeatable**: a repeated /forget completes (nothing failed), leaves no row, no provider voice and no
  cached audio of the user; a third /forget is a no-op.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from core.cache import AudioCache
from core.lexicon import user_owner
from core.models import SettingsPatch, UserRef
from tests.app_fixtures import OPERATOR_KEY
from tests.faults.conftest import app_config, db_params, kill_child_at
from tests.samples import ogg_bytes, speech_like

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90)]

ALICE = UserRef(platform="telegram", user_id="1001", language_hint="en")
BOB = UserRef(platform="telegram", user_id="1002", language_hint="en")
TRANSCRIPT = "你好，这是一段测试录音。"

POINTS = {
    "provider-delete-2-in-flight": [],  # the fake holds the second deletion (hang): SIGKILL once it arrived
    "after-provider-delete-1": [{"kind": "method", "target": "store.delete_voice", "nth": 1, "when": "before",
                                 "mark": "after-provider-delete-1"}],
    "forget-user-uncommitted": [{"kind": "sql", "pattern": r"^DELETE FROM users", "mark": "forget-user-uncommitted"}],
}


def _tagged_keys(cache_dir: Path, tag: str) -> list[str]:
    index = cache_dir / "tags" / f"{hashlib.sha256(tag.encode()).hexdigest()}.idx"
    return index.read_text().split() if index.exists() else []


@pytest.mark.parametrize("point, db", db_params(
    ("provider-delete-2-in-flight", "sqlite"), ("after-provider-delete-1", "sqlite"),
    ("forget-user-uncommitted", "sqlite"),
    ("provider-delete-2-in-flight", "postgres"), ("forget-user-uncommitted", "postgres")))
async def test_kill_during_forget(point: str, db: str, tmp_path: Path, make_db_url, make_app, fake_siliconflow,
                                  secret_key: bytes) -> None:
    url, data_dir = make_db_url(db), tmp_path / "data"
    audio = ogg_bytes(speech_like(5.0, silence=0.5))

    # --- Alice: two clones (with audio spoken in them), settings, a dictionary entry, usage; Bob: a clone --
    app = await make_app(database_url=url, data_dir=data_dir)
    svc = app.service
    alice_voices = [await svc.clone(ALICE, audio, name, transcript=TRANSCRIPT, consent=True)
                    for name in ("alpha", "beta")]
    for voice in alice_voices:
        await svc.set_voice(ALICE, voice.name)
        await svc.speak(ALICE, f"spoken by {voice.name}")
    await svc.update_settings(ALICE, speed=1.25)
    await svc.set_pronunciation(ALICE, "gif", "jif")
    bob_voice = await svc.clone(BOB, audio, "bobby", transcript=TRANSCRIPT, consent=True)
    await svc.set_voice(BOB, "bobby")
    await svc.speak(BOB, "spoken by bob")
    alice = await svc.user_id(ALICE)
    bob = await svc.user_id(BOB)
    alice_usage = await app.store.get_usage(alice)
    assert alice_usage[3] > 0
    cache_dir = app.config.cache_dir
    alice_audio = [k for v in alice_voices for k in _tagged_keys(cache_dir, f"voice:{v.id}")]
    bob_audio = _tagged_keys(cache_dir, f"voice:{bob_voice.id}")
    assert len(alice_audio) == 2 and len(bob_audio) == 1
    await app.aclose()

    if point == "provider-delete-2-in-flight":
        fake_siliconflow.slow_first_byte(0.0, endpoint="delete")  # the first deletion goes through
        fake_siliconflow.hang(endpoint="delete")  # the second one is held

        def when() -> bool:
            return any(r.fault == "hang" for r in fake_siliconflow.requests_for("delete"))
    else:
        when = None
    spec = {"op": "forget", "alarm": 30, "hooks": POINTS[point],
            "config": app_config(data_dir, fake_siliconflow.base_url, url, secret_key),
            "user": {"platform": ALICE.platform, "user_id": ALICE.user_id, "language_hint": "en"}}
    await kill_child_at(spec, when=when)

    # --- restart ------------------------------------------------------------------------------
    app = await make_app(database_url=url, data_dir=data_dir)
    store = app.store
    remote = {v["uri"] for v in fake_siliconflow.voices(OPERATOR_KEY)}

    # nothing lost for Bob
    assert await store.find_user("telegram", "1002") == bob
    assert [v.provider_id for v in await store.list_voices(bob)] == [bob_voice.provider_id]
    assert bob_voice.provider_id in remote
    assert all([await app.cache.get(k) is not None for k in bob_audio]), "Bob's cached audio was lost"

    rows = await store.list_voices(alice)
    all_rows = rows + await store.list_voices(bob)
    leaked = sorted(remote - {v.provider_id for v in all_rows})
    assert not leaked, f"provider voices no row points to any more (unreachable by a repeated /forget): {leaked}"
    dangling = [v.name for v in rows if v.provider_id not in remote]
    assert len(dangling) <= 1, f"rows whose provider voice is gone: {dangling}"

    found = await store.find_user("telegram", "1001")
    settings = await store.get_user_settings(alice)
    words = await store.list_pronunciations(user_owner(alice))
    usage = await store.get_usage(alice)
    if found is None:  # forget_user committed: everything about Alice is gone
        assert (rows, settings, words, usage[2:]) == ([], SettingsPatch(), [], (0, 0))
    else:  # it did not: all her non-voice data is still there
        assert found == alice
        assert settings.speed == 1.25
        assert [(p.word, p.spoken) for p in words] == [("gif", "jif")]
        assert usage == alice_usage
    # and the kill fell where it was meant to (clones are deleted in name order: alpha, then beta)
    expected = {"provider-delete-2-in-flight": (["beta"], []),
                "after-provider-delete-1": (["alpha", "beta"], ["alpha"]),
                "forget-user-uncommitted": ([], [])}[point]
    assert ([v.name for v in rows], dangling) == expected
    assert found == alice

    # --- /forget is repeated --------------------------------------------------------------------
    report = await app.service.forget(ALICE)
    assert not report.failed_remote_voices and not report.abandoned_remote_voices
    assert await store.find_user("telegram", "1001") is None
    assert await store.list_voices(alice) == []
    assert await store.get_user_settings(alice) == SettingsPatch()
    assert await store.list_pronunciations(user_owner(alice)) == []
    assert (await store.get_usage(alice))[2:] == (0, 0)
    assert {v["uri"] for v in fake_siliconflow.voices(OPERATOR_KEY)} == {bob_voice.provider_id}
    fresh = AudioCache(cache_dir, app.config.cache_max_bytes)
    left = [k for k in alice_audio if await fresh.get(k) is not None]
    assert not left, f"Alice's cached audio survived /forget: {left}"
    assert all([await fresh.get(k) is not None for k in bob_audio])
    again = await app.service.forget(ALICE)
    assert again.deleted_rows == 0 and not again.deleted_remote_voices
    assert await store.find_user("telegram", "1002") == bob

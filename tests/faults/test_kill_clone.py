"""SIGKILL in the middle of a clone (``VoiceService.clone``), then a restarted app checks the state.

Kill points: the upload is in flight at the provider (the fake holds it: no voice made yet); the provider
made the voice and the row is not written yet; the row is inserted but not committed.

Invariants after the kill:

* **Nothing lost**: the user's earlier clone (row and provider voice) is intact.
* **No local row without a provider voice**: every voice row points to a voice the provider has.
* The clone can be **repeated**, and afterwards it exists **once**: one row, and one provider voice
  for it — no provider voice left over without a row (an orphan is invisible to the user: /forget
  and deleting the voice cannot reach it, and it keeps counting against the provider account).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models import UserRef
from core.voices import provider_name
from tests.app_fixtures import OPERATOR_KEY
from tests.faults.conftest import app_config, db_params, kill_child_at
from tests.samples import ogg_bytes, speech_like

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90)]

ALICE = UserRef(platform="telegram", user_id="1001", language_hint="en")
TRANSCRIPT = "你好，这是一段测试录音。"

POINTS = {
    "upload-in-flight": [],  # the fake holds the upload (hang): SIGKILL once it arrived
    "after-upload-before-insert": [{"kind": "method", "target": "store.add_voice", "when": "before",
                                    "mark": "after-upload-before-insert"}],
    "insert-uncommitted": [{"kind": "sql", "pattern": r"^INSERT INTO voices", "mark": "insert-uncommitted"}],
}


async def _rows(app) -> list:
    uid = await app.service.user_id(ALICE)
    return await app.store.list_voices(uid)


@pytest.mark.parametrize("point, db", db_params(
    ("upload-in-flight", "sqlite"), ("after-upload-before-insert", "sqlite"), ("insert-uncommitted", "sqlite"),
    ("insert-uncommitted", "postgres")))
async def test_kill_during_clone(point: str, db: str, tmp_path: Path, make_db_url, make_app, fake_siliconflow,
                                 secret_key: bytes) -> None:
    url, data_dir = make_db_url(db), tmp_path / "data"
    audio = ogg_bytes(speech_like(5.0, silence=0.5))
    audio_file = tmp_path / "reference.oga"
    audio_file.write_bytes(audio)

    app = await make_app(database_url=url, data_dir=data_dir)
    earlier = await app.service.clone(ALICE, audio, "earlier", transcript=TRANSCRIPT, consent=True)
    uid = await app.service.user_id(ALICE)
    await app.aclose()

    if point == "upload-in-flight":
        fake_siliconflow.hang(endpoint="upload")
    spec = {"op": "clone", "alarm": 30, "hooks": POINTS[point],
            "config": app_config(data_dir, fake_siliconflow.base_url, url, secret_key),
            "user": {"platform": ALICE.platform, "user_id": ALICE.user_id, "language_hint": "en"},
            "args": {"audio_file": str(audio_file), "name": "kurisu", "filename": "reference.oga",
                     "transcript": TRANSCRIPT}}
    when = None
    if point == "upload-in-flight":
        def when() -> bool:
            return any(r.fault == "hang" for r in fake_siliconflow.requests_for("upload"))
    await kill_child_at(spec, when=when)

    # --- restart ------------------------------------------------------------------------------
    app = await make_app(database_url=url, data_dir=data_dir)
    rows = await _rows(app)
    remote = {v["uri"]: v for v in fake_siliconflow.voices(OPERATOR_KEY)}
    assert earlier.provider_id in remote and any(r.provider_id == earlier.provider_id for r in rows), \
        "the earlier clone was lost"
    dangling = [r.name for r in rows if r.provider_id not in remote]
    assert not dangling, f"rows without a provider voice after the kill: {dangling}"
    orphans_after_kill = sorted(set(remote) - {r.provider_id for r in rows})

    # --- the clone is repeated ----------------------------------------------------------------
    if not any(r.name == "kurisu" for r in rows):
        await app.service.clone(ALICE, audio, "kurisu", filename="reference.oga", transcript=TRANSCRIPT,
                                consent=True)
    rows = await _rows(app)
    assert sorted(r.name for r in rows) == ["earlier", "kurisu"]
    remote = {v["uri"]: v for v in fake_siliconflow.voices(OPERATOR_KEY)}
    assert not [r.name for r in rows if r.provider_id not in remote]
    custom = provider_name("kurisu", uid)
    at_provider = sorted(uri for uri, v in remote.items() if v["customName"] == custom)
    orphans = sorted(set(remote) - {r.provider_id for r in rows})
    assert len(at_provider) == 1 and not orphans, (
        f"the clone exists {len(at_provider)} times at the provider ({custom}): {at_provider}; "
        f"provider voices with no row (orphans, left by the kill: {orphans_after_kill}): {orphans}")

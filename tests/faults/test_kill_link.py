"""SIGKILL in the middle of /link CODE (``Identities.complete_link``), then a restarted app checks the state.

``complete_link`` takes the code (its own transaction), then ``Store.link_identity`` moves what the
joining identity has to the account and records the link, in one transaction.

Kill points: the code is taken and the link not started; inside ``link_identity``'s transaction after the
clones moved; inside it after the link row is written (its last statement, not committed).

Invariants after the kill:

* **All or nothing**: the two identities are exactly as before the /link (same owners of clones,
  settings, dictionary entries and usage; no link), or exactly as after a complete link.
* **Nothing lost or duplicated**: the provider still has the same clones, each with one row.
* **Repeatable**: /link works afterwards (with the same code if it survived, else with a new one — a
  code taken by the killed attempt is gone; see the report), and then the identities are linked once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import LinkCodeInvalid
from core.lexicon import user_owner
from core.models import UserRef
from tests.app_fixtures import OPERATOR_KEY
from tests.faults.conftest import app_config, db_params, kill_child_at
from tests.samples import ogg_bytes, speech_like

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90)]

ACCOUNT = UserRef(platform="telegram", user_id="1001", language_hint="en")  # shows the code
JOINING = UserRef(platform="discord", user_id="2001", language_hint="en")  # types it
TRANSCRIPT = "你好，这是一段测试录音。"

POINTS = {
    "code-taken": [{"kind": "method", "target": "store.link_identity", "when": "before", "mark": "code-taken"}],
    "voices-moved-uncommitted": [{"kind": "sql", "pattern": r"^UPDATE voices SET owner_id",
                                  "mark": "voices-moved-uncommitted"}],
    "link-row-uncommitted": [{"kind": "sql", "pattern": r"^INSERT INTO identity_links",
                              "mark": "link-row-uncommitted"}],
}


async def _state(store, account: int, joining: int) -> dict:
    """Who owns what, for both identities (ids, not timestamps)."""
    state: dict = {
        "joining_uses": await store.find_user(JOINING.platform, JOINING.user_id),
        "linked": await store.linked_identities(account),
        "joining_linked": await store.is_linked(joining),
    }
    for label, uid in (("account", account), ("joining", joining)):
        state[label] = {
            "voices": sorted((v.id, v.name, v.provider_id) for v in await store.list_voices(uid)),
            "settings": await store.get_user_settings(uid),
            "words": sorted((p.word, p.spoken) for p in await store.list_pronunciations(user_owner(uid))),
            "usage": (await store.get_usage(uid))[2:],
        }
    return state


@pytest.mark.parametrize("point, db", db_params(
    ("code-taken", "sqlite"), ("voices-moved-uncommitted", "sqlite"), ("link-row-uncommitted", "sqlite"),
    ("link-row-uncommitted", "postgres")))
async def test_kill_during_link(point: str, db: str, tmp_path: Path, make_db_url, make_app, fake_siliconflow,
                                secret_key: bytes) -> None:
    url, data_dir = make_db_url(db), tmp_path / "data"
    audio = ogg_bytes(speech_like(5.0, silence=0.5))

    app = await make_app(database_url=url, data_dir=data_dir)
    svc = app.service
    await svc.clone(ACCOUNT, audio, "alpha", transcript=TRANSCRIPT, consent=True)
    await svc.set_pronunciation(ACCOUNT, "gif", "jif")
    await svc.clone(JOINING, audio, "beta", transcript=TRANSCRIPT, consent=True)
    await svc.update_settings(JOINING, speed=1.5)
    await svc.set_pronunciation(JOINING, "gif", "ghif")  # the account has this word: stays behind
    await svc.set_pronunciation(JOINING, "nyc", "new york")  # moves over
    await app.store.add_usage(await svc.user_id(JOINING), 42)
    account, joining = await svc.user_id(ACCOUNT), await svc.user_id(JOINING)
    code = await svc.start_link(ACCOUNT)
    before = await _state(app.store, account, joining)
    assert before["joining_uses"] == joining and not before["joining_linked"]
    remote_before = sorted(v["uri"] for v in fake_siliconflow.voices(OPERATOR_KEY))
    await app.aclose()

    spec = {"op": "link", "alarm": 30, "hooks": POINTS[point],
            "config": app_config(data_dir, fake_siliconflow.base_url, url, secret_key),
            "user": {"platform": JOINING.platform, "user_id": JOINING.user_id, "language_hint": "en"},
            "args": {"code": code}}
    await kill_child_at(spec)

    # --- restart ------------------------------------------------------------------------------
    app = await make_app(database_url=url, data_dir=data_dir)
    svc = app.service
    after_kill = await _state(app.store, account, joining)
    assert sorted(v["uri"] for v in fake_siliconflow.voices(OPERATOR_KEY)) == remote_before

    # --- /link is repeated: the same code if the killed attempt left it, else a new one ----------
    try:
        await svc.complete_link(JOINING, code)
        code_survived = True
    except LinkCodeInvalid:
        code_survived = False
        await svc.complete_link(JOINING, await svc.start_link(ACCOUNT))
    linked = await _state(app.store, account, joining)
    assert linked["joining_uses"] == account and linked["joining_linked"]
    assert linked["linked"] == [("telegram", "1001"), ("discord", "2001")]
    assert [name for _, name, _ in linked["account"]["voices"]] == ["alpha", "beta"]
    assert linked["joining"]["voices"] == []
    assert sorted(v["uri"] for v in fake_siliconflow.voices(OPERATOR_KEY)) == remote_before

    assert after_kill in (before, linked), (
        "a half-done link after the kill:\n"
        f"before:     {before}\nafter kill: {after_kill}\nlinked:     {linked}")
    print(f"[{point}/{db}] the code taken by the killed /link survived it: {code_survived}")

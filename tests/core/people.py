"""People and helpers shared by the tests of the core's use cases."""

from __future__ import annotations

import io

import av

from core.models import UserRef

ALICE = UserRef(platform="telegram", user_id="1001", language_hint="en")
BOB = UserRef(platform="telegram", user_id="1002", language_hint="zh")
ALICE_IN_GROUP = UserRef(platform="discord", user_id="1001", scope_id="777", is_private=False)
BOB_IN_GROUP = UserRef(platform="discord", user_id="1002", scope_id="777", is_private=False)


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        return sum(f.samples for f in container.decode(audio=0)) / 48000


def speech_calls(fake) -> list[dict]:
    return [r.json for r in fake.requests if r.path.endswith("/audio/speech")]


def cache_files(svc) -> set[str]:
    return {p.name for p in svc.cache.root.rglob("*.bin")}

"""SIGKILL in the middle of ``AudioCache.put``; then a new process's cache is checked.

Invariants after the kill:

* **No half entry is readable**: ``get`` returns the whole audio or a miss, never a part.
* **No untagged entry**: if the entry is readable, ``purge_tag`` (what /forget and deleting a voice
  use) removes it — audio in a user's voice must not outlive their /forget because a crash fell
  between writing the entry and recording its tag.
* **Temporary files do not pile up**: any ``*.tmp`` the kill left (entry or tag index) is removed by
  the next process once it is stale (older than the cache's staleness bound, simulated by ageing it).
* **The put can be repeated**: afterwards the entry reads back whole, there is one file for the key,
  and ``purge_tag`` removes it.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from core.cache import AudioCache
from tests.faults.conftest import kill_child_at

pytestmark = [pytest.mark.faults, pytest.mark.timeout(60)]

TAG = "voice:7"
MAX_BYTES = 64 * 1024 * 1024
KEY = AudioCache.make_key(provider="siliconflow", model="m", voice="speech:x", style=None, text="fault",
                          speed=1.0, gain=0.0, fmt="ogg")

POINTS = {
    # after the temporary entry file got its header only
    "mid-temp-write": [{"kind": "partial_write", "nth": 1, "mark": "mid-temp-write"}],
    # the temporary entry file is whole, not yet renamed into place
    "before-entry-rename": [{"kind": "os_replace", "suffix": ".bin", "mark": "before-entry-rename"}],
    # just before / just after the tag index append (whatever its order relative to the rename)
    "before-tag-append": [{"kind": "method", "target": "_append_tag", "when": "before", "mark": "before-tag"}],
    "after-tag-append": [{"kind": "method", "target": "_append_tag", "when": "after", "mark": "after-tag"}],
    # the tag index is being compacted (its rewritten copy is whole, not yet renamed into place)
    "in-tag-compaction": [{"kind": "os_replace", "suffix": ".idx", "mark": "in-tag-compaction"}],
}


def _tmp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tmp") if p.is_file())


def _tag_index(root: Path) -> Path:
    return root / "tags" / f"{hashlib.sha256(TAG.encode()).hexdigest()}.idx"


@pytest.mark.parametrize("point", list(POINTS))
async def test_kill_during_put(point: str, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    data = os.urandom(300_000)
    data_file = tmp_path / "audio.bin"
    data_file.write_bytes(data)
    if point == "in-tag-compaction":
        # a tag index just under the compaction threshold, full of keys whose entries are gone
        index = _tag_index(root)
        index.parent.mkdir(parents=True)
        index.write_text("".join(hashlib.sha256(str(i).encode()).hexdigest() + "\n" for i in range(4050)))
    spec = {"op": "cache_put", "alarm": 30, "hooks": POINTS[point],
            "args": {"root": str(root), "key": KEY, "data_file": str(data_file), "tag": TAG,
                     "max_bytes": MAX_BYTES}}
    await kill_child_at(spec)

    # --- a new process (another AudioCache on the same directory) ------------------------------
    cache = AudioCache(root, MAX_BYTES)
    got = await cache.get(KEY)
    assert got is None or got == data, f"a half entry was readable ({len(got)} of {len(data)} bytes)"
    if got is not None:
        await cache.purge_tag(TAG)
        assert await cache.get(KEY) is None, (
            "the entry survived purge_tag: the kill left it in place without its tag, so /forget would "
            "leave this audio behind")

    # stale temporary files are cleaned by the next process (age them past the staleness bound)
    leftovers = _tmp_files(root)
    old = time.time() - 2 * 24 * 3600
    for path in leftovers:
        os.utime(path, (old, old))
    fresh = AudioCache(root, MAX_BYTES)
    other = AudioCache.make_key(provider="siliconflow", model="m", voice="speech:x", style=None, text="other",
                                speed=1.0, gain=0.0, fmt="ogg")
    await fresh.put(other, b"other audio", tag="voice:8")
    await fresh.size_bytes()
    remaining = _tmp_files(root)
    assert not remaining, f"stale temporary files left by the kill are never removed: {remaining}"

    # --- the put can be repeated -----------------------------------------------------------------
    await fresh.put(KEY, data, tag=TAG)
    assert await fresh.get(KEY) == data
    assert [p.name for p in root.glob(f"{KEY[:2]}/*{KEY}*")] == [f"{KEY}.bin"]
    assert await fresh.purge_tag(TAG) == 1
    assert await fresh.get(KEY) is None
    assert not _tmp_files(root)

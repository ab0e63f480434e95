"""Audio kept for the page: its owner's only, and bounded in count and bytes."""

from __future__ import annotations

from bots.web.clips import Clips
from core.models import EncodedAudio


def note(size: int) -> EncodedAudio:
    return EncodedAudio(data=b"x" * size, format="ogg", duration=1.0)


def test_a_clip_is_its_accounts_only() -> None:
    clips = Clips()
    clip = clips.add(1, [note(10), note(20)])
    assert clips.get(1, clip, 1) is not None and clips.get(1, clip, 2) is None
    assert clips.get(2, clip, 0) is None and clips.get(1, "other", 0) is None


def test_the_oldest_clips_go_first_beyond_the_bounds() -> None:
    clips = Clips(max_clips=3, max_bytes=100)
    ids = [clips.add(1, [note(10)]) for _ in range(4)]
    assert clips.get(1, ids[0], 0) is None and all(clips.get(1, i, 0) for i in ids[1:])
    big = clips.add(1, [note(90)])
    assert clips.get(1, big, 0) is not None and clips.bytes <= 100
    assert clips.get(1, ids[1], 0) is None

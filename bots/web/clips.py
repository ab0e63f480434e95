"""Audio the console made, kept in memory for a while so the page can play and download it.

A clip belongs to the account that made it: another account asking for its id gets a 404, as for an id
that never existed. The oldest clips go first beyond :data:`MAX_CLIPS` clips or :data:`MAX_BYTES` bytes."""

from __future__ import annotations

import collections
import secrets
from dataclasses import dataclass

from core import audio
from core.models import EncodedAudio

MAX_CLIPS = 200
#: ... and at most this many bytes of audio in all.
MAX_BYTES = 64 * 1024 * 1024
CONTENT_TYPES = {"ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav"}


@dataclass(frozen=True, slots=True)
class Clip:
    account_id: int
    notes: tuple[EncodedAudio, ...]


class Clips:
    def __init__(self, max_clips: int = MAX_CLIPS, max_bytes: int = MAX_BYTES) -> None:
        self.max_clips, self.max_bytes = max_clips, max_bytes
        self._clips: collections.OrderedDict[str, Clip] = collections.OrderedDict()
        self.bytes = 0

    def add(self, account_id: int, notes: list[EncodedAudio]) -> str:
        clip_id = secrets.token_urlsafe(12)
        self._clips[clip_id] = Clip(account_id, tuple(notes))
        self.bytes += sum(len(n.data) for n in notes)
        while len(self._clips) > 1 and (len(self._clips) > self.max_clips or self.bytes > self.max_bytes):
            _, dropped = self._clips.popitem(last=False)
            self.bytes -= sum(len(n.data) for n in dropped.notes)
        return clip_id

    def get(self, account_id: int, clip_id: str, index: int) -> EncodedAudio | None:
        clip = self._clips.get(clip_id)
        if clip is None or clip.account_id != account_id or not 0 <= index < len(clip.notes):
            return None
        return clip.notes[index]

    async def as_format(self, note: EncodedAudio, fmt: str) -> bytes:
        """The note in ``fmt`` (MP3 for browsers without Opus): re-encoded from its PCM, off the event loop."""
        if note.format == fmt:
            return note.data
        decoded = await audio.decode_upload(note.data, max_bytes=len(note.data) + 1, max_seconds=3600,
                                            sample_rate=24000)
        return (await audio.encode(decoded.pcm, decoded.sample_rate, fmt)).data  # type: ignore[arg-type]



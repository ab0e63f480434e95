"""Checks shared by the Discord tests."""

from __future__ import annotations

import base64
import json

from tests.fakes.discord import Call


def assert_voice_message(call: Call) -> dict:
    """The request is a native voice message, field by field; returns attachments[0]."""
    assert call.method == "POST" and call.path == "/channels/{channel_id}/messages"
    assert call.json is None, "a voice message is multipart"
    names = [p.name for p in call.form]
    assert names == ["payload_json", "files[0]"], names
    payload = json.loads(call.part("payload_json").data)
    assert payload["flags"] == 8192
    assert "content" not in payload and "embeds" not in payload and "sticker_ids" not in payload
    [meta] = payload["attachments"]
    assert meta["id"] == 0
    assert meta["filename"] == "voice-message.ogg"
    assert isinstance(meta["duration_secs"], float) and meta["duration_secs"] > 0
    waveform = base64.b64decode(meta["waveform"], validate=True)
    assert 1 <= len(waveform) <= 256
    assert len(waveform) <= max(1, int(meta["duration_secs"] * 10))  # at most one point per 100 ms
    part = call.part("files[0]")
    assert part.content_type == "audio/ogg"
    assert part.filename == "voice-message.ogg"
    assert part.data[:4] == b"OggS"
    return meta


def assert_audio_file(call: Call, caption: str | None = None) -> dict:
    """The request is a plain message with an audio attachment (the fallback)."""
    assert call.method == "POST" and call.path == "/channels/{channel_id}/messages"
    payload = call.payload
    assert not (int(payload.get("flags") or 0) & 8192)
    assert payload["allowed_mentions"] == {"parse": []}
    if caption is not None:
        assert payload.get("content") == caption
    [part] = call.files
    assert part.content_type.startswith("audio/")
    assert part.data[:4] == b"OggS"
    return payload

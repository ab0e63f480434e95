"""The voice-message request builder and its fallbacks, against the request-level fake."""

from __future__ import annotations

import base64
import io
import json

import discord
import pytest

from bots.discord.voice_message import (
    VOICE_MESSAGE_FLAG,
    normalize_waveform,
    post_note,
    voice_message_form,
    voice_message_payload,
)
from core.models import EncodedAudio
from tests.bots.discord.helpers import assert_audio_file, assert_voice_message
from tests.fakes.discord import CHANNEL_ID, FakeDiscordHTTP

OGG = b"OggS" + bytes(2000)


def audio(duration: float = 2.5, waveform: bytes = bytes(range(25))) -> EncodedAudio:
    return EncodedAudio(data=OGG, format="ogg", duration=duration, waveform=waveform, sample_count=int(duration * 48000))


class FakeHTTPClient:
    def __init__(self) -> None:
        self.fake = FakeDiscordHTTP()
        self.request = self.fake.request


def test_flag_is_is_voice_message() -> None:
    assert VOICE_MESSAGE_FLAG == 8192 == discord.MessageFlags(voice=True).value


@pytest.mark.parametrize(("points", "duration", "expected"), [
    (25, 2.5, 25),       # fits
    (400, 60.0, 256),    # at most 256 points
    (100, 3.0, 30),      # at most one point per 100 ms
    (0, 4.0, 40),        # none given: a flat line of the right length
    (10, 0.05, 1),       # very short: one point
])
def test_waveform_limits(points: int, duration: float, expected: int) -> None:
    wave = normalize_waveform(bytes(i % 256 for i in range(points)), duration)
    assert len(wave) == expected


def test_waveform_keeps_peaks() -> None:
    wave = bytes([0] * 99 + [255] + [0] * 100)
    assert max(normalize_waveform(wave, 2.0)) == 255


def test_payload_fields() -> None:
    payload = voice_message_payload(audio(duration=1.234, waveform=bytes(range(12))))
    assert payload["flags"] == 8192
    assert "content" not in payload
    [meta] = payload["attachments"]
    assert meta == {"id": 0, "filename": "voice-message.ogg", "duration_secs": 1.234,
                    "waveform": base64.b64encode(bytes(range(12))).decode()}


def test_form_parts() -> None:
    fp = io.BytesIO(OGG)
    payload_part, file_part = voice_message_form(audio(), fp)
    assert payload_part["name"] == "payload_json"
    assert json.loads(payload_part["value"])["flags"] == 8192
    assert file_part == {"name": "files[0]", "value": fp, "filename": "voice-message.ogg", "content_type": "audio/ogg"}


async def test_post_note_as_voice_message() -> None:
    http = FakeHTTPClient()
    posted = await post_note(http, CHANNEL_ID, audio(), caption="hello", voice_allowed=True)  # type: ignore[arg-type]
    assert posted.as_voice and posted.message_id
    [call] = http.fake.calls
    assert int(call.route_params["channel_id"]) == CHANNEL_ID
    assert call.url.endswith(f"/channels/{CHANNEL_ID}/messages")
    assert_voice_message(call)


async def test_not_allowed_sends_a_plain_attachment_with_caption() -> None:
    http = FakeHTTPClient()
    posted = await post_note(http, CHANNEL_ID, audio(), caption="  hello\n world ", voice_allowed=False)  # type: ignore[arg-type]
    assert not posted.as_voice
    [call] = http.fake.calls
    assert_audio_file(call, caption="hello world")


@pytest.mark.parametrize(("status", "code"), [(403, 50173), (400, 50161), (400, 50160), (400, 50035)])
async def test_refusal_falls_back_to_attachment(status: int, code: int) -> None:
    http = FakeHTTPClient()
    http.fake.fail("POST", "/channels/{channel_id}/messages", status=status, code=code)
    posted = await post_note(http, CHANNEL_ID, audio(), caption="hi", voice_allowed=True)  # type: ignore[arg-type]
    assert not posted.as_voice
    first, second = http.fake.calls
    assert first.status == status
    assert_voice_message(first)
    assert_audio_file(second, caption="hi")


async def test_missing_access_is_not_hidden() -> None:
    http = FakeHTTPClient()
    http.fake.fail("POST", "/channels/{channel_id}/messages", status=403, code=50013)
    with pytest.raises(discord.Forbidden):
        await post_note(http, CHANNEL_ID, audio(), caption="hi", voice_allowed=True)  # type: ignore[arg-type]
    assert len(http.fake.calls) == 1


def test_caption_is_trimmed() -> None:
    from bots.discord.voice_message import audio_file_form

    payload = json.loads(audio_file_form(audio(), io.BytesIO(OGG), "speech.ogg", "x" * 5000)[0]["value"])
    assert len(payload["content"]) <= 2000 and payload["content"].endswith("…")

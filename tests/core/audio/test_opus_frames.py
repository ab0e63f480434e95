"""An engine's Ogg/Opus as 20 ms packets for a voice connection (core/audio/opus_frames.py): passed through as
they are, headers dropped, chained streams, any byte split; packets of another length decoded to PCM."""

from __future__ import annotations

import pytest

from core.audio.ogg import OggError, OggPacketReader
from core.audio.opus_frames import OggOpusFrames, OpusFrames
from core.models import PCMChunk
from tests.samples import ogg_bytes, speech_like


def ogg(seconds: float, *, frame_ms: int = 20, channels: str = "mono") -> bytes:
    return ogg_bytes(speech_like(seconds, 48000), 48000, frame_ms=frame_ms, layout=channels)


def audio_packets(data: bytes) -> list[bytes]:
    packets = [p for _, ps in OggPacketReader().feed(data) for p in ps]
    return packets[2:]  # OpusHead, OpusTags


@pytest.mark.parametrize("channels", ["mono", "stereo"])
def test_twenty_ms_packets_pass_through_unchanged_in_any_split(channels) -> None:
    first, second = ogg(0.5, channels=channels), ogg(0.3, channels=channels)
    expected = audio_packets(first) + audio_packets(second)
    reader = OggOpusFrames()
    out = []
    data = first + second  # two chained streams, as two pieces of text answer
    for start in range(0, len(data), 137):
        out.extend(reader.feed(data[start:start + 137]))
    assert all(isinstance(piece, OpusFrames) for piece in out)
    passed = [p for piece in out for p in piece.packets]
    assert passed == expected  # byte for byte: nothing decoded or encoded
    assert reader.decoded == 0 and reader.passed == len(expected)
    assert sum(piece.seconds for piece in out) == pytest.approx(len(expected) * 0.02)


def test_packets_of_another_length_come_out_as_pcm() -> None:
    reader = OggOpusFrames()
    out = reader.feed(ogg(0.6, frame_ms=60))
    assert out and all(isinstance(piece, PCMChunk) and piece.sample_rate == 48000 for piece in out)
    samples = sum(len(piece.data) for piece in out) // 2
    assert 0.5 * 48000 <= samples <= 0.8 * 48000  # the audio, decoded (mono, 48 kHz)
    assert reader.passed == 0


def test_bytes_that_are_not_ogg_opus_are_refused() -> None:
    with pytest.raises(OggError):
        OggOpusFrames().feed(b"RIFF" + bytes(200))

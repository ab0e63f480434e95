"""core.audio.notes: encoding voice notes (whole or streamed) and describing cached ones."""

from __future__ import annotations

import io
import threading

import av
import numpy as np
import pytest

from core import audio
from core.audio import decode, notes
from core.errors import UnsupportedAudio
from core.models import EncodedAudio
from tests.core.audio.helpers import dominant_freq, speechish, tone


def decode_all(data: bytes) -> tuple[av.AudioStream, int, list[int]]:
    """(stream, decoded samples per channel, packet durations) of an in-memory file."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        total = 0
        durations = []
        for packet in container.demux(stream):
            if packet.size:
                durations.append(packet.duration)
            for frame in packet.decode():
                total += frame.samples
        return stream, total, durations


# --- encode: voice notes -------------------------------------------------------------------


@pytest.mark.parametrize("rate", [24000, 16000, 22050])
def test_encode_ogg_is_opus_mono_48k_20ms_exact_length(rate: int) -> None:
    samples = speechish(2.0, rate)[: int(rate * 2.0) - 37]  # not a multiple of a frame
    pcm = samples.tobytes()
    note = audio.encode_sync(pcm, rate, "ogg")
    assert isinstance(note, EncodedAudio)
    assert note.format == "ogg" and note.mime_type == "audio/ogg"
    assert note.data.startswith(b"OggS")
    stream, decoded, durations = decode_all(note.data)
    assert stream.codec_context.name in {"opus", "libopus"}
    assert stream.rate == 48000
    assert stream.codec_context.layout.nb_channels == 1
    assert all(d == 960 for d in durations[:-1]) and 0 < durations[-1] <= 960
    expected = samples.size * 48000 / rate
    assert decoded == note.sample_count
    assert abs(decoded - expected) <= 1
    if 48000 % rate == 0:
        assert decoded == samples.size * 48000 // rate
    assert note.duration == samples.size / rate
    kbps = len(note.data) * 8 / note.duration / 1000
    assert 15 < kbps < 50


def test_encode_waveform() -> None:
    rate = 24000
    loud = audio.encode_sync(speechish(3.0, rate).tobytes(), rate)
    assert len(loud.waveform) == 30  # one point per 100 ms
    assert max(loud.waveform) == 255
    silent = audio.encode_sync(bytes(rate * 2 * 3), rate)
    assert silent.waveform == bytes(30)
    long = audio.encode_sync(speechish(40.0, 16000).tobytes(), 16000)
    assert len(long.waveform) == 256


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_encode_mp3_and_wav_decode_back(fmt: str) -> None:
    rate = 24000
    pcm = tone(1.5, rate, 500).tobytes()
    note = audio.encode_sync(pcm, rate, fmt)
    assert note.format == fmt
    assert note.duration == pytest.approx(1.5)
    assert note.mime_type == {"mp3": "audio/mpeg", "wav": "audio/wav"}[fmt]
    stream, decoded, _ = decode_all(note.data)
    assert stream.codec_context.layout.nb_channels == 1
    if fmt == "mp3":
        assert stream.rate in (44100, 48000)
    else:
        assert stream.rate == rate and decoded == rate * 1.5
    back = audio.decode_upload_sync(note.data)
    assert back.duration == pytest.approx(1.5, abs=0.03)
    assert dominant_freq(back.pcm, 16000) == pytest.approx(500, abs=5)


@pytest.mark.parametrize("fmt", ["ogg", "mp3", "wav"])
def test_describe_matches_the_encoder(fmt: str) -> None:
    rate = 24000
    note = audio.encode_sync(speechish(2.0, rate, seed=2).tobytes(), rate, fmt)
    described = audio.describe_sync(note.data, fmt)
    assert described.data == note.data and described.format == fmt
    assert described.sample_count == note.sample_count
    assert described.duration == pytest.approx(note.duration, abs=1e-4)
    assert len(described.waveform) == len(note.waveform) == 20
    assert max(described.waveform) == 255
    assert np.abs(np.frombuffer(described.waveform, np.uint8).astype(int)
                  - np.frombuffer(note.waveform, np.uint8).astype(int)).max() <= 40


def test_empty_note_is_a_valid_file() -> None:
    note = audio.StreamingNoteEncoder("ogg").finish()
    assert note.duration == 0.0 and note.sample_count == 0 and note.waveform == b""
    assert note.data.startswith(b"OggS")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        audio.StreamingNoteEncoder("aiff")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["ogg", "mp3", "wav"])
def test_streaming_encoder_matches_encode_sync(fmt: str) -> None:
    rate = 24000
    pcm = speechish(2.5, rate, seed=1).tobytes()
    whole = audio.encode_sync(pcm, rate, fmt)
    encoder = audio.StreamingNoteEncoder(fmt)
    rng = np.random.default_rng(7)
    pos = 0
    while pos < len(pcm):
        size = int(rng.integers(1, 3001))  # odd sizes split samples across chunks
        encoder.feed(pcm[pos:pos + size], rate)
        pos += size
    streamed = encoder.finish()
    assert streamed.duration == whole.duration == pytest.approx(2.5)
    assert streamed.sample_count == whole.sample_count
    assert streamed.waveform == whole.waveform
    assert decode_all(streamed.data)[1] == decode_all(whole.data)[1]
    assert encoder.finish() is streamed
    with pytest.raises(RuntimeError):
        encoder.feed(b"\0\0", rate)


def test_streaming_encoder_rate_change() -> None:
    encoder = audio.StreamingNoteEncoder("ogg")
    encoder.feed(tone(1.0, 24000).tobytes(), 24000)
    encoder.feed(tone(0.5, 16000).tobytes(), 16000)
    note = encoder.finish()
    assert note.duration == pytest.approx(1.5)
    assert abs(decode_all(note.data)[1] - 72000) <= 2


# --- async wrappers ------------------------------------------------------------------------


async def test_async_wrappers_run_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    real_decode, real_encode = audio.decode_upload_sync, audio.encode_sync

    def spy_decode(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_decode(*args, **kwargs)

    def spy_encode(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(decode, "decode_upload_sync", spy_decode)
    monkeypatch.setattr(notes, "encode_sync", spy_encode)
    note = await audio.encode(tone(1.0, 24000).tobytes(), 24000)
    decoded = await audio.decode_upload(note.data, sample_rate=24000, filename="voice.ogg")
    described = await audio.describe(note.data, "ogg")
    assert described.sample_count == note.sample_count
    assert decoded.duration == pytest.approx(1.0, abs=0.01)
    assert decoded.sample_rate == 24000
    assert len(threads) == 2
    assert all(t is not threading.main_thread() for t in threads)
    with pytest.raises(UnsupportedAudio):
        await audio.decode_upload(b"definitely not audio" * 10)

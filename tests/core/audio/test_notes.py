"""core.audio.notes: encoding voice notes (whole or streamed) and describing cached ones."""

from __future__ import annotations

import io
import os
import threading

import av
import numpy as np
import pytest

from core import audio
from core.audio import decode, notes
from core.audio.pcm import WaveformAccumulator
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
    assert 30 < kbps < 70  # 44 kbps VBR: CELT spends more than that on voiced speech


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


def test_streaming_encoder_rate_change_and_back() -> None:
    chunks = [(tone(0.25, 24000, 300).tobytes(), 24000)] * 4 + [(tone(0.1, 16000, 500).tobytes(), 16000)] * 5
    chunks += [(speechish(0.3, 24000, seed=6).tobytes(), 24000)] * 3
    encoder = audio.StreamingNoteEncoder("ogg")
    reference = WaveformAccumulator()
    for pcm, rate in chunks:
        encoder.feed(pcm, rate)
        reference.add(np.frombuffer(pcm, dtype="<i2"), rate)
    note = encoder.finish()
    assert note.duration == pytest.approx(2.4)
    assert note.waveform == reference.result()  # measured a second at a time: the same as chunk by chunk
    _, decoded, _ = decode_all(note.data)
    assert decoded == note.sample_count and abs(decoded - 2.4 * 48000) <= 2
    described = audio.describe_sync(note.data, "ogg")
    assert described.sample_count == note.sample_count


# --- Ogg/Opus fed at the provider's rate ----------------------------------------------------


def ogg_packets(data: bytes) -> tuple[list[bytes], list[int]]:
    """The packets of a one-stream Ogg file, and the granule position of each page (read by hand,
    as any player would, rather than through FFmpeg's demuxer)."""
    packets, granules, pos, partial = [], [], 0, b""
    while pos < len(data):
        assert data[pos:pos + 4] == b"OggS"
        granules.append(int.from_bytes(data[pos + 6:pos + 14], "little", signed=True))
        lacing = data[pos + 27:pos + 27 + data[pos + 26]]
        pos += 27 + len(lacing)
        for size in lacing:
            partial += data[pos:pos + size]
            pos += size
            if size < 255:
                packets.append(partial)
                partial = b""
    return packets, granules


@pytest.mark.parametrize("rate", [8000, 12000, 16000, 24000, 48000])
def test_ogg_feeds_opus_at_its_own_rate_and_decodes_to_the_exact_length(rate: int) -> None:
    samples = speechish(2.0, rate, seed=3)[: int(rate * 2.0) - 37]
    note = audio.encode_sync(samples.tobytes(), rate, "ogg")
    packets, granules = ogg_packets(note.data)
    head = packets[0]
    assert head[:8] == b"OpusHead" and head[8] == 1
    assert head[9] == 1  # mono
    assert int.from_bytes(head[12:16], "little") == rate  # the input rate field tells the truth
    assert head[18] == 0  # channel mapping family 0
    assert packets[1][:8] == b"OpusTags"
    pre_skip = int.from_bytes(head[10:12], "little")
    assert pre_skip > 0
    expected = samples.size * (48000 // rate)
    assert note.sample_count == expected
    assert granules[-1] - pre_skip == expected  # the end trim, in 48 kHz units
    stream, decoded, durations = decode_all(note.data)
    assert stream.rate == 48000 and decoded == expected
    assert all(d == 960 for d in durations[:-1])
    assert all(p[0] & 0x07 == 0 and not p[0] & 0x04 for p in packets[2:])  # one mono frame per packet
    assert note.duration == samples.size / rate


@pytest.mark.parametrize("rate", [12000, 16000, 24000, 22050, 48000])
def test_ogg_is_wideband_celt_in_20ms_frames(rate: int) -> None:
    note = audio.encode_sync(speechish(1.0, rate).tobytes(), rate, "ogg")
    packets, _ = ogg_packets(note.data)
    assert {p[0] >> 3 for p in packets[2:]} == {23}  # TOC config 23: CELT-only, wideband, 20 ms


def test_ogg_from_8k_is_narrowband_celt() -> None:
    note = audio.encode_sync(speechish(1.0, 8000).tobytes(), 8000, "ogg")
    packets, _ = ogg_packets(note.data)
    assert {p[0] >> 3 for p in packets[2:]} == {19}  # TOC config 19: CELT-only, narrowband, 20 ms


def test_ogg_settings_reach_libopus() -> None:
    note = audio.encode_sync(speechish(3.0, 24000, seed=5).tobytes(), 24000, "ogg")
    with av.open(io.BytesIO(note.data)) as container:
        stream = container.streams.audio[0]
        packets = [p for p in container.demux(stream) if p.size]
    assert all(p.duration == 48000 * notes._OGG_FRAME_MS // 1000 for p in packets[:-1])
    kbps = sum(p.size for p in packets) * 8 / 3.0 / 1000
    assert notes._OGG_BITRATE / 1000 * 0.8 < kbps < notes._OGG_BITRATE / 1000 * 1.6  # VBR around the target


@pytest.mark.parametrize("rate", [22050, 44100, 11025])
def test_ogg_still_resamples_other_rates_to_48k(rate: int) -> None:
    samples = speechish(1.5, rate)
    note = audio.encode_sync(samples.tobytes(), rate, "ogg")
    packets, granules = ogg_packets(note.data)
    assert int.from_bytes(packets[0][12:16], "little") == 48000
    _, decoded, _ = decode_all(note.data)
    assert decoded == note.sample_count == granules[-1] - int.from_bytes(packets[0][10:12], "little")
    assert abs(decoded - samples.size * 48000 / rate) <= 1


def test_ogg_from_24k_decodes_close_to_the_input() -> None:
    rate = 24000
    samples = speechish(3.0, rate, seed=4)
    note = audio.encode_sync(samples.tobytes(), rate, "ogg")
    back = np.frombuffer(audio.decode_upload_sync(note.data, sample_rate=rate).pcm, dtype="<i2")
    assert abs(back.size - samples.size) <= 1
    n = min(back.size, samples.size)
    ref, out = samples[:n].astype(np.float64), back[:n].astype(np.float64)
    snr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - out) ** 2))
    assert snr > 3.0  # aligned by the pre-skip: a shifted or garbled note is far below 0 dB
    spectrum_in = np.abs(np.fft.rfft(ref)) ** 2
    spectrum_out = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / rate)
    for low, high in [(100, 500), (500, 1000), (1000, 2000), (2000, 4000)]:
        band = (freqs >= low) & (freqs < high)
        assert abs(10 * np.log10(spectrum_out[band].sum() / spectrum_in[band].sum())) < 3.0


def _threads() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/status") or not hasattr(os, "sched_setaffinity"),
                    reason="counts threads with /proc and relies on thread affinity")
def test_open_encoders_start_no_threads() -> None:
    before = _threads()
    encoders = []
    for fmt, rate in [("ogg", 24000), ("ogg", 22050), ("mp3", 24000), ("ogg", 16000)] * 3:
        encoder = audio.StreamingNoteEncoder(fmt)
        encoder.feed(speechish(0.1, rate).tobytes(), rate)
        encoders.append(encoder)
    assert _threads() == before  # libopus and lame run on the caller's thread; no FFmpeg pools
    encoders[0].feed(tone(0.2, 16000).tobytes(), 16000)  # a rate change builds a resampler
    assert _threads() == before
    for encoder in encoders:
        encoder.finish()


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

"""core.audio: decoding uploads, encoding voice notes and Opus packets, PCM helpers.

Every input file is made here with PyAV (no fixtures from disk, no ffmpeg executable).
"""

from __future__ import annotations

import io
import threading
import tracemalloc
from fractions import Fraction

import av
import numpy as np
import pytest

from core import audio
from core.errors import (
    AudioEmpty,
    AudioError,
    AudioTooLarge,
    AudioTooLong,
    AudioTruncated,
    NoAudioStream,
    UnsupportedAudio,
)
from core.models import DecodedAudio, EncodedAudio

# --- helpers ---------------------------------------------------------------------------------


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    """A sine as int16."""
    t = np.arange(round(seconds * rate)) / rate
    return np.rint(np.sin(2 * np.pi * freq * t) * amp * 32767).astype(np.int16)


def speechish(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Harmonics with a syllable-rate envelope plus a little noise, as int16."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    signal = 0.25 * voice * envelope + 0.01 * rng.standard_normal(t.size)
    return np.clip(np.rint(signal * 32767), -32768, 32767).astype(np.int16)


def make_audio_file(container_fmt: str, codec: str, rate: int, samples: np.ndarray,
                    layout: str = "mono", **options: str) -> bytes:
    """Encode int16 mono ``samples`` (duplicated for stereo) into a container, in memory."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = layout
        if options:
            stream.options = options
        data = samples if layout == "mono" else np.repeat(samples, 2)
        step = 4096
        channels = 1 if layout == "mono" else 2
        for start in range(0, samples.size, step):
            chunk = data[start * channels:(start + step) * channels]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if samples.size == 0:
            out.start_encoding()  # headers only
    return buf.getvalue()


def dominant_freq(pcm: bytes, rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


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


def decode_opus_packets(packets: list[bytes]) -> list[np.ndarray]:
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = 48000
    decoder.layout = "stereo"
    frames = []
    for data in packets:
        for frame in decoder.decode(av.Packet(data)):
            assert frame.layout.nb_channels == 2
            assert frame.sample_rate == 48000
            frames.append(frame.to_ndarray())
    return frames


def test_decode_opus_packets_gives_back_what_the_packet_encoder_took() -> None:
    tone = (np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000) * 12000).astype("<i2").tobytes()
    encoder = audio.OpusPacketEncoder(leading_silence_ms=200)
    packets = encoder.feed(tone, 48000) + encoder.flush()
    pcm = audio.decode_opus_packets(packets)
    frame = 48 * 2 * 2  # bytes of 1 ms, stereo s16
    assert len(pcm) == len(packets) * 20 * frame
    assert audio.is_silent(pcm[:180 * frame], 96000)
    assert not audio.is_silent(pcm[200 * frame:], 96000)
    assert audio.rms_db(pcm[300 * frame:900 * frame]) > -20


# (container, codec, rate, layout, options)
FORMATS = {
    "ogg/opus": ("ogg", "libopus", 48000, "mono", {}),
    "mp3": ("mp3", "libmp3lame", 44100, "stereo", {}),
    "m4a/aac": ("ipod", "aac", 44100, "mono", {}),
    "mp4/aac": ("mp4", "aac", 48000, "stereo", {}),
    "wav": ("wav", "pcm_s16le", 22050, "mono", {}),
    "webm/opus": ("webm", "libopus", 48000, "stereo", {}),
    "flac": ("flac", "flac", 44100, "mono", {}),
}


def make_format(name: str, seconds: float = 1.5, freq: float = 440.0) -> bytes:
    container_fmt, codec, rate, layout, options = FORMATS[name]
    return make_audio_file(container_fmt, codec, rate, tone(seconds, rate, freq), layout, **options)


# --- decode: good files --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FORMATS))
def test_decode_round_trip(name: str) -> None:
    data = make_format(name, seconds=1.5, freq=440.0)
    decoded = audio.decode_upload_sync(data)
    assert isinstance(decoded, DecodedAudio)
    assert decoded.sample_rate == 16000
    assert len(decoded.pcm) % 2 == 0
    # AAC adds up to ~2 frames of priming/padding; the others are sample exact or near it.
    assert decoded.duration == pytest.approx(1.5, abs=0.05)
    # Mono at the asked rate: the tone is still at 440 Hz when read as 16 kHz mono.
    assert dominant_freq(decoded.pcm, 16000) == pytest.approx(440, abs=5)
    assert decoded.source_format.split("/")[0] in {"ogg", "mp3", "mp4", "wav", "matroska", "flac"}


def test_decode_other_rate_and_stereo_downmix() -> None:
    data = make_format("mp3", seconds=1.0, freq=1000.0)  # stereo 44.1 kHz
    decoded = audio.decode_upload_sync(data, sample_rate=24000)
    assert decoded.sample_rate == 24000
    assert decoded.duration == pytest.approx(1.0, abs=0.03)
    assert dominant_freq(decoded.pcm, 24000) == pytest.approx(1000, abs=5)
    # Downmixed, not one channel dropped or summed into clipping: level about the source's.
    assert audio.rms_db(decoded.pcm) == pytest.approx(audio.rms_db(tone(1.0, 44100, 1000).tobytes()), abs=1.5)


# --- decode: bad uploads -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_garbage_is_unsupported(seed: int) -> None:
    junk = np.random.default_rng(seed).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    with pytest.raises(UnsupportedAudio):
        audio.decode_upload_sync(junk)


def test_text_and_playlists_are_unsupported() -> None:
    with pytest.raises(UnsupportedAudio):
        audio.decode_upload_sync(b"hello, this is not audio at all\n" * 50)
    # An HLS playlist could make FFmpeg open other files: refused by the demuxer whitelist.
    playlist = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    with pytest.raises(UnsupportedAudio):
        audio.decode_upload_sync(playlist)


@pytest.mark.parametrize("name", ["wav", "m4a/aac", "flac", "webm/opus"])
def test_truncated_file_with_declared_length_is_truncated(name: str) -> None:
    data = make_format(name, seconds=2.0)
    with pytest.raises(AudioTruncated):
        audio.decode_upload_sync(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["ogg/opus", "mp3"])
def test_truncated_streamable_file_decodes_what_is_there(name: str) -> None:
    data = make_format(name, seconds=2.0)
    decoded = audio.decode_upload_sync(data[: len(data) // 2])
    assert 0.6 < decoded.duration < 1.4


def test_header_only_fragment_is_truncated() -> None:
    data = make_format("m4a/aac", seconds=1.0)
    with pytest.raises(AudioTruncated):
        audio.decode_upload_sync(data[:100])


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("seed", range(3))
def test_corrupted_files_only_raise_audio_errors(name: str, seed: int) -> None:
    data = bytearray(make_format(name, seconds=0.5))
    rng = np.random.default_rng(seed)
    positions = rng.integers(len(data) // 10, len(data), 40)
    data[positions[0]:positions[0] + 1] = b""  # a shifted byte too
    for pos in positions[1:]:
        if pos < len(data):
            data[pos] = int(rng.integers(0, 256))
    try:
        result = audio.decode_upload_sync(bytes(data))
    except AudioError:
        return
    assert isinstance(result, DecodedAudio)


def test_empty_bytes_and_zero_samples_are_empty() -> None:
    with pytest.raises(AudioEmpty):
        audio.decode_upload_sync(b"")
    empty_wav = make_audio_file("wav", "pcm_s16le", 16000, np.zeros(0, dtype=np.int16))
    assert empty_wav.startswith(b"RIFF")
    with pytest.raises(AudioEmpty):
        audio.decode_upload_sync(empty_wav)


def _png() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="image2pipe") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "rgb24"
        frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), 200, np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _video_only_mp4() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def test_image_has_no_audio_stream() -> None:
    png = _png()
    assert png.startswith(b"\x89PNG")
    with pytest.raises(NoAudioStream):
        audio.decode_upload_sync(png, filename="photo.png")


def test_video_without_sound_has_no_audio_stream() -> None:
    with pytest.raises(NoAudioStream):
        audio.decode_upload_sync(_video_only_mp4(), filename="clip.mp4")


def test_too_large_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_open(*args, **kwargs):
        raise AssertionError("decoding started")

    monkeypatch.setattr(audio.av, "open", no_open)
    with pytest.raises(AudioTooLarge) as info:
        audio.decode_upload_sync(b"\0" * 3 * 1024 * 1024, max_bytes=2 * 1024 * 1024)
    assert info.value.params == {"size": 3 * 1024 * 1024, "limit": 2 * 1024 * 1024,
                                 "size_mb": 3.0, "limit_mb": 2.0}
    assert "3.0 MB" in str(info.value)


def test_too_long() -> None:
    data = make_audio_file("wav", "pcm_s16le", 16000, tone(3.0, 16000))
    with pytest.raises(AudioTooLong) as info:
        audio.decode_upload_sync(data, max_seconds=2)
    assert info.value.params == {"limit": 2}
    assert audio.decode_upload_sync(data, max_seconds=3).duration == pytest.approx(3.0)


def test_decompression_bomb_stops_at_the_limit() -> None:
    # Ten minutes of digital silence: ~100 KB of FLAC that would decode to 19 MB of 16 kHz PCM.
    rate = 8000
    silence = np.zeros(rate * 600, dtype=np.int16)
    bomb = make_audio_file("flac", "flac", rate, silence)
    assert len(bomb) < 300_000
    tracemalloc.start()
    try:
        with pytest.raises(AudioTooLong) as info:
            audio.decode_upload_sync(bomb, max_seconds=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.params["limit"] == 5
    # At most ~5 s of 16 kHz PCM (160 KB) was ever held, not the 19 MB the file expands to.
    assert peak < 3_000_000


def test_opus_bomb_stops_at_the_limit() -> None:
    # Long Opus silence is ~3 bytes per 20 ms frame.
    silence = np.zeros(48000 * 60, dtype=np.int16)
    bomb = make_audio_file("ogg", "libopus", 48000, silence)
    assert len(bomb) < 100_000
    with pytest.raises(AudioTooLong):
        audio.decode_upload_sync(bomb, max_seconds=10)


def test_packet_cap_stops_endless_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio, "_PACKETS_PER_SECOND", 0)
    monkeypatch.setattr(audio, "_PACKETS_ALLOWANCE", 10)
    with pytest.raises(UnsupportedAudio):
        audio.decode_upload_sync(make_format("ogg/opus", seconds=1.0))


def test_filename_extension_is_only_a_fallback() -> None:
    data = make_format("flac", seconds=0.5)
    assert audio.decode_upload_sync(data, filename="voice.mp3").source_format.startswith("flac")


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


# --- Opus packets for Discord voice channels ----------------------------------------------


def test_opus_packets_leading_silence_and_frames() -> None:
    rate = 24000
    samples = tone(1.0, rate, 300, amp=0.5)
    encoder = audio.OpusPacketEncoder(leading_silence_ms=200)
    packets: list[bytes] = []
    for start in range(0, samples.size, 1031):
        packets += encoder.feed(samples[start:start + 1031].tobytes(), rate)
    packets += encoder.flush()
    assert encoder.flush() == []
    frames = decode_opus_packets(packets)
    assert len(frames) == len(packets)
    assert all(f.shape == (1, 960 * 2) for f in frames)  # packed stereo, 960 samples per channel
    # The first 10 packets are silence; the tone starts right after.
    assert all(np.abs(f).max() < 50 for f in frames[:10])
    assert np.abs(frames[11]).max() > 5000
    total = len(frames) * 960 / 48000
    assert 1.0 + 0.2 <= total <= 1.0 + 0.2 + 0.06
    with pytest.raises(RuntimeError):
        encoder.feed(b"\0\0", rate)


@pytest.mark.parametrize("rate", [24000, 22050, 16000, 44100, 48000])
def test_opus_packets_any_rate_and_first_packet_after_20ms(rate: int) -> None:
    encoder = audio.OpusPacketEncoder(leading_silence_ms=0)
    samples = tone(0.5, rate, 400, amp=0.5)
    first_20ms = int(rate * 0.02)
    first = encoder.feed(samples[:first_20ms].tobytes(), rate)
    assert len(first) == 1  # low latency: no waiting for a bigger buffer
    rest = []
    data = samples[first_20ms:].tobytes()
    for start in range(0, len(data), 777):  # odd byte counts: samples split across feeds
        rest += encoder.feed(data[start:start + 777], rate)
    packets = first + rest + encoder.flush()
    frames = decode_opus_packets(packets)
    assert all(f.shape == (1, 1920) for f in frames)
    total = len(frames) * 960 / 48000
    assert 0.5 <= total <= 0.5 + 0.06
    pcm = np.concatenate([f.reshape(-1, 2)[:, 0] for f in frames]).astype(np.int16).tobytes()
    assert dominant_freq(pcm, 48000) == pytest.approx(400, abs=5)


def test_opus_packets_nothing_fed() -> None:
    assert audio.OpusPacketEncoder().flush() == []


def test_opus_silence_constant() -> None:
    assert audio.OPUS_SILENCE == b"\xf8\xff\xfe"
    assert decode_opus_packets([audio.OPUS_SILENCE])[0].shape == (1, 1920)


# --- PCM helpers -----------------------------------------------------------------------------


def test_waveform_function() -> None:
    rate = 16000
    assert audio.waveform(b"", rate) == b""
    assert audio.waveform(bytes(rate), rate) == bytes(5)  # 0.5 s of silence: 5 points of 100 ms
    loud_then_quiet = np.concatenate([tone(1.0, rate, amp=0.8), tone(1.0, rate, amp=0.1)])
    points = audio.waveform(loud_then_quiet.tobytes(), rate)
    assert len(points) == 20
    assert points[0] == 255 and points[-1] < 60
    assert len(audio.waveform(tone(0.05, rate).tobytes(), rate)) == 1
    long = audio.waveform(tone(60.0, 8000).tobytes(), 8000)
    assert len(long) == 256 and set(long) <= set(range(256))
    assert len(audio.waveform(tone(60.0, 8000).tobytes(), 8000, max_points=100)) == 100


def test_rms_db_is_silent_and_gain() -> None:
    rate = 16000
    full_sine = tone(1.0, rate, amp=1.0).tobytes()
    assert audio.rms_db(full_sine) == pytest.approx(-3.01, abs=0.05)
    assert audio.rms_db(b"") == float("-inf")
    assert audio.rms_db(bytes(100)) == float("-inf")
    assert audio.is_silent(bytes(rate * 2), rate)
    assert audio.is_silent(b"", rate)
    quiet_word = np.zeros(rate * 2, np.int16)
    quiet_word[rate:rate + 1600] = tone(0.1, rate, amp=0.2)
    assert not audio.is_silent(quiet_word.tobytes(), rate)  # a short word in a long pause is sound
    half = tone(1.0, rate, amp=0.25).tobytes()
    louder = audio.apply_gain(half, 6.0206)
    assert audio.rms_db(louder) - audio.rms_db(half) == pytest.approx(6.02, abs=0.05)
    clipped = np.frombuffer(audio.apply_gain(full_sine, 20), dtype="<i2")
    assert clipped.max() == 32767 and clipped.min() == -32768
    assert audio.apply_gain(half, 0) == half


def test_trim_silence_and_duration() -> None:
    rate = 16000
    body = tone(0.5, rate, amp=0.3)
    padded = np.concatenate([np.zeros(rate, np.int16), body, np.zeros(rate // 2, np.int16)])
    trimmed = audio.trim_silence(padded.tobytes(), rate)
    assert audio.pcm_duration(trimmed, rate) == pytest.approx(0.5, abs=0.02)
    assert audio.trim_silence(bytes(rate * 2), rate) == b""
    assert audio.pcm_duration(b"\0" * 48001, 24000) == pytest.approx(1.0)
    assert audio.pcm_duration(b"\0\0", 0) == 0.0


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

    monkeypatch.setattr(audio, "decode_upload_sync", spy_decode)
    monkeypatch.setattr(audio, "encode_sync", spy_encode)
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

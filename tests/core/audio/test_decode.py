"""core.audio.decode: decoding uploads, good and bad, under the size, duration and hang limits."""

from __future__ import annotations

import io
import tracemalloc

import av
import numpy as np
import pytest

from core import audio
from core.audio import decode
from core.errors import (
    AudioEmpty,
    AudioError,
    AudioTooLarge,
    AudioTooLong,
    AudioTruncated,
    NoAudioStream,
    UnsupportedAudio,
)
from core.models import DecodedAudio
from tests.core.audio.helpers import dominant_freq, make_audio_file, tone

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

    monkeypatch.setattr(decode.av, "open", no_open)
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
    monkeypatch.setattr(decode, "_PACKETS_PER_SECOND", 0)
    monkeypatch.setattr(decode, "_PACKETS_ALLOWANCE", 10)
    with pytest.raises(UnsupportedAudio):
        audio.decode_upload_sync(make_format("ogg/opus", seconds=1.0))


def test_filename_extension_is_only_a_fallback() -> None:
    data = make_format("flac", seconds=0.5)
    assert audio.decode_upload_sync(data, filename="voice.mp3").source_format.startswith("flac")

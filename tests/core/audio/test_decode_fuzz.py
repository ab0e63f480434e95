"""Property tests (Hypothesis) of ``core.audio.decode_upload``: whatever bytes a user uploads, under
whatever file name, the decoder returns valid PCM within the limits or raises one of the typed
:class:`core.errors.AudioError` subclasses — never anything else, and never hangs.

Inputs: random bytes; small valid Ogg/Opus, WAV, MP3, M4A (and WebM, FLAC) files made here with PyAV,
then truncated, bit-flipped, overwritten, spliced, or given huge declared sizes; wrong and odd file
names; small byte and duration limits. Runs are derandomized with a bounded number of examples, so
the whole file takes a few seconds; inputs that once broke something are kept as ``@example``\\ s.
"""

from __future__ import annotations

import functools
import struct
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

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
from core.models import DecodedAudio
from tests.core.audio.helpers import make_audio_file
from tests.samples import speech_like

#: The errors decode_upload may raise: the typed leaves of the AudioError tree, nothing vaguer.
TYPED_ERRORS = (AudioEmpty, AudioTooLarge, AudioTooLong, AudioTruncated, NoAudioStream, UnsupportedAudio)
#: decode_upload's allowance over ``max_seconds`` for codec priming/padding.
GRACE = 0.25
#: One decode of these small inputs takes milliseconds; this only catches a spin (a real hang is
#: stopped by pytest-timeout).
SLOW = 10.0

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NAMES = ["ogg", "wav", "mp3", "m4a", "webm", "flac"]
FILENAMES = st.sampled_from([
    None, "", "voice.ogg", "a.oga", "a.opus", "clip.mp3", "memo.m4a", "a.mp4", "a.aac", "a.wav", "a.wave",
    "a.webm", "a.mka", "a.flac", "noext", "a.", ".ogg", "a.txt", "a.png", "a.MP3", "a.ogg.exe",
    "../../etc/passwd", "a.m3u8", "concat:a.wav|b.wav", "file:///etc/passwd.wav", "ümlaut.ogg", "a" * 300 + ".wav",
])


# --- samples ------------------------------------------------------------------------------------


def _encode(fmt: str, codec: str, rate: int, layout: str, seconds: float) -> bytes:
    return make_audio_file(fmt, codec, rate, speech_like(seconds, rate), layout)


@functools.cache
def samples() -> dict[str, bytes]:
    """Small valid files (0.6 s), one per container/codec a user may send."""
    return {
        "ogg": _encode("ogg", "libopus", 48000, "mono", 0.6),
        "wav": _encode("wav", "pcm_s16le", 16000, "mono", 0.6),
        "mp3": _encode("mp3", "libmp3lame", 44100, "stereo", 0.6),
        "m4a": _encode("ipod", "aac", 24000, "mono", 0.6),
        "webm": _encode("webm", "libopus", 48000, "stereo", 0.6),
        "flac": _encode("flac", "flac", 22050, "mono", 0.6),
    }


def _ogg_crc_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        table.append(crc)
    return table


_OGG_CRC = _ogg_crc_table()


def fix_ogg_checksums(data: bytes) -> bytes:
    """Recompute every Ogg page's CRC, so a mutation reaches the codec instead of being dropped by the
    demuxer's checksum test."""
    out = bytearray(data)
    pos = out.find(b"OggS")
    while 0 <= pos and pos + 27 <= len(out):
        nsegs = out[pos + 26]
        end = pos + 27 + nsegs + sum(out[pos + 27:pos + 27 + nsegs])
        if end > len(out):
            break
        out[pos + 22:pos + 26] = b"\0\0\0\0"
        crc = 0
        for byte in out[pos:end]:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) ^ byte) & 0xFF]
        out[pos + 22:pos + 26] = struct.pack("<I", crc)
        pos = out.find(b"OggS", end)
    return bytes(out)


# --- the property ---------------------------------------------------------------------------------


def check(data: bytes, *, filename: str | None = None, max_bytes: int = 20 * 1024 * 1024,
          max_seconds: float = 30.0, sample_rate: int = 16000) -> DecodedAudio | None:
    """Decode and assert the contract; returns the result (None when a typed error was raised)."""
    started = time.monotonic()
    try:
        result = audio.decode_upload_sync(data, max_bytes=max_bytes, max_seconds=max_seconds,
                                          sample_rate=sample_rate, filename=filename)
    except TYPED_ERRORS as exc:
        assert str(exc)  # a sentence for the user, never empty
        if len(data) > max_bytes:
            assert isinstance(exc, AudioTooLarge)
        return None
    finally:
        assert time.monotonic() - started < SLOW
    # Anything else (a PyAV error, a KeyError, a bare AudioError …) fails the test by propagating.
    assert len(data) <= max_bytes
    assert isinstance(result, DecodedAudio)
    assert isinstance(result.pcm, bytes) and result.pcm and len(result.pcm) % 2 == 0
    assert result.sample_rate == sample_rate
    assert result.duration <= max_seconds + GRACE + 0.05  # the resampler's last few samples
    assert result.source_format and "/" in result.source_format
    return result


def test_the_samples_decode() -> None:
    for name, data in samples().items():
        result = check(data, filename=f"x.{name}")
        assert result is not None, name
        assert result.duration == pytest.approx(0.6, abs=0.1), name


# --- random bytes ---------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4096), filename=FILENAMES)
@example(data=b"", filename=None)
@example(data=b"OggS", filename="a.ogg")
@example(data=b"RIFF\xff\xff\xff\xffWAVEfmt ", filename="a.wav")
@example(data=b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00", filename="a.m4a")
@example(data=b"ID3\x04\x00\x00\x00\x00\x00\x00", filename="a.mp3")
@example(data=b"fLaC\x00\x00\x00\x22", filename="a.flac")
@example(data=b"\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x1f", filename="a.webm")
@example(data=b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", filename="a.m3u8")
@example(data=b"ffconcat version 1.0\nfile /etc/passwd\n", filename="a.wav")
@example(data=b"\xff\xfb\x90\x00" * 64, filename="a.mp3")  # MP3 frame headers, no frames
def test_random_bytes(data: bytes, filename: str | None) -> None:
    check(data, filename=filename)


@FUZZ
@given(prefix=st.sampled_from([b"OggS", b"RIFF\x00\x00\x00\x00WAVE", b"ID3\x03\x00\x00", b"fLaC",
                               b"\x1a\x45\xdf\xa3", b"\x00\x00\x00\x20ftypM4A ", b"\xff\xf1", b"\xff\xfb"]),
       tail=st.binary(max_size=2048), filename=FILENAMES)
def test_random_bytes_behind_a_real_magic_number(prefix: bytes, tail: bytes, filename: str | None) -> None:
    check(prefix + tail, filename=filename)


# --- damaged real files --------------------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real sample, then a few of: truncation, bit flips, overwritten runs, deletions, duplication."""
    name = draw(st.sampled_from(NAMES))
    data = bytearray(samples()[name])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        op = draw(st.sampled_from(["truncate", "flip", "overwrite", "delete", "duplicate", "zero"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[pos:]
        elif op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "overwrite":
            run = draw(st.binary(min_size=1, max_size=16))
            data[pos:pos + len(run)] = run
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "duplicate":
            piece = data[pos:pos + draw(st.integers(1, 512))]
            data[pos:pos] = piece
        else:
            data[pos:pos + draw(st.integers(1, 256))] = bytes(min(len(data) - pos, 256))
    if name == "ogg" and draw(st.booleans()):
        return name, fix_ogg_checksums(bytes(data))
    return name, bytes(data)


@FUZZ
@given(sample=damaged(), filename=FILENAMES)
def test_damaged_files(sample: tuple[str, bytes], filename: str | None) -> None:
    _name, data = sample
    check(data, filename=filename)


@FUZZ
@given(name=st.sampled_from(NAMES), cut=st.floats(0.0, 1.0))
def test_truncated_files(name: str, cut: float) -> None:
    data = samples()[name]
    check(data[: int(len(data) * cut)], filename=f"x.{name}")


# --- hand-made headers ----------------------------------------------------------------------------

U16 = st.sampled_from([0, 1, 2, 6, 8, 16, 17, 255, 0x7FFF, 0xFFFF]) | st.integers(0, 0xFFFF)
U32 = st.sampled_from([0, 1, 8000, 44100, 384000, 384001, 0x7FFFFFFF, 0xFFFFFFFF]) | st.integers(0, 0xFFFFFFFF)


@st.composite
def wav_files(draw: st.DrawFn) -> bytes:
    """A RIFF/WAVE file with odd ``fmt`` fields (codec, channels, rate, alignment, bits) and sizes: a
    consistent header with at most one field replaced, or arbitrary fields."""
    if draw(st.booleans()):
        tag = draw(st.sampled_from([1, 3, 6, 7]))
        bits = draw(st.sampled_from({1: [8, 16, 24, 32], 3: [32, 64]}.get(tag, [8])))
        channels = draw(st.integers(1, 8))
        rate = draw(st.sampled_from([1, 7, 8000, 16000, 44100, 48000, 96000, 384000, 384001, 0x7FFFFFFF]))
        align = channels * bits // 8
        fields = [tag, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits]
        if draw(st.booleans()):
            which = draw(st.integers(0, 5))
            fields[which] = draw(U32 if which in (2, 3) else U16)
    else:
        fields = [draw(st.sampled_from([1, 3, 6, 7, 0x11, 0xFFFE]) | U16), draw(U16), draw(U32), draw(U32),
                  draw(U16), draw(U16)]
    fmt = struct.pack("<HHIIHH", *fields)
    if draw(st.booleans()):
        extension = draw(st.binary(max_size=40))
        fmt += struct.pack("<H", len(extension)) + extension
    payload = draw(st.binary(max_size=3000))
    data_size = draw(st.sampled_from([len(payload), 0, 0xFFFFFFFF]) | U32)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_size) + payload
    return b"RIFF" + struct.pack("<I", draw(st.sampled_from([len(body), 0xFFFFFFFF]) | U32)) + body


@FUZZ
@given(data=wav_files(), max_seconds=st.floats(0.05, 30.0))
@example(data=b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x01\x00\x00\x00\x02\x00\x00\x00"
              b"\x02\x00\x10\x00data\xff\xff\xff\xff" + b"\x10\x00" * 1000, max_seconds=30.0)  # 1 Hz: 2000 s
@example(data=b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\xff\xff\x80\xbb\x00\x00\x00\x00\x00\x00"
              b"\x00\x00\x10\x00data\x00\x10\x00\x00" + bytes(4096), max_seconds=30.0)  # 65535 channels
def test_wav_headers(data: bytes, max_seconds: float) -> None:
    check(data, filename="x.wav", max_seconds=max_seconds)


# --- huge declared sizes and lengths ---------------------------------------------------------------


def _fields(data: bytes, tag: bytes) -> list[int]:
    """Offsets of every occurrence of ``tag``."""
    found, start = [], 0
    while (pos := data.find(tag, start)) >= 0:
        found.append(pos)
        start = pos + 1
    return found


def with_huge_sizes(name: str, value: int, where: int) -> bytes:
    """A sample whose size/length fields state ``value`` (RIFF/data sizes, MP4 atom sizes and mdhd
    duration, Ogg granule positions, FLAC total samples, EBML sizes), or, failing that, ``value`` written
    at ``where``."""
    data = bytearray(samples()[name])
    big32 = struct.pack("<I", value & 0xFFFFFFFF)
    if name == "wav":
        data[4:8] = big32
        for pos in _fields(bytes(data), b"data"):
            data[pos + 4:pos + 8] = big32
    elif name == "m4a":
        for tag in (b"mdat", b"moov", b"trak", b"stsz", b"stco"):
            for pos in _fields(bytes(data), tag):
                data[pos - 4:pos] = struct.pack(">I", value & 0xFFFFFFFF)
                break
        for pos in _fields(bytes(data), b"mdhd"):
            data[pos + 20:pos + 24] = struct.pack(">I", value & 0xFFFFFFFF)  # duration (version 0)
    elif name in ("ogg",):
        for pos in _fields(bytes(data), b"OggS"):
            data[pos + 6:pos + 14] = struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF)  # granule position
    elif name == "flac":
        pos = 8 + 10  # STREAMINFO: total samples are the low 36 bits of bytes 13..17 of the block
        data[pos + 3:pos + 8] = bytes([(data[pos + 3] & 0xF0) | ((value >> 32) & 0x0F)]) + struct.pack(
            ">I", value & 0xFFFFFFFF)
    else:
        where %= max(1, len(data) - 8)
        data[where:where + 8] = struct.pack(">Q", value & 0xFFFFFFFFFFFFFFFF)
    return bytes(data)


@FUZZ
@given(name=st.sampled_from(NAMES),
       value=st.sampled_from([0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 2**40, 2**63 - 1, 2**64 - 1])
       | st.integers(0, 2**64 - 1),
       where=st.integers(0, 10_000))
@example(name="wav", value=0xFFFFFFFF, where=0)
@example(name="m4a", value=0xFFFFFFFF, where=0)
@example(name="ogg", value=2**63 - 1, where=0)
@example(name="flac", value=2**36 - 1, where=0)
def test_huge_declared_sizes(name: str, value: int, where: int) -> None:
    check(with_huge_sizes(name, value, where), filename=f"x.{name}")


# --- the limits -------------------------------------------------------------------------------------


@FUZZ
@given(sample=damaged() | st.sampled_from(NAMES).map(lambda name: (name, samples()[name])),
       max_bytes=st.integers(0, 64 * 1024), max_seconds=st.floats(0.05, 2.0),
       sample_rate=st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000]), filename=FILENAMES)
def test_limits_are_enforced(sample: tuple[str, bytes], max_bytes: int, max_seconds: float, sample_rate: int,
                             filename: str | None) -> None:
    _name, data = sample
    check(data, filename=filename, max_bytes=max_bytes, max_seconds=max_seconds, sample_rate=sample_rate)


async def test_the_async_wrapper_keeps_the_contract() -> None:
    for data in (b"", b"junk" * 100, samples()["ogg"], samples()["m4a"][:200]):
        try:
            result = await audio.decode_upload(data, filename="x.ogg")
        except TYPED_ERRORS:
            continue
        except AudioError as exc:  # pragma: no cover - a failure message
            raise AssertionError(f"untyped audio error {exc!r}") from exc
        assert result.sample_rate == 16000

"""All codec work, in-process with PyAV (it bundles FFmpeg with libopus): no ffmpeg executable, no pydub.

What lives here:

* :func:`decode_upload` / :func:`decode_upload_sync` — a user's upload (Ogg/Opus, MP3, M4A/AAC, WAV,
  WebM/Opus, FLAC) as bytes → mono s16le PCM at one rate, with the size, duration and hang limits
  enforced and every failure mapped into the :class:`core.errors.AudioError` tree.
* :func:`encode` / :func:`encode_sync` and :class:`StreamingNoteEncoder` — PCM → a voice note
  (Ogg/Opus mono 48 kHz ~32 kbps 20 ms frames; MP3; WAV) with the exact duration (from the sample
  count, never from container metadata) and a Discord waveform. The streaming encoder lets the service
  encode while the provider is still speaking. :func:`describe` rebuilds that metadata for a cached clip.
* :class:`OpusPacketEncoder` — PCM → ready raw 20 ms Opus packets (48 kHz stereo) for a Discord voice
  channel, with leading silence and a low first-packet latency.
* Small PCM helpers: :func:`waveform`, :func:`trim_silence`, :func:`rms_db`, :func:`is_silent`,
  :func:`apply_gain`, :func:`pcm_duration`.

PCM everywhere in this module means signed 16-bit little-endian **mono** samples (``core.models.PCMChunk``).

Codec work is CPU-bound: the ``async`` functions run the synchronous ones in a worker thread
(:func:`asyncio.to_thread`), so nothing blocks the event loop. The encoder classes are not thread-safe:
use one instance from one thread (or one task) at a time.

PyAV version note: the project pins ``av>=18.1,<20`` because av 19 needs Python 3.12 and 18.1 is the
last release for 3.11. The code below uses only API that exists in both (``AudioFrame.from_ndarray``,
``AudioResampler``, ``CodecContext.create``, ``container.add_stream``) and never reads ``time_base``/
``rate`` expecting a particular type (18 returns ``Fraction``, 19 ``AVRational``).
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Literal

import av
import numpy as np

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

__all__ = [
    "OPUS_SILENCE",
    "OpusPacketEncoder",
    "StreamingNoteEncoder",
    "apply_gain",
    "decode_opus_packets",
    "decode_upload",
    "decode_upload_sync",
    "describe",
    "describe_sync",
    "encode",
    "encode_sync",
    "is_silent",
    "pcm_duration",
    "rms_db",
    "trim_silence",
    "waveform",
]

log = logging.getLogger(__name__)

#: One 20 ms Opus frame of silence (what discord.py sends as keepalive / on underrun).
OPUS_SILENCE = b"\xf8\xff\xfe"

#: Discord voice channels: 48 kHz stereo, 20 ms frames of 960 samples per channel.
OPUS_RATE = 48000
OPUS_FRAME_SAMPLES = 960

_MB = 1024 * 1024
_FULL_SCALE = 32768.0

# --- decoding limits -----------------------------------------------------------------------

#: Demuxers we let FFmpeg use on an upload (``format_whitelist``; names match any component of the
#: demuxer's comma-separated name, so ``mov`` covers mp4/m4a and ``matroska`` covers webm). The
#: ``*_pipe``/``gif`` image demuxers are allowed only so an image can be told apart as
#: :class:`NoAudioStream`; anything that can open other files or URLs (hls, concat, image2 …) is not.
_DEMUXERS = (
    "ogg", "mp3", "mov", "wav", "matroska", "flac", "aac",
    "png_pipe", "jpeg_pipe", "webp_pipe", "gif",
)
#: Formats whose headers state the real length (FLAC STREAMINFO, MP4 mdhd, Matroska Duration) as FFmpeg
#: reports it: a file decoding to clearly less than that was cut off. WAV states it too, but FFmpeg
#: clamps it to the bytes present, so :func:`_wav_declared_seconds` reads the header itself. MP3 is not in the list because
#: without a Xing header FFmpeg estimates the length from the bit rate; Ogg's length is read from the
#: last page that is actually there.
_DECLARES_LENGTH = ("flac", "mov", "matroska")
#: File-name extensions → demuxer, tried only when probing the content fails.
_EXT_FORMATS = {
    "ogg": "ogg", "oga": "ogg", "opus": "ogg", "mp3": "mp3", "m4a": "mp4", "mp4": "mp4",
    "aac": "aac", "wav": "wav", "wave": "wav", "webm": "webm", "mka": "matroska", "flac": "flac",
}
#: Upper bound of demuxed packets per second of allowed audio: the shortest Opus frame is 2.5 ms
#: (400 packets/s); headers, cover art and video packets fit in the fixed allowance.
_PACKETS_PER_SECOND = 500
_PACKETS_ALLOWANCE = 5000
#: Decode errors tolerated (a damaged packet is skipped, as ffmpeg does) before giving up.
_MAX_DECODE_ERRORS = 50
#: Codec priming/padding may push a file that is exactly at the limit slightly over it.
_DURATION_GRACE = 0.25
_MAX_CHANNELS = 16
_MAX_INPUT_RATE = 384000
#: Seconds FFmpeg may block in one open/read call before the interrupt callback stops it.
_IO_TIMEOUT = (10.0, 10.0)

#: Exceptions PyAV, FFmpeg and numpy raise on bad input. ``av.FFmpegError`` subclasses several of these.
_DECODE_FAILURES: tuple[type[BaseException], ...] = (
    av.FFmpegError, OSError, ValueError, EOFError, RuntimeError, IndexError, OverflowError,
    MemoryError, UnicodeDecodeError,
)


def _mb(size: int) -> float:
    """``size`` bytes in MiB, rounded for a user-facing message."""
    return round(size / _MB, 1)


def _looks_like_audio_container(data: bytes) -> bool:
    """True if ``data`` starts like one of the containers we read (used to tell "damaged" from "garbage")."""
    head = bytes(data[:64])
    return (
        head.startswith((b"OggS", b"ID3", b"fLaC", b"\x1a\x45\xdf\xa3"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
        or head[4:8] == b"ftyp"
    )


def _refuse_nested_open(url: str, flags: int, options: dict) -> None:
    """PyAV ``io_open`` hook: an upload may never make FFmpeg open another file or URL."""
    raise PermissionError(f"nested open refused: {url!r}")


def _open_upload(data: bytes, fmt: str | None) -> av.container.InputContainer:
    """Open ``data`` for reading with the demuxer whitelist, no nested opens and I/O timeouts."""
    return av.open(
        io.BytesIO(data),
        mode="r",
        format=fmt,
        container_options={"format_whitelist": ",".join(_DEMUXERS)},
        timeout=_IO_TIMEOUT,
        io_open=_refuse_nested_open,
    )


def _short_format_name(container: av.container.InputContainer) -> str:
    """A friendly container name: ``mov,mp4,m4a,…`` → ``mp4``, ``matroska,webm`` → ``matroska``."""
    name = container.format.name.split(",")[0]
    return {"mov": "mp4"}.get(name, name)


def decode_upload_sync(
    data: bytes,
    *,
    max_bytes: int = 20 * 1024 * 1024,
    max_seconds: float = 120.0,
    sample_rate: int = 16000,
    filename: str | None = None,
) -> DecodedAudio:
    """Decode an uploaded audio file held in memory to mono s16le PCM at ``sample_rate``.

    Accepts Ogg/Opus (Telegram voice notes), MP3, M4A/MP4 (AAC), WAV, WebM/Matroska (Opus) and FLAC;
    the container is found by probing the bytes, and ``filename``'s extension is only a fallback hint
    when probing fails. Nothing touches the disk and FFmpeg may not open any other file or URL.

    Limits, in this order:

    * ``len(data) > max_bytes`` → :class:`AudioTooLarge` before anything is parsed.
    * While decoding, the decoded samples are counted; once they exceed ``max_seconds`` (plus 0.25 s
      of grace for codec priming/padding) :class:`AudioTooLong` is raised at once. So a tiny
      "decompression bomb" that would decode to hours stops after ``max_seconds`` and this function
      never holds more than that much PCM.
    * Demuxed packets are capped (500 per allowed second + 5000), decode errors are capped (50), and
      FFmpeg's blocking calls have an interrupt timeout, so no input can make it spin forever.

    Errors (all :class:`core.errors.AudioError`; no PyAV exception escapes):

    * empty ``data`` or a file that decodes to zero samples → :class:`AudioEmpty`;
    * bytes that are not a container we accept → :class:`UnsupportedAudio` (``reason`` says why);
    * a container without an audio stream (an image, a video without sound) → :class:`NoAudioStream`;
    * **truncated files** — the decision: a file that starts like one of our containers but cannot be
      opened (e.g. an M4A cut before its ``moov`` atom) → :class:`AudioTruncated`; a file whose header
      states its length (WAV, FLAC, MP4/M4A, Matroska/WebM with a Duration) but decodes to clearly
      less (more than max(0.5 s, 10 %) missing) → :class:`AudioTruncated`, because a clip cut in the
      middle would e.g. no longer match the transcript the user typed for cloning. Streamable formats
      that cannot know their length (Ogg, MP3, a recorder's WebM without Duration) cut in the middle
      decode to the part that is there — that part is real, meaningful audio. A damaged file that
      yields no samples at all with decode errors → :class:`AudioTruncated`.

    Stereo/multichannel input is downmixed; any input rate is resampled with ``av.AudioResampler``.
    ``DecodedAudio.source_format`` is e.g. ``"ogg/opus"``, ``"mp4/aac"``, ``"mp3/mp3float"``.
    """
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    if max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    data = bytes(data) if not isinstance(data, bytes) else data
    size = len(data)
    if size > max_bytes:
        raise AudioTooLarge(size=size, limit=max_bytes, size_mb=_mb(size), limit_mb=_mb(max_bytes))
    if size == 0:
        raise AudioEmpty("the upload has no bytes")

    container = _open_checked(data, filename)
    try:
        return _decode_container(container, data, max_seconds=max_seconds, sample_rate=sample_rate)
    except AudioError:
        raise
    except _DECODE_FAILURES as exc:
        log.debug("decoding %r failed: %r", filename, exc)
        raise AudioTruncated(f"decoding failed: {exc}") from exc
    finally:
        try:
            container.close()
        except _DECODE_FAILURES:  # pragma: no cover - closing a read container does not fail in practice
            pass


async def decode_upload(
    data: bytes,
    *,
    max_bytes: int = 20 * 1024 * 1024,
    max_seconds: float = 120.0,
    sample_rate: int = 16000,
    filename: str | None = None,
) -> DecodedAudio:
    """:func:`decode_upload_sync` in a worker thread (same arguments, same errors)."""
    return await asyncio.to_thread(
        decode_upload_sync, data, max_bytes=max_bytes, max_seconds=max_seconds,
        sample_rate=sample_rate, filename=filename,
    )


def _open_checked(data: bytes, filename: str | None) -> av.container.InputContainer:
    """Open the upload, falling back to the extension's demuxer; map failures into the error tree."""
    try:
        return _open_upload(data, None)
    except _DECODE_FAILURES as first:
        ext = filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
        fmt = _EXT_FORMATS.get(ext)
        if fmt is not None:
            try:
                return _open_upload(data, fmt)
            except _DECODE_FAILURES:
                pass
        log.debug("cannot open upload %r: %r", filename, first)
        if _looks_like_audio_container(data):
            raise AudioTruncated(f"cannot open: {first}") from first
        raise UnsupportedAudio(f"cannot open: {first}", reason="not a supported audio file") from first


class _MonoResampler:
    """``av.AudioResampler`` to mono s16 at a fixed rate that survives mid-stream format changes.

    PyAV's resampler is built for the first frame's format/layout/rate; when a later frame differs
    (an MP3 that switches rate, an AAC stream that switches layout) the old one is flushed and a new
    one is made. ``layout`` may be ``"mono"`` or ``"stereo"``.
    """

    def __init__(self, rate: int, layout: str = "mono") -> None:
        self.rate = rate
        self.layout = layout
        self._key: tuple | None = None
        self._resampler: av.AudioResampler | None = None

    def resample(self, frame: av.AudioFrame) -> list[av.AudioFrame]:
        """Resample one frame; may return 0..n frames (the resampler keeps a short filter delay)."""
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        out: list[av.AudioFrame] = []
        if key != self._key:
            out.extend(self.flush())
            self._resampler = av.AudioResampler(format="s16", layout=self.layout, rate=self.rate)
            self._key = key
        frame.pts = None  # we count samples ourselves; stale pts from demuxers only confuse swr
        assert self._resampler is not None
        out.extend(self._resampler.resample(frame))
        return out

    def flush(self) -> list[av.AudioFrame]:
        """Drain the current resampler (its last few samples)."""
        if self._resampler is None:
            return []
        frames = self._resampler.resample(None)
        self._resampler = None
        self._key = None
        return frames


def _frame_bytes(frame: av.AudioFrame) -> bytes:
    """The packed s16 samples of a resampled frame (without plane padding)."""
    return frame.to_ndarray().tobytes()


def _decode_container(container: av.container.InputContainer, data: bytes, *, max_seconds: float,
                      sample_rate: int) -> DecodedAudio:
    """Decode the best audio stream of an open container under the limits of :func:`decode_upload_sync`."""
    if not container.streams.audio:
        raise NoAudioStream(f"streams: {[s.type for s in container.streams]}")
    stream = container.streams.best("audio") or container.streams.audio[0]
    ctx = stream.codec_context
    if ctx is None:
        raise UnsupportedAudio("no decoder", reason="unsupported audio codec")
    channels = ctx.layout.nb_channels if ctx.layout is not None else 0
    if channels > _MAX_CHANNELS or (ctx.sample_rate or 0) > _MAX_INPUT_RATE:
        raise UnsupportedAudio(f"{channels} channels at {ctx.sample_rate} Hz", reason="unusual audio format")
    container_name = _short_format_name(container)
    codec_name = ctx.codec.name if ctx.codec is not None else "?"

    limit_seconds = max_seconds + _DURATION_GRACE
    max_packets = int(max_seconds * _PACKETS_PER_SECOND) + _PACKETS_ALLOWANCE
    resampler = _MonoResampler(sample_rate)
    pcm = bytearray()
    decoded_seconds = 0.0
    packets = frames_seen = errors = 0

    demuxer = container.demux()
    while True:
        try:
            packet = next(demuxer)
        except StopIteration:
            break
        except _DECODE_FAILURES as exc:  # the container breaks off: keep what decoded so far
            log.debug("demuxing stopped: %r", exc)
            errors += 1
            for frame in _drain_decoder(ctx):
                decoded_seconds += frame.samples / frame.sample_rate
                for out in resampler.resample(frame):
                    pcm += _frame_bytes(out)
            break
        packets += 1
        if packets > max_packets:
            raise UnsupportedAudio(f"more than {max_packets} packets", reason="too many packets")
        if packet.stream.index != stream.index:
            continue
        try:
            frames = packet.decode()
        except _DECODE_FAILURES as exc:
            errors += 1
            if errors > _MAX_DECODE_ERRORS:
                raise AudioTruncated(f"too many decode errors, last: {exc}") from exc
            continue
        for frame in frames:
            frames_seen += 1
            if frames_seen > max_packets:  # a decoder cannot emit more frames than packets × small
                raise UnsupportedAudio("too many frames", reason="too many frames")
            if frame.samples <= 0 or not frame.sample_rate:
                continue
            if frame.sample_rate > _MAX_INPUT_RATE or frame.layout.nb_channels > _MAX_CHANNELS:
                raise UnsupportedAudio("unusual frame", reason="unusual audio format")
            decoded_seconds += frame.samples / frame.sample_rate
            if decoded_seconds > limit_seconds:
                raise AudioTooLong(f"more than {max_seconds} s decoded", limit=_fmt_limit(max_seconds))
            for out in resampler.resample(frame):
                pcm += _frame_bytes(out)
    for out in resampler.flush():
        pcm += _frame_bytes(out)

    if not pcm:
        if errors:
            raise AudioTruncated(f"{errors} decode errors and no samples")
        raise AudioEmpty("no samples decoded")

    demuxer_name = container.format.name.split(",")[0]
    if demuxer_name == "wav":
        declared = _wav_declared_seconds(data, decoded_seconds)
    elif demuxer_name in _DECLARES_LENGTH:
        declared = _declared_seconds(container, stream)
    else:
        declared = None
    if declared is not None:
        missing = declared - decoded_seconds
        if missing > max(0.5, 0.1 * declared):
            raise AudioTruncated(f"decoded {decoded_seconds:.2f} s of a declared {declared:.2f} s")
    return DecodedAudio(pcm=bytes(pcm), sample_rate=sample_rate, source_format=f"{container_name}/{codec_name}")


def _drain_decoder(ctx: av.AudioCodecContext) -> list[av.AudioFrame]:
    """Frames still buffered in the decoder after the demuxer failed (none if it cannot be drained)."""
    try:
        return [f for f in ctx.decode(None) if f.samples > 0 and f.sample_rate]
    except _DECODE_FAILURES:
        return []


def _fmt_limit(seconds: float) -> int | float:
    """A limit for a message: ``120.0`` → ``120``, ``2.5`` stays ``2.5``."""
    return int(seconds) if float(seconds).is_integer() else seconds


def _wav_declared_seconds(data: bytes, decoded_seconds: float) -> float | None:
    """The length a RIFF/WAVE header states for its ``data`` chunk, in seconds, or None when unknown.

    Scales the decoded duration by declared/present bytes of the data chunk. Sizes of 0 and
    0xFFFFFFFF (written by streaming recorders that cannot seek back) mean "unknown".
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos:pos + 4]
        chunk_size = int.from_bytes(data[pos + 4:pos + 8], "little")
        if chunk_id == b"data":
            present = len(data) - (pos + 8)
            if chunk_size in (0, 0xFFFFFFFF) or present <= 0 or chunk_size <= present:
                return None
            return decoded_seconds * chunk_size / present
        pos += 8 + chunk_size + (chunk_size & 1)
    return None


def _declared_seconds(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    """The length the file's headers state (stream duration, else container duration), or None."""
    try:
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        if container.duration:
            return container.duration / 1_000_000
    except (TypeError, ValueError, ZeroDivisionError):  # pragma: no cover - defensive
        return None
    return None


# --- PCM helpers -----------------------------------------------------------------------------


def _samples(pcm: bytes) -> np.ndarray:
    """``pcm`` as an int16 array (a trailing odd byte is ignored)."""
    usable = len(pcm) - (len(pcm) % 2)
    return np.frombuffer(pcm, dtype="<i2", count=usable // 2)


def pcm_duration(pcm: bytes, sample_rate: int) -> float:
    """Seconds of mono s16le ``pcm`` at ``sample_rate`` (0.0 for a non-positive rate)."""
    if sample_rate <= 0:
        return 0.0
    return (len(pcm) // 2) / sample_rate


def rms_db(pcm: bytes) -> float:
    """RMS level of the whole clip in dBFS (0 dB = a full-scale square wave); ``-inf`` for silence/empty."""
    samples = _samples(pcm)
    if samples.size == 0:
        return float("-inf")
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64))))
    if rms == 0.0:
        return float("-inf")
    return 20.0 * math.log10(rms / _FULL_SCALE)


def _window_db(samples: np.ndarray, window: int) -> np.ndarray:
    """dBFS of consecutive windows of ``window`` samples (the last one may be shorter); ``-inf`` if silent."""
    n = samples.size
    if n == 0:
        return np.empty(0)
    count = -(-n // window)
    squares = np.square(samples, dtype=np.float64)
    sums = np.add.reduceat(squares, np.arange(0, count * window, window))
    lengths = np.full(count, window, dtype=np.float64)
    lengths[-1] = n - (count - 1) * window
    rms = np.sqrt(sums / lengths)
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(rms / _FULL_SCALE)


def is_silent(pcm: bytes, sample_rate: int, threshold_db: float = -45.0) -> bool:
    """True if no 50 ms window of ``pcm`` is louder than ``threshold_db`` dBFS (RMS); empty is silent.

    Windows rather than the whole-clip RMS, so a short word in a long pause still counts as sound.
    """
    samples = _samples(pcm)
    if samples.size == 0:
        return True
    window = max(1, int(sample_rate * 0.05))
    return bool(np.all(_window_db(samples, window) <= threshold_db))


def trim_silence(pcm: bytes, sample_rate: int, threshold_db: float = -40.0) -> bytes:
    """Cut leading and trailing silence: keep from the first to the last 10 ms window louder than
    ``threshold_db`` dBFS (RMS), on window boundaries. All-silent input gives ``b""``. The middle is
    never touched."""
    samples = _samples(pcm)
    if samples.size == 0:
        return b""
    window = max(1, int(sample_rate * 0.01))
    loud = np.flatnonzero(_window_db(samples, window) > threshold_db)
    if loud.size == 0:
        return b""
    start = int(loud[0]) * window
    end = min(samples.size, (int(loud[-1]) + 1) * window)
    return samples[start:end].tobytes()


def apply_gain(pcm: bytes, db: float) -> bytes:
    """Scale ``pcm`` by ``db`` decibels, rounding and clipping to int16 (0 dB returns the input as is)."""
    if db == 0:
        return bytes(pcm)
    samples = _samples(pcm).astype(np.float64)
    scaled = np.rint(samples * (10.0 ** (db / 20.0)))
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


class _WaveformAccumulator:
    """Running sum of squares per 10 ms block, so a waveform can be made without keeping the PCM.

    Blocks are 10 ms at whatever rate the samples arrive in, so chunks at different rates mix; a
    partial block is closed when the rate changes.
    """

    def __init__(self) -> None:
        self._sums: list[float] = []
        self._counts: list[int] = []
        self._rate: int | None = None
        self._partial_sum = 0.0
        self._partial_count = 0

    def add(self, samples: np.ndarray, sample_rate: int) -> None:
        """Account for a chunk of int16 ``samples`` at ``sample_rate``."""
        if samples.size == 0:
            return
        if sample_rate != self._rate:
            self._close_partial()
            self._rate = sample_rate
        block = max(1, sample_rate // 100)
        squares = np.square(samples, dtype=np.float64)
        pos = 0
        if self._partial_count:
            take = min(block - self._partial_count, squares.size)
            self._partial_sum += float(squares[:take].sum())
            self._partial_count += take
            pos = take
            if self._partial_count == block:
                self._close_partial()
        full = (squares.size - pos) // block
        if full:
            sums = squares[pos:pos + full * block].reshape(full, block).sum(axis=1)
            self._sums.extend(sums.tolist())
            self._counts.extend([block] * full)
            pos += full * block
        if pos < squares.size:
            self._partial_sum += float(squares[pos:].sum())
            self._partial_count += squares.size - pos

    def _close_partial(self) -> None:
        if self._partial_count:
            self._sums.append(self._partial_sum)
            self._counts.append(self._partial_count)
        self._partial_sum = 0.0
        self._partial_count = 0

    def result(self, max_points: int = 256) -> bytes:
        """The waveform: ≤ ``max_points`` (≤ 256) points, each ≥ 100 ms (10 blocks), RMS scaled to 0-255."""
        self._close_partial()
        blocks = len(self._sums)
        if blocks == 0:
            return b""
        points = max(1, min(max_points, 256, blocks // 10))
        groups = np.array_split(np.arange(blocks), points)
        sums = np.asarray(self._sums)
        counts = np.asarray(self._counts, dtype=np.float64)
        rms = np.array([math.sqrt(sums[g].sum() / counts[g].sum()) for g in groups])
        peak = float(rms.max())
        if peak < 1.0:  # below one LSB of RMS: digital silence
            return bytes(points)
        return np.clip(np.rint(rms / peak * 255.0), 0, 255).astype(np.uint8).tobytes()


def waveform(pcm: bytes, sample_rate: int, max_points: int = 256) -> bytes:
    """Discord's voice-message waveform of mono s16le ``pcm``.

    At most ``min(max_points, 256)`` bytes; each point is the RMS of ≥ 100 ms of audio (so a 3 s clip
    has 30 points, a clip shorter than 100 ms one point), scaled so the loudest point is 255.
    Digital silence gives all zeros; empty input gives ``b""``.
    """
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    acc = _WaveformAccumulator()
    acc.add(_samples(pcm), sample_rate)
    return acc.result(max_points)


# --- encoding voice notes ---------------------------------------------------------------------

NoteFormat = Literal["ogg", "mp3", "wav"]

_NOTE_CODECS = {"ogg": ("ogg", "libopus"), "mp3": ("mp3", "libmp3lame"), "wav": ("wav", "pcm_s16le")}
_OGG_BITRATE = 32000
_MP3_BITRATE = 64000


def _note_rate(fmt: str, first_rate: int | None) -> int:
    """The output rate of a note: Opus 48 kHz; MP3 44.1 kHz for 11.025 kHz-family inputs, else 48 kHz;
    WAV keeps the first chunk's rate (24 kHz if nothing was ever fed)."""
    if fmt == "ogg":
        return OPUS_RATE
    if fmt == "mp3":
        return 44100 if first_rate and first_rate % 11025 == 0 else 48000
    return first_rate or 24000


class StreamingNoteEncoder:
    """Encode a voice note from PCM chunks that arrive over time (while the provider is speaking).

    ``fmt``: ``"ogg"`` (Opus mono 48 kHz ~32 kbps, 20 ms frames, application ``voip`` — Telegram voice
    notes and Discord voice messages), ``"mp3"`` (libmp3lame mono 64 kbps, 44.1/48 kHz) or ``"wav"``
    (pcm_s16le mono at the first chunk's rate).

    :meth:`feed` takes mono s16le chunks at any rate, with boundaries anywhere (an odd trailing byte
    is kept for the next chunk; if the rate changes it is dropped as half a sample) and resamples
    them statefully; :meth:`finish` flushes and returns the :class:`EncodedAudio`. Output goes to an
    in-memory buffer as it is produced.

    ``EncodedAudio.duration`` is the exact input duration (Σ samples / rate over the chunks);
    ``EncodedAudio.sample_count`` is the number of samples per channel in the encoded stream at its
    own rate (48 kHz for ogg) — what a decoder returns for Ogg/Opus and WAV (pre-skip and end trim are
    written so Ogg/Opus decodes back to exactly that many); ``waveform`` is :func:`waveform`'s.
    """

    def __init__(self, fmt: NoteFormat = "ogg") -> None:
        """Prepare an encoder; the container is created on the first :meth:`feed`."""
        if fmt not in _NOTE_CODECS:
            raise ValueError(f"unknown format {fmt!r}; use one of {sorted(_NOTE_CODECS)}")
        self.fmt: NoteFormat = fmt
        self._buffer = io.BytesIO()
        self._container: av.container.OutputContainer | None = None
        self._stream: av.AudioStream | None = None
        self._out_rate = 0
        self._resampler: _MonoResampler | None = None
        self._in_rate: int | None = None
        self._remainder = b""
        self._input_samples: dict[int, int] = {}
        self._out_samples = 0
        self._wave = _WaveformAccumulator()
        self._result: EncodedAudio | None = None

    def _start(self, first_rate: int | None) -> None:
        """Create the container and stream for the output rate chosen from the first chunk."""
        container_fmt, codec = _NOTE_CODECS[self.fmt]
        self._out_rate = _note_rate(self.fmt, first_rate)
        self._container = av.open(self._buffer, mode="w", format=container_fmt)
        stream = self._container.add_stream(codec, rate=self._out_rate)
        stream.layout = "mono"
        if self.fmt == "ogg":
            stream.bit_rate = _OGG_BITRATE
            stream.options = {"frame_duration": "20", "application": "voip"}
        elif self.fmt == "mp3":
            stream.bit_rate = _MP3_BITRATE
        stream.time_base = Fraction(1, self._out_rate)
        self._stream = stream
        self._resampler = _MonoResampler(self._out_rate)

    def feed(self, pcm: bytes, sample_rate: int) -> None:
        """Add a chunk of mono s16le ``pcm`` at ``sample_rate`` Hz (any size, any rate)."""
        if self._result is not None:
            raise RuntimeError("feed() after finish()")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if self._container is None:
            self._start(sample_rate)
        if sample_rate != self._in_rate:
            self._remainder = b""  # half a sample at the old rate
            self._in_rate = sample_rate
        data = self._remainder + bytes(pcm) if self._remainder else bytes(pcm)
        usable = len(data) - (len(data) % 2)
        self._remainder = data[usable:]
        if usable == 0:
            return
        samples = np.frombuffer(data, dtype="<i2", count=usable // 2)
        self._input_samples[sample_rate] = self._input_samples.get(sample_rate, 0) + samples.size
        self._wave.add(samples, sample_rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = sample_rate
        assert self._resampler is not None
        self._encode(self._resampler.resample(frame))

    def _encode(self, frames: list[av.AudioFrame] | None) -> None:
        """Encode resampled frames (``None`` flushes the encoder) and mux the packets."""
        assert self._stream is not None and self._container is not None
        if frames is None:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            return
        for frame in frames:
            frame.pts = self._out_samples
            frame.time_base = Fraction(1, self._out_rate)
            self._out_samples += frame.samples
            for packet in self._stream.encode(frame):
                self._container.mux(packet)

    def finish(self) -> EncodedAudio:
        """Flush everything and return the finished clip (calling it again returns the same result)."""
        if self._result is not None:
            return self._result
        if self._container is None:
            self._start(None)
        assert self._resampler is not None and self._container is not None
        self._encode(self._resampler.flush())
        self._encode(None)
        if self._out_samples == 0:
            self._container.start_encoding()  # an empty clip is still a valid file (headers only)
        self._container.close()
        duration = float(sum(n / rate for rate, n in self._input_samples.items()))
        self._result = EncodedAudio(
            data=self._buffer.getvalue(),
            format=self.fmt,
            duration=duration,
            waveform=self._wave.result(),
            sample_count=self._out_samples,
        )
        self._buffer = io.BytesIO()
        return self._result


def encode_sync(pcm: bytes, sample_rate: int, fmt: NoteFormat = "ogg") -> EncodedAudio:
    """Encode a whole mono s16le clip as a voice note (see :class:`StreamingNoteEncoder` for formats
    and the meaning of ``duration``/``sample_count``/``waveform``)."""
    encoder = StreamingNoteEncoder(fmt)
    encoder.feed(pcm, sample_rate)
    return encoder.finish()


async def encode(pcm: bytes, sample_rate: int, fmt: NoteFormat = "ogg") -> EncodedAudio:
    """:func:`encode_sync` in a worker thread."""
    return await asyncio.to_thread(encode_sync, pcm, sample_rate, fmt)


def describe_sync(data: bytes, fmt: NoteFormat = "ogg") -> EncodedAudio:
    """Rebuild the :class:`EncodedAudio` of a clip this module encoded earlier (e.g. from the cache).

    Decodes ``data`` once at its own rate: ``sample_count`` is the decoded samples per channel,
    ``duration`` = ``sample_count / rate`` (exact for Ogg/Opus, MP3 with its LAME header, and WAV),
    and ``waveform`` is computed as :func:`waveform` would. Only meant for our own output: the limits
    are generous (size of ``data``, 1 hour), but failures still raise :class:`AudioError` subclasses.
    """
    if fmt not in _NOTE_CODECS:
        raise ValueError(f"unknown format {fmt!r}; use one of {sorted(_NOTE_CODECS)}")
    if not data:
        raise AudioEmpty("no bytes")
    container = _open_checked(bytes(data), f"clip.{fmt}")
    try:
        if not container.streams.audio:
            raise NoAudioStream()
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate or 48000
        resampler = _MonoResampler(rate)
        acc = _WaveformAccumulator()
        count = 0
        limit = rate * 3600
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                samples = out.to_ndarray().reshape(-1)
                acc.add(samples, rate)
                count += samples.size
            if count > limit:
                raise AudioTooLong(limit=3600)
        for out in resampler.flush():
            samples = out.to_ndarray().reshape(-1)
            acc.add(samples, rate)
            count += samples.size
    except AudioError:
        raise
    except _DECODE_FAILURES as exc:
        raise AudioTruncated(f"describing failed: {exc}") from exc
    finally:
        container.close()
    return EncodedAudio(data=bytes(data), format=fmt, duration=count / rate, waveform=acc.result(),
                        sample_count=count)


async def describe(data: bytes, fmt: NoteFormat = "ogg") -> EncodedAudio:
    """:func:`describe_sync` in a worker thread."""
    return await asyncio.to_thread(describe_sync, data, fmt)


# --- Discord voice channels: raw 20 ms Opus packets --------------------------------------------

_resampler_delays: dict[int, int] = {}


def _resampler_delay_in(rate: int) -> int:
    """How many input samples ``av.AudioResampler`` (``rate`` → 48 kHz) holds back as filter delay.

    Measured once per rate with a probe: feeding this many zeros first ("priming") makes every
    later chunk come out complete, so 20 ms in gives a full 960-sample frame out at once.
    """
    if rate == OPUS_RATE:
        return 0
    cached = _resampler_delays.get(rate)
    if cached is not None:
        return cached
    probe = av.AudioResampler(format="s16", layout="stereo", rate=OPUS_RATE)
    n = max(rate // 10, 64)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, n), dtype=np.int16), format="s16", layout="mono")
    frame.sample_rate = rate
    got = sum(f.samples for f in probe.resample(frame))
    delay_out = max(0, round(n * OPUS_RATE / rate) - got)
    delay_in = math.ceil(delay_out * rate / OPUS_RATE)
    _resampler_delays[rate] = delay_in
    return delay_in


class OpusPacketEncoder:
    """Mono PCM at any rate → raw 20 ms Opus packets (48 kHz stereo, 960 samples per channel) for a
    Discord ``AudioSource`` whose ``is_opus()`` is True. Not Ogg pages: each item is one Opus packet.

    * The first :meth:`feed` first emits ``ceil(leading_silence_ms / 20)`` packets of real encoded
      silence (discord clips the first syllable otherwise), then the audio.
    * Low latency: a packet is returned as soon as 20 ms of audio is available. The resampler
      (``av.AudioResampler``, stateful across feeds, rebuilt if the rate changes) is primed with its
      filter delay in zeros (< 1 ms), so e.g. 480 samples at 24 kHz come out as a full frame at once.
    * :meth:`flush` pads the last partial frame with silence, drains libopus's lookahead and ends
      the stream; the encoder cannot be fed afterwards. Nothing fed → ``flush()`` returns ``[]``.

    libopus (``application=audio``, ``frame_duration=20``, ``bitrate`` b/s) runs in-process, so
    discord.py needs no system libopus.
    """

    def __init__(self, *, leading_silence_ms: int = 200, bitrate: int = 64000) -> None:
        """Open the libopus encoder (48 kHz stereo s16, 20 ms frames)."""
        if leading_silence_ms < 0:
            raise ValueError("leading_silence_ms must be >= 0")
        self.leading_silence_ms = leading_silence_ms
        self.bitrate = bitrate
        ctx = av.CodecContext.create("libopus", "w")
        ctx.sample_rate = OPUS_RATE
        ctx.layout = "stereo"
        ctx.format = "s16"
        ctx.bit_rate = bitrate
        ctx.time_base = Fraction(1, OPUS_RATE)
        ctx.options = {"frame_duration": "20", "application": "audio"}
        ctx.open()
        self._ctx = ctx
        self._pts = 0
        self._pending = bytearray()  # interleaved stereo s16 at 48 kHz, < one frame after each feed
        self._resampler: av.AudioResampler | None = None
        self._in_rate: int | None = None
        self._remainder = b""
        self._started = False
        self._closed = False

    #: Bytes of one 20 ms stereo s16 frame at 48 kHz.
    _FRAME_BYTES = OPUS_FRAME_SAMPLES * 2 * 2

    def _encode_frame(self, interleaved: bytes | np.ndarray) -> list[bytes]:
        """Encode exactly one 960-sample stereo frame."""
        arr = np.frombuffer(interleaved, dtype="<i2") if isinstance(interleaved, (bytes, bytearray)) \
            else interleaved
        frame = av.AudioFrame.from_ndarray(arr.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = OPUS_RATE
        frame.pts = self._pts
        frame.time_base = Fraction(1, OPUS_RATE)
        self._pts += OPUS_FRAME_SAMPLES
        return [bytes(p) for p in self._ctx.encode(frame)]

    def _new_resampler(self, rate: int) -> list[bytes]:
        """Switch to a new input rate: drain the old resampler, make and prime a new one."""
        packets = self._drain_resampler()
        self._resampler = av.AudioResampler(format="s16", layout="stereo", rate=OPUS_RATE)
        self._in_rate = rate
        self._remainder = b""
        prime = _resampler_delay_in(rate)
        if prime:
            frame = av.AudioFrame.from_ndarray(np.zeros((1, prime), dtype=np.int16), format="s16",
                                               layout="mono")
            frame.sample_rate = rate
            self._push(self._resampler.resample(frame))
        return packets

    def _drain_resampler(self) -> list[bytes]:
        if self._resampler is None:
            return []
        self._push(self._resampler.resample(None))
        self._resampler = None
        return self._pop_frames()

    def _push(self, frames: list[av.AudioFrame]) -> None:
        for frame in frames:
            self._pending += frame.to_ndarray().tobytes()

    def _pop_frames(self) -> list[bytes]:
        packets: list[bytes] = []
        size = self._FRAME_BYTES
        full = len(self._pending) // size
        for i in range(full):
            packets.extend(self._encode_frame(bytes(self._pending[i * size:(i + 1) * size])))
        del self._pending[:full * size]
        return packets

    def feed(self, pcm: bytes, sample_rate: int) -> list[bytes]:
        """Add mono s16le ``pcm`` at ``sample_rate``; return every 20 ms packet that is now complete."""
        if self._closed:
            raise RuntimeError("feed() after flush()")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        packets: list[bytes] = []
        if not self._started:
            self._started = True
            silence = np.zeros(OPUS_FRAME_SAMPLES * 2, dtype=np.int16)
            for _ in range(math.ceil(self.leading_silence_ms / 20)):
                packets.extend(self._encode_frame(silence))
        if sample_rate != self._in_rate:
            packets.extend(self._new_resampler(sample_rate))
        data = self._remainder + bytes(pcm) if self._remainder else bytes(pcm)
        usable = len(data) - (len(data) % 2)
        self._remainder = data[usable:]
        if usable:
            samples = np.frombuffer(data, dtype="<i2", count=usable // 2)
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = sample_rate
            assert self._resampler is not None
            self._push(self._resampler.resample(frame))
        packets.extend(self._pop_frames())
        return packets

    def flush(self) -> list[bytes]:
        """End of the utterance: the remaining audio padded with silence to 20 ms, plus libopus's
        lookahead, as packets. Idempotent; feeding afterwards raises ``RuntimeError``."""
        if self._closed:
            return []
        self._closed = True
        if not self._started:
            return []
        packets = self._drain_resampler()
        if self._pending:
            self._pending += bytes(self._FRAME_BYTES - len(self._pending))
            packets.extend(self._pop_frames())
        packets.extend(bytes(p) for p in self._ctx.encode(None))
        return packets


def decode_opus_packets(packets: Iterable[bytes]) -> bytes:
    """Raw 48 kHz stereo Opus packets (what a Discord voice channel receives) → interleaved s16le PCM.

    The inverse of :class:`OpusPacketEncoder`, for checking that what would be sent is audible
    (``voicebridge doctor``) and for tests. CPU-bound: call it from a worker thread.
    """
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = OPUS_RATE
    decoder.layout = "stereo"
    to_s16 = av.AudioResampler(format="s16", layout="stereo", rate=OPUS_RATE)
    out = bytearray()
    for data in packets:
        for frame in decoder.decode(av.Packet(data)):
            for converted in to_s16.resample(frame):
                out += converted.to_ndarray().tobytes()
    for converted in to_s16.resample(None):
        out += converted.to_ndarray().tobytes()
    return bytes(out)

"""Decoding a user's upload (Ogg/Opus, MP3, M4A/AAC, WAV, WebM/Opus, FLAC), held in memory, to mono
s16le PCM at one rate, with the size, duration and hang limits enforced and every failure mapped into
the :class:`core.errors.AudioError` tree."""

from __future__ import annotations

import asyncio
import io
import logging

import av

from core.audio.resample import MonoResampler
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

__all__ = ["DECODE_FAILURES", "decode_upload", "decode_upload_sync", "open_checked"]

log = logging.getLogger(__name__)

_MB = 1024 * 1024

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
DECODE_FAILURES: tuple[type[BaseException], ...] = (
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

    Accepts Ogg/Opus (voice notes), MP3, M4A/MP4 (AAC), WAV, WebM/Matroska (Opus) and FLAC;
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

    container = open_checked(data, filename)
    try:
        return _decode_container(container, data, max_seconds=max_seconds, sample_rate=sample_rate)
    except AudioError:
        raise
    except DECODE_FAILURES as exc:
        log.debug("decoding %r failed: %r", filename, exc)
        raise AudioTruncated(f"decoding failed: {exc}") from exc
    finally:
        try:
            container.close()
        except DECODE_FAILURES:  # pragma: no cover - closing a read container does not fail in practice
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


def open_checked(data: bytes, filename: str | None) -> av.container.InputContainer:
    """Open the upload, falling back to the extension's demuxer; map failures into the error tree."""
    try:
        return _open_upload(data, None)
    except DECODE_FAILURES as first:
        ext = filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
        fmt = _EXT_FORMATS.get(ext)
        if fmt is not None:
            try:
                return _open_upload(data, fmt)
            except DECODE_FAILURES:
                pass
        log.debug("cannot open upload %r: %r", filename, first)
        if _looks_like_audio_container(data):
            raise AudioTruncated(f"cannot open: {first}") from first
        raise UnsupportedAudio(f"cannot open: {first}", reason="not a supported audio file") from first


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
    resampler = MonoResampler(sample_rate)
    pcm = bytearray()
    decoded_seconds = 0.0
    packets = frames_seen = errors = 0

    demuxer = container.demux()
    while True:
        try:
            packet = next(demuxer)
        except StopIteration:
            break
        except DECODE_FAILURES as exc:  # the container breaks off: keep what decoded so far
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
        except DECODE_FAILURES as exc:
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
    except DECODE_FAILURES:
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

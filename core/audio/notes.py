"""Voice notes: mono PCM → Ogg/Opus, MP3 or WAV with the exact duration and a waveform, streamed
while the provider is still speaking; and :func:`describe` to rebuild that metadata for a cached clip."""

from __future__ import annotations

import asyncio
import io
from contextlib import nullcontext
from fractions import Fraction
from typing import Literal

import av
import numpy as np

from core.audio.decode import DECODE_FAILURES, open_checked
from core.audio.pcm import WaveformAccumulator
from core.audio.resample import MonoResampler, no_filter_threads
from core.errors import AudioEmpty, AudioError, AudioTooLong, AudioTruncated, NoAudioStream
from core.models import EncodedAudio

__all__ = ["OPUS_RATE", "NoteFormat", "StreamingNoteEncoder", "describe", "describe_sync", "encode", "encode_sync"]

#: Opus decodes at 48 kHz whatever rate it was fed: the rate of what a decoder returns for an Ogg/Opus
#: note, and the unit of its granule positions and pre-skip.
OPUS_RATE = 48000

#: The input rates libopus takes; an Ogg note fed another rate is resampled to 48 kHz first.
_OPUS_INPUT_RATES = (8000, 12000, 16000, 24000, 48000)

NoteFormat = Literal["ogg", "mp3", "wav"]

_NOTE_CODECS = {"ogg": ("ogg", "libopus"), "mp3": ("mp3", "libmp3lame"), "wav": ("wav", "pcm_s16le")}
_OGG_BITRATE = 44000
_MP3_BITRATE = 64000
# How libopus codes a note, chosen with bench/audio.py and callgrind instruction counts on 24 kHz espeak-ng
# speech (four voices, fed in 100 ms chunks): application "audio", so libopus codes every frame with CELT alone
# (below complexity 7 it runs no speech/music analysis, and "audio" then picks CELT: checked from 20 to 64
# kbps); complexity 2 (0-10; FFmpeg's default is 10); the highest frequency kept 8 kHz (FFmpeg's cutoff sets
# libopus's maximum bandwidth: "wideband"); 20 ms frames. Per second of audio the whole encoder (libopus,
# FFmpeg, PyAV, the waveform) runs 1.9e7 instructions: 5.6x fewer than as issue 11 found it (fed 48 kHz,
# complexity 10, fullband: 1.07e8) and 3.3x fewer than SILK at complexity 4 (6.4e7). SILK cannot get there: its
# analysis and noise shaping are most of its cost, 2.9e7 even at complexity 0, while CELT's cost hardly depends
# on its complexity or rate. CELT needs more bits than SILK for speech, so the rate is what keeps the quality:
# PESQ-WB 4.28 on average over the voices (lowest 4.12) against 4.09 (3.78) for the old encoder and 4.25 (4.08)
# for SILK complexity 4 at 32 kbps; CELT at 32 kbps gives 3.81 (3.53), SILK below complexity 4 3.1-3.3 on the
# male voice. The price is size: ~62 kbps of speech on average (55-72 by voice) against ~28-34. 40/60 ms frames
# save ~2% (SILK) to ~9% (CELT, which then codes each 20 ms frame to a fixed share of the packet: worse per
# bit), so notes keep 20 ms. Notes from an engine that answers in Opus skip this encoder altogether
# (core.audio.passthrough): this path is the offline engine's and the fallback's.
_OGG_APPLICATION = "audio"
_OGG_COMPLEXITY = 2
_OGG_CUTOFF = 8000
_OGG_FRAME_MS = 20
#: Samples of the waveform held back and measured together (numpy's cost is mostly per call): 1 s.
_WAVE_BATCH_SECONDS = 1


def _codec_rate(fmt: str, first_rate: int | None) -> int:
    """The rate the encoder is fed: Opus the first chunk's rate if it takes it, else 48 kHz; MP3 44.1 kHz
    for 11.025 kHz-family inputs, else 48 kHz; WAV the first chunk's rate (24 kHz if nothing was fed)."""
    if fmt == "ogg":
        return first_rate if first_rate in _OPUS_INPUT_RATES else OPUS_RATE
    if fmt == "mp3":
        return 44100 if first_rate and first_rate % 11025 == 0 else 48000
    return first_rate or 24000


class StreamingNoteEncoder:
    """Encode a voice note from PCM chunks that arrive over time (while the provider is speaking).

    ``fmt``: ``"ogg"`` (Opus mono, CELT-only wideband at 44 kbps VBR, 20 ms frames, complexity 2 —
    the voice notes chat apps play; a standard Ogg/Opus file that decodes at 48 kHz), ``"mp3"``
    (libmp3lame mono 64 kbps, 44.1/48 kHz) or ``"wav"`` (pcm_s16le mono at the first chunk's rate).

    libopus is fed the first chunk's rate when it takes it (8, 12, 16, 24 or 48 kHz: the provider's
    24 kHz goes in as it is), else 48 kHz. :meth:`feed` takes mono s16le chunks at any rate, with
    boundaries anywhere (an odd trailing byte is kept for the next chunk; if the rate changes it is
    dropped as half a sample) and resamples them statefully to the encoder's rate when they differ;
    :meth:`finish` flushes and returns the :class:`EncodedAudio`. Output goes to an in-memory buffer
    as it is produced; at most a second of input is held back, for the waveform. The encoder runs on
    the calling thread and starts no thread of its own.

    ``EncodedAudio.duration`` is the exact input duration (Σ samples / rate over the chunks);
    ``EncodedAudio.sample_count`` is the number of samples per channel a decoder returns: for Ogg/Opus
    at 48 kHz whatever rate libopus was fed (pre-skip and end trim are written so it decodes back to
    exactly that many), for WAV at its own rate; ``waveform`` is :func:`waveform`'s.
    """

    def __init__(self, fmt: NoteFormat = "ogg") -> None:
        """Prepare an encoder; the container is created on the first :meth:`feed`."""
        if fmt not in _NOTE_CODECS:
            raise ValueError(f"unknown format {fmt!r}; use one of {sorted(_NOTE_CODECS)}")
        self.fmt: NoteFormat = fmt
        self._buffer = io.BytesIO()
        self._container: av.container.OutputContainer | None = None
        self._stream: av.AudioStream | None = None
        self._codec_rate = 0
        self._resampler: MonoResampler | None = None
        self._in_rate: int | None = None
        self._remainder = b""
        self._input_samples: dict[int, int] = {}
        self._codec_samples = 0
        self._wave = WaveformAccumulator()
        self._wave_held: list[np.ndarray] = []
        self._wave_held_samples = 0
        self._wave_rate = 0
        self._result: EncodedAudio | None = None

    def _start(self, first_rate: int | None) -> None:
        """Create the container and stream for the encoder rate chosen from the first chunk."""
        container_fmt, codec = _NOTE_CODECS[self.fmt]
        self._codec_rate = _codec_rate(self.fmt, first_rate)
        self._container = av.open(self._buffer, mode="w", format=container_fmt)
        stream = self._container.add_stream(codec, rate=self._codec_rate)
        stream.layout = "mono"
        if self.fmt == "ogg":
            stream.bit_rate = _OGG_BITRATE
            stream.options = {"frame_duration": str(_OGG_FRAME_MS), "application": _OGG_APPLICATION,
                              "compression_level": str(_OGG_COMPLEXITY), "cutoff": str(_OGG_CUTOFF)}
        elif self.fmt == "mp3":
            stream.bit_rate = _MP3_BITRATE
        stream.codec_context.thread_count = 1
        stream.time_base = Fraction(1, self._codec_rate)
        self._stream = stream
        self._resampler = MonoResampler(self._codec_rate)

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
        self._add_to_waveform(samples, sample_rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = sample_rate
        assert self._resampler is not None
        self._encode(self._resampler.resample(frame))

    def _add_to_waveform(self, samples: np.ndarray, rate: int) -> None:
        """Measure ``samples`` for the waveform, held back until a second of them (or a rate change) is
        there: the same blocks and sums as adding each chunk, with far fewer numpy calls. ``samples`` views
        bytes no one can change (:meth:`feed` made them)."""
        if rate != self._wave_rate:
            self._flush_waveform()
            self._wave_rate = rate
        self._wave_held.append(samples)
        self._wave_held_samples += samples.size
        if self._wave_held_samples >= rate * _WAVE_BATCH_SECONDS:
            self._flush_waveform()

    def _flush_waveform(self) -> None:
        held = self._wave_held
        if held:
            self._wave.add(held[0] if len(held) == 1 else np.concatenate(held), self._wave_rate)
            self._wave_held = []
            self._wave_held_samples = 0

    def _encode(self, frames: list[av.AudioFrame] | None) -> None:
        """Encode resampled frames (``None`` flushes the encoder) and mux the packets."""
        assert self._stream is not None and self._container is not None
        if frames is None:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            return
        for frame in frames:
            # PyAV builds the graph that cuts frames to the codec's frame size on the first frame.
            guard = no_filter_threads() if self._codec_samples == 0 else nullcontext()
            frame.pts = self._codec_samples
            frame.time_base = Fraction(1, self._codec_rate)
            self._codec_samples += frame.samples
            with guard:
                packets = self._stream.encode(frame)
            for packet in packets:
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
        self._flush_waveform()
        if self._codec_samples == 0:
            self._container.start_encoding()  # an empty clip is still a valid file (headers only)
        self._container.close()
        duration = float(sum(n / rate for rate, n in self._input_samples.items()))
        # Every rate Opus takes divides 48000, and the granule positions count 48 kHz samples.
        decoded = self._codec_samples * (OPUS_RATE // self._codec_rate) if self.fmt == "ogg" else self._codec_samples
        self._result = EncodedAudio(
            data=self._buffer.getvalue(),
            format=self.fmt,
            duration=duration,
            waveform=self._wave.result(),
            sample_count=decoded,
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
    container = open_checked(bytes(data), f"clip.{fmt}")
    try:
        if not container.streams.audio:
            raise NoAudioStream()
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate or 48000
        resampler = MonoResampler(rate)
        acc = WaveformAccumulator()
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
    except DECODE_FAILURES as exc:
        raise AudioTruncated(f"describing failed: {exc}") from exc
    finally:
        container.close()
    return EncodedAudio(data=bytes(data), format=fmt, duration=count / rate, waveform=acc.result(),
                        sample_count=count)


async def describe(data: bytes, fmt: NoteFormat = "ogg") -> EncodedAudio:
    """:func:`describe_sync` in a worker thread."""
    return await asyncio.to_thread(describe_sync, data, fmt)

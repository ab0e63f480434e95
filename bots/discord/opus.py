"""Audio for a Discord voice channel: mono PCM → raw 20 ms Opus packets (48 kHz stereo) with a silent
lead-in, their inverse for checks, and the Opus silence frame sent on underrun.

A voice channel takes Opus packets, not Ogg pages: discord.py's player sends whatever its
``AudioSource.read`` returns every 20 ms, so the packets are made here with PyAV's in-process libopus
(discord.py needs no system libopus). CPU-bound: call the encoder and decoder from a worker thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

import av
import numpy as np

from core.audio import OPUS_RATE
from core.audio.resample import no_filter_threads

#: libopus complexity for voice channels: 4 sounds as good as 10 on speech (measured for voice notes, see
#: core/audio/notes.py) at about 1.6x fewer instructions; only the offline engine and the PCM fallback reach
#: this encoder (an engine's own 20 ms Opus is passed straight through).
VOICE_COMPLEXITY = 4

__all__ = [
    "OPUS_FRAME_SAMPLES",
    "OPUS_RATE",
    "OPUS_SILENCE",
    "OpusPacketEncoder",
    "decode_opus_packets",
]

#: One 20 ms Opus frame of silence (what discord.py sends as keepalive / on underrun).
OPUS_SILENCE = b"\xf8\xff\xfe"

#: Voice channels: 48 kHz stereo, 20 ms frames of 960 samples per channel.
OPUS_FRAME_SAMPLES = 960

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
        ctx.options = {"frame_duration": "20", "application": "audio", "compression_level": str(VOICE_COMPLEXITY)}
        ctx.thread_count = 1
        with no_filter_threads():
            ctx.open()
        self._ctx = ctx
        self._pts = 0
        self._pending = bytearray()  # interleaved stereo s16 at 48 kHz, < one frame after each feed
        self._resampler: av.AudioResampler | None = None
        self._new_graph = False
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
        self._new_graph = True  # its filter graph is built on its first frame (see _resample)
        self._in_rate = rate
        self._remainder = b""
        prime = _resampler_delay_in(rate)
        if prime:
            frame = av.AudioFrame.from_ndarray(np.zeros((1, prime), dtype=np.int16), format="s16",
                                               layout="mono")
            frame.sample_rate = rate
            self._push(self._resample(frame))
        return packets

    def _resample(self, frame: av.AudioFrame | None) -> list[av.AudioFrame]:
        assert self._resampler is not None
        if self._new_graph:  # the graph is made now: without FFmpeg's idle worker threads
            self._new_graph = False
            with no_filter_threads():
                return self._resampler.resample(frame)
        return self._resampler.resample(frame)

    def _drain_resampler(self) -> list[bytes]:
        if self._resampler is None:
            return []
        self._push(self._resample(None))
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
            self._push(self._resample(frame))
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

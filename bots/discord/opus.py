"""Audio for a Discord voice channel: mono PCM → raw 20 ms Opus packets (mono) with a silent lead-in, their
inverse for checks, and the Opus silence frame sent on underrun.

A voice channel takes Opus packets, not Ogg pages: discord.py's player sends whatever its
``AudioSource.read`` returns every 20 ms, so the packets are made here with PyAV's in-process libopus
(discord.py needs no system libopus). CPU-bound: call the encoder and decoder from a worker thread.

Mono packets at the input's own rate. Discord's developer docs say voice "should be encoded with Opus, using
two channels (stereo) and a sample rate of 48kHz" (discord/discord-api-docs, docs/topics/voice-connections.mdx,
"Transport Encryption and Sending Voice"), but an Opus packet says in its own TOC byte whether it is mono or
stereo (RFC 6716 §3.1), and a decoder opened for 48 kHz stereo, as Discord's clients' are, plays either
(:func:`decode_opus_packets` is one; the tests decode our packets with it). Discord's own documented
silence frame ``F8 FF FE`` is a mono packet; songbird encodes mono for Discord with ``MixMode::Mono`` and
passes an Opus source's packets through "irrespective of their channel count" (serenity-rs/songbird,
src/driver/mix_mode.rs); and the engine's passed-through packets (:mod:`core.audio.opus_frames`) are mono
already. What a voice connection does need is 20 ms per packet and RTP timestamps on a 48 kHz clock, which
RFC 7587 §4.1 makes the clock "for all modes of Opus and all sampling rates": the sender advances them 960
per packet whatever the encoder's rate, as discord.py does. Mono at 24 kHz is all a 24 kHz mono voice
carries, and it spares a resampler and half of libopus's work (bench/scale.py's PCM path).
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
#: this encoder (an engine's own 20 ms Opus is passed straight through). Mono 24 kHz at 48 kbps: 0 and 1 take
#: 16 % and 10 % fewer libopus instructions, but 0 loses 0.7-1 dB SNR and 1 is 0.1 dB further off in the bands
#: on espeak-ng speech, so 4 stays.
VOICE_COMPLEXITY = 4

#: Bits per second of the mono voice packets. Decoded back (as bench/audio.py compares notes: waveform SNR, and
#: the mean level difference in third-octave bands to 8 kHz), 24 kHz speech-like audio / espeak-ng speech:
#: 48 kbps 23.6 / 20.4 dB SNR, bands off by 0.8 / 1.4 dB; 32 kbps 19.3 / 16.1 dB, 1.2 / 2.4 dB; the 48 kHz
#: stereo 64 kbps packets made before 10.6 / 10.3 dB, 3.1 / 3.0 dB. libopus costs about the same at 32-64 kbps.
VOICE_BITRATE = 48000

#: The input rates libopus encodes as they are; any other rate is resampled to the next one up.
OPUS_INPUT_RATES = (8000, 12000, 16000, 24000, 48000)

__all__ = [
    "OPUS_FRAME_SAMPLES",
    "OPUS_INPUT_RATES",
    "OPUS_RATE",
    "OPUS_SILENCE",
    "OpusPacketEncoder",
    "decode_opus_packets",
    "encoder_rate",
]

#: One 20 ms Opus frame of silence (what discord.py sends as keepalive / on underrun).
OPUS_SILENCE = b"\xf8\xff\xfe"

#: A voice channel's clock: 20 ms is 960 samples at 48 kHz (the RTP timestamp step of every packet).
OPUS_FRAME_SAMPLES = 960


def encoder_rate(rate: int) -> int:
    """The rate libopus encodes input at ``rate`` with: that rate if libopus takes it, else the next one up
    (22050 → 24000, 44100 → 48000), so nothing of the input's band is lost; 48 kHz above that."""
    return next((r for r in OPUS_INPUT_RATES if r >= rate), OPUS_RATE)


_resampler_delays: dict[tuple[int, int], int] = {}


def _resampler_delay_in(rate: int, target: int) -> int:
    """How many input samples ``av.AudioResampler`` (mono ``rate`` → mono ``target``) holds back as filter delay.

    Measured once per pair of rates with a probe: feeding this many zeros first ("priming") makes every
    later chunk come out complete, so 20 ms in gives a full 20 ms frame out at once.
    """
    if rate == target:
        return 0
    cached = _resampler_delays.get((rate, target))
    if cached is not None:
        return cached
    probe = av.AudioResampler(format="s16", layout="mono", rate=target)
    n = max(rate // 10, 64)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, n), dtype=np.int16), format="s16", layout="mono")
    frame.sample_rate = rate
    with no_filter_threads():
        got = sum(f.samples for f in probe.resample(frame))
    delay_out = max(0, round(n * target / rate) - got)
    delay_in = math.ceil(delay_out * rate / target)
    _resampler_delays[(rate, target)] = delay_in
    return delay_in


class OpusPacketEncoder:
    """Mono PCM at any rate → raw 20 ms mono Opus packets for a Discord ``AudioSource`` whose ``is_opus()`` is
    True. Not Ogg pages: each item is one Opus packet.

    * libopus is opened by the first :meth:`feed` at that feed's rate if it takes it (8, 12, 16, 24, 48 kHz:
      no resampling), else at the next such rate up (:func:`encoder_rate`), with a resampler in front. A
      later feed at another rate is resampled to the encoder's rate (``av.AudioResampler``, stateful across
      feeds, primed with its filter delay in zeros so 20 ms in gives a full packet out at once).
    * The first :meth:`feed` first emits ``ceil(leading_silence_ms / 20)`` packets of real encoded
      silence (discord clips the first syllable otherwise), then the audio.
    * Low latency: a packet is returned as soon as 20 ms of audio is available; the rest waits in
      PyAV's frame queue (each chunk goes to libopus in one call, however many packets it makes).
    * :meth:`flush` pads the last partial frame with silence, drains libopus's lookahead and ends
      the stream; the encoder cannot be fed afterwards. Nothing fed → ``flush()`` returns ``[]``.

    libopus (``application=audio``, ``frame_duration=20``, ``bitrate`` b/s, mono) runs in-process, so
    discord.py needs no system libopus. Every packet is 20 ms (960 samples on the 48 kHz clock).
    """

    def __init__(self, *, leading_silence_ms: int = 200, bitrate: int = VOICE_BITRATE) -> None:
        """Check the settings; libopus is opened by the first :meth:`feed` (at its rate)."""
        if leading_silence_ms < 0:
            raise ValueError("leading_silence_ms must be >= 0")
        self.leading_silence_ms = leading_silence_ms
        self.bitrate = bitrate
        self._ctx: av.CodecContext | None = None
        self.rate: int | None = None  # libopus's input rate, set by the first feed
        self._time_base: Fraction | None = None
        self._pts = 0  # samples (at self.rate) handed to libopus
        self._resampler: av.AudioResampler | None = None
        self._new_graph = False
        self._in_rate: int | None = None
        self._remainder = b""
        self._started = False
        self._closed = False

    def _open(self, rate: int) -> None:
        ctx = av.CodecContext.create("libopus", "w")
        ctx.sample_rate = rate
        ctx.layout = "mono"
        ctx.format = "s16"
        ctx.bit_rate = self.bitrate
        ctx.time_base = Fraction(1, rate)
        ctx.options = {"frame_duration": "20", "application": "audio", "compression_level": str(VOICE_COMPLEXITY)}
        ctx.thread_count = 1
        with no_filter_threads():
            ctx.open()
        self._ctx = ctx
        self.rate = rate
        self._time_base = Fraction(1, rate)

    def _encode(self, frame: av.AudioFrame | None) -> list[bytes]:
        """Hand ``frame`` (mono s16 at :attr:`rate`, any length) to libopus; None drains it."""
        ctx = self._ctx
        assert ctx is not None
        if frame is None:
            return [bytes(p) for p in ctx.encode(None)]
        frame.pts = self._pts
        frame.time_base = self._time_base
        self._pts += frame.samples
        if self._pts == frame.samples:  # the first frame makes PyAV's frame-cutting graph
            with no_filter_threads():
                return [bytes(p) for p in ctx.encode(frame)]
        return [bytes(p) for p in ctx.encode(frame)]

    def _samples_frame(self, samples: np.ndarray, rate: int) -> av.AudioFrame:
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        return frame

    def _new_input_rate(self, rate: int) -> list[bytes]:
        """Switch to a new input rate: drain the old resampler, make (and prime) a new one if needed."""
        packets = self._drain_resampler()
        self._in_rate = rate
        self._remainder = b""
        if rate == self.rate:
            return packets
        assert self.rate is not None
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=self.rate)
        self._new_graph = True  # its filter graph is built on its first frame (see _resample)
        prime = _resampler_delay_in(rate, self.rate)
        if prime:
            self._resample(self._samples_frame(np.zeros(prime, dtype=np.int16), rate))  # all delay: no output
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
        packets: list[bytes] = []
        for frame in self._resample(None):
            packets.extend(self._encode(frame))
        self._resampler = None
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
            self._open(encoder_rate(sample_rate))
            assert self.rate is not None
            frames = math.ceil(self.leading_silence_ms / 20)
            if frames:
                silence = np.zeros(frames * (self.rate // 50), dtype=np.int16)
                packets.extend(self._encode(self._samples_frame(silence, self.rate)))
        if sample_rate != self._in_rate:
            packets.extend(self._new_input_rate(sample_rate))
        data = self._remainder + bytes(pcm) if self._remainder else pcm
        usable = len(data) - (len(data) % 2)
        self._remainder = bytes(data[usable:])
        if usable:
            frame = self._samples_frame(np.frombuffer(data, dtype="<i2", count=usable // 2), sample_rate)
            for out in (self._resample(frame) if self._resampler is not None else (frame,)):
                packets.extend(self._encode(out))
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
        packets.extend(self._encode(None))  # PyAV passes the partial frame on; libopus pads it, adds lookahead
        return packets


def decode_opus_packets(packets: Iterable[bytes]) -> bytes:
    """Raw Opus packets (what a Discord voice channel receives, mono or stereo) → interleaved 48 kHz stereo
    s16le PCM, as Discord's clients decode them.

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

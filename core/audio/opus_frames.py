"""An engine's Ogg/Opus answer as ready 20 ms Opus packets for a real-time voice connection, without
decoding and re-encoding.

A voice connection sends one Opus packet of 20 ms (48 kHz) every 20 ms, so the engine's own packets can go
out as they are when each holds exactly 20 ms: :class:`OggOpusFrames` reads chained Ogg/Opus streams (one per
piece of text) as their bytes arrive, drops each stream's ``OpusHead`` and ``OpusTags`` packets and returns the
audio packets as :class:`OpusFrames`. A packet of another length (10, 40, 60 ms …) cannot keep the 20 ms
clock: it is decoded (decoding costs a fraction of encoding) and returned as 48 kHz PCM for the caller to
encode. Mono packets are fine: every Opus decoder, a stereo one included, plays them.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np

from core.audio.decode import DECODE_FAILURES
from core.audio.notes import OPUS_RATE
from core.audio.ogg import BOS, OggPacketReader
from core.audio.opus_join import OpusHead, opus_packet_samples
from core.models import PCMChunk

__all__ = ["FRAME_SAMPLES", "OggOpusFrames", "OpusFrames"]

#: Samples (48 kHz) of one 20 ms frame.
FRAME_SAMPLES = OPUS_RATE // 50


@dataclass(frozen=True, slots=True)
class OpusFrames:
    """Opus packets of exactly 20 ms each (48 kHz), ready to send one per 20 ms."""

    packets: tuple[bytes, ...]

    @property
    def seconds(self) -> float:
        return len(self.packets) * 0.02


class OggOpusFrames:
    """Chained Ogg/Opus bytes, fed in any split → :class:`OpusFrames` and, for packets that are not 20 ms,
    :class:`~core.models.PCMChunk` (mono, 48 kHz). Raises :class:`core.audio.ogg.OggError` for bytes that are
    not Ogg/Opus. Not thread-safe."""

    def __init__(self) -> None:
        self._reader = OggPacketReader()
        self._head: OpusHead | None = None
        self._headers_left = 0  # header packets of the current stream still to skip
        self._decoder: av.CodecContext | None = None
        self.passed = 0  # packets passed through
        self.decoded = 0  # packets decoded to PCM

    def feed(self, data: bytes) -> list[OpusFrames | PCMChunk]:
        """Take the next bytes; return what they complete, in order."""
        out: list[OpusFrames | PCMChunk] = []
        ready: list[bytes] = []
        for page, packets in self._reader.feed(data):
            for packet in packets:
                if page.flags & BOS and self._headers_left == 0 and packet.startswith(b"OpusHead"):
                    self._head = OpusHead.parse(packet)
                    self._decoder = None
                    self._headers_left = 1  # OpusTags follows
                    continue
                if self._headers_left:
                    self._headers_left -= 1
                    continue
                if self._head is None:
                    OpusHead.parse(packet)  # raises: audio before any OpusHead
                if opus_packet_samples(packet) == FRAME_SAMPLES:
                    ready.append(packet)
                    self.passed += 1
                    continue
                if ready:
                    out.append(OpusFrames(tuple(ready)))
                    ready = []
                pcm = self._decode(packet)
                if pcm:
                    out.append(PCMChunk(pcm, OPUS_RATE))
        if ready:
            out.append(OpusFrames(tuple(ready)))
        return out

    def _decode(self, packet: bytes) -> bytes:
        assert self._head is not None
        if self._decoder is None:
            self._decoder = av.CodecContext.create("opus", "r")
            self._decoder.extradata = self._head.packet
        self.decoded += 1
        try:
            frames = self._decoder.decode(av.Packet(packet))
        except DECODE_FAILURES:
            return b""  # a damaged packet is skipped, as a player would
        pieces = []
        for frame in frames:
            samples = frame.to_ndarray()[0]
            if samples.dtype.kind == "f":
                samples = np.clip(samples * 32768.0, -32768, 32767)
            pieces.append(samples.astype("<i2").tobytes())
        return b"".join(pieces)

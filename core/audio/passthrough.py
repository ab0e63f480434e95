"""A voice note from a provider's Ogg/Opus: its streams joined as they arrive (no re-encoding), and the
waveform a chat app draws, from decoding the Opus (decoding costs a fraction of encoding)."""

from __future__ import annotations

import av
import numpy as np

from core.audio.decode import DECODE_FAILURES
from core.audio.notes import OPUS_RATE
from core.audio.opus_join import OggOpusJoiner, OpusHead
from core.audio.pcm import WaveformAccumulator
from core.models import EncodedAudio

__all__ = ["OpusNoteJoiner", "OpusWaveform"]

_FULL_SCALE = 32768.0


class OpusWaveform:
    """The waveform of an Opus stream (as :class:`core.audio.pcm.WaveformAccumulator` makes it from PCM),
    from its packets as they come: the decoder drops the head's pre-skip, :meth:`result` cuts the end
    at the samples the stream says are heard. Only the first channel is looked at."""

    def __init__(self, head: OpusHead) -> None:
        self._decoder = av.CodecContext.create("opus", "r")
        self._decoder.extradata = head.packet
        self._acc = WaveformAccumulator()
        self._held: np.ndarray | None = None  # the last decoded frame: the end may be trimmed from it
        self._counted = 0  # samples given to the accumulator

    def add(self, packets: list[bytes]) -> None:
        """Decode ``packets`` (a damaged one is skipped, as a player would)."""
        decoded = [self._held] if self._held is not None else []
        for packet in packets:
            try:
                frames = self._decoder.decode(av.Packet(packet))
            except DECODE_FAILURES:
                continue
            decoded.extend(_first_channel(frame) for frame in frames)
        if not decoded:
            return
        self._held = decoded.pop()
        if decoded:
            samples = np.concatenate(decoded)
            self._acc.add(_int16_scale(samples), OPUS_RATE)
            self._counted += samples.size

    def result(self, sample_count: int) -> bytes:
        """The waveform of the first ``sample_count`` samples after the pre-skip."""
        if self._held is not None:
            self._acc.add(_int16_scale(self._held[:max(0, sample_count - self._counted)]), OPUS_RATE)
            self._held = None
        return self._acc.result()


def _first_channel(frame: av.AudioFrame) -> np.ndarray:
    """The first channel's samples; for the decoder's float planes read in place (``to_ndarray`` copies
    every channel and costs as much again as the decoding)."""
    if frame.format.name == "fltp":
        return np.frombuffer(frame.planes[0], dtype=np.float32, count=frame.samples)
    return frame.to_ndarray()[0]


def _int16_scale(samples: np.ndarray) -> np.ndarray:
    """Decoded samples on the scale of int16 ones (the accumulator squares them; only its "digital silence"
    threshold needs the scale): float samples (±1.0) times 32768."""
    return samples * _FULL_SCALE if samples.dtype.kind == "f" else samples


class OpusNoteJoiner:
    """A voice note from Ogg/Opus streams, the counterpart of :class:`core.audio.StreamingNoteEncoder`
    for audio that is already Opus: :meth:`feed` takes the streams' bytes one stream after another, in
    any split; :meth:`finish` returns the :class:`EncodedAudio` (``ogg``): one Ogg/Opus stream (see
    :class:`core.audio.opus_join.OggOpusJoiner`), ``sample_count`` what a decoder returns at 48 kHz,
    ``duration`` that over 48 000, and the waveform.

    Both raise :class:`core.audio.ogg.OggError` for bytes that are not such streams. Not thread-safe.

    ``waveform=False``: no waveform (``b""``), and nothing is decoded at all: the waveform is the only reason
    to decode, and most of the cost of a passed-through note (a chat that draws its own needs none).
    """

    def __init__(self, *, waveform: bool = True) -> None:
        self._joiner = OggOpusJoiner()
        self._wants_waveform = waveform
        self._waveform: OpusWaveform | None = None
        self._result: EncodedAudio | None = None

    @property
    def started(self) -> bool:
        """Whether any bytes were fed."""
        return self._joiner.streams > 0

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the current stream, or the first bytes of the next one."""
        packets = self._joiner.feed(data)
        if packets and self._wants_waveform:
            if self._waveform is None:
                assert self._joiner.head is not None
                self._waveform = OpusWaveform(self._joiner.head)
            self._waveform.add(packets)

    def finish(self) -> EncodedAudio:
        """End the note and return it (calling it again returns the same result)."""
        if self._result is None:
            joined = self._joiner.finish()
            wave = self._waveform.result(joined.sample_count) if self._waveform is not None else b""
            self._result = EncodedAudio(data=joined.data, format="ogg", duration=joined.duration, waveform=wave,
                                        sample_count=joined.sample_count)
        return self._result

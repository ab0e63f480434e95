"""Speed for an engine that has none: the CosyVoice2 FastAPI server takes no speed, so its PCM is time-stretched
here (FFmpeg's ``atempo`` through PyAV: the pitch stays, the duration is divided by the speed)."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from core.audio.resample import no_filter_threads

__all__ = ["Tempo", "atempo_factors"]


def atempo_factors(speed: float) -> list[float]:
    """``speed`` as a chain of ``atempo`` factors, each within 0.5–2.0 (the range every FFmpeg accepts)."""
    factors: list[float] = []
    rest = float(speed)
    while rest > 2.0:
        factors.append(2.0)
        rest /= 2.0
    while rest < 0.5:
        factors.append(0.5)
        rest /= 0.5
    factors.append(rest)
    return factors


class Tempo:
    """Streams mono s16le PCM at ``rate`` through ``atempo``: :meth:`feed` returns what is ready, :meth:`flush`
    the rest. CPU work: call it from a worker thread, one thread at a time."""

    def __init__(self, rate: int, speed: float) -> None:
        self.rate = rate
        self._pts = 0
        with no_filter_threads():
            self._graph = av.filter.Graph()
            source = self._graph.add_abuffer(sample_rate=rate, format="s16", layout="mono",
                                             time_base=Fraction(1, rate))
            last = source
            for factor in atempo_factors(speed):
                node = self._graph.add("atempo", f"{factor:.6f}")
                last.link_to(node)
                last = node
            sink = self._graph.add("abuffersink")
            last.link_to(sink)
            self._graph.configure()
        self._done = False

    def feed(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype="<i2")
        if not samples.size:
            return b""
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self._pts
        frame.time_base = Fraction(1, self.rate)
        self._pts += samples.size
        self._graph.push(frame)
        return self._drain()

    def flush(self) -> bytes:
        if self._done:
            return b""
        self._done = True
        self._graph.push(None)
        return self._drain()

    def _drain(self) -> bytes:
        out = bytearray()
        while True:
            try:
                frame = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return bytes(out)
            out += frame.to_ndarray().astype("<i2", copy=False).tobytes()

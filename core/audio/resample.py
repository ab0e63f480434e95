"""Resampling decoded or fed audio to mono (or stereo) s16 at one rate, across format changes."""

from __future__ import annotations

import av

__all__ = ["MonoResampler"]


class MonoResampler:
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

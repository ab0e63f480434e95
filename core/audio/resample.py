"""Resampling decoded or fed audio to mono (or stereo) s16 at one rate, across format changes; and
:func:`no_filter_threads`, so the FFmpeg filter graphs we make start no idle worker threads."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import av

log = logging.getLogger(__name__)

__all__ = ["MonoResampler", "no_filter_threads"]


@contextmanager
def no_filter_threads() -> Iterator[None]:
    """Have every FFmpeg filter graph that gets its first filter inside this block start no worker thread.

    FFmpeg gives each filter graph a pool of worker threads, one per CPU the calling thread may run on,
    created with its first filter. The audio graphs here (format and rate conversion, and the one
    PyAV's audio encoders make to cut frames to the codec's frame size) never use them, yet each
    encoder or resampler would keep them idle for its whole life. PyAV sets the pool size only on
    graphs it lets us build, not on an encoder's, so the calling thread is pinned to one of its CPUs
    while the graph is made (FFmpeg then counts one CPU: no pool) and given its CPUs back after.
    A no-op where thread affinity cannot be read or set.
    """
    try:
        allowed = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(allowed)})
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        try:
            os.sched_setaffinity(0, allowed)
        except OSError:  # pragma: no cover - the mask it had a moment ago; else the process's
            log.warning("could not give a thread its CPUs back", exc_info=True)
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, os.sched_getaffinity(os.getpid()))


class MonoResampler:
    """``av.AudioResampler`` to mono s16 at a fixed rate that survives mid-stream format changes.

    PyAV's resampler is built for the first frame's format/layout/rate; when a later frame differs
    (an MP3 that switches rate, an AAC stream that switches layout) the old one is flushed and a new
    one is made. ``layout`` may be ``"mono"`` or ``"stereo"``. Frames already in the target format
    pass through untouched, without a resampler (after what an earlier format's left behind); a
    conversion graph starts no worker threads (:func:`no_filter_threads`).
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
        frame.pts = None  # we count samples ourselves; stale pts from demuxers only confuse swr
        if key == ("s16", self.layout, self.rate):  # already the target: nothing to convert
            out.extend(self.flush())
            out.append(frame)
            return out
        if key != self._key:
            out.extend(self.flush())
            self._resampler = av.AudioResampler(format="s16", layout=self.layout, rate=self.rate)
            self._key = key
            with no_filter_threads():  # the graph is built on the first frame
                out.extend(self._resampler.resample(frame))
            return out
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

"""Measuring and shaping mono s16le PCM: duration, loudness, silence, trimming, gain, and the waveform
(loudness points a chat client can draw) computed as the PCM streams past."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "WaveformAccumulator", "apply_gain", "as_samples", "is_silent", "pcm_duration", "rms_db", "trim_silence",
    "waveform",
]

_FULL_SCALE = 32768.0


def as_samples(pcm: bytes) -> np.ndarray:
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
    samples = as_samples(pcm)
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
    samples = as_samples(pcm)
    if samples.size == 0:
        return True
    window = max(1, int(sample_rate * 0.05))
    return bool(np.all(_window_db(samples, window) <= threshold_db))


def trim_silence(pcm: bytes, sample_rate: int, threshold_db: float = -40.0) -> bytes:
    """Cut leading and trailing silence: keep from the first to the last 10 ms window louder than
    ``threshold_db`` dBFS (RMS), on window boundaries. All-silent input gives ``b""``. The middle is
    never touched."""
    samples = as_samples(pcm)
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
    samples = as_samples(pcm).astype(np.float64)
    scaled = np.rint(samples * (10.0 ** (db / 20.0)))
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


class WaveformAccumulator:
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
    """The waveform of mono s16le ``pcm`` (what ``EncodedAudio.waveform`` holds).

    At most ``min(max_points, 256)`` bytes; each point is the RMS of ≥ 100 ms of audio (so a 3 s clip
    has 30 points, a clip shorter than 100 ms one point), scaled so the loudest point is 255.
    Digital silence gives all zeros; empty input gives ``b""``.
    """
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    acc = WaveformAccumulator()
    acc.add(as_samples(pcm), sample_rate)
    return acc.result(max_points)

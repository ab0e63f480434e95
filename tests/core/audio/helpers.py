"""Signals and in-memory audio files for the audio tests, made with PyAV (no fixtures from disk, no
ffmpeg executable)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    """A sine as int16."""
    t = np.arange(round(seconds * rate)) / rate
    return np.rint(np.sin(2 * np.pi * freq * t) * amp * 32767).astype(np.int16)


def speechish(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Harmonics with a syllable-rate envelope plus a little noise, as int16."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    signal = 0.25 * voice * envelope + 0.01 * rng.standard_normal(t.size)
    return np.clip(np.rint(signal * 32767), -32768, 32767).astype(np.int16)


def make_audio_file(container_fmt: str, codec: str, rate: int, samples: np.ndarray,
                    layout: str = "mono", **options: str) -> bytes:
    """Encode int16 mono ``samples`` (duplicated for stereo) into a container, in memory."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = layout
        if options:
            stream.options = options
        data = samples if layout == "mono" else np.repeat(samples, 2)
        step = 4096
        channels = 1 if layout == "mono" else 2
        for start in range(0, samples.size, step):
            chunk = data[start * channels:(start + step) * channels]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if samples.size == 0:
            out.start_encoding()  # headers only
    return buf.getvalue()


def dominant_freq(pcm: bytes, rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])

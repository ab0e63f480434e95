"""Audio samples made in-process for tests: speech-like signals and voice notes."""

from __future__ import annotations

import io
import math

import av
import numpy as np


def speech_like(seconds: float, rate: int = 24000, silence: float = 0.0) -> np.ndarray:
    """A voiced, amplitude-modulated signal with optional silence around it (int16 mono)."""
    t = np.arange(int(seconds * rate)) / rate
    voiced = sum(np.sin(2 * math.pi * f * t) / (i + 1) for i, f in enumerate((140, 280, 420, 900)))
    envelope = 0.5 + 0.5 * np.sin(2 * math.pi * 3 * t) ** 2
    signal = (voiced * envelope * 6000).astype(np.int16)
    pad = np.zeros(int(silence * rate), dtype=np.int16)
    return np.concatenate([pad, signal, pad])


def ogg_bytes(samples: np.ndarray, rate: int = 24000, *, frame_ms: int = 20, layout: str = "mono") -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48000, options={"frame_duration": str(frame_ms)})
        stream.layout = layout
        resampler = av.AudioResampler(format="s16", layout=layout, rate=48000)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for out in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()

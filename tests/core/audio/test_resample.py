"""MonoResampler (core/audio/resample.py): any frame to s16 at one rate, across mid-stream format changes."""

from __future__ import annotations

import av
import numpy as np

from core.audio.resample import MonoResampler
from tests.core.audio.helpers import dominant_freq, tone


def frame(samples: np.ndarray, rate: int, layout: str = "mono", fmt: str = "s16") -> av.AudioFrame:
    if fmt == "fltp":
        data = np.tile(samples.astype(np.float32) / 32768, (2 if layout == "stereo" else 1, 1))
    elif layout == "stereo":
        data = np.repeat(samples, 2).reshape(1, -1)
    else:
        data = samples.reshape(1, -1)
    out = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
    out.sample_rate = rate
    out.pts = 12345  # a demuxer's stale pts: ignored
    return out


def pcm(frames: list[av.AudioFrame]) -> np.ndarray:
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]) if frames else np.zeros(0, np.int16)


def test_a_rate_change_mid_stream_keeps_every_second_and_the_pitch() -> None:
    r = MonoResampler(24000)
    out = []
    for rate, layout, fmt in ((48000, "stereo", "s16"), (16000, "mono", "s16"), (44100, "stereo", "fltp")):
        produced = r.resample(frame(tone(0.5, rate, 440.0), rate, layout, fmt))
        assert all(f.format.name == "s16" and f.layout.name == "mono" and f.sample_rate == 24000 for f in produced)
        out += produced
    out += r.flush()
    samples = pcm(out)
    assert abs(len(samples) - 36000) <= 200  # 1.5 s at 24 kHz: nothing lost at the two switches
    assert abs(dominant_freq(samples.tobytes(), 24000) - 440.0) < 5


def test_stereo_out_and_flush() -> None:
    r = MonoResampler(48000, layout="stereo")
    produced = r.resample(frame(tone(0.2, 24000), 24000))
    produced += r.flush()
    assert {f.layout.name for f in produced} == {"stereo"} and abs(sum(f.samples for f in produced) - 9600) <= 100
    assert r.flush() == []  # nothing left, and a flush without a resampler is empty
    assert MonoResampler(16000).flush() == []


def test_the_same_format_reuses_the_resampler() -> None:
    r = MonoResampler(16000)
    r.resample(frame(tone(0.1, 16000), 16000))
    first = r._resampler
    r.resample(frame(tone(0.1, 16000), 16000))
    assert r._resampler is first
    r.resample(frame(tone(0.1, 8000), 8000))
    assert r._resampler is not first

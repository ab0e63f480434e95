"""core.audio.resample: the shared mono resampler (any frame to s16 at one rate, across mid-stream format
changes), and filter graphs without worker threads."""

from __future__ import annotations

import os

import av
import numpy as np
import pytest

from core.audio.resample import MonoResampler, no_filter_threads
from tests.core.audio.helpers import dominant_freq, tone

needs_affinity = pytest.mark.skipif(
    not os.path.exists("/proc/self/status") or not hasattr(os, "sched_setaffinity"),
    reason="counts threads with /proc and relies on thread affinity")


def _threads() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


def _frame(samples: np.ndarray, rate: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    return frame


@needs_affinity
def test_no_filter_threads_gives_the_cpus_back() -> None:
    allowed = os.sched_getaffinity(0)
    with no_filter_threads():
        assert len(os.sched_getaffinity(0)) == 1
    assert os.sched_getaffinity(0) == allowed
    with pytest.raises(RuntimeError), no_filter_threads():
        raise RuntimeError("boom")
    assert os.sched_getaffinity(0) == allowed


@needs_affinity
def test_resamplers_start_no_threads() -> None:
    before = _threads()
    resamplers = [MonoResampler(48000) for _ in range(4)]
    frames = [out for r in resamplers for out in r.resample(_frame(tone(0.1, 22050), 22050))]
    assert frames and _threads() == before


def test_same_rate_passes_through_and_a_new_rate_is_resampled() -> None:
    resampler = MonoResampler(24000)
    samples = tone(0.1, 24000)
    out = resampler.resample(_frame(samples, 24000))
    assert len(out) == 1 and np.array_equal(out[0].to_ndarray().reshape(-1), samples)
    out = resampler.resample(_frame(tone(0.1, 16000), 16000)) + resampler.flush()
    assert abs(sum(f.samples for f in out) - 2400) <= 2
    assert all(f.sample_rate == 24000 for f in out)


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


def test_frames_in_the_target_format_need_no_resampler_and_follow_an_earlier_rates_tail() -> None:
    r = MonoResampler(24000)
    r.resample(frame(tone(0.1, 8000), 8000))
    converting = r._resampler
    r.resample(frame(tone(0.1, 8000), 8000))
    assert converting is not None and r._resampler is converting  # a converting resampler is reused
    same = frame(tone(0.1, 24000), 24000)
    out = r.resample(same)
    assert out[-1] is same and r._resampler is None  # passed through as it is, nothing built for it
    assert all(f.sample_rate == 24000 for f in out) and sum(f.samples for f in out[:-1]) > 0  # the 8 kHz tail first

"""core.audio.pcm: loudness, silence, trimming, gain and the waveform."""

from __future__ import annotations

import numpy as np
import pytest

from core import audio
from tests.core.audio.helpers import tone

# --- PCM helpers -----------------------------------------------------------------------------


def test_waveform_function() -> None:
    rate = 16000
    assert audio.waveform(b"", rate) == b""
    assert audio.waveform(bytes(rate), rate) == bytes(5)  # 0.5 s of silence: 5 points of 100 ms
    loud_then_quiet = np.concatenate([tone(1.0, rate, amp=0.8), tone(1.0, rate, amp=0.1)])
    points = audio.waveform(loud_then_quiet.tobytes(), rate)
    assert len(points) == 20
    assert points[0] == 255 and points[-1] < 60
    assert len(audio.waveform(tone(0.05, rate).tobytes(), rate)) == 1
    long = audio.waveform(tone(60.0, 8000).tobytes(), 8000)
    assert len(long) == 256 and set(long) <= set(range(256))
    assert len(audio.waveform(tone(60.0, 8000).tobytes(), 8000, max_points=100)) == 100


def test_rms_db_is_silent_and_gain() -> None:
    rate = 16000
    full_sine = tone(1.0, rate, amp=1.0).tobytes()
    assert audio.rms_db(full_sine) == pytest.approx(-3.01, abs=0.05)
    assert audio.rms_db(b"") == float("-inf")
    assert audio.rms_db(bytes(100)) == float("-inf")
    assert audio.is_silent(bytes(rate * 2), rate)
    assert audio.is_silent(b"", rate)
    quiet_word = np.zeros(rate * 2, np.int16)
    quiet_word[rate:rate + 1600] = tone(0.1, rate, amp=0.2)
    assert not audio.is_silent(quiet_word.tobytes(), rate)  # a short word in a long pause is sound
    half = tone(1.0, rate, amp=0.25).tobytes()
    louder = audio.apply_gain(half, 6.0206)
    assert audio.rms_db(louder) - audio.rms_db(half) == pytest.approx(6.02, abs=0.05)
    clipped = np.frombuffer(audio.apply_gain(full_sine, 20), dtype="<i2")
    assert clipped.max() == 32767 and clipped.min() == -32768
    assert audio.apply_gain(half, 0) == half


def test_trim_silence_and_duration() -> None:
    rate = 16000
    body = tone(0.5, rate, amp=0.3)
    padded = np.concatenate([np.zeros(rate, np.int16), body, np.zeros(rate // 2, np.int16)])
    trimmed = audio.trim_silence(padded.tobytes(), rate)
    assert audio.pcm_duration(trimmed, rate) == pytest.approx(0.5, abs=0.02)
    assert audio.trim_silence(bytes(rate * 2), rate) == b""
    assert audio.pcm_duration(b"\0" * 48001, 24000) == pytest.approx(1.0)
    assert audio.pcm_duration(b"\0\0", 0) == 0.0

"""bots.discord.opus: raw 20 ms Opus packets for a voice channel, and back."""

from __future__ import annotations

import av
import numpy as np
import pytest

from bots.discord import opus
from core import audio
from tests.core.audio.helpers import dominant_freq, tone


def decode_opus_packets(packets: list[bytes]) -> list[np.ndarray]:
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = 48000
    decoder.layout = "stereo"
    frames = []
    for data in packets:
        for frame in decoder.decode(av.Packet(data)):
            assert frame.layout.nb_channels == 2
            assert frame.sample_rate == 48000
            frames.append(frame.to_ndarray())
    return frames


def test_decode_opus_packets_gives_back_what_the_packet_encoder_took() -> None:
    tone = (np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000) * 12000).astype("<i2").tobytes()
    encoder = opus.OpusPacketEncoder(leading_silence_ms=200)
    packets = encoder.feed(tone, 48000) + encoder.flush()
    pcm = opus.decode_opus_packets(packets)
    frame = 48 * 2 * 2  # bytes of 1 ms, stereo s16
    assert len(pcm) == len(packets) * 20 * frame
    assert audio.is_silent(pcm[:180 * frame], 96000)
    assert not audio.is_silent(pcm[200 * frame:], 96000)
    assert audio.rms_db(pcm[300 * frame:900 * frame]) > -20


def test_opus_packets_leading_silence_and_frames() -> None:
    rate = 24000
    samples = tone(1.0, rate, 300, amp=0.5)
    encoder = opus.OpusPacketEncoder(leading_silence_ms=200)
    packets: list[bytes] = []
    for start in range(0, samples.size, 1031):
        packets += encoder.feed(samples[start:start + 1031].tobytes(), rate)
    packets += encoder.flush()
    assert encoder.flush() == []
    frames = decode_opus_packets(packets)
    assert len(frames) == len(packets)
    assert all(f.shape == (1, 960 * 2) for f in frames)  # packed stereo, 960 samples per channel
    # The first 10 packets are silence; the tone starts right after.
    assert all(np.abs(f).max() < 50 for f in frames[:10])
    assert np.abs(frames[11]).max() > 5000
    total = len(frames) * 960 / 48000
    assert 1.0 + 0.2 <= total <= 1.0 + 0.2 + 0.06
    with pytest.raises(RuntimeError):
        encoder.feed(b"\0\0", rate)


@pytest.mark.parametrize("rate", [24000, 22050, 16000, 44100, 48000])
def test_opus_packets_any_rate_and_first_packet_after_20ms(rate: int) -> None:
    encoder = opus.OpusPacketEncoder(leading_silence_ms=0)
    samples = tone(0.5, rate, 400, amp=0.5)
    first_20ms = int(rate * 0.02)
    first = encoder.feed(samples[:first_20ms].tobytes(), rate)
    assert len(first) == 1  # low latency: no waiting for a bigger buffer
    rest = []
    data = samples[first_20ms:].tobytes()
    for start in range(0, len(data), 777):  # odd byte counts: samples split across feeds
        rest += encoder.feed(data[start:start + 777], rate)
    packets = first + rest + encoder.flush()
    frames = decode_opus_packets(packets)
    assert all(f.shape == (1, 1920) for f in frames)
    total = len(frames) * 960 / 48000
    assert 0.5 <= total <= 0.5 + 0.06
    pcm = np.concatenate([f.reshape(-1, 2)[:, 0] for f in frames]).astype(np.int16).tobytes()
    assert dominant_freq(pcm, 48000) == pytest.approx(400, abs=5)


def test_opus_packets_nothing_fed() -> None:
    assert opus.OpusPacketEncoder().flush() == []


def test_opus_silence_constant() -> None:
    assert opus.OPUS_SILENCE == b"\xf8\xff\xfe"
    assert decode_opus_packets([opus.OPUS_SILENCE])[0].shape == (1, 1920)

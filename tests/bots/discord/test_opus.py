"""bots.discord.opus: raw 20 ms Opus packets for a voice channel, and back."""

from __future__ import annotations

import math

import av
import numpy as np
import pytest

from bots.discord import opus
from core import audio
from core.audio.opus_join import opus_packet_samples
from tests.core.audio.helpers import dominant_freq, speechish, tone


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


# --- mono packets at the input's own rate -------------------------------------------------------------


def _stereo_flag(packet: bytes) -> bool:
    return bool(packet[0] & 0x04)  # the TOC byte's "s" bit (RFC 6716 section 3.1)


def _at_48k(samples: np.ndarray, rate: int) -> np.ndarray:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    frames = resampler.resample(frame) + resampler.resample(None)
    return np.concatenate([f.to_ndarray().ravel() for f in frames]).astype(np.float64)


@pytest.mark.parametrize(("rate", "encoder_rate"), [(24000, 24000), (22050, 24000), (16000, 16000),
                                                    (48000, 48000), (44100, 48000), (8000, 8000)])
def test_mono_packets_at_the_input_rate_decode_back_to_the_input(rate: int, encoder_rate: int) -> None:
    samples = speechish(1.0, rate)
    encoder = opus.OpusPacketEncoder(leading_silence_ms=200)
    step = int(rate * 0.043)  # a provider's 43 ms chunks
    packets: list[bytes] = []
    for start in range(0, samples.size, step):
        packets += encoder.feed(samples[start:start + step].tobytes(), rate)
    packets += encoder.flush()
    assert encoder.rate == opus.encoder_rate(rate) == encoder_rate  # no resampler for 8/12/16/24/48 kHz
    assert not any(_stereo_flag(p) for p in packets)  # mono, the lead-in too
    assert all(opus_packet_samples(p) == 960 for p in packets)  # every packet 20 ms on the 48 kHz clock
    # Duration exact: the lead-in, then the input plus libopus's 6.5 ms lookahead in whole 20 ms packets.
    fed = round(samples.size * encoder_rate / rate)
    assert len(packets) == 10 + math.ceil((fed + encoder_rate * 13 // 2000) / (encoder_rate // 50))
    decoded = np.frombuffer(opus.decode_opus_packets(packets), dtype="<i2").reshape(-1, 2)
    assert decoded.shape[0] == len(packets) * 960  # decoded as Discord's clients do: 48 kHz stereo
    assert np.array_equal(decoded[:, 0], decoded[:, 1])  # the one channel on both sides
    out = decoded[:, 0].astype(np.float64)
    assert np.abs(out[:190 * 48]).max() < 50  # the 200 ms lead-in is silent
    ref = _at_48k(samples, rate)
    lead = 200 * 48
    lag = max(range(lead, lead + 700), key=lambda k: float(np.dot(ref, out[k:k + ref.size])))
    assert lead + 312 <= lag <= lead + 360  # speech right after the lead-in (libopus lookahead, resampler)
    got = out[lag:lag + ref.size]
    snr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - got) ** 2))
    assert snr > 15


def test_mono_packets_across_rate_changes() -> None:
    encoder = opus.OpusPacketEncoder(leading_silence_ms=0)
    parts = [(24000, 300), (16000, 600), (48000, 1000)]
    packets: list[bytes] = []
    for rate, freq in parts:
        data = tone(0.5, rate, freq, amp=0.5).tobytes()
        for start in range(0, len(data), 1001):  # odd byte counts across feeds and rates
            packets += encoder.feed(data[start:start + 1001], rate)
    packets += encoder.flush()
    assert encoder.rate == 24000  # the first rate's; later ones are resampled to it
    assert not any(_stereo_flag(p) for p in packets)
    assert 75 <= len(packets) <= 77  # 1.5 s, plus the lookahead and the resamplers' delay
    left = np.frombuffer(opus.decode_opus_packets(packets), dtype="<i2").reshape(-1, 2)[:, 0]
    for index, (_, freq) in enumerate(parts):
        middle = left[index * 24000 + 4800:(index + 1) * 24000 - 4800].tobytes()
        assert dominant_freq(middle, 48000) == pytest.approx(freq, abs=8)


def test_encoded_silence_is_mono_and_not_the_underrun_frame() -> None:
    from bots.discord.voice_channel.player import encoded_silence

    lead = encoded_silence(10)
    assert len(lead) == 10 and not any(_stereo_flag(p) for p in lead)
    assert all(p != opus.OPUS_SILENCE and len(p) <= 8 for p in lead)  # benches and tests tell them apart
    assert audio.is_silent(opus.decode_opus_packets(lead), 96000)

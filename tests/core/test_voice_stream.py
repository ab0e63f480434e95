"""core.voice_stream: a voice channel's audio is the engine's own 20 ms Opus packets when it answers in Ogg/Opus,
PCM otherwise (offline engine, an answer that is not Ogg/Opus)."""

from __future__ import annotations

from core.audio.opus_frames import OpusFrames
from core.models import PCMChunk
from tests.core.people import ALICE, speech_calls


async def test_the_providers_opus_comes_through_as_20_ms_packets(sf_app, fake_siliconflow):
    async with sf_app.service.session(ALICE, "Spoken in a voice channel, twice as fast.") as utt:
        pieces = [piece async for piece in sf_app.service.stream_voice(utt)]
    assert pieces and all(isinstance(p, OpusFrames) for p in pieces)
    calls = speech_calls(fake_siliconflow)
    assert [(c["response_format"], c["sample_rate"]) for c in calls] == [("opus", 48000)] * len(calls)
    seconds = sum(p.seconds for p in pieces)
    spoken = sum(fake_siliconflow.expected_samples(c["input"], 48000, 1.0) for c in calls) / 48000
    assert spoken <= seconds <= spoken + 0.1 * len(calls)
    usage = await sf_app.service.usage(ALICE)
    assert usage.total_bytes == sum(len(c["input"].encode()) for c in calls)


async def test_an_answer_that_is_not_ogg_opus_is_spoken_from_pcm(sf_app, fake_siliconflow, monkeypatch):
    async def broken(request, *, api_key=None):
        yield b"OggS" + bytes(60)

    monkeypatch.setattr(sf_app.service.remote, "synthesize_opus", broken)
    async with sf_app.service.session(ALICE, "Hello there.") as utt:
        pieces = [piece async for piece in sf_app.service.stream_voice(utt)]
    assert pieces and all(isinstance(p, PCMChunk) for p in pieces)
    assert sum(len(p.data) // 2 / p.sample_rate for p in pieces) > 0.3


async def test_the_offline_engine_streams_pcm(local_app):
    async with local_app.service.session(ALICE, "Offline speech.") as utt:
        pieces = [piece async for piece in local_app.service.stream_voice(utt)]
    assert pieces and all(isinstance(p, PCMChunk) for p in pieces)

"""core.providers.local.LocalProvider: real espeak-ng from the espeakng-loader wheel, via ctypes."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from core.errors import CloningUnsupported, EmptyText, InvalidValue, OutOfRange, ProviderUnavailable, UnknownVoice
from core.models import PCMChunk, SynthesisRequest
from core.providers import local as local_mod
from core.providers.base import TTSProvider
from core.providers.local import LocalProvider

SR = 22050
LONG_EN = "This is a fairly long sentence that the offline engine reads aloud for the test. " * 3


@pytest.fixture
async def provider():
    p = LocalProvider()
    yield p
    await p.aclose()


async def collect(p: LocalProvider, text: str, voice: str = "anna", **kw) -> list[PCMChunk]:
    return [c async for c in p.synthesize(SynthesisRequest(text=text, voice=voice, **kw))]


def pcm_of(chunks: list[PCMChunk]) -> np.ndarray:
    return np.frombuffer(b"".join(c.data for c in chunks), dtype="<i2")


def duration(chunks: list[PCMChunk]) -> float:
    return sum(c.duration for c in chunks)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def median_pitch(x: np.ndarray, sr: int = SR) -> float:
    """Autocorrelation pitch over loud frames; crude but plenty to tell m from f."""
    x = x.astype(np.float64)
    frame, found = 1024, []
    for i in range(0, len(x) - frame, frame // 2):
        w = x[i:i + frame]
        if rms(w) < 500:
            continue
        w = w - w.mean()
        ac = np.correlate(w, w, "full")[frame - 1:]
        lo, hi = sr // 400, sr // 60
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.3 * ac[0]:
            found.append(sr / lag)
    return float(np.median(found))


def test_implements_the_protocol():
    p = LocalProvider()
    assert isinstance(p, TTSProvider)
    assert (p.name, p.model, p.supports_cloning) == ("local", "espeak-ng", False)


@pytest.mark.parametrize("language, text", [
    ("en", "Hello world, this is the offline voice."),
    ("zh", "你好，世界。今天天气很好。"),
    ("ja", "こんにちは、せかい。きょうは いい てんき です。"),
    ("ko", "안녕하세요, 세계. 오늘 날씨가 좋네요."),
    ("yue", "你好，今日天氣好好。"),
    ("auto", "你好，世界。"),
])
async def test_languages_produce_speech(provider, language, text):
    chunks = await collect(provider, text, language=language)
    assert chunks and all(isinstance(c, PCMChunk) for c in chunks)
    assert all(c.sample_rate == SR for c in chunks)
    assert all(len(c.data) % 2 == 0 and c.data for c in chunks)
    assert duration(chunks) > 0.3
    assert rms(pcm_of(chunks)) > 100  # not silence


async def test_japanese_with_kanji_is_not_spelled_out(provider):
    # Without plan_segments espeak says "Chinese letter" for every kanji (~9 s for this line).
    chunks = await collect(provider, "今日は良い天気です。", language="ja")
    assert 0.5 < duration(chunks) < 4.0


def test_available_languages(provider):
    assert provider.available_languages() == ["zh", "en", "ja", "ko", "yue"]


async def test_streams_several_chunks_of_bounded_size(provider):
    chunks = await collect(provider, LONG_EN, voice="alex", language="en")
    assert len(chunks) > 10
    assert all(c.duration <= 0.1 + 1e-9 for c in chunks)
    assert all(c.duration >= 0.04 - 1e-9 for c in chunks[:-1])  # tiny callback buffers coalesced


async def test_first_chunk_arrives_while_espeak_is_still_speaking(provider):
    agen = provider.synthesize(SynthesisRequest(text=LONG_EN * 15, voice="alex", language="en"))
    first = await agen.__anext__()
    assert first.data
    still_running = local_mod._ENGINE.lock.locked()
    rest = [c async for c in agen]
    assert still_running, "the whole text was synthesized before the first chunk was delivered"
    assert len(rest) > 100


async def test_speed_changes_duration(provider):
    fast = duration(await collect(provider, LONG_EN, voice="alex", language="en", speed=2.0))
    slow = duration(await collect(provider, LONG_EN, voice="alex", language="en", speed=0.5))
    assert fast * 2.5 < slow


async def test_gain_lowers_rms(provider):
    loud = rms(pcm_of(await collect(provider, LONG_EN, voice="anna", language="en", gain=0.0)))
    quiet = rms(pcm_of(await collect(provider, LONG_EN, voice="anna", language="en", gain=-10.0)))
    assert quiet < loud * 0.5  # -10 dB is ×0.316


async def test_positive_gain_clips_to_int16(provider):
    x = pcm_of(await collect(provider, LONG_EN, voice="anna", language="en", gain=10.0))
    assert x.max() <= 32767 and x.min() >= -32768
    assert rms(x) > 0


async def test_female_and_male_presets_differ(provider):
    text = "The quick brown fox jumps over the lazy dog."
    male = pcm_of(await collect(provider, text, voice="alex", language="en"))
    female = pcm_of(await collect(provider, text, voice="anna", language="en"))
    assert male.tobytes() != female.tobytes()
    assert median_pitch(female) > 1.4 * median_pitch(male)


async def test_clone_and_transcribe_unsupported(provider):
    with pytest.raises(CloningUnsupported):
        await provider.clone(b"RIFF", "a.wav", "me", "hello")
    with pytest.raises(CloningUnsupported):
        await provider.transcribe(b"RIFF", "a.wav")
    assert await provider.list_voices() == []
    assert await provider.delete_voice("speech:whatever") is None


async def test_bad_requests(provider):
    with pytest.raises(CloningUnsupported):
        await collect(provider, "hello", voice="speech:my-voice:abc:xyz")
    with pytest.raises(UnknownVoice) as info:
        await collect(provider, "hello", voice="nobody")
    assert info.value.params["name"] == "nobody"
    with pytest.raises(InvalidValue):
        await collect(provider, "hello", language="fr")
    with pytest.raises(OutOfRange):
        await collect(provider, "hello", speed=9.0)
    with pytest.raises(OutOfRange):
        await collect(provider, "hello", gain=-30.0)
    with pytest.raises(EmptyText):
        await collect(provider, "  <|endofprompt|> ")
    # still healthy afterwards
    assert duration(await collect(provider, "hello", language="en")) > 0.2


async def test_instruction_is_ignored(provider):
    chunks = await collect(provider, "hello there", language="en", instruction="用开心的语气说")
    assert duration(chunks) > 0.3


async def test_event_loop_stays_responsive(provider):
    ticks = 0
    chunks_seen = 0
    ticks_between_chunks = 0
    done = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    try:
        async for _ in provider.synthesize(SynthesisRequest(text=LONG_EN * 15, voice="bella", language="en")):
            chunks_seen += 1
            if chunks_seen == 1:
                start_ticks = ticks
        ticks_between_chunks = ticks - start_ticks
    finally:
        done.set()
        await task
    assert chunks_seen > 100
    assert ticks_between_chunks >= 3, ticks_between_chunks


async def test_concurrent_calls_are_serialized(provider, monkeypatch):
    other = LocalProvider()  # two providers share the one engine
    provider.health_check()  # make sure the library is loaded before patching it
    lib = local_mod._ENGINE.lib
    original = lib.espeak_Synth
    active = 0
    peak = 0
    guard = threading.Lock()

    def counting(*args):
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        try:
            return original(*args)
        finally:
            with guard:
                active -= 1

    monkeypatch.setattr(lib, "espeak_Synth", counting)
    jobs = [
        collect(provider, LONG_EN, voice="alex", language="en"),
        collect(other, "你好，世界。今天天气很好。", voice="anna", language="zh"),
        collect(provider, "안녕하세요, 세계.", voice="bella", language="ko"),
        collect(other, LONG_EN, voice="diana", language="en", speed=1.5),
        collect(provider, "你好，今日天氣好好。", voice="charles", language="yue"),
        collect(other, "こんにちは", voice="claire", language="ja"),
    ]
    try:
        results = await asyncio.wait_for(asyncio.gather(*jobs), 30)
    finally:
        await other.aclose()
    assert all(duration(r) > 0.3 for r in results)
    assert all(c.sample_rate == SR for r in results for c in r)
    assert peak == 1


async def test_early_aclose_does_not_block_later_calls(provider):
    reference = duration(await collect(provider, "Hello there, friend.", voice="alex", language="en"))
    for _ in range(3):
        agen = provider.synthesize(SynthesisRequest(text=LONG_EN * 15, voice="alex", language="en"))
        await agen.__anext__()
        await agen.aclose()
    # an iterator that is dropped after one chunk, without aclose
    agen = provider.synthesize(SynthesisRequest(text=LONG_EN * 15, voice="alex", language="en"))
    await agen.__anext__()
    del agen
    after = duration(await asyncio.wait_for(
        collect(provider, "Hello there, friend.", voice="alex", language="en"), 10))
    assert abs(after - reference) < 0.1 * reference  # fresh, complete speech, nothing left over


async def test_cancelled_consumer_stops_espeak_early(provider):
    fed = 0
    orig_feed = local_mod._StreamJob.feed

    def counting_feed(self, data):
        nonlocal fed
        fed += len(data)
        return orig_feed(self, data)

    import unittest.mock

    with unittest.mock.patch.object(local_mod._StreamJob, "feed", counting_feed):
        full = provider.synthesize(SynthesisRequest(text=LONG_EN * 15, voice="alex", language="en"))
        await full.__anext__()
        await full.aclose()
        await asyncio.wait_for(collect(provider, "ok", language="en"), 10)  # waits for the worker
    total_if_finished = 15 * duration(await collect(provider, LONG_EN, voice="alex", language="en"))
    assert fed / 2 / SR < total_if_finished / 4


async def test_aclose_ends_running_streams_and_refuses_new_ones():
    p = LocalProvider()
    agen = p.synthesize(SynthesisRequest(text=LONG_EN * 15, voice="alex", language="en"))
    await agen.__anext__()
    await p.aclose()
    with pytest.raises(ProviderUnavailable):
        async for _ in agen:
            pass
    with pytest.raises(ProviderUnavailable):
        await collect(p, "hello")
    await p.aclose()  # idempotent


def test_health_check():
    p = LocalProvider()
    try:
        samples = p.health_check()
        assert samples > SR * 0.2
    finally:
        asyncio.run(p.aclose())

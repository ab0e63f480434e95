"""core.rendering: voice notes and streams, the cache and the offline fallback."""

from __future__ import annotations

import pytest

from tests.core.people import ALICE, cache_files, decoded_seconds, speech_calls


async def test_offline_engine_speaks_a_real_voice_note(local_app):
    result = await local_app.service.speak(ALICE, "Hello there. 你好。")
    assert result.engine == "local"
    assert len(result.notes) == 1
    note = result.notes[0]
    assert note.audio.format == "ogg" and note.audio.data[:4] == b"OggS"
    assert note.audio.duration > 0.3
    assert decoded_seconds(note.audio.data) == pytest.approx(note.audio.duration, abs=0.03)
    assert 0 < len(note.audio.waveform) <= 256
    usage = await local_app.service.usage(ALICE)
    assert usage.total_bytes == 0  # the offline engine bills nothing


async def test_siliconflow_speech_request_and_usage(sf_app, fake_siliconflow):
    result = await sf_app.service.speak(ALICE, "春节快到了！")
    assert result.engine == "siliconflow"
    calls = speech_calls(fake_siliconflow)
    assert len(calls) == 1
    body = calls[0]
    assert body["voice"] == "FunAudioLLM/CosyVoice2-0.5B:anna"
    assert body["response_format"] == "pcm" and body["stream"] is True
    assert body["sample_rate"] == 24000
    assert body["input"] == "春节快到了！"
    usage = await sf_app.service.usage(ALICE)
    assert usage.total_bytes == len("春节快到了！".encode())
    assert usage.total_requests == 1
    assert usage.estimated_cost > 0


async def test_second_identical_request_comes_from_the_cache(sf_app, fake_siliconflow):
    first = await sf_app.service.speak(ALICE, "Cache me if you can.")
    second = await sf_app.service.speak(ALICE, "Cache me if you can.")
    assert len(speech_calls(fake_siliconflow)) == 1
    assert second.notes[0].cached and not first.notes[0].cached
    assert second.notes[0].audio.data == first.notes[0].audio.data
    assert second.notes[0].audio.duration == pytest.approx(first.notes[0].audio.duration, abs=0.03)


async def test_long_text_becomes_several_notes_in_order(local_app):
    sentences = [f"This is sentence number {i} of a rather long message." for i in range(30)]
    result = await local_app.service.speak(ALICE, " ".join(sentences))
    assert len(result.notes) > 1
    assert [n.index for n in result.notes] == list(range(len(result.notes)))
    assert all(n.total == len(result.notes) for n in result.notes)
    assert "sentence number 0 " in result.notes[0].text
    assert "number 29" in result.notes[-1].text
    # the first note is short, so it arrives sooner; the others are full
    assert len(result.notes[0].text) <= 300 < len(result.notes[1].text) <= 800
    medium = await local_app.service.prepare(ALICE, " ".join(sentences[:13]))  # ~700 characters: one note
    assert len(medium.notes) == 1
    local_app.service.release(medium)


async def test_preset_falls_back_to_offline_engine_when_provider_is_down(sf_app, fake_siliconflow):
    fake_siliconflow.fail(status=503, times=10)
    result = await sf_app.service.speak(ALICE, "Still speaking.")
    assert result.engine == "local"
    assert "notice_fallback" in result.notices
    assert result.notes[0].audio.duration > 0.2
    assert (await sf_app.service.usage(ALICE)).total_bytes == 0


async def test_implausibly_short_audio_is_served_but_never_cached(local_app, monkeypatch):
    from core.models import PCMChunk

    svc = local_app.service

    async def a_click(request, api_key=None):
        yield PCMChunk(data=b"\x10\x00" * 240, sample_rate=24000)  # 10 ms for a whole sentence

    monkeypatch.setattr(svc.local, "synthesize", a_click)
    text = "This sentence takes a good two seconds to say aloud."
    first = await svc.speak(ALICE, text)
    assert first.notes and first.notes[0].audio.duration < 0.1
    second = await svc.speak(ALICE, text)
    assert not second.notes[0].cached
    assert cache_files(svc) == set()

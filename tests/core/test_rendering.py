"""core.rendering: voice notes and streams, the cache and the offline fallback."""

from __future__ import annotations

import io

import av
import pytest

from core import audio
from core.errors import ProviderNotAudio, ProviderUnavailable
from tests.app_fixtures import USER_KEY
from tests.core.audio.test_ogg import assert_one_valid_opus_stream
from tests.core.people import ALICE, cache_files, decoded_seconds, speech_calls
from tests.samples import ogg_bytes, speech_like


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
    # MP3 is encoded here from PCM; an Ogg note takes the provider's Opus (test_an_ogg_note_passes_the_providers_opus_through)
    result = await sf_app.service.speak(ALICE, "春节快到了！", fmt="mp3")
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


# --- Ogg/Opus notes carry the provider's Opus (never decoded into PCM nor encoded again) ------------------------

#: Three provider requests: the first piece is at most 80 characters, the others at most 200.
PIECES_TEXT = ("The first sentence is short. "
               + "The second sentence is rather longer, so that it lands in a piece of its own after the first one, "
               + "and it goes on a little. "
               + "And a third sentence follows it, long enough to need one more request to the provider as well, "
               + "for the same reason.")


def decoded_samples(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(f.samples for f in container.decode(audio=0))


async def test_an_ogg_note_passes_the_providers_opus_through(sf_app, fake_siliconflow):
    result = await sf_app.service.speak(ALICE, PIECES_TEXT)
    assert result.engine == "siliconflow" and len(result.notes) == 1
    calls = speech_calls(fake_siliconflow)
    assert len(calls) == 3
    assert all(c["response_format"] == "opus" and c["sample_rate"] == 48000 and c["stream"] is True for c in calls)
    assert "".join(c["input"] for c in calls).replace(" ", "") == PIECES_TEXT.replace(" ", "")
    note = result.notes[0].audio
    assert_one_valid_opus_stream(note.data)
    assert decoded_samples(note.data) == note.sample_count and note.duration == note.sample_count / 48000
    # the pieces as the provider spoke them, plus what joins cannot trim (later pre-skips, earlier end padding)
    spoken = sum(fake_siliconflow.expected_samples(c["input"], 48000, 1.0) for c in calls)
    assert spoken < note.sample_count < spoken + 2 * (312 + 960)
    assert 0 < len(note.waveform) <= 256
    usage = await sf_app.service.usage(ALICE)
    assert usage.total_bytes == sum(len(c["input"].encode()) for c in calls) and usage.total_requests == 3

    again = await sf_app.service.speak(ALICE, PIECES_TEXT)
    assert len(speech_calls(fake_siliconflow)) == 3
    cached = again.notes[0]
    assert cached.cached and cached.audio.data == note.data
    assert (cached.audio.duration, cached.audio.sample_count, cached.audio.waveform) == (
        note.duration, note.sample_count, note.waveform)


async def test_a_note_wanted_without_a_waveform_is_passed_through_undecoded_and_a_later_hit_gets_one(
        sf_app, fake_siliconflow, monkeypatch):
    """Telegram draws its own waveform: its notes are rendered with ``waveform=False``, and then the engine's
    Opus is never decoded (no Opus decoder is even made). A caller that wants a waveform (a Discord voice
    message) served the same note from the cache gets the one a decoder computes."""
    from core.audio import passthrough

    class NoDecoding(passthrough.OpusWaveform):
        def __init__(self, *args, **kwargs):
            raise AssertionError("the Opus was decoded for a waveform nobody wanted")

    with monkeypatch.context() as patch:
        patch.setattr(passthrough, "OpusWaveform", NoDecoding)
        async with sf_app.service.session(ALICE, PIECES_TEXT) as utt:
            notes = [n async for n in sf_app.service.render_notes(utt, waveform=False)]
    note = notes[0].audio
    assert note.waveform == b"" and note.sample_count > 0
    assert_one_valid_opus_stream(note.data)
    assert {c["response_format"] for c in speech_calls(fake_siliconflow)} == {"opus"}

    async with sf_app.service.session(ALICE, PIECES_TEXT) as utt:
        again = [n async for n in sf_app.service.render_notes(utt)]
    assert again[0].cached and again[0].audio.data == note.data
    assert again[0].audio.waveform == (await audio.describe(note.data)).waveform
    assert 0 < len(again[0].audio.waveform) <= 256
    assert len(speech_calls(fake_siliconflow)) == 3  # served from the cache, not spoken again


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
async def test_mp3_and_wav_notes_are_encoded_from_pcm(sf_app, fake_siliconflow, fmt):
    result = await sf_app.service.speak(ALICE, PIECES_TEXT, fmt=fmt)
    assert result.notes[0].audio.format == fmt
    assert {(c["response_format"], c["sample_rate"]) for c in speech_calls(fake_siliconflow)} == {("pcm", 24000)}


async def test_voice_channels_keep_pcm(sf_app, fake_siliconflow):
    async with sf_app.service.session(ALICE, "Spoken in a voice channel.") as utt:
        chunks = [chunk async for chunk in sf_app.service.stream_pcm(utt)]
    assert chunks and all(c.sample_rate == 24000 for c in chunks)
    assert [c["response_format"] for c in speech_calls(fake_siliconflow)] == ["pcm"]


async def test_without_pass_through_ogg_notes_are_encoded_from_pcm(sf_app, fake_siliconflow):
    sf_app.service.cases.speech.renderer.opus_passthrough = False
    utt = await sf_app.service.prepare(ALICE, "Encoded here, as before.")
    notes = [note async for note in sf_app.service.render_notes(utt)]
    assert notes[0].audio.format == "ogg" and decoded_samples(notes[0].audio.data) == notes[0].audio.sample_count
    assert [c["response_format"] for c in speech_calls(fake_siliconflow)] == ["pcm"]


async def test_the_first_piece_failing_falls_back_to_offline_pcm(sf_app, fake_siliconflow):
    fake_siliconflow.fail(status=503, times=10)
    result = await sf_app.service.speak(ALICE, PIECES_TEXT)
    assert result.engine == "local" and "notice_fallback" in result.notices
    assert {c["response_format"] for c in speech_calls(fake_siliconflow)} == {"opus"}
    note = result.notes[0].audio
    assert decoded_samples(note.data) == note.sample_count and note.duration > 3
    assert (await sf_app.service.usage(ALICE)).total_bytes == 0


async def test_a_later_piece_failing_joins_offline_speech_to_the_providers(sf_app, fake_siliconflow, monkeypatch):
    provider = sf_app.service.remote
    real = provider.synthesize_opus
    calls = []

    async def second_fails(request, *, api_key=None):
        calls.append(request.text)
        if len(calls) == 2:
            raise ProviderUnavailable("down", status=503, message="down")
        async for data in real(request, api_key=api_key):
            yield data

    monkeypatch.setattr(provider, "synthesize_opus", second_fails)
    result = await sf_app.service.speak(ALICE, PIECES_TEXT)
    assert len(calls) == 2 and "notice_fallback" in result.notices
    note = result.notes[0].audio
    assert_one_valid_opus_stream(note.data)
    assert decoded_samples(note.data) == note.sample_count
    first = fake_siliconflow.expected_samples(calls[0], 48000, 1.0)
    assert note.sample_count > first + 48000  # the provider's first piece, then the offline engine's two
    usage = await sf_app.service.usage(ALICE)
    assert usage.total_bytes == len(calls[0].encode())  # only the piece the provider spoke is billed


def speech_requests(fake) -> list:
    return [r for r in fake.requests if r.path.endswith("/audio/speech")]


async def test_ogg_that_cannot_be_joined_is_made_again_from_pcm(sf_app, fake_siliconflow, monkeypatch):
    provider = sf_app.service.remote

    async def broken(request, *, api_key=None):
        yield b"OggS" + bytes(60)

    monkeypatch.setattr(provider, "synthesize_opus", broken)
    result = await sf_app.service.speak(ALICE, "Hello there.")
    assert result.engine == "siliconflow" and decoded_seconds(result.notes[0].audio.data) > 0.5
    assert [r.json["response_format"] for r in speech_requests(fake_siliconflow)] == ["pcm"]
    assert not sf_app.service.cases.speech.renderer.opus_passthrough  # and the notes after it too


async def test_an_opus_answer_that_is_not_ogg_is_asked_again_as_pcm(sf_app, fake_siliconflow):
    def formats() -> list[str]:
        return [r.json["response_format"] for r in speech_requests(fake_siliconflow)]

    fake_siliconflow.ok_html(endpoint="speech")  # not Ogg/Opus (a proxy's page), once
    result = await sf_app.service.speak(ALICE, "Hello there.")
    assert result.engine == "siliconflow" and "notice_fallback" not in result.notices
    assert formats() == ["opus", "pcm"]
    await sf_app.service.speak(ALICE, "And again, something else.")
    assert formats() == ["opus", "pcm", "opus"]  # one glitch: pass-through stays on


async def test_opus_answers_that_are_never_ogg_turn_pass_through_off(sf_app, fake_siliconflow, monkeypatch):
    from core.rendering import NOT_OGG_LIMIT

    asked: list[str] = []

    async def not_ogg(request, *, api_key=None):
        asked.append(request.text)
        raise ProviderNotAudio("speech: not Ogg", status=200, message="not Ogg/Opus")
        yield b""  # an async generator, like the real one

    monkeypatch.setattr(sf_app.service.remote, "synthesize_opus", not_ogg)
    for n in range(NOT_OGG_LIMIT + 2):
        result = await sf_app.service.speak(ALICE, f"Sentence number {n}.")
        assert result.engine == "siliconflow"
    assert len(asked) == NOT_OGG_LIMIT  # then no more Opus asked for
    assert [r.json["response_format"] for r in speech_requests(fake_siliconflow)] == ["pcm"] * (NOT_OGG_LIMIT + 2)


async def test_a_clone_whose_key_was_replaced_before_its_audio_is_refused(sf_app, fake_siliconflow):
    from core.errors import VoiceKeyMismatch

    svc = sf_app.service
    await svc.set_api_key(ALICE, USER_KEY)
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    await svc.set_voice(ALICE, "mine")
    fake_siliconflow.add_api_key("sk-another-key-of-alice")
    async with svc.session(ALICE, "queued while the key changes") as utt:
        await svc.set_api_key(ALICE, "sk-another-key-of-alice")
        with pytest.raises(VoiceKeyMismatch):
            _ = [note async for note in svc.render_notes(utt)]
    assert all(r.api_key != "sk-another-key-of-alice" for r in speech_requests(fake_siliconflow))

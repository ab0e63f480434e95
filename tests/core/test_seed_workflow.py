"""The seed's voice workflow in the core (on SQLite and PostgreSQL, the fake SiliconFlow): adopting a voice ID
(core.voices.Voices.adopt), dynamic voices (core.dynamic), samples (core.samples) and files (core.exports)."""

from __future__ import annotations

import contextlib
import io

import av
import pytest

from core.errors import AudioTooShort, NameTaken, UnknownVoice
from core.voice_errors import (
    DynamicVoiceRefused,
    DynamicVoiceUnsupported,
    ExportTooLarge,
    InvalidAudioFormat,
    InvalidVoiceId,
    VoiceIdAlreadyAdded,
    VoiceIdNeedsOwnKey,
    VoiceIdNotOnKey,
    VoiceIdTaken,
)
from tests.app_fixtures import OPERATOR_KEY, USER_KEY
from tests.core.people import ALICE, BOB
from tests.samples import ogg_bytes, speech_like


async def test_adopt_checks_the_voice_list_of_the_users_own_key(sf_app, fake_siliconflow) -> None:
    svc = sf_app.service
    uri = fake_siliconflow.add_voice(USER_KEY, "mine", text="the transcript")
    with pytest.raises(VoiceIdNeedsOwnKey):  # the operator's key made nothing of the user's
        await svc.adopt_voice(ALICE, uri, "Mine")
    await svc.set_api_key(ALICE, USER_KEY)
    for bad in ("", "alex", "speech:", "speech:a b:c", "speech:x:" + "y" * 600):
        with pytest.raises(InvalidVoiceId):
            await svc.adopt_voice(ALICE, bad, "Mine")
    with pytest.raises(VoiceIdNotOnKey):
        await svc.adopt_voice(ALICE, fake_siliconflow.add_voice(OPERATOR_KEY, "op"), "Mine")
    voice = await svc.adopt_voice(ALICE, uri, "Mine")
    assert (voice.name, voice.provider_id, voice.transcript) == ("Mine", uri, "the transcript")
    assert voice.key_fingerprint == svc.fingerprint(USER_KEY)
    with pytest.raises(VoiceIdAlreadyAdded):
        await svc.adopt_voice(ALICE, uri, "Again")
    await svc.set_api_key(BOB, USER_KEY)  # the same key (a team's): one voice, one owner here
    with pytest.raises(VoiceIdTaken):
        await svc.adopt_voice(BOB, uri, "Mine too")
    with pytest.raises(NameTaken):
        await svc.adopt_voice(ALICE, fake_siliconflow.add_voice(USER_KEY, "two"), "mine")
    await svc.set_voice(ALICE, "Mine")
    await svc.speak(ALICE, "spoken in the adopted voice")
    last = fake_siliconflow.requests_for("speech")[-1]
    assert last.json["voice"] == uri and last.api_key == USER_KEY
    deleted = await svc.delete_voice(ALICE, "Mine")  # deleting it deletes it at the provider too
    assert deleted.provider_id == uri and uri not in [v["uri"] for v in fake_siliconflow.voices(USER_KEY)]


async def test_adopt_on_the_offline_engine_needs_the_users_key(local_app) -> None:
    with pytest.raises(VoiceIdNeedsOwnKey):
        await local_app.service.adopt_voice(ALICE, "speech:x:abc:def", "x")


async def collect(svc, *args, **kwargs):
    notes = svc.dynamic_notes(*args, **kwargs)
    async with contextlib.aclosing(notes):
        return [note async for note in notes]


async def test_a_dynamic_voice_sends_the_recording_and_keeps_nothing(sf_app, fake_siliconflow) -> None:
    svc = sf_app.service
    recording = ogg_bytes(speech_like(6))
    notes = await collect(svc, ALICE, "你好，世界。" * 3, recording, transcript="录音<|endofprompt|>里的话")
    assert notes and notes[0].audio.data[:4] == b"OggS" and notes[0].audio.duration > 0.5
    [request] = fake_siliconflow.requests_for("speech")
    assert request.json["voice"] == "" and request.api_key == OPERATOR_KEY
    [ref] = request.json["references"]
    assert ref["text"] == "录音里的话" and ref["audio"].startswith("data:audio/mpeg;base64,")
    assert not fake_siliconflow.requests_for("transcribe") and not fake_siliconflow.voices(OPERATOR_KEY)
    assert (await svc.usage(ALICE)).today_bytes == len(("你好，世界。" * 3).encode())
    assert not (await svc.voices(ALICE)).clones
    # without a transcript, the recording is transcribed first
    await collect(svc, ALICE, "again", recording)
    assert fake_siliconflow.requests_for("transcribe")
    assert fake_siliconflow.requests_for("speech")[-1].json["references"][0]["text"] == "你好，这是一段测试录音。"


async def test_a_dynamic_voice_refused_by_the_provider_says_so(sf_app, fake_siliconflow) -> None:
    fake_siliconflow.accepts_references = False
    with pytest.raises(DynamicVoiceRefused):
        await collect(sf_app.service, ALICE, "hello", ogg_bytes(speech_like(6)), transcript="hi")
    with pytest.raises(AudioTooShort):  # the recording is checked like a clone's, before anything is sent
        await collect(sf_app.service, ALICE, "hello", ogg_bytes(speech_like(1)), transcript="hi")


async def test_no_dynamic_voice_without_a_key_to_pay_for_it(local_app) -> None:
    """The operator runs the offline engine and the user has no key of their own: nobody can pay."""
    with pytest.raises(DynamicVoiceUnsupported):
        await collect(local_app.service, ALICE, "hello", ogg_bytes(speech_like(6)))


async def test_samples_are_made_once_per_voice_and_language(sf_app, fake_siliconflow) -> None:
    svc = sf_app.service
    first = await svc.voice_sample(ALICE, "bella", "en")
    again = await svc.voice_sample(BOB, "bella", "en")  # another user: the same cached sample
    assert again.cached and again.audio.data == first.audio.data
    assert len(fake_siliconflow.requests_for("speech")) == 1
    await svc.voice_sample(ALICE, "bella", "ja")
    assert "こんにちは" in fake_siliconflow.requests_for("speech")[-1].json["input"]
    with pytest.raises(UnknownVoice):
        await svc.voice_sample(ALICE, "nobody", "en")
    assert (await svc.settings(ALICE)).voice_name == "anna"  # a sample changes no setting


def decoded(data: bytes) -> tuple[str, int, float]:
    with av.open(io.BytesIO(data)) as src:
        stream = src.streams.audio[0]
        samples = sum(frame.samples for frame in src.decode(stream))
        return src.format.name, stream.codec_context.sample_rate, samples / stream.codec_context.sample_rate


@pytest.mark.parametrize(("fmt", "rate"), [("wav", 8000), ("wav", 32000), ("wav", 44100), ("mp3", 44100)])
async def test_files_at_the_providers_rates(sf_app, fake_siliconflow, fmt, rate) -> None:
    svc = sf_app.service
    encoded = await svc.speak_file(ALICE, "One file for the whole text. It has two sentences.", fmt, rate)
    container, got_rate, seconds = decoded(encoded.data)
    assert (container, got_rate) == (fmt, rate) and abs(seconds - encoded.duration) < 0.1
    assert fake_siliconflow.requests_for("speech")[-1].json["sample_rate"] == rate
    made = len(fake_siliconflow.requests_for("speech"))
    assert (await svc.speak_file(ALICE, "One file for the whole text. It has two sentences.", fmt, rate)).data \
        == encoded.data
    assert len(fake_siliconflow.requests_for("speech")) == made  # cached


async def test_files_refuse_what_is_not_offered(sf_app, fake_siliconflow) -> None:
    svc = sf_app.service
    for fmt, rate in (("flac", None), ("wav", 22050), ("mp3", 32000), ("ogg", None), ("wav", "0.0"), ("wav", "auto")):
        with pytest.raises(InvalidAudioFormat):
            await svc.speak_file(ALICE, "hello", fmt, rate)
    with pytest.raises(ExportTooLarge):
        await svc.speak_file(ALICE, "hello there", "wav", 44100, max_bytes=1000)
    assert not fake_siliconflow.requests_for("speech")[1:]  # only the too-large one was made


async def test_offline_files_are_resampled_to_the_rate_asked_for(local_app) -> None:
    encoded = await local_app.service.speak_file(ALICE, "offline file", "wav", 16000)
    assert decoded(encoded.data)[:2] == ("wav", 16000)

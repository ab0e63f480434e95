"""The self-hosted engines end to end through the real composition root and VoiceService: speaking, cloning
on CosyVoice2 (reference recordings kept by us), styles, deletion, /forget, the offline fallback, and the
capabilities the bots read (tests/fakes/cosyvoice.py, tests/fakes/openai_speech.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.errors import CloningUnsupported, ConfigError
from core.config import load_config
from core.providers.cosyvoice import TranscriptRequired
from tests.core.people import ALICE, decoded_seconds
from tests.fakes.cosyvoice import FakeCosyVoice
from tests.fakes.openai_speech import FakeOpenAISpeech
from tests.samples import ogg_bytes, speech_like


@pytest.fixture
def cosyvoice() -> Iterator[FakeCosyVoice]:
    with FakeCosyVoice() as fake:
        yield fake


@pytest.fixture
def recording() -> bytes:
    return ogg_bytes(speech_like(6.0, silence=1.0))


async def cosy_app(make_app, fake: FakeCosyVoice, **fields):
    return await make_app("cosyvoice", provider_base_url=fake.base_url, **fields)


async def test_presets_speak_on_cosyvoice_with_the_operators_engine(make_app, cosyvoice) -> None:
    app = await cosy_app(make_app, cosyvoice)
    svc = app.service
    assert svc.engine == "cosyvoice" and svc.can_clone() and svc.remote.supports_instruction
    result = await svc.speak(ALICE, "你好。今天天气很好！")
    assert result.engine == "cosyvoice" and not result.notices
    assert decoded_seconds(result.notes[0].audio.data) == pytest.approx(
        cosyvoice.expected_seconds("你好。今天天气很好！"), abs=0.05)  # every sentence, each once
    assert cosyvoice.served("sft")[0].form["spk_id"] == "中文女"  # the default voice, anna


async def test_clone_store_speak_style_delete_on_cosyvoice(make_app, cosyvoice, recording) -> None:
    app = await cosy_app(make_app, cosyvoice)
    svc = app.service
    voice = await svc.complete_clone(ALICE, recording, "Kurisu 牧瀬", filename="voice.oga",
                                     transcript="El Psy Kongroo")
    assert voice.provider_id == "cosyvoice:1" and not cosyvoice.requests  # nothing left for the server
    stored = await app.store.get_reference(1)
    assert stored.transcript == "El Psy Kongroo" and stored.audio[:4] == b"RIFF"
    await svc.speak(ALICE, "Hello there.")
    zero = cosyvoice.served("zero_shot")[-1]
    assert zero.form["prompt_text"] == "El Psy Kongroo" and zero.files["prompt_wav"] == stored.audio
    await svc.set_style(ALICE, "开心")
    await svc.speak(ALICE, "Hello again.")
    assert cosyvoice.served("instruct2")[-1].form["instruct_text"].endswith("<|endofprompt|>")
    await svc.delete_voice(ALICE, "Kurisu 牧瀬")
    assert await app.store.list_references() == []


async def test_forget_removes_the_reference_recordings(make_app, cosyvoice, recording) -> None:
    app = await cosy_app(make_app, cosyvoice)
    await app.service.complete_clone(ALICE, recording, "mine", transcript="words I said")
    await app.store.add_reference("vb1-left-by-a-crash", b"RIFF", "x")  # no voices row points to it
    report = await app.service.forget(ALICE)
    assert report.deleted_remote_voices == ["mine"]
    assert await app.store.list_references() == []


async def test_a_clone_needs_its_words_on_cosyvoice(make_app, cosyvoice, recording) -> None:
    app = await cosy_app(make_app, cosyvoice)
    with pytest.raises(TranscriptRequired) as caught:
        await app.service.complete_clone(ALICE, recording, "mine")
    assert "/clone" in str(caught.value)
    assert await app.store.list_references() == [] and not (await app.service.voices(ALICE)).clones


async def test_without_sft_speakers_presets_fall_back_to_the_offline_engine(make_app) -> None:
    with FakeCosyVoice(speakers=()) as bare:
        app = await cosy_app(make_app, bare)
        result = await app.service.speak(ALICE, "hello")
    assert result.engine == "local" and "notice_fallback" in result.notices


async def test_openai_speaks_and_offers_no_clones(make_app) -> None:
    with FakeOpenAISpeech(api_key="sk-local") as fake:
        app = await make_app("openai", provider_base_url=fake.base_url, provider_api_key="sk-local")
        svc = app.service
        assert svc.engine == "openai" and not svc.can_clone() and not svc.remote.supports_instruction
        result = await svc.speak(ALICE, "Hello there")
        assert result.engine == "openai"
        (rec,) = fake.served("speech")
        assert rec.json["model"] == "tts-1" and rec.json["voice"] == "nova"
        with pytest.raises(CloningUnsupported):
            await svc.check_clone_request(ALICE, "mine")


async def test_a_users_own_key_is_never_sent_to_a_self_hosted_server(make_app, fake_siliconflow) -> None:
    with FakeOpenAISpeech() as fake:
        app = await make_app("openai", provider_base_url=fake.base_url)
        await app.store.set_api_key(await app.service.user_id(ALICE), "sk-test-user", "k2:x")
        result = await app.service.speak(ALICE, "Hello")
        assert result.engine == "openai"
        assert "Authorization" not in fake.served("speech")[0].headers
    assert not fake_siliconflow.requests


def test_a_self_hosted_engine_needs_its_url(tmp_path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(provider="cosyvoice", data_dir=tmp_path)
    assert "VOICEBRIDGE_PROVIDER_BASE_URL" in str(caught.value)
    with pytest.raises(ConfigError):
        load_config(provider="openai", provider_base_url="ftp://x", data_dir=tmp_path)
    config = load_config(provider="cosyvoice", provider_base_url="http://gpu:50000/", data_dir=tmp_path)
    assert config.provider_base_url == "http://gpu:50000" and config.operator_key() == "self-hosted:cosyvoice"

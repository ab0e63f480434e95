"""core.providers.siliconflow.provider: cloning, the voice list, deletion and transcription against the fake
SiliconFlow on loopback, and JSON answers that are not what was asked for."""

from __future__ import annotations

import json
import logging

import pytest

from core.errors import (
    InvalidName,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderProtocolError,
    ProviderTimeout,
    ProviderUnavailable,
)
from core.models import RemoteVoice
from core.providers.base import TTSProvider
from core.providers.siliconflow import SiliconFlowProvider
from tests.core.providers.siliconflow.helpers import (
    BODY_MARKER,
    ErrorLog,
    MODEL,
    Factory,
    RecordingSleep,
    assert_quotes_nothing,
    collect,
    say,
)
from tests.fakes.siliconflow import FakeSiliconFlow, sample_wav
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY


def test_is_a_tts_provider(sf_provider: SiliconFlowProvider) -> None:
    assert isinstance(sf_provider, TTSProvider)
    assert (sf_provider.name, sf_provider.model, sf_provider.supports_cloning) == ("siliconflow", MODEL, True)


# --- clone, list, delete, transcribe ----------------------------------------------------------------------


async def test_clone_uploads_a_file_part_and_the_voice_works_with_that_key_only(
        sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow) -> None:
    voice = await sf_provider.clone(sample_wav(2.0), "ref.wav", "kurisu", "<|zh|>hello world", api_key=USER_KEY)
    assert voice.name == "kurisu" and voice.uri.startswith("speech:kurisu:") and voice.transcript == "hello world"
    sent = fake_siliconflow.requests_for("upload")[0]
    assert sent.files["file"].filename == "ref.wav" and sent.files["file"].data[:4] == b"RIFF"
    assert sent.form == {"model": MODEL, "customName": "kurisu", "text": "hello world"}

    assert await collect(sf_provider, say(voice=voice.uri), api_key=USER_KEY)
    with pytest.raises(ProviderBadRequest):
        await collect(sf_provider, say(voice=voice.uri))  # the operator's key does not own it


async def test_clone_refuses_names_the_service_would_reject(sf_provider: SiliconFlowProvider,
                                                            fake_siliconflow: FakeSiliconFlow) -> None:
    with pytest.raises(InvalidName):
        await sf_provider.clone(sample_wav(1.0), "ref.wav", "クリス", "hello")
    assert fake_siliconflow.requests == []


async def test_clone_of_undecodable_audio_is_a_bad_request(sf_provider: SiliconFlowProvider) -> None:
    with pytest.raises(ProviderBadRequest) as caught:
        await sf_provider.clone(b"not audio at all" * 20, "x.mp3", "x", "hello")
    assert "decoded" in caught.value.params["message"]


async def test_clone_retries_refusals_but_not_failures_after_sending(sf_provider_factory: Factory,
                                                                     fake_siliconflow: FakeSiliconFlow) -> None:
    provider = sf_provider_factory(sleep=RecordingSleep())
    fake_siliconflow.fail(429, endpoint="upload")
    fake_siliconflow.fail(503, endpoint="upload")
    assert (await provider.clone(sample_wav(1.0), "r.wav", "a", "hi")).uri
    assert len(fake_siliconflow.requests_for("upload")) == 3

    for status, error in ((500, ProviderUnavailable), (504, ProviderTimeout)):
        fake_siliconflow.reset()
        fake_siliconflow.fail(status, endpoint="upload")
        with pytest.raises(error):
            await provider.clone(sample_wav(1.0), "r.wav", "a", "hi")
        assert len(fake_siliconflow.requests_for("upload")) == 1


async def test_clone_timeout_after_sending_is_not_retried(sf_provider_factory: Factory,
                                                          fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.hang(endpoint="upload", times=None)
    with pytest.raises(ProviderTimeout):
        await sf_provider_factory(total_timeout=0.3).clone(sample_wav(1.0), "r.wav", "a", "hi")
    assert len(fake_siliconflow.requests_for("upload")) == 1


@pytest.mark.parametrize("list_key", ["results", "result", None, "data"])
async def test_list_voices_parses_every_shape(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow,
                                              list_key: str | None) -> None:
    uri = fake_siliconflow.add_voice(OPERATOR_KEY, "kurisu", text="hello")
    fake_siliconflow.add_voice(USER_KEY, "someone-else")
    fake_siliconflow.list_key = list_key
    assert await sf_provider.list_voices() == [RemoteVoice(name="kurisu", uri=uri, model=MODEL, transcript="hello")]


async def test_list_voices_is_retried_and_rejects_garbage(sf_provider_factory: Factory,
                                                          fake_siliconflow: FakeSiliconFlow) -> None:
    provider = sf_provider_factory(sleep=RecordingSleep())
    fake_siliconflow.fail(503, endpoint="list")
    assert await provider.list_voices() == []
    assert len(fake_siliconflow.requests_for("list")) == 2
    fake_siliconflow.fail(200, endpoint="list", body="<html>oops</html>")
    with pytest.raises(ProviderProtocolError):
        await provider.list_voices()
    fake_siliconflow.fail(200, endpoint="list", body={"something": "else"})
    with pytest.raises(ProviderProtocolError):
        await provider.list_voices()


async def test_delete_voice_and_already_gone_is_fine(sf_provider: SiliconFlowProvider,
                                                     fake_siliconflow: FakeSiliconFlow) -> None:
    uri = fake_siliconflow.add_voice(OPERATOR_KEY, "bye")
    await sf_provider.delete_voice(uri)
    assert fake_siliconflow.voices(OPERATOR_KEY) == []
    assert fake_siliconflow.requests[-1].json == {"uri": uri}
    await sf_provider.delete_voice(uri)  # 400 "Voice not found"
    fake_siliconflow.fail(404, endpoint="delete")
    await sf_provider.delete_voice(uri)
    assert len(fake_siliconflow.requests_for("delete")) == 3


async def test_delete_voice_reports_other_errors(sf_provider: SiliconFlowProvider,
                                                 fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(400, endpoint="delete", message="uri is malformed")
    with pytest.raises(ProviderBadRequest):
        await sf_provider.delete_voice("speech:x:y:z")
    with pytest.raises(ProviderAuthError):
        await sf_provider.delete_voice("speech:x:y:z", api_key="sk-revoked")


async def test_transcribe_strips_rich_tags(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow) -> None:
    assert await sf_provider.transcribe(sample_wav(1.0), "note.ogg") == "你好，这是一段测试录音。"
    sent = fake_siliconflow.requests_for("transcribe")[0]
    assert sent.form == {"model": "FunAudioLLM/SenseVoiceSmall"} and sent.files["file"].filename == "note.ogg"
    fake_siliconflow.transcript = "  <|en|><|HAPPY|><|Speech|><|withitn|> Hello, world.  "
    assert await sf_provider.transcribe(sample_wav(1.0), "note.wav") == "Hello, world."


# --- 200 answers of the JSON endpoints that are not what was asked for --------------------------------------------


async def test_json_endpoints_refuse_a_web_page(sf_provider: SiliconFlowProvider,
                                                fake_siliconflow: FakeSiliconFlow) -> None:
    page = f"<!DOCTYPE html><html><body>{BODY_MARKER} {OPERATOR_KEY}</body></html>"
    calls = {
        "upload": lambda: sf_provider.clone(sample_wav(1.0), "r.wav", "a", "hi"),
        "list": lambda: sf_provider.list_voices(),
        "transcribe": lambda: sf_provider.transcribe(sample_wav(1.0), "n.wav"),
        "delete": lambda: sf_provider.delete_voice("speech:a:b:c"),
    }
    for endpoint, call in calls.items():
        fake_siliconflow.ok_html(page, endpoint=endpoint)
        with pytest.raises(ProviderProtocolError) as caught:
            await call()
        assert caught.value.params["message"] == "the answer is a web page, not JSON"
        assert_quotes_nothing(caught.value, BODY_MARKER, OPERATOR_KEY)
        # and the same page without a content type that says so
        fake_siliconflow.fail(200, endpoint=endpoint, body=page, content_type="application/json")
        with pytest.raises(ProviderProtocolError):
            await call()


async def test_json_endpoints_map_a_json_error_body(sf_provider: SiliconFlowProvider,
                                                    fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.ok_json_error(20012, f"{BODY_MARKER} {OPERATOR_KEY}", endpoint="upload")
    with pytest.raises(ProviderBadRequest) as caught:
        await sf_provider.clone(sample_wav(1.0), "r.wav", "a", "hi")
    assert_quotes_nothing(caught.value, BODY_MARKER, OPERATOR_KEY)
    fake_siliconflow.ok_json_error(401, "Invalid token", endpoint="list")
    with pytest.raises(ProviderAuthError):
        await sf_provider.list_voices()
    fake_siliconflow.ok_json_error(20012, "oops", endpoint="transcribe")
    with pytest.raises(ProviderBadRequest):
        await sf_provider.transcribe(sample_wav(1.0), "n.wav")
    # delete: a "not found" error body means the voice is gone already; another one is an error
    fake_siliconflow.ok_json_error(20012, "Voice not found", endpoint="delete")
    await sf_provider.delete_voice("speech:a:b:c")
    fake_siliconflow.ok_json_error(20012, "uri is malformed", endpoint="delete")
    with pytest.raises(ProviderBadRequest):
        await sf_provider.delete_voice("speech:a:b:c")


async def test_json_endpoints_refuse_answers_without_their_fields(sf_provider: SiliconFlowProvider,
                                                                  fake_siliconflow: FakeSiliconFlow) -> None:
    for body in ({"url": "speech:a:b:c"}, {"uri": 42}, {"uri": "speech:a b\nc"}, ["speech:a:b:c"], "speech:a:b:c",
                 None):
        fake_siliconflow.fail(200, endpoint="upload", body=json.dumps(body), content_type="application/json")
        with pytest.raises(ProviderProtocolError):
            await sf_provider.clone(sample_wav(1.0), "r.wav", "a", "hi")
    for body in ({"txt": "hi"}, {"text": None}, {"text": ["hi"]}, [], "hi"):
        fake_siliconflow.fail(200, endpoint="transcribe", body=json.dumps(body), content_type="application/json")
        with pytest.raises(ProviderProtocolError):
            await sf_provider.transcribe(sample_wav(1.0), "n.wav")
    for body in ({"voices": 7}, {"results": "x"}, 3, {"status": False, "message": BODY_MARKER}):
        fake_siliconflow.fail(200, endpoint="list", body=json.dumps(body), content_type="application/json")
        with pytest.raises(ProviderProtocolError) as caught:
            await sf_provider.list_voices()
        assert_quotes_nothing(caught.value, BODY_MARKER)
    for endpoint, call in (("list", sf_provider.list_voices),
                           ("transcribe", lambda: sf_provider.transcribe(sample_wav(1.0), "n.wav"))):
        fake_siliconflow.ok_empty(endpoint=endpoint)
        with pytest.raises(ProviderProtocolError) as caught:
            await call()
        assert caught.value.params["message"] == "the answer is not JSON"
    fake_siliconflow.fail(200, endpoint="list", body=f"{BODY_MARKER} {OPERATOR_KEY}", content_type="text/plain")
    with pytest.raises(ProviderProtocolError) as caught:
        await sf_provider.list_voices()
    assert_quotes_nothing(caught.value, BODY_MARKER, OPERATOR_KEY)


async def test_delete_accepts_any_success_body_but_a_web_page(sf_provider: SiliconFlowProvider,
                                                              fake_siliconflow: FakeSiliconFlow) -> None:
    for body, content_type in (("", "application/json"), ("success", "text/plain"), ('"success"', "application/json"),
                               ('{"code": 20000, "message": "Success", "status": true}', "application/json")):
        fake_siliconflow.fail(200, endpoint="delete", body=body, content_type=content_type)
        await sf_provider.delete_voice("speech:a:b:c")
    assert len(fake_siliconflow.requests_for("delete")) == 4


async def test_an_oversized_json_answer_is_refused(sf_provider_factory: Factory,
                                                   fake_siliconflow: FakeSiliconFlow) -> None:
    provider = sf_provider_factory(max_json_bytes=64 * 1024)
    assert await provider.list_voices() == []
    fake_siliconflow.oversize(1024 * 1024, endpoint="list")  # valid JSON, padded
    with pytest.raises(ProviderProtocolError) as caught:
        await provider.list_voices()
    assert caught.value.params["message"] == "the answer is too large"
    fake_siliconflow.oversize(32 * 1024, endpoint="list")
    assert await provider.list_voices() == []


async def test_no_body_text_or_key_reaches_errors_or_logs(sf_provider_factory: Factory,
                                                          fake_siliconflow: FakeSiliconFlow,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider = sf_provider_factory(max_retries=0, sleep=RecordingSleep())
    echo = f"{BODY_MARKER} {OPERATOR_KEY}"
    log = ErrorLog()
    errors, attempt = log.errors, log.attempt

    speech = lambda: collect(provider, say())  # noqa: E731
    fake_siliconflow.ok_html(echo, endpoint="speech")
    await attempt(speech)
    fake_siliconflow.ok_json_error(20012, echo, endpoint="speech")
    await attempt(speech)
    fake_siliconflow.ok_json_error(99999, echo, endpoint="speech", content_type="application/octet-stream")
    await attempt(speech)
    fake_siliconflow.fail(200, endpoint="speech", body={"detail": echo})
    await attempt(speech)
    fake_siliconflow.fail(200, endpoint="speech", body=echo * 3, content_type="text/plain; charset=" + OPERATOR_KEY)
    await attempt(speech)
    fake_siliconflow.fail(200, endpoint="list", body=echo, content_type="application/json")
    await attempt(provider.list_voices)
    fake_siliconflow.fail(200, endpoint="list", body={"status": False, "message": echo})
    await attempt(provider.list_voices)
    fake_siliconflow.ok_json_error(20012, echo, endpoint="upload")
    await attempt(lambda: provider.clone(sample_wav(1.0), "r.wav", "a", "hi"))

    assert len(errors) == 8
    for err in errors:
        assert_quotes_nothing(err, BODY_MARKER, OPERATOR_KEY)
    assert BODY_MARKER not in caplog.text and OPERATOR_KEY not in caplog.text

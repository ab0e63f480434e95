"""core.providers.siliconflow.speech against the fake SiliconFlow on loopback (real sockets, no mocks): streaming,
retries before the first byte, none after, and 200 answers that are not audio."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import av
import httpx
import pytest

from core.errors import (
    EmptyText,
    InvalidApiKey,
    InvalidValue,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderForbidden,
    ProviderNotAudio,
    ProviderNotFound,
    ProviderPaymentRequired,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderStreamCut,
    ProviderTimeout,
    ProviderUnavailable,
    UnknownVoice,
)
from core.models import PCMChunk, SynthesisRequest
from core.providers.siliconflow import SiliconFlowProvider
from core.text import strip_control_tokens
from tests.core.providers.siliconflow.helpers import (
    BODY_MARKER,
    MODEL,
    Factory,
    RecordingSleep,
    assert_quotes_nothing,
    collect,
    say,
    speak_until_error,
)
from tests.fakes.siliconflow import FakeSiliconFlow, sample_wav
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY

# --- synthesis -----------------------------------------------------------------------------------------


async def test_streams_chunks_before_the_clip_is_finished(sf_provider: SiliconFlowProvider,
                                                          fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.realtime_factor = 1.0  # the fake takes ~0.66 s to "generate" this clip
    text = "a" * 11
    chunks: list[PCMChunk] = []
    completed_at_first_chunk = None
    async for chunk in sf_provider.synthesize(say(text)):
        if not chunks:
            completed_at_first_chunk = fake_siliconflow.requests[-1].completed
        chunks.append(chunk)
    assert completed_at_first_chunk is False
    assert fake_siliconflow.requests[-1].completed
    assert len(chunks) > 1
    assert all(c.sample_rate == 24000 and len(c.data) % 2 == 0 for c in chunks)
    assert sum(len(c.data) for c in chunks) == 2 * fake_siliconflow.expected_samples(text, 24000)


async def test_request_body_fields(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow) -> None:
    request = SynthesisRequest(text="  hello <|endofprompt|>wor<|im_<|x|>start|>ld  ", voice="alex", speed=1.5,
                               gain=-3, instruction="用开心的语气说<|zh|>", sample_rate=16000)
    chunks = await collect(sf_provider, request)
    assert {c.sample_rate for c in chunks} == {16000}
    sent = fake_siliconflow.requests[-1]
    assert sent.json == {
        "model": MODEL,
        "input": "用开心的语气说<|endofprompt|>hello world",
        "voice": f"{MODEL}:alex",
        "response_format": "pcm",
        "sample_rate": 16000,
        "stream": True,
        "speed": 1.5,
        "gain": -3.0,
    }
    assert sent.headers["authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_no_instruction_means_no_prompt_marker(sf_provider: SiliconFlowProvider,
                                                     fake_siliconflow: FakeSiliconFlow) -> None:
    await collect(sf_provider, say("just <|endofprompt|>text", instruction=None))
    assert fake_siliconflow.requests[-1].json["input"] == "just text"


async def test_full_voice_ids_and_clone_uris_are_sent_verbatim(sf_provider: SiliconFlowProvider,
                                                               fake_siliconflow: FakeSiliconFlow) -> None:
    uri = fake_siliconflow.add_voice(OPERATOR_KEY, "mine")
    await collect(sf_provider, say(voice=f"{MODEL}:claire"))
    await collect(sf_provider, say(voice=uri))
    assert [r.json["voice"] for r in fake_siliconflow.requests] == [f"{MODEL}:claire", uri]


async def test_a_users_key_overrides_the_operators(sf_provider: SiliconFlowProvider,
                                                   fake_siliconflow: FakeSiliconFlow) -> None:
    await collect(sf_provider, say(), api_key=USER_KEY)
    assert fake_siliconflow.requests[-1].api_key == USER_KEY


async def test_odd_sized_network_chunks_still_yield_whole_samples(sf_provider: SiliconFlowProvider,
                                                                  fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.chunk_size = 1001
    fake_siliconflow.realtime_factor = 0.1
    chunks = await collect(sf_provider, say("a" * 10))
    assert len(chunks) > 2
    assert all(len(c.data) % 2 == 0 for c in chunks)
    assert sum(len(c.data) for c in chunks) == 2 * fake_siliconflow.expected_samples("a" * 10, 24000)


@pytest.mark.parametrize(("request_", "error"), [
    (say(voice="zed"), UnknownVoice),
    (say(text="<|endofprompt|>  "), EmptyText),
    (say(sample_rate=48000), InvalidValue),
])
async def test_bad_requests_are_refused_before_calling(sf_provider: SiliconFlowProvider,
                                                       fake_siliconflow: FakeSiliconFlow,
                                                       request_: SynthesisRequest, error: type) -> None:
    with pytest.raises(error):
        await collect(sf_provider, request_)
    assert fake_siliconflow.requests == []


async def test_no_key_or_unsendable_key_is_refused_before_calling(sf_provider_factory: Factory,
                                                                  fake_siliconflow: FakeSiliconFlow) -> None:
    with pytest.raises(ProviderAuthError):
        await collect(sf_provider_factory(api_key=None), say())
    with pytest.raises(InvalidApiKey):
        await collect(sf_provider_factory(), say(), api_key="sk-bad\r\nX-Evil: 1")
    assert fake_siliconflow.requests == []


async def test_stopping_early_releases_the_connection(sf_provider: SiliconFlowProvider,
                                                      fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.realtime_factor = 0.5
    stream = sf_provider.synthesize(say("a" * 40))
    first = await anext(stream)
    await stream.aclose()
    assert first.data
    assert len(await collect(sf_provider, say())) > 0


# --- faults: retried before the first byte -------------------------------------------------------------


async def test_429_is_retried_after_retry_after(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow) -> None:
    sleep = RecordingSleep()
    fake_siliconflow.fail(429, retry_after=1)
    chunks = await collect(sf_provider_factory(sleep=sleep), say())
    assert chunks
    assert len(fake_siliconflow.requests_for("speech")) == 2
    assert sleep.delays == [pytest.approx(1.0)]


async def test_retry_after_as_an_http_date_is_honoured(sf_provider_factory: Factory,
                                                       fake_siliconflow: FakeSiliconFlow) -> None:
    sleep = RecordingSleep()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    fake_siliconflow.fail(429, retry_after=when)
    await collect(sf_provider_factory(sleep=sleep, retry_after_max=10), say())
    assert len(sleep.delays) == 1 and 1.0 < sleep.delays[0] <= 3.0


async def test_429_beyond_max_retries_raises_rate_limited(sf_provider_factory: Factory,
                                                          fake_siliconflow: FakeSiliconFlow) -> None:
    sleep = RecordingSleep()
    fake_siliconflow.fail(429, retry_after=0, times=None)
    with pytest.raises(ProviderRateLimited) as caught:
        await collect(sf_provider_factory(max_retries=2, sleep=sleep), say())
    assert len(fake_siliconflow.requests_for("speech")) == 3
    assert len(sleep.delays) == 2
    assert caught.value.params["status"] == 429
    assert caught.value.params["retry_after"] == 0
    assert "TPM limit reached" in caught.value.params["message"]


async def test_a_long_retry_after_is_reported_not_waited_out(sf_provider_factory: Factory,
                                                             fake_siliconflow: FakeSiliconFlow) -> None:
    sleep = RecordingSleep()
    fake_siliconflow.fail(429, retry_after=120)
    with pytest.raises(ProviderRateLimited) as caught:
        await collect(sf_provider_factory(sleep=sleep), say())
    assert caught.value.params["retry_after"] == 120
    assert sleep.delays == []
    assert len(fake_siliconflow.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_json_is_retried(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow, status: int) -> None:
    sleep = RecordingSleep()
    fake_siliconflow.fail(status, times=2)
    assert await collect(sf_provider_factory(sleep=sleep), say())
    assert len(fake_siliconflow.requests_for("speech")) == 3
    # exponential backoff with jitter: each pause within [base·2^n / 2, base·2^n]
    assert 0.005 <= sleep.delays[0] <= 0.01 and 0.01 <= sleep.delays[1] <= 0.02


async def test_503_after_retries_is_unavailable(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(503, times=None)
    with pytest.raises(ProviderUnavailable) as caught:
        await collect(sf_provider_factory(max_retries=1, sleep=RecordingSleep()), say())
    assert type(caught.value) is ProviderUnavailable
    assert caught.value.params == {"status": 503, "message": "Model service overloaded. Please try again later."}
    assert len(fake_siliconflow.requests) == 2


async def test_504_plain_text_is_retried_then_timeout(sf_provider_factory: Factory,
                                                      fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(504, times=None)
    with pytest.raises(ProviderTimeout) as caught:
        await collect(sf_provider_factory(max_retries=2, sleep=RecordingSleep()), say())
    assert caught.value.params == {"status": 504, "message": "upstream request timeout"}
    assert len(fake_siliconflow.requests) == 3


async def test_cut_before_the_first_byte_is_retried(sf_provider: SiliconFlowProvider,
                                                    fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.cut_stream(after_bytes=0)
    chunks = await collect(sf_provider, say())
    assert sum(len(c.data) for c in chunks) == 2 * fake_siliconflow.expected_samples("hello there", 24000)
    assert len(fake_siliconflow.requests) == 2


async def test_slow_first_byte_is_retried(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.slow_first_byte(5.0)
    assert await collect(sf_provider_factory(first_byte_timeout=0.3, sleep=RecordingSleep()), say())
    assert len(fake_siliconflow.requests) == 2


async def test_connection_refused_is_retried_then_unavailable(sf_client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleep = RecordingSleep()
    provider = SiliconFlowProvider(sf_client, base_url=f"http://127.0.0.1:{port}/v1", api_key=OPERATOR_KEY,
                                   max_retries=2, sleep=sleep)
    with pytest.raises(ProviderUnavailable):
        await collect(provider, say())
    assert len(sleep.delays) == 2


# --- faults: not retried -------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "error", "message"), [
    (401, ProviderAuthError, "Invalid token"),
    (403, ProviderForbidden, "Forbidden"),
    (402, ProviderPaymentRequired, "Sorry, your account balance is insufficient"),
    (404, ProviderNotFound, "404 page not found"),
])
async def test_client_errors_are_not_retried(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow,
                                             status: int, error: type[ProviderError], message: str) -> None:
    fake_siliconflow.fail(status, times=None)
    with pytest.raises(error) as caught:
        await collect(sf_provider, say())
    assert type(caught.value) is error
    assert caught.value.params == {"status": status, "message": message}
    assert len(fake_siliconflow.requests) == 1


async def test_a_refused_key_is_an_auth_error(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow) -> None:
    with pytest.raises(ProviderAuthError):
        await collect(sf_provider, say(), api_key="sk-unknown-to-the-fake")
    assert len(fake_siliconflow.requests) == 1


async def test_400_json_message_is_surfaced(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow) -> None:
    with pytest.raises(ProviderBadRequest) as caught:
        await collect(sf_provider, say(speed=9.0))
    assert caught.value.params == {"status": 400, "message": "speed must be a number between 0.25 and 4.0"}
    assert "speed must be a number between 0.25 and 4.0" in str(caught.value)
    assert len(fake_siliconflow.requests) == 1


async def test_long_provider_messages_are_trimmed(sf_provider: SiliconFlowProvider,
                                                  fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(400, message="x" * 5000)
    with pytest.raises(ProviderBadRequest) as caught:
        await collect(sf_provider, say())
    assert len(caught.value.params["message"]) <= 200


async def test_cut_mid_stream_raises_stream_cut_and_is_not_retried(sf_provider: SiliconFlowProvider,
                                                                   fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.cut_stream(after_bytes=5000)
    received = 0
    with pytest.raises(ProviderStreamCut):
        async for chunk in sf_provider.synthesize(say("a" * 40)):
            received += len(chunk.data)
    assert received == 5000
    assert len(fake_siliconflow.requests) == 1


async def test_slow_first_byte_times_out(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.slow_first_byte(5.0)
    with pytest.raises(ProviderTimeout) as caught:
        await collect(sf_provider_factory(first_byte_timeout=0.3, max_retries=0), say())
    assert "0.3" in caught.value.params["message"]
    assert len(fake_siliconflow.requests) == 1


async def test_hang_times_out_after_retries(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.hang(times=None)
    with pytest.raises(ProviderTimeout):
        await collect(sf_provider_factory(first_byte_timeout=0.2, max_retries=1, sleep=RecordingSleep()), say())
    assert len(fake_siliconflow.requests) == 2


async def test_total_timeout_stops_a_slow_stream_without_retry(sf_provider_factory: Factory,
                                                               fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.realtime_factor = 1.0  # a 3 s clip delivered in real time
    received = 0
    with pytest.raises(ProviderTimeout):
        async for chunk in sf_provider_factory(total_timeout=0.5).synthesize(say("a" * 50)):
            received += len(chunk.data)
    assert 0 < received < 2 * fake_siliconflow.expected_samples("a" * 50, 24000)
    assert len(fake_siliconflow.requests) == 1


def test_strip_control_tokens() -> None:
    assert strip_control_tokens("a<|endofprompt|>b<|end<|x|>ofprompt|>c") == "abc"
    assert strip_control_tokens("no tokens: a < b | c > d") == "no tokens: a < b | c > d"


# --- 200 answers that are not audio (issue 9, defect 6) --------------------------------------------------------


async def test_a_correct_long_answer_is_within_the_caps(sf_provider: SiliconFlowProvider,
                                                        fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.seconds_per_char = 0.3  # slower than any real CosyVoice2 Chinese
    text = "春" * 100
    request = say(text, speed=0.5)  # 60 s of audio for 100 characters
    chunks = await collect(sf_provider, request)
    assert sum(len(c.data) for c in chunks) == 2 * fake_siliconflow.expected_samples(text, 24000, 0.5)
    assert sf_provider.max_speech_bytes(request, 24000) > 2 * fake_siliconflow.expected_samples(text, 24000, 0.5)


def test_the_caps_cover_the_longest_legitimate_speech(sf_provider: SiliconFlowProvider) -> None:
    # 2000 Chinese characters at ~4 characters a second, at half speed: ~1000 s; allowed ~2× that.
    longest = say("长" * 2000, speed=0.5)
    assert sf_provider.audio_seconds(longest) >= 2 * 2000 / 4 / 0.5
    assert sf_provider.max_speech_bytes(longest, 24000) >= 2000 / 4 / 0.5 * 48000 * 2
    # short texts still get a floor; speed shortens the bound; the absolute ceiling applies
    assert sf_provider.audio_seconds(say("a")) >= 15
    assert sf_provider.audio_seconds(say("a" * 100, speed=2.0)) == sf_provider.audio_seconds(say("a" * 100)) / 2
    capped = SiliconFlowProvider(httpx.AsyncClient(), base_url="http://x/v1", api_key="k", max_audio_bytes=1000)
    assert capped.max_speech_bytes(longest, 24000) == 1000


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream", "audio/wav"])
async def test_200_with_a_json_error_body_is_that_error(sf_provider: SiliconFlowProvider,
                                                       fake_siliconflow: FakeSiliconFlow, content_type: str) -> None:
    fake_siliconflow.ok_json_error(20012, f"{BODY_MARKER} for {OPERATOR_KEY}", endpoint="speech",
                                   content_type=content_type)
    err, received = await speak_until_error(sf_provider, say(), ProviderBadRequest)
    assert received == 0
    assert err.params == {"status": 400, "message": "error code 20012"}
    assert len(fake_siliconflow.requests_for("speech")) == 1  # a 400 is not retried
    assert_quotes_nothing(err, BODY_MARKER, OPERATOR_KEY)


async def test_200_with_a_json_overloaded_body_is_retried_like_a_503(sf_provider_factory: Factory,
                                                                    fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.ok_json_error(50505, "Model service overloaded.", endpoint="speech", times=2)
    chunks = await collect(sf_provider_factory(sleep=RecordingSleep()), say())
    assert sum(len(c.data) for c in chunks) == 2 * fake_siliconflow.expected_samples("hello there", 24000)
    assert len(fake_siliconflow.requests_for("speech")) == 3
    fake_siliconflow.ok_json_error(50505, endpoint="speech", times=None)
    err, _ = await speak_until_error(sf_provider_factory(max_retries=1, sleep=RecordingSleep()), say(),
                                     ProviderUnavailable)
    assert type(err) is ProviderUnavailable and err.params["status"] == 503


@pytest.mark.parametrize(("code", "error"), [(401, ProviderAuthError), (30001, ProviderPaymentRequired),
                                             (429, ProviderRateLimited), (12345, ProviderNotAudio)])
async def test_200_json_error_codes_map_like_their_status(sf_provider_factory: Factory,
                                                         fake_siliconflow: FakeSiliconFlow, code: int,
                                                         error: type[ProviderError]) -> None:
    fake_siliconflow.ok_json_error(code, endpoint="speech", times=None)
    err, received = await speak_until_error(sf_provider_factory(max_retries=1, sleep=RecordingSleep()), say(), error)
    assert type(err) is error and received == 0


async def test_200_with_an_html_page_is_not_audio(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake_siliconflow.ok_html(f"<html><body>{BODY_MARKER} {OPERATOR_KEY}</body></html>", endpoint="speech")
    err, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert received == 0
    assert isinstance(err, ProviderProtocolError) and isinstance(err, ProviderUnavailable)  # so the service falls back
    assert len(fake_siliconflow.requests_for("speech")) == 1
    assert_quotes_nothing(err, BODY_MARKER, OPERATOR_KEY)
    assert BODY_MARKER not in caplog.text and OPERATOR_KEY not in caplog.text
    assert "text/html" in caplog.text  # what is logged: the content type and the length


@pytest.mark.parametrize("content_type", ["application/octet-stream", "audio/pcm"])
async def test_200_with_text_disguised_as_audio_is_not_audio(sf_provider: SiliconFlowProvider,
                                                             fake_siliconflow: FakeSiliconFlow,
                                                             content_type: str) -> None:
    fake_siliconflow.fail(200, endpoint="speech", body=f"upstream error: {BODY_MARKER} " * 20,
                          content_type=content_type)
    err, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert received == 0
    assert_quotes_nothing(err, BODY_MARKER)


async def test_200_with_another_file_format_is_not_pcm(sf_provider: SiliconFlowProvider,
                                                       fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(200, endpoint="speech", body=sample_wav(1.0), content_type="audio/wav")
    _, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert received == 0


@pytest.mark.parametrize("content_type", [None, "application/octet-stream", "application/json"])
async def test_200_with_an_empty_body_is_not_audio(sf_provider: SiliconFlowProvider,
                                                   fake_siliconflow: FakeSiliconFlow, content_type: str | None) -> None:
    fake_siliconflow.ok_empty(endpoint="speech", content_type=content_type)
    err, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert received == 0 and err.params["message"] == "the service sent no audio"


async def test_200_without_a_whole_sample_is_not_audio(sf_provider: SiliconFlowProvider,
                                                       fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(200, endpoint="speech", body=b"\x00", content_type="application/octet-stream")
    _, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert received == 0


async def test_an_endless_stream_is_cut_at_the_deadline(sf_provider_factory: Factory,
                                                        fake_siliconflow: FakeSiliconFlow,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    fake_siliconflow.endless_stream(interval=0.02)
    provider = sf_provider_factory(first_byte_timeout=0.5, total_timeout=60, audio_seconds_floor=0.5,
                                   audio_seconds_per_char=0.05)
    allowed = provider.first_byte_timeout + provider.audio_seconds(say())  # 0.5 + 0.5 + 11 × 0.05 = 1.55 s
    started = time.monotonic()
    err, received = await speak_until_error(provider, say(), ProviderTimeout)
    elapsed = time.monotonic() - started
    assert allowed - 0.1 <= elapsed < allowed + 2.0
    assert 0 < received < provider.max_speech_bytes(say(), 24000)  # a trickle: never near the byte cap
    assert err.params["message"] == "no complete answer within 1.6 s"
    assert len(fake_siliconflow.requests_for("speech")) == 1
    # the connection was closed: the fake stops sending
    sent = fake_siliconflow.requests_for("speech")[0].bytes_sent
    await asyncio.sleep(0.3)
    assert fake_siliconflow.requests_for("speech")[0].bytes_sent - sent <= 2 * 16


async def test_more_audio_than_the_text_can_take_is_cut(sf_provider: SiliconFlowProvider,
                                                        fake_siliconflow: FakeSiliconFlow) -> None:
    cap = sf_provider.max_speech_bytes(say(), 24000)  # (15 s + 11 × 0.6 s) of 24 kHz s16le ≈ 1 MB
    fake_siliconflow.oversize(3 * cap)
    err, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert 0 < received <= cap
    assert err.params["message"] == "more audio than the text can take"
    assert len(fake_siliconflow.requests_for("speech")) == 1


async def test_a_declared_length_beyond_the_cap_is_refused_before_any_audio(sf_provider: SiliconFlowProvider,
                                                                             fake_siliconflow: FakeSiliconFlow) -> None:
    cap = sf_provider.max_speech_bytes(say(), 24000)
    fake_siliconflow.fail(200, endpoint="speech", body=b"\x01\x80" * (cap // 2 + 1),
                          content_type="application/octet-stream")
    _, received = await speak_until_error(sf_provider, say(), ProviderNotAudio)
    assert received == 0


async def test_an_absolute_audio_ceiling_applies(sf_provider_factory: Factory,
                                                 fake_siliconflow: FakeSiliconFlow) -> None:
    with pytest.raises(ProviderNotAudio):
        await collect(sf_provider_factory(max_audio_bytes=10_000), say())


def test_not_audio_has_its_own_sentence_in_every_language() -> None:
    from core.i18n import error_text

    err = ProviderNotAudio("speech: HTTP 200 with something that is not audio", status=200, message="x")
    sentences = {lang: error_text(err, lang) for lang in ("en", "zh", "ja")}
    assert "isn't usable audio" in sentences["en"]
    assert len(set(sentences.values())) == 3
    assert all(s != error_text(ProviderProtocolError(status=200, message="x"), lang) for lang, s in sentences.items())


# --- Ogg/Opus (response_format "opus"): the bytes as they come ---------------------------------------------------


async def opus_bytes(provider: SiliconFlowProvider, request: SynthesisRequest, **kwargs: object) -> bytes:
    return b"".join([part async for part in provider.synthesize_opus(request, **kwargs)])


def played_samples(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(frame.samples for frame in container.decode(audio=0))


async def test_opus_is_asked_for_at_48_khz_and_streamed(sf_provider: SiliconFlowProvider,
                                                        fake_siliconflow: FakeSiliconFlow) -> None:
    assert sf_provider.supports_opus
    fake_siliconflow.realtime_factor = 0.5
    fake_siliconflow.chunk_size = 1000
    request = SynthesisRequest(text="hello <|endofprompt|>world, and welcome back", voice="alex", speed=1.5,
                               gain=-3, instruction="用开心的语气说", sample_rate=16000)
    parts = [part async for part in sf_provider.synthesize_opus(request, api_key=USER_KEY)]
    sent = fake_siliconflow.requests[-1]
    assert sent.json == {
        "model": MODEL,
        "input": "用开心的语气说<|endofprompt|>hello world, and welcome back",
        "voice": f"{MODEL}:alex",
        "response_format": "opus",
        "sample_rate": 48000,
        "stream": True,
        "speed": 1.5,
        "gain": -3.0,
    }
    assert sent.api_key == USER_KEY
    assert len(parts) > 2 and parts[0].startswith(b"OggS")
    text = "hello world, and welcome back"
    assert played_samples(b"".join(parts)) == fake_siliconflow.expected_samples(text, 48000, 1.5)


async def test_opus_is_retried_before_the_first_byte_only(sf_provider_factory: Factory,
                                                          fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(503, times=2)
    data = await opus_bytes(sf_provider_factory(sleep=RecordingSleep()), say("a" * 30))
    assert played_samples(data) == fake_siliconflow.expected_samples("a" * 30, 48000)
    assert len(fake_siliconflow.requests_for("speech")) == 3

    fake_siliconflow.cut_stream(after_bytes=3000)
    received = 0
    with pytest.raises(ProviderStreamCut):
        async for part in sf_provider_factory().synthesize_opus(say("a" * 40)):
            received += len(part)
    assert received == 3000 and len(fake_siliconflow.requests_for("speech")) == 4


@pytest.mark.parametrize("fault", ["pcm", "html", "empty", "json"])
async def test_an_opus_answer_that_is_not_ogg_is_not_audio(sf_provider: SiliconFlowProvider,
                                                           fake_siliconflow: FakeSiliconFlow, fault: str) -> None:
    if fault == "pcm":
        fake_siliconflow.fail(200, endpoint="speech", body=b"\x01\x80" * 500, content_type="audio/opus")
    elif fault == "html":
        fake_siliconflow.ok_html(f"<html>{BODY_MARKER}</html>", endpoint="speech")
    elif fault == "empty":
        fake_siliconflow.ok_empty(endpoint="speech")
    else:
        fake_siliconflow.ok_json_error(12345, endpoint="speech")
    received = 0
    with pytest.raises(ProviderNotAudio) as caught:
        async for part in sf_provider.synthesize_opus(say()):
            received += len(part)
    assert received == 0 and isinstance(caught.value, ProviderUnavailable)  # so the service falls back
    assert_quotes_nothing(caught.value, BODY_MARKER)


async def test_opus_has_the_caps_and_deadline_of_pcm(sf_provider_factory: Factory,
                                                     fake_siliconflow: FakeSiliconFlow) -> None:
    provider = sf_provider_factory()
    cap = provider.max_opus_bytes(say())
    assert cap == math.ceil(provider.audio_seconds(say()) * 66_000)  # Opus at 510 kbit/s, with its pages
    fake_siliconflow.oversize(3 * cap)
    received = 0
    with pytest.raises(ProviderNotAudio) as caught:
        async for part in provider.synthesize_opus(say()):
            received += len(part)
    assert 0 < received <= cap and caught.value.params["message"] == "more audio than the text can take"
    assert sf_provider_factory(max_audio_bytes=1000).max_opus_bytes(say()) == 1000

    tiny = b"OggS" + bytes(60)  # the provider only checks the first page starts like one
    fake_siliconflow.endless_stream(chunk=tiny, interval=0.02)
    slow = sf_provider_factory(first_byte_timeout=0.5, total_timeout=60, audio_seconds_floor=0.5,
                               audio_seconds_per_char=0.05)
    with pytest.raises(ProviderTimeout) as timed_out:
        await opus_bytes(slow, say())
    assert timed_out.value.params["message"] == "no complete answer within 1.6 s"

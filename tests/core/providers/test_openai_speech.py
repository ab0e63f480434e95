"""The OpenAI-compatible speech provider against the fake server (tests/fakes/openai_speech.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from core import audio
from core.errors import (
    CloningUnsupported,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderRateLimited,
    ProviderStreamCut,
    ProviderUnavailable,
    UnknownVoice,
)
from core.models import SynthesisRequest
from core.providers.openai_speech import OpenAISpeechProvider
from core.providers.selfhosted import SpeechHTTP
from tests.fakes.openai_speech import RATE, FakeOpenAISpeech

KEY = "sk-local-server-key"


@pytest.fixture
def fake() -> Iterator[FakeOpenAISpeech]:
    with FakeOpenAISpeech(api_key=KEY) as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


def provider(fake: FakeOpenAISpeech, client: httpx.AsyncClient, *, key: str | None = KEY, voices: str | None = None,
             **http: object) -> OpenAISpeechProvider:
    settings: dict = {"backoff_base": 0.01, "backoff_max": 0.05, "read_timeout": 5.0, **http}
    return OpenAISpeechProvider(SpeechHTTP(client, engine="openai", base_url=fake.base_url, api_key=key, **settings),
                                voices_spec=voices)


async def pcm_of(p: OpenAISpeechProvider, request: SynthesisRequest) -> bytes:
    data = bytearray()
    async for chunk in p.synthesize(request):
        assert chunk.sample_rate == RATE
        data += chunk.data
    return bytes(data)


async def test_speaks_pcm_with_the_mapped_voice_speed_and_key(fake, client) -> None:
    data = await pcm_of(provider(fake, client), SynthesisRequest(text="Hello there", voice="anna", speed=1.5))
    assert len(data) // 2 == int(fake.expected_seconds("Hello there", 1.5) * RATE)
    (rec,) = fake.served("speech")
    assert rec.json == {"model": "tts-1", "input": "Hello there", "voice": "nova", "response_format": "pcm",
                        "speed": 1.5}
    assert rec.headers["Authorization"] == f"Bearer {KEY}"


async def test_the_operator_maps_presets_and_gain_is_ours(fake, client) -> None:
    p = provider(fake, client, voices="anna=sage")
    plain = await pcm_of(p, SynthesisRequest(text="Hello", voice="anna"))
    louder = await pcm_of(p, SynthesisRequest(text="Hello", voice="anna", gain=-6.0))
    assert fake.served("speech")[0].json["voice"] == "sage"
    assert audio.rms_db(plain) - audio.rms_db(louder) == pytest.approx(6.0, abs=0.5)
    with pytest.raises(UnknownVoice):
        await pcm_of(p, SynthesisRequest(text="Hello", voice="speech:someone:else"))


async def test_a_wrong_key_is_an_auth_error_without_the_key_in_it(fake, client) -> None:
    with pytest.raises(ProviderAuthError) as caught:
        await pcm_of(provider(fake, client, key="sk-wrong-key-123"), SynthesisRequest(text="Hi", voice="anna"))
    assert "sk-wrong-key-123" not in str(caught.value) + repr(caught.value.params)
    assert len(fake.requests) == 1  # not retried


async def test_an_unknown_voice_on_the_server_is_a_bad_request(fake, client) -> None:
    with pytest.raises(ProviderBadRequest) as caught:
        await pcm_of(provider(fake, client, voices="anna=nobody"), SynthesisRequest(text="Hi", voice="anna"))
    assert "nobody" in caught.value.params["message"]


async def test_429_is_retried_after_its_pause_and_then_reported(fake, client) -> None:
    fake.fail(429, '{"error": {"message": "Rate limit reached"}}', content_type="application/json",
              retry_after="0.05")
    assert await pcm_of(provider(fake, client), SynthesisRequest(text="Hi", voice="anna"))
    fake.fail(429, '{"error": {"message": "Rate limit reached"}}', content_type="application/json", times=None)
    with pytest.raises(ProviderRateLimited):
        await pcm_of(provider(fake, client, max_retries=1), SynthesisRequest(text="Hi", voice="anna"))


async def test_cut_and_broken_streams(fake, client) -> None:
    fake.cut_stream(9600)
    with pytest.raises(ProviderStreamCut):
        await pcm_of(provider(fake, client), SynthesisRequest(text="Hello there, a longer one", voice="anna"))
    fake.fail(200, "<html>captive portal</html>", content_type="text/html")
    with pytest.raises(ProviderUnavailable):  # not audio: falls back like an outage
        await pcm_of(provider(fake, client), SynthesisRequest(text="Hi", voice="anna"))


async def test_no_cloning_and_the_voice_list(fake, client) -> None:
    p = provider(fake, client)
    assert not p.supports_cloning and not p.supports_instruction
    with pytest.raises(CloningUnsupported):
        await p.clone(b"RIFF", "a.wav", "x", "words")
    assert await p.list_voices() == []
    assert "nova" in (await p.server_voices() or [])
    with FakeOpenAISpeech(list_voices=False) as bare:
        assert await provider(bare, client, key=None).server_voices() is None

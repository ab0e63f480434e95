"""The self-hosted CosyVoice2 provider against the fake of its FastAPI server (tests/fakes/cosyvoice.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from core import audio
from core.errors import (
    EmptyText,
    ProviderBadRequest,
    ProviderNotAudio,
    ProviderNotFound,
    ProviderStreamCut,
    ProviderUnavailable,
    UnknownVoice,
)
from core.models import SynthesisRequest
from core.providers.cosyvoice import CosyVoiceProvider, TranscriptRequired
from core.providers.cosyvoice_references import Reference, reference_id
from core.providers.selfhosted import SpeechHTTP
from tests.fakes.cosyvoice import FakeCosyVoice
from tests.fakes.loopback import speech_pcm


class MemoryReferences:
    """A ReferenceRepository in memory (the real one, storage.references, has its own tests)."""

    def __init__(self) -> None:
        self.rows: dict[int, Reference] = {}

    async def add_reference(self, name: str, audio: bytes, transcript: str) -> int:
        rid = len(self.rows) + 1
        self.rows[rid] = Reference(id=rid, name=name, audio=audio, transcript=transcript)
        return rid

    async def get_reference(self, reference_id: int) -> Reference | None:
        return self.rows.get(reference_id)

    async def list_references(self) -> list[tuple[int, str]]:
        return [(r.id, r.name) for r in self.rows.values()]

    async def delete_reference(self, reference_id: int) -> bool:
        return self.rows.pop(reference_id, None) is not None


@pytest.fixture
def fake() -> Iterator[FakeCosyVoice]:
    with FakeCosyVoice() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


def provider(fake: FakeCosyVoice, client: httpx.AsyncClient, refs=None, **http: object) -> CosyVoiceProvider:
    settings: dict = {"backoff_base": 0.01, "backoff_max": 0.05, "read_timeout": 5.0, **http}
    return CosyVoiceProvider(SpeechHTTP(client, engine="cosyvoice", base_url=fake.base_url, **settings),
                             refs or MemoryReferences(), model="CosyVoice2-0.5B", sample_rate=fake.sample_rate)


def reference_wav(seconds: float = 5.0, rate: int = 24000) -> bytes:
    return audio.encode_sync(speech_pcm(seconds, rate), rate, "wav").data


async def pcm_of(p: CosyVoiceProvider, request: SynthesisRequest) -> tuple[bytes, set[int]]:
    data, rates = bytearray(), set()
    async for chunk in p.synthesize(request):
        data += chunk.data
        rates.add(chunk.sample_rate)
    return bytes(data), rates


async def test_a_preset_speaks_as_its_sft_speaker_in_raw_pcm(fake, client) -> None:
    p = provider(fake, client)
    text = "你好。今天天气很好！"
    data, rates = await pcm_of(p, SynthesisRequest(text=text, voice="anna"))
    assert rates == {24000}
    assert len(data) == len(b"".join(fake._speech(text)))  # every sentence, whole, nothing added
    (rec,) = fake.served("sft")
    assert rec.form == {"tts_text": text, "spk_id": "中文女"}


async def test_control_tokens_never_reach_the_server(fake, client) -> None:
    await pcm_of(provider(fake, client), SynthesisRequest(text="hi<|endofprompt|>there", voice="bella"))
    assert fake.served("sft")[0].form["tts_text"] == "hithere"


async def test_a_clone_is_stored_by_us_and_spoken_zero_shot_or_instructed(fake, client) -> None:
    refs = MemoryReferences()
    p = provider(fake, client, refs)
    wav = reference_wav()
    made = await p.clone(wav, "reference.wav", "vb1-kurisu-abc", "El Psy Kongroo")
    assert reference_id(made.uri) == 1 and refs.rows[1].audio == wav
    assert [v.uri for v in await p.list_voices()] == [made.uri]
    await pcm_of(p, SynthesisRequest(text="Hello there.", voice=made.uri))
    zero = fake.served("zero_shot")[0]
    assert zero.form == {"tts_text": "Hello there.", "prompt_text": "El Psy Kongroo"}
    assert zero.files["prompt_wav"] == wav
    await pcm_of(p, SynthesisRequest(text="Hello.", voice=made.uri, instruction="用开心的语气说"))
    instructed = fake.served("instruct2")[0]
    assert instructed.form == {"tts_text": "Hello.", "instruct_text": "用开心的语气说<|endofprompt|>"}
    await p.delete_voice(made.uri)
    await p.delete_voice(made.uri)  # already gone: fine
    with pytest.raises(ProviderNotFound):
        await pcm_of(p, SynthesisRequest(text="Hello.", voice=made.uri))


async def test_speed_is_a_time_stretch_and_gain_scales_the_samples(fake, client) -> None:
    p = provider(fake, client)
    text = "One sentence here, spoken at two speeds."
    plain, _ = await pcm_of(p, SynthesisRequest(text=text, voice="alex"))
    fast, _ = await pcm_of(p, SynthesisRequest(text=text, voice="alex", speed=2.0))
    assert abs(len(fast) / len(plain) - 0.5) < 0.05
    loud, _ = await pcm_of(p, SynthesisRequest(text=text, voice="alex", gain=6.0))
    assert audio.rms_db(loud) - audio.rms_db(plain) == pytest.approx(6.0, abs=0.5)


async def test_an_unknown_speaker_breaks_off_and_is_not_audio_nor_retried(client) -> None:
    with FakeCosyVoice(speakers=()) as bare:  # a CosyVoice2 model without spk2info.pt
        with pytest.raises(ProviderNotAudio) as caught:
            await pcm_of(provider(bare, client), SynthesisRequest(text="你好", voice="anna"))
        assert isinstance(caught.value, ProviderUnavailable)  # so presets fall back to the offline engine
        assert len(bare.requests) == 1


async def test_server_errors_are_retried_before_audio_and_mapped(fake, client) -> None:
    fake.fail(503, times=2)
    data, _ = await pcm_of(provider(fake, client), SynthesisRequest(text="你好", voice="anna"))
    assert data and len(fake.requests) == 3
    fake.fail(500, times=None)
    with pytest.raises(ProviderUnavailable):
        await pcm_of(provider(fake, client, max_retries=1), SynthesisRequest(text="你好", voice="anna"))


async def test_a_refused_field_is_a_bad_request_not_retried(fake, client) -> None:
    fake.fail(422, '{"detail":[{"type":"missing","loc":["body","spk_id"],"msg":"Field required"}]}',
              content_type="application/json")
    with pytest.raises(ProviderBadRequest):
        await pcm_of(provider(fake, client), SynthesisRequest(text="你好", voice="anna"))
    assert len(fake.requests) == 1


async def test_an_unreadable_reference_is_the_servers_500(fake, client) -> None:
    refs = MemoryReferences()
    p = provider(fake, client, refs, max_retries=0)
    made = await p.clone(reference_wav(rate=8000), "reference.wav", "vb1-low", "words")
    with pytest.raises(ProviderUnavailable):
        await pcm_of(p, SynthesisRequest(text="Hello.", voice=made.uri))


async def test_a_stream_cut_after_audio_is_reported_not_repeated(fake, client) -> None:
    fake.cut_stream(4000)
    with pytest.raises(ProviderStreamCut):
        await pcm_of(provider(fake, client), SynthesisRequest(text="你好。再见。", voice="anna"))
    assert len(fake.requests) == 1


async def test_a_hung_server_times_out(fake, client) -> None:
    fake.hang(times=None)
    with pytest.raises(ProviderUnavailable):
        await pcm_of(provider(fake, client, read_timeout=0.3, max_retries=1), SynthesisRequest(text="你好", voice="anna"))


async def test_bad_requests_are_refused_before_any_call(fake, client) -> None:
    p = provider(fake, client)
    with pytest.raises(EmptyText):
        await pcm_of(p, SynthesisRequest(text="<|en|>", voice="anna"))
    with pytest.raises(UnknownVoice):
        await pcm_of(p, SynthesisRequest(text="hi", voice="nobody"))
    with pytest.raises(TranscriptRequired):
        await p.clone(reference_wav(), "reference.wav", "vb1-x", "  ")
    with pytest.raises(TranscriptRequired):
        await p.transcribe(reference_wav(), "reference.wav")
    assert not fake.requests


async def test_the_servers_key_goes_in_a_header_and_nowhere_else(fake, client) -> None:
    p = provider(fake, client, api_key="local-secret")
    await pcm_of(p, SynthesisRequest(text="你好", voice="anna"))
    assert fake.requests[0].headers["Authorization"] == "Bearer local-secret"
    assert "local-secret" not in repr(p)
    fake.fail(401, "bad key local-secret", times=1)
    with pytest.raises(Exception) as caught:
        await pcm_of(p, SynthesisRequest(text="你好", voice="anna"))
    assert "local-secret" not in str(caught.value) and "local-secret" not in repr(caught.value.params)

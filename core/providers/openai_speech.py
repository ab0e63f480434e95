"""Any OpenAI-compatible speech server: ``POST {base}/audio/speech`` (OpenAI's API; Kokoro-FastAPI, openedai-speech
and many other self-hosted servers speak it).

The request is JSON ``{"model", "input", "voice", "response_format": "pcm", "speed"}``; the answer is raw s16le
mono PCM at 24 kHz (OpenAI's ``pcm``; Kokoro-FastAPI's too), streamed by servers that can. Errors come as
``{"error": {"message", …}}`` (OpenAI) or FastAPI's ``{"detail": …}`` (Kokoro-FastAPI: 400 for an unknown model
or voice, 500 for a failure). Some servers list their voices at ``GET {base}/audio/voices``
(``{"voices": [{"id", "name"}]}`` or, older, ``{"voices": ["…"]}``): :meth:`OpenAISpeechProvider.server_voices`.

No cloning and no styles here (the API has neither for these models); gain is applied by scaling the samples,
speed is the server's (0.25–4.0).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import httpx

from core.errors import CloningUnsupported, EmptyText, UnknownVoice
from core.models import PCMChunk, RemoteVoice, SynthesisRequest
from core.providers.selfhosted import SpeechHTTP, parse_voice_map, pcm_chunks
from core.text import strip_control_tokens

__all__ = ["DEFAULT_MODEL", "DEFAULT_OPENAI_VOICES", "OpenAISpeechProvider"]

#: The model sent when VOICEBRIDGE_TTS_MODEL is left at its CosyVoice2 default (every compatible server knows it).
DEFAULT_MODEL = "tts-1"
#: Presets → OpenAI's voices (Kokoro-FastAPI maps these names onto its own).
DEFAULT_OPENAI_VOICES: Mapping[str, str] = {
    "alex": "onyx", "benjamin": "echo", "charles": "fable", "david": "ash",
    "anna": "nova", "bella": "shimmer", "claire": "coral", "diana": "alloy",
}
#: OpenAI's ``pcm``: 24 kHz, 16-bit signed little-endian, no header.
SAMPLE_RATE = 24000


class OpenAISpeechProvider:
    """:class:`core.providers.base.TTSProvider` for an OpenAI-compatible ``/v1/audio/speech`` (see the module)."""

    name = "openai"
    supports_cloning = False
    supports_instruction = False
    supports_opus = False

    def __init__(self, http: SpeechHTTP, *, model: str = DEFAULT_MODEL, voices_spec: str | None = None,
                 audio_seconds_per_char: float = 0.6, audio_seconds_floor: float = 15.0) -> None:
        self.http = http
        self.model = model
        self.sample_rate = SAMPLE_RATE
        self.voices = parse_voice_map(voices_spec, DEFAULT_OPENAI_VOICES)
        self.audio_seconds_per_char = audio_seconds_per_char
        self.audio_seconds_floor = audio_seconds_floor

    def __repr__(self) -> str:
        return f"OpenAISpeechProvider({self.http!r}, model={self.model!r})"

    @classmethod
    def build(cls, client: httpx.AsyncClient, *, base_url: str, api_key: str | None, model: str,
              voices_spec: str | None, max_retries: int, backoff_base: float,
              read_timeout: float) -> OpenAISpeechProvider:
        """The provider on the shared client, from the operator's settings."""
        http = SpeechHTTP(client, engine="openai", base_url=base_url, api_key=api_key, max_retries=max_retries,
                          backoff_base=backoff_base, read_timeout=read_timeout)
        return cls(http, model=model, voices_spec=voices_spec)

    async def synthesize(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        """Stream ``request`` as PCM at 24 kHz. ``api_key`` is ignored: the server's key is the operator's
        (``VOICEBRIDGE_PROVIDER_API_KEY``), never a user's. Raises like every provider."""
        text = strip_control_tokens(request.text or "").strip()
        if not text:
            raise EmptyText()
        preset = (request.voice or "").strip().lower().rsplit(":", 1)[-1]
        voice = self.voices.get(preset)
        if voice is None:
            raise UnknownVoice(name=(request.voice or "")[:64])
        speed = min(4.0, max(0.25, float(request.speed or 1.0)))
        payload = {"model": self.model, "input": text, "voice": voice, "response_format": "pcm", "speed": speed}
        seconds = (self.audio_seconds_floor + self.audio_seconds_per_char * len(text)) / speed
        body = self.http.stream("POST", "/audio/speech", max_bytes=int(seconds * SAMPLE_RATE * 2),
                                max_seconds=seconds, json=payload)
        async for chunk in pcm_chunks(body, SAMPLE_RATE, gain=float(request.gain or 0.0)):
            yield chunk

    async def server_voices(self) -> list[str] | None:
        """The voices the server lists at ``GET /audio/voices``; None if it has no such list (OpenAI itself,
        openedai-speech) or cannot be asked now."""
        payload = await self.http.get_json("/audio/voices")
        items = payload.get("voices") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            return None
        names = [item.get("id") or item.get("name") if isinstance(item, dict) else item for item in items]
        return [name for name in names if isinstance(name, str) and name]

    async def clone(self, audio: bytes, filename: str, name: str, transcript: str, *,
                    api_key: str | None = None) -> RemoteVoice:
        """This API cannot clone: raises :class:`~core.errors.CloningUnsupported`."""
        raise CloningUnsupported()

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        """No clones here: always empty."""
        return []

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        """No clones here: nothing to delete."""

    async def transcribe(self, audio: bytes, filename: str, *, api_key: str | None = None) -> str:
        """No transcription here (only needed to clone): raises :class:`~core.errors.CloningUnsupported`."""
        raise CloningUnsupported()

    async def aclose(self) -> None:
        """Nothing to release: the HTTP client belongs to the composition root."""

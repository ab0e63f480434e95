"""A self-hosted CosyVoice2: the official FastAPI server of FunAudioLLM/CosyVoice (``runtime/python/fastapi``).

The server's contract (its source is the reference; it has no voice list, no speed, no transcription):

============================  =====================================================  ===========================
route (GET or POST)           form fields                                            used for
============================  =====================================================  ===========================
``/inference_sft``            ``tts_text``, ``spk_id``                               presets (SFT speakers)
``/inference_zero_shot``      ``tts_text``, ``prompt_text``, file ``prompt_wav``     clones (reference + words)
``/inference_cross_lingual``  ``tts_text``, file ``prompt_wav``                      (not used)
``/inference_instruct``       ``tts_text``, ``spk_id``, ``instruct_text``            (CosyVoice-300M-Instruct only)
``/inference_instruct2``      ``tts_text``, ``instruct_text``, file ``prompt_wav``   clones with a style or dialect
============================  =====================================================  ===========================

Every answer is a chunked 200 of raw int16 PCM, mono, at the model's rate (24000 for CosyVoice2 and 3, 22050 for
CosyVoice-300M: :attr:`sample_rate`), no header, one piece per sentence as the model finishes it. A missing field
is FastAPI's 422 JSON; a reference it cannot read a 500 ``Internal Server Error``; an exception inside the model
(an unknown ``spk_id``, a mode the model lacks) happens after the 200 went out and breaks the body off (see
:mod:`core.providers.selfhosted`).

Presets speak as SFT speakers (``VOICEBRIDGE_PROVIDER_VOICES``; by default CosyVoice-300M-SFT's seven, which
operators copy into CosyVoice2, which ships none: without them a preset's request breaks off and the offline
engine speaks instead). Clones are ours: the reference recording and its transcript are stored (encrypted) through
:class:`~core.providers.cosyvoice_references.ReferenceRepository` and sent with every request. Styles and dialects
(``instruction``) apply to clones (``/inference_instruct2``; CosyVoice2 has no instructed SFT); speed is applied
here by time-stretching (:mod:`core.providers.cosyvoice_tempo`), gain by scaling the samples.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping

import httpx

from core.errors import (
    EmptyText,
    InputError,
    InvalidValue,
    ProviderNotFound,
    UnknownVoice,
)
from core.models import PCMChunk, RemoteVoice, SynthesisRequest
from core.providers.cosyvoice_references import Reference, ReferenceRepository, reference_id, reference_uri
from core.providers.cosyvoice_tempo import Tempo
from core.providers.selfhosted import SpeechHTTP, logger, parse_voice_map, pcm_chunks
from core.text import strip_control_tokens

__all__ = ["DEFAULT_SFT_VOICES", "CosyVoiceProvider", "TranscriptRequired"]

#: Presets → SFT speakers of CosyVoice-300M-SFT (the only published set; copied into CosyVoice2 by operators).
DEFAULT_SFT_VOICES: Mapping[str, str] = {
    "alex": "中文男", "benjamin": "英文男", "charles": "日语男", "david": "中文男",
    "anna": "中文女", "bella": "英文女", "claire": "粤语女", "diana": "韩语女",
}
#: CosyVoice2 reads the instruction up to this token (its example.py sends it; the frontend adds nothing).
END_OF_PROMPT = "<|endofprompt|>"
#: The largest reference recording kept (30 s of 48 kHz WAV is 2.9 MB; cloning sends 24 kHz).
MAX_REFERENCE_BYTES = 8 * 1024 * 1024
_CACHED_REFERENCES = 8


class TranscriptRequired(InputError):
    """The engine cannot transcribe a recording: its words must be given with it."""

    code = "transcript_required"


class CosyVoiceProvider:
    """:class:`core.providers.base.TTSProvider` for the CosyVoice2 FastAPI server (see the module).

    ``http`` carries the shared client, base URL, the server's own key and retry settings; ``references`` keeps the
    clones' recordings; ``voices`` maps presets to SFT speakers (None: :data:`DEFAULT_SFT_VOICES`, or
    ``VOICEBRIDGE_PROVIDER_VOICES`` given as ``voices_spec``).
    """

    name = "cosyvoice"
    supports_cloning = True
    supports_instruction = True
    supports_opus = False

    def __init__(self, http: SpeechHTTP, references: ReferenceRepository, *, model: str, sample_rate: int = 24000,
                 voices_spec: str | None = None, audio_seconds_per_char: float = 0.6,
                 audio_seconds_floor: float = 15.0) -> None:
        self.http = http
        self.references = references
        self.model = model
        self.sample_rate = sample_rate
        self.voices = parse_voice_map(voices_spec, DEFAULT_SFT_VOICES)
        self.audio_seconds_per_char = audio_seconds_per_char
        self.audio_seconds_floor = audio_seconds_floor
        self._cache: OrderedDict[int, Reference] = OrderedDict()

    def __repr__(self) -> str:
        return f"CosyVoiceProvider({self.http!r}, sample_rate={self.sample_rate})"

    @classmethod
    def build(cls, client: httpx.AsyncClient, references: ReferenceRepository, *, base_url: str,
              api_key: str | None, model: str, sample_rate: int, voices_spec: str | None, max_retries: int,
              backoff_base: float, read_timeout: float) -> CosyVoiceProvider:
        """The provider on the shared client, from the operator's settings."""
        http = SpeechHTTP(client, engine="cosyvoice", base_url=base_url, api_key=api_key, max_retries=max_retries,
                          backoff_base=backoff_base, read_timeout=read_timeout)
        return cls(http, references, model=model, sample_rate=sample_rate, voices_spec=voices_spec)

    # --- speech --------------------------------------------------------------------------------

    async def synthesize(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        """Stream ``request`` as PCM at :attr:`sample_rate` (``request.sample_rate`` cannot be chosen here).

        ``api_key`` is ignored: the server has one key, the operator's (``VOICEBRIDGE_PROVIDER_API_KEY``).
        Raises like every provider (:mod:`core.providers.selfhosted`); a clone whose recording is gone raises
        :class:`~core.errors.ProviderNotFound`, an unknown preset :class:`~core.errors.UnknownVoice`.
        """
        text = strip_control_tokens(request.text or "").strip()
        if not text:
            raise EmptyText()
        path, form = await self._request(request, text)
        seconds = self.audio_seconds_floor + self.audio_seconds_per_char * len(text)
        body = self.http.stream("POST", path, max_bytes=int(seconds * self.sample_rate * 2), max_seconds=seconds,
                                **form)
        speed = min(4.0, max(0.25, float(request.speed or 1.0)))
        tempo = Tempo(self.sample_rate, speed) if abs(speed - 1.0) > 1e-3 else None
        chunks = pcm_chunks(body, self.sample_rate, gain=float(request.gain or 0.0),
                            shape=tempo.feed if tempo else None, flush=tempo.flush if tempo else None)
        async for chunk in chunks:
            yield chunk

    async def _request(self, request: SynthesisRequest, text: str) -> tuple[str, dict]:
        """The route and form of one request: a clone's zero-shot (or instructed) speech, or a preset's SFT."""
        instruction = strip_control_tokens(request.instruction or "").strip()
        rid = reference_id(request.voice)
        if rid is not None:
            ref = await self._reference(rid)
            files = {"prompt_wav": ("prompt.wav", ref.audio, "audio/wav")}
            if instruction:
                return "/inference_instruct2", {"data": {"tts_text": text, "instruct_text": instruction + END_OF_PROMPT},
                                                "files": files}
            return "/inference_zero_shot", {"data": {"tts_text": text, "prompt_text": ref.transcript}, "files": files}
        preset = (request.voice or "").strip().lower().rsplit(":", 1)[-1]
        speaker = self.voices.get(preset)
        if speaker is None:
            raise UnknownVoice(name=(request.voice or "")[:64])
        if instruction:
            logger.debug("cosyvoice: a preset speaks without its style (CosyVoice2 instructs only clones)")
        return "/inference_sft", {"data": {"tts_text": text, "spk_id": speaker}}

    async def _reference(self, rid: int) -> Reference:
        found = self._cache.get(rid)
        if found is None:
            found = await self.references.get_reference(rid)
            if found is None:
                raise ProviderNotFound(f"speech: reference {rid} is gone", status=None,
                                       message="the voice's recording is gone")
            self._cache[rid] = found
            while len(self._cache) > _CACHED_REFERENCES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(rid)
        return found

    # --- clones: our own store of reference recordings ----------------------------------------------

    async def clone(self, audio: bytes, filename: str, name: str, transcript: str, *,
                    api_key: str | None = None) -> RemoteVoice:
        """Keep ``audio`` (a WAV of the trimmed speech) and its transcript as a new voice, ``cosyvoice:<id>``."""
        text = strip_control_tokens(transcript or "").strip()
        if not text:
            raise TranscriptRequired()
        if not audio or len(audio) > MAX_REFERENCE_BYTES:
            raise InvalidValue(name="audio", value=f"{len(audio)} bytes", allowed="allowed_reference_audio")
        rid = await self.references.add_reference(name, audio, text)
        return RemoteVoice(name=name, uri=reference_uri(rid), model=self.model, transcript=text)

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        """Every clone made on this engine (from the stored references)."""
        return [RemoteVoice(name=name, uri=reference_uri(rid), model=self.model)
                for rid, name in await self.references.list_references()]

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        """Delete a clone's recording; one already gone (or not ours) is not an error."""
        rid = reference_id(uri)
        if rid is None:
            return
        self._cache.pop(rid, None)
        await self.references.delete_reference(rid)

    async def transcribe(self, audio: bytes, filename: str, *, api_key: str | None = None) -> str:
        """The CosyVoice server cannot transcribe: raises :class:`TranscriptRequired`."""
        raise TranscriptRequired()

    async def aclose(self) -> None:
        """Nothing to release: the HTTP client belongs to the composition root."""
        self._cache.clear()


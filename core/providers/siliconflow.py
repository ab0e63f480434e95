"""SiliconFlow's audio API: CosyVoice2 speech, voice cloning, SenseVoice transcription.

The contract is ``reference/siliconflow-api.md``. What this module adds on top of it:

- Speech is always requested as a chunked ``pcm`` stream with an explicit ``sample_rate`` and
  yielded as :class:`~core.models.PCMChunk` while it arrives (an odd trailing byte waits for
  the next chunk, so every chunk holds whole s16le samples).
- ``<|…|>`` tokens are removed from the user's text and the instruction; the instruction goes
  in front as ``instruction<|endofprompt|>text``.
- Retries: 429/500/502/503/504, connection failures and timeouts are retried with exponential
  backoff + jitter, honouring ``Retry-After`` — for speech only *before* the first audio byte
  was yielded (afterwards a cut raises :class:`~core.errors.ProviderStreamCut`; retrying would
  duplicate audio). Uploads (clone) are not idempotent: they are retried only when the request
  provably did not reach the service (connect errors, pool timeouts) or was refused before any
  processing (429, 503); a timeout or 500/502/504 after sending may have created the voice, so
  it is reported, not repeated. List, delete and transcribe are idempotent and retried like speech.
- A ``Retry-After`` longer than ``retry_after_max`` (default ``4 × backoff_max``) is not waited
  out: the call fails at once with ``ProviderRateLimited(retry_after=…)`` for the caller to show.
- Timeouts: ``connect_timeout`` for the TCP connect (and waiting for a pooled connection);
  ``first_byte_timeout`` from sending a speech request to its first audio byte (headers
  included), also the longest silence tolerated mid-stream; ``total_timeout`` is the budget of
  one call across all attempts and backoff pauses, counting only the time spent waiting on the
  provider — never the time the consumer holds a yielded chunk (a voice channel that plays
  audio in real time must not kill long clips).
- Error bodies are read as text first, then as JSON (401/403/404/504 are plain text). Messages
  are trimmed to 200 characters and scrubbed of the API key; the key never appears in an
  exception, a log line or ``repr``.
- A 200 is not trusted blindly (a proxy's page, a gateway's JSON, an empty or endless body must never
  be spoken, cached or served):

  * speech: the ``Content-Type`` must not be text, JSON, XML/HTML (audio/*, octet-stream,
    ``application/audio`` and a missing type are fine — the contract's types vary), and the first
    bytes must not be text or another file format (RIFF, Ogg, ID3, fLaC: we asked for headerless
    ``pcm``). A JSON error body (``{"code", "message"}``) maps to the error its code means (20012 →
    400, 30001 → 402, 50505 → 503, an HTTP-like code as itself) and is retried like that status;
    anything else is :class:`~core.errors.ProviderNotAudio`, as is an answer with no whole sample.
  * speech is capped: at most ``audio_seconds(text, speed)`` of audio, i.e.
    ``(audio_seconds_floor + audio_seconds_per_char × characters) / speed`` (15 s + 0.6 s per
    character: about 2.5× the slowest real CosyVoice2 Chinese, 8× English), as bytes at the
    requested rate (→ ``ProviderNotAudio``; a declared ``Content-Length`` beyond it is refused before
    any audio is handed out), optionally also ``max_audio_bytes``; and a wall-clock
    deadline of ``first_byte_timeout + audio_seconds`` from sending the request (→ ``ProviderTimeout``;
    a consumer playing in real time needs at most the audio's duration).
  * JSON answers (clone, list, transcribe, delete) are read up to ``max_json_bytes`` (4 MiB); HTML/XML,
    non-JSON, a JSON error body or missing fields raise a typed error, never ``KeyError``.
  * those errors never quote the body or a header: their message is ours (plus a numeric error
    code); the log line says the content type and the length only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import mimetypes
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from core.errors import (
    EmptyText,
    InvalidApiKey,
    InvalidName,
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
from core.models import PRESET_VOICES, PCMChunk, RemoteVoice, SynthesisRequest
from core.providers.retry import parse_retry_after, retry_delay
from core.text import strip_control_tokens  # the one rule for user text: see core.text

__all__ = [
    "PCM_SAMPLE_RATES",
    "SiliconFlowProvider",
    "strip_control_tokens",
]

logger = logging.getLogger(__name__)

DEFAULT_TTS_MODEL = "FunAudioLLM/CosyVoice2-0.5B"
DEFAULT_ASR_MODEL = "FunAudioLLM/SenseVoiceSmall"
#: Sample rates SiliconFlow accepts for ``pcm``.
PCM_SAMPLE_RATES: tuple[int, ...] = (8000, 16000, 24000, 32000, 44100)
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Statuses that mean "refused before processing": safe to repeat even a non-idempotent upload.
_REFUSED_STATUSES = frozenset({429, 503})
_STATUS_ERRORS: dict[int, type[ProviderError]] = {
    400: ProviderBadRequest,
    401: ProviderAuthError,
    402: ProviderPaymentRequired,
    403: ProviderForbidden,
    404: ProviderNotFound,
    429: ProviderRateLimited,
    500: ProviderUnavailable,
    502: ProviderUnavailable,
    503: ProviderUnavailable,
    504: ProviderTimeout,
}
_CUSTOM_NAME = re.compile(r"[A-Za-z0-9_-]+")
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")
_GONE = re.compile(r"not\s*found|not\s*exist|no\s+such|不存在|未找到", re.IGNORECASE)
_MESSAGE_LIMIT = 200
_ERROR_BODY_LIMIT = 64 * 1024
#: Bytes looked at before the first speech chunk is trusted to be audio (≈1.3 ms at 24 kHz).
_SNIFF_BYTES = 64
#: What the start of a ``pcm`` body must not be: other file formats.
_CONTAINER_MAGIC = (b"RIFF", b"RIFX", b"OggS", b"ID3", b"fLaC", b"FORM", b"\x1aE\xdf\xa3")
#: ``code`` values that mean success in SiliconFlow envelopes.
_SUCCESS_CODES = frozenset({0, 200, 20000})
#: SiliconFlow business codes seen in error bodies → the HTTP status they come with.
_CODE_STATUS = {20012: 400, 30001: 402, 50505: 503}
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}")

T = TypeVar("T")


@dataclass(slots=True)
class _Failure:
    """One failed attempt: the error to raise if we stop, and whether another try is safe."""

    error: ProviderError
    retryable: bool
    retry_after: float | None = None


class _StatusFailure(Exception):
    """Carries a non-2xx answer out of the speech opener (internal)."""

    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.error.detail)
        self.failure = failure


class _Budget:
    """What is left of ``total_timeout`` for one call."""

    __slots__ = ("remaining",)

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds


class SiliconFlowProvider:
    """:class:`core.providers.base.TTSProvider` for SiliconFlow.

    Args:
        client: the shared ``httpx.AsyncClient``; the provider never closes it.
        base_url: API base, e.g. ``https://api.siliconflow.cn/v1``.
        api_key: the operator's key; each call may pass a user's ``api_key`` instead.
        model / asr_model: CosyVoice2 and SenseVoice model ids.
        sample_rate: used when a request carries no sample rate.
        max_retries: retries after the first attempt (so ``max_retries + 1`` attempts at most).
        backoff_base / backoff_max: exponential backoff ``base·2^n`` capped at ``max``, jittered.
        connect_timeout / first_byte_timeout / total_timeout: see the module docstring.
        retry_after_max: the longest ``Retry-After`` waited out (default ``4 × backoff_max``).
        audio_seconds_per_char / audio_seconds_floor: the most audio one text may produce,
            ``(floor + per_char × characters) / speed`` seconds; more bytes than that, or a stream
            still running ``first_byte_timeout`` after that many seconds, is an error.
        max_audio_bytes: an absolute ceiling on one speech answer (None: only the derived one).
        max_json_bytes: the largest JSON answer read (clone, list, transcribe, delete).
        sleep: how backoff pauses are taken (a seam for tests; defaults to ``asyncio.sleep``).
    """

    name = "siliconflow"
    supports_cloning = True

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str | None,
        model: str = DEFAULT_TTS_MODEL,
        asr_model: str = DEFAULT_ASR_MODEL,
        sample_rate: int = 24000,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        connect_timeout: float = 5.0,
        first_byte_timeout: float = 20.0,
        total_timeout: float = 120.0,
        retry_after_max: float | None = None,
        audio_seconds_per_char: float = 0.6,
        audio_seconds_floor: float = 15.0,
        max_audio_bytes: int | None = None,
        max_json_bytes: int = 4 * 1024 * 1024,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.model = model
        self.asr_model = asr_model
        self.sample_rate = sample_rate
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.connect_timeout = connect_timeout
        self.first_byte_timeout = first_byte_timeout
        self.total_timeout = total_timeout
        self.retry_after_max = backoff_max * 4 if retry_after_max is None else retry_after_max
        self.audio_seconds_per_char = audio_seconds_per_char
        self.audio_seconds_floor = audio_seconds_floor
        self.max_audio_bytes = max_audio_bytes
        self.max_json_bytes = max_json_bytes
        self._sleep = sleep
        # Streams: a read may wait at most first_byte_timeout (before the first byte, and mid-stream).
        self._stream_timeout = httpx.Timeout(connect=connect_timeout, read=first_byte_timeout,
                                             write=total_timeout, pool=connect_timeout)
        # Other calls: the service may think for a while (transcribing an hour of audio).
        self._call_timeout = httpx.Timeout(connect=connect_timeout, read=total_timeout,
                                           write=total_timeout, pool=connect_timeout)

    def __repr__(self) -> str:
        key = "set" if self._api_key else "unset"
        return f"SiliconFlowProvider(base_url={self.base_url!r}, model={self.model!r}, api_key={key})"

    # --- the protocol ---------------------------------------------------------------------------

    async def synthesize(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        """Stream ``request`` as s16le mono PCM at ``request.sample_rate``.

        Raises a :class:`~core.errors.ProviderError` subclass (after retries where safe);
        :class:`~core.errors.ProviderStreamCut` if the stream breaks after audio was yielded;
        :class:`~core.errors.ProviderNotAudio` for a 200 that is not audio (or more of it than the
        text can take); :class:`~core.errors.ProviderTimeout` for a stream that does not end in time.
        """
        key = self._key(api_key)
        payload = self._speech_payload(request)
        rate = payload["sample_rate"]
        url = self._url("/audio/speech")
        seconds = self.audio_seconds(request)
        max_bytes = self.max_speech_bytes(request, rate)
        budget = _Budget(self.total_timeout)
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            attempt += 1
            stack = contextlib.AsyncExitStack()
            sent_at = loop.time()
            try:
                chunks, first = await self._timed(
                    self._open_speech(stack, url, payload, key, max_bytes), budget, limit=self.first_byte_timeout)
                break
            except _StatusFailure as exc:
                failure = exc.failure
            except ProviderError:
                await stack.aclose()
                raise
            except Exception as exc:  # noqa: BLE001 - _transport_failure re-raises what it does not know
                await stack.aclose()
                failure = self._transport_failure(exc, "speech", budget, idempotent=True, key=key)
            except BaseException:
                await stack.aclose()
                raise
            await stack.aclose()
            await self._backoff("speech", attempt, failure, budget)

        # From here on audio has been (or is about to be) handed out: no more retries.
        # Wall clock, consumer time included: a consumer playing in real time needs the audio's duration.
        allowed = self.first_byte_timeout + seconds
        deadline = sent_at + allowed
        carry = b""
        received = 0
        total = 0
        try:
            data: bytes | None = first
            while data is not None:
                received += len(data)
                if received > max_bytes:
                    logger.warning("siliconflow speech: more than %d bytes of audio for %d characters; stopped",
                                   max_bytes, _spoken_chars(request))
                    raise ProviderNotAudio(f"speech: more than {max_bytes} bytes of audio", status=200,
                                           message="more audio than the text can take")
                if carry:
                    data, carry = carry + data, b""
                if len(data) % 2:
                    data, carry = data[:-1], data[-1:]
                if data:
                    total += len(data)
                    yield PCMChunk(data, rate)
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise self._deadline_error(allowed, received)
                by_deadline = remaining < budget.remaining
                try:
                    data = await self._timed(anext(chunks, None), budget, limit=remaining)
                except TimeoutError as exc:
                    if by_deadline:
                        raise self._deadline_error(allowed, received) from exc
                    raise self._timeout_error("speech", budget, after_audio=True) from exc
                except httpx.TimeoutException as exc:
                    raise ProviderTimeout(f"speech: stalled mid-stream after {total} bytes", status=None,
                                          message="the audio stream stalled") from exc
                except httpx.RequestError as exc:
                    raise ProviderStreamCut(f"speech: {type(exc).__name__} after {total} bytes", status=None,
                                            message="the audio stream was cut off") from exc
            if not total:
                logger.warning("siliconflow speech: HTTP 200 answer holds no whole sample (%d bytes)", received)
                raise ProviderNotAudio("speech: 200 without a whole sample", status=200,
                                       message="the service sent no audio")
            if carry:
                logger.debug("siliconflow speech ended on an odd byte; dropped it")
        finally:
            await stack.aclose()

    def audio_seconds(self, request: SynthesisRequest) -> float:
        """The most audio (seconds) ``request`` may produce: ``(floor + per_char × characters) / speed``."""
        speed = min(4.0, max(0.25, float(request.speed or 1.0)))
        return (self.audio_seconds_floor + self.audio_seconds_per_char * _spoken_chars(request)) / speed

    def max_speech_bytes(self, request: SynthesisRequest, sample_rate: int | None = None) -> int:
        """The largest speech answer accepted for ``request`` (s16le bytes at its sample rate)."""
        rate = sample_rate or request.sample_rate or self.sample_rate
        limit = math.ceil(self.audio_seconds(request) * rate) * 2
        return limit if self.max_audio_bytes is None else min(limit, self.max_audio_bytes)

    def _deadline_error(self, allowed: float, received: int) -> ProviderTimeout:
        logger.warning("siliconflow speech: still streaming after %.1f s (%d bytes); stopped", allowed, received)
        shown = f"{round(allowed, 1):g}"
        return ProviderTimeout(f"speech: still streaming after {shown} s", status=None,
                               message=f"no complete answer within {shown} s")

    async def clone(self, audio: bytes, filename: str, name: str, transcript: str, *,
                    api_key: str | None = None) -> RemoteVoice:
        """Upload reference audio (multipart ``file``) and return the new voice.

        ``name`` becomes ``customName``: letters, digits, ``_`` and ``-`` only (the service
        refuses anything else, so we refuse it first with :class:`~core.errors.InvalidName`).
        """
        key = self._key(api_key)
        if not _CUSTOM_NAME.fullmatch(name or ""):
            raise InvalidName(name=name, rule="use only letters, digits, _ and -")
        text = strip_control_tokens(transcript or "").strip()
        if not text:
            raise InvalidValue(name="transcript", value="", allowed="the words spoken in the audio")
        files = {"file": (filename or "voice.wav", audio, _mime(filename))}
        data = {"model": self.model, "customName": name, "text": text}
        payload = await self._call("POST", "/uploads/audio/voice", key, op="clone", idempotent=False,
                                   files=files, data=data)
        uri = payload.get("uri") if isinstance(payload, dict) else None
        if (not isinstance(uri, str) or not uri.startswith("speech:") or len(uri) > _URI_LIMIT
                or not uri.isprintable() or any(ch.isspace() for ch in uri)):
            logger.warning("siliconflow clone: HTTP 200 answer has no usable voice uri")
            raise ProviderProtocolError("clone: no speech: uri in the answer", status=200,
                                        message="the upload answer has no voice uri")
        return RemoteVoice(name=name, uri=uri, model=self.model, transcript=text)

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        """The account's clones. Accepts ``results``, ``result``, a bare list or an envelope."""
        key = self._key(api_key)
        payload = await self._call("GET", "/audio/voice/list", key, op="list", idempotent=True)
        return _parse_voice_list(payload, 200)

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        """Delete a clone. 404, or a 400 that says "not found", means it is already gone."""
        key = self._key(api_key)
        try:
            # The success body is unspecified ("string"): any 2xx but a web page or an error body is success.
            await self._call("POST", "/audio/voice/deletions", key, op="delete", idempotent=True,
                             lenient=True, json={"uri": uri})
        except ProviderNotFound:
            logger.debug("siliconflow delete: voice already gone (404)")
        except ProviderBadRequest as exc:
            if not _GONE.search(str(exc.params.get("message") or "")):
                raise
            logger.debug("siliconflow delete: voice already gone (%s)", exc.params.get("message"))

    async def transcribe(self, audio: bytes, filename: str, *, api_key: str | None = None) -> str:
        """SenseVoice transcription with its ``<|zh|><|NEUTRAL|>…`` tags removed."""
        key = self._key(api_key)
        files = {"file": (filename or "audio", audio, _mime(filename))}
        payload = await self._call("POST", "/audio/transcriptions", key, op="transcribe", idempotent=True,
                                   files=files, data={"model": self.asr_model})
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str):
            logger.warning("siliconflow transcribe: HTTP 200 answer has no text")
            raise ProviderProtocolError("transcribe: no text in the answer", status=200,
                                        message="the transcription answer has no text")
        return strip_control_tokens(text).strip()

    async def aclose(self) -> None:
        """Nothing to release: the HTTP client belongs to the composition root."""

    # --- request building ---------------------------------------------------------------------

    def voice_id(self, voice: str) -> str:
        """The ``voice`` value to send: ``alex`` → ``MODEL:alex``; ``MODEL:x`` and ``speech:…`` as is."""
        voice = (voice or "").strip()
        if voice.startswith("speech:") or ":" in voice:
            return voice
        if voice.lower() in PRESET_VOICES:
            return f"{self.model}:{voice.lower()}"
        raise UnknownVoice(name=voice)

    def _speech_payload(self, request: SynthesisRequest) -> dict[str, Any]:
        text = strip_control_tokens(request.text).strip()
        if not text:
            raise EmptyText()
        instruction = strip_control_tokens(request.instruction or "").strip()
        rate = request.sample_rate or self.sample_rate
        if rate not in PCM_SAMPLE_RATES:
            raise InvalidValue(name="sample_rate", value=rate, allowed=", ".join(map(str, PCM_SAMPLE_RATES)))
        return {
            "model": self.model,
            "input": f"{instruction}<|endofprompt|>{text}" if instruction else text,
            "voice": self.voice_id(request.voice),
            "response_format": "pcm",
            "sample_rate": rate,
            "stream": True,
            "speed": float(request.speed),
            "gain": float(request.gain),
        }

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _key(self, api_key: str | None) -> str:
        key = (api_key or self._api_key or "").strip()
        if not key:
            raise ProviderAuthError("no API key configured", status=None, message="no API key")
        if not key.isascii() or not key.isprintable() or any(ch.isspace() for ch in key):
            # It could not travel in a header; and echoing it in an error would leak it.
            raise InvalidApiKey("the API key has characters an HTTP header cannot carry")
        return key

    @staticmethod
    def _headers(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    # --- the HTTP exchange ----------------------------------------------------------------------

    async def _open_speech(self, stack: contextlib.AsyncExitStack, url: str, payload: dict[str, Any],
                           key: str, max_bytes: int) -> tuple[AsyncIterator[bytes], bytes]:
        """Send the speech request and wait for the first bytes; refuse what is not audio."""
        response = await stack.enter_async_context(
            self._client.stream("POST", url, json=payload, headers=self._headers(key), timeout=self._stream_timeout))
        self._log_response("speech", response)
        if response.status_code != 200:
            text = await _read_limited(response)
            raise _StatusFailure(self._status_failure("speech", response, text, key, idempotent=True))
        media = _media_type(response)
        declared = _as_int(response.headers.get("content-length"))
        if declared is not None and declared > max_bytes and not response.headers.get("content-encoding"):
            logger.warning("siliconflow speech: HTTP 200 declares %d bytes, more than the %d this text can take",
                           declared, max_bytes)
            raise ProviderNotAudio(f"speech: HTTP 200 declares more than {max_bytes} bytes", status=200,
                                   message="more audio than the text can take")
        chunks = response.aiter_bytes()
        if not _may_be_audio(media):
            body, _ = await _read_up_to(chunks, _ERROR_BODY_LIMIT)
            raise self._not_audio(response, media, body, key)
        head = bytearray()
        async for part in chunks:
            head += part
            if len(head) >= _SNIFF_BYTES:
                break
        if not head or _is_text(head):
            rest, _ = await _read_up_to(chunks, max(0, _ERROR_BODY_LIMIT - len(head))) if head else (b"", False)
            raise self._not_audio(response, media, bytes(head) + rest, key)
        if bytes(head[:4]).startswith(_CONTAINER_MAGIC):
            raise self._not_audio(response, media, bytes(head), key)
        return chunks, bytes(head)

    def _not_audio(self, response: httpx.Response, media: str, body: bytes, key: str) -> Exception:
        """What a 200 speech answer that is not audio becomes: the error its JSON error body means
        (as a retryable-or-not :class:`_StatusFailure`), else :class:`ProviderNotAudio`."""
        logger.warning("siliconflow speech: HTTP %d answer is not audio (content type %s, %d bytes)",
                       response.status_code, _safe_media(media, key), len(body))
        failure = self._body_failure("speech", response, _loads(body), idempotent=True)
        if failure is not None:
            return _StatusFailure(failure)
        what = "no audio" if not body.strip() else "something that is not audio"
        return ProviderNotAudio(f"speech: HTTP {response.status_code} with {what}", status=response.status_code,
                                message=f"the service sent {what}")

    async def _call(self, method: str, path: str, key: str, *, op: str, idempotent: bool, lenient: bool = False,
                    **kwargs: Any) -> Any:
        """One JSON exchange with retries; returns the 2xx answer's parsed JSON or raises.

        A 2xx that is a web page, not JSON (unless ``lenient``: then None), larger than
        ``max_json_bytes``, or a JSON error body (mapped like the status its code means) is an error.
        """
        budget = _Budget(self.total_timeout)
        url = self._url(path)
        attempt = 0
        while True:
            attempt += 1
            try:
                response, body = await self._timed(self._exchange(method, url, key, op, **kwargs), budget)
            except ProviderError:
                raise
            except Exception as exc:  # noqa: BLE001 - _transport_failure re-raises what it does not know
                failure = self._transport_failure(exc, op, budget, idempotent=idempotent, key=key)
            else:
                self._log_response(op, response)
                if response.is_success:
                    payload, failure = self._answer(op, response, body, key, idempotent=idempotent, lenient=lenient)
                    if failure is None:
                        return payload
                else:
                    text = body[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
                    failure = self._status_failure(op, response, text, key, idempotent=idempotent)
            await self._backoff(op, attempt, failure, budget)

    async def _exchange(self, method: str, url: str, key: str, op: str, **kwargs: Any) -> tuple[httpx.Response, bytes]:
        """Send one request and read its body: a 2xx up to ``max_json_bytes`` (more is an error),
        anything else up to 64 KiB (the rest is not read)."""
        request = self._client.build_request(method, url, headers=self._headers(key), timeout=self._call_timeout,
                                             **kwargs)
        response = await self._client.send(request, stream=True)
        try:
            limit = self.max_json_bytes if response.is_success else _ERROR_BODY_LIMIT
            body, more = await _read_up_to(response.aiter_bytes(), limit)
        finally:
            await response.aclose()
        if more and response.is_success:
            logger.warning("siliconflow %s: HTTP %d answer larger than %d bytes (content type %s)", op,
                           response.status_code, limit, _safe_media(_media_type(response), key))
            raise ProviderProtocolError(f"{op}: answer larger than {limit} bytes", status=response.status_code,
                                        message="the answer is too large")
        return response, body

    def _answer(self, op: str, response: httpx.Response, body: bytes, key: str, *, idempotent: bool,
                lenient: bool) -> tuple[Any, _Failure | None]:
        """Check a 2xx JSON answer: (payload, None), or (None, the failure its error body means)."""
        media = _media_type(response)
        status = response.status_code
        if _is_markup(media) or _looks_like_markup(body):
            logger.warning("siliconflow %s: HTTP %d answer is a web page, not JSON (content type %s, %d bytes)",
                           op, status, _safe_media(media, key), len(body))
            raise ProviderProtocolError(f"{op}: HTTP {status} with a web page", status=status,
                                        message="the answer is a web page, not JSON")
        payload = _loads(body)
        if payload is _NOT_JSON:
            if lenient:
                return None, None
            logger.warning("siliconflow %s: HTTP %d answer is not JSON (content type %s, %d bytes)",
                           op, status, _safe_media(media, key), len(body))
            raise ProviderProtocolError(f"{op}: answer is not JSON", status=status, message="the answer is not JSON")
        failure = self._body_failure(op, response, payload, idempotent=idempotent)
        if failure is not None:
            logger.warning("siliconflow %s: HTTP %d answer is an error body (content type %s, %d bytes)",
                           op, status, _safe_media(media, key), len(body))
        return payload, failure

    async def _timed(self, awaitable: Awaitable[T], budget: _Budget, *, limit: float | None = None) -> T:
        """Await under the call's remaining budget (and ``limit``), charging the time spent."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        timeout = budget.remaining if limit is None else min(limit, budget.remaining)
        try:
            async with asyncio.timeout(max(0.0, timeout)):
                return await awaitable
        finally:
            budget.remaining -= loop.time() - started

    async def _backoff(self, op: str, attempt: int, failure: _Failure, budget: _Budget) -> None:
        """Pause before the next attempt, or raise ``failure.error`` if we should stop."""
        if not failure.retryable or attempt > self.max_retries:
            raise failure.error
        delay = retry_delay(attempt, base=self.backoff_base, cap=self.backoff_max,
                            retry_after=failure.retry_after, retry_after_max=self.retry_after_max)
        if delay is None or delay >= budget.remaining:
            raise failure.error
        logger.info("siliconflow %s: %s; retry %d of %d in %.2f s",
                    op, failure.error.detail, attempt, self.max_retries, delay)
        await self._sleep(delay)
        budget.remaining -= delay

    # --- turning failures into errors -------------------------------------------------------------

    def _status_failure(self, op: str, response: httpx.Response, text: str, key: str, *,
                        idempotent: bool) -> _Failure:
        status = response.status_code
        message = _provider_message(text, key) or response.reason_phrase or f"HTTP {status}"
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        cls = _STATUS_ERRORS.get(status) or (ProviderUnavailable if status >= 500 else ProviderError)
        trace = response.headers.get("x-siliconcloud-trace-id")
        detail = f"{op}: HTTP {status}" + (f" (trace {trace})" if trace else "")
        params: dict[str, Any] = {"status": status, "message": message}
        if cls is ProviderRateLimited:
            params["retry_after"] = retry_after
        retryable = status in (_RETRYABLE_STATUSES if idempotent else _REFUSED_STATUSES)
        return _Failure(cls(detail, **params), retryable=retryable, retry_after=retry_after)

    def _transport_failure(self, exc: Exception, op: str, budget: _Budget, *, idempotent: bool,
                           key: str) -> _Failure:
        """Map a failed attempt (no HTTP answer) to a failure; unknown exceptions propagate."""
        if isinstance(exc, TimeoutError):
            error = self._timeout_error(op, budget, after_audio=False)
            # Our own timeout fired while the request may have been processed.
            failure = _Failure(error, retryable=idempotent and budget.remaining > 0)
        elif isinstance(exc, httpx.UnsupportedProtocol):
            failure = _Failure(ProviderUnavailable(f"{op}: bad base URL", status=None,
                                                   message="the provider URL is not http(s)"), retryable=False)
        elif isinstance(exc, httpx.RequestError):
            # Only these guarantee the request never reached the service.
            not_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            message = _redact(f"{type(exc).__name__}: {exc}", key)[:_MESSAGE_LIMIT]
            cls = ProviderTimeout if isinstance(exc, httpx.TimeoutException) else ProviderUnavailable
            failure = _Failure(cls(f"{op}: {type(exc).__name__}", status=None, message=message),
                               retryable=idempotent or not_sent)
        else:
            raise exc
        failure.error.__cause__ = exc
        return failure

    def _timeout_error(self, op: str, budget: _Budget, *, after_audio: bool) -> ProviderTimeout:
        if budget.remaining <= 0:
            return ProviderTimeout(f"{op}: total timeout ({self.total_timeout:g} s)", status=None,
                                   message=f"no complete answer within {self.total_timeout:g} s")
        if after_audio:
            return ProviderTimeout(f"{op}: stalled mid-stream", status=None, message="the audio stream stalled")
        what = "audio" if op == "speech" else "answer"
        limit = self.first_byte_timeout if op == "speech" else self.total_timeout
        return ProviderTimeout(f"{op}: no {what} within {limit:g} s", status=None,
                               message=f"no {what} within {limit:g} s")

    def _body_failure(self, op: str, response: httpx.Response, payload: Any, *, idempotent: bool) -> _Failure | None:
        """The failure a 2xx JSON error body (``{"code", "message"}``, ``{"error"}``, ``status: false``)
        means, mapped like the HTTP status its code stands for; None if it is no error body.
        The message is ours: the body's words are never quoted (they could echo the key)."""
        found = _error_code(payload)
        if found is None:
            return None
        code, mapped, gone = found
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if not mapped:  # an error we cannot place: for speech "not audio", else "not what we asked for"
            cls: type[ProviderError] = ProviderNotAudio if op == "speech" else ProviderProtocolError
        else:
            cls = _STATUS_ERRORS.get(mapped) or (ProviderUnavailable if mapped >= 500 else ProviderError)
        message = f"error code {code}" if code is not None else "the answer reports an error"
        if gone:
            message += ": not found"
        detail = f"{op}: HTTP {response.status_code} with an error body"
        if code is not None:
            detail += f" (code {code})"
        params: dict[str, Any] = {"status": mapped or response.status_code, "message": message}
        if cls is ProviderRateLimited:
            params["retry_after"] = retry_after
        retryable = mapped in (_RETRYABLE_STATUSES if idempotent else _REFUSED_STATUSES)
        return _Failure(cls(detail, **params), retryable=retryable, retry_after=retry_after)

    @staticmethod
    def _log_response(op: str, response: httpx.Response) -> None:
        logger.debug("siliconflow %s -> HTTP %s, trace %s", op, response.status_code,
                     response.headers.get("x-siliconcloud-trace-id", "-"))


# --- helpers ---------------------------------------------------------------------------------------


async def _read_limited(response: httpx.Response) -> str:
    """An error body as text (at most 64 KiB; a broken body reads as empty)."""
    body = bytearray()
    try:
        async for part in response.aiter_bytes():
            body += part
            if len(body) >= _ERROR_BODY_LIMIT:
                break
    except httpx.RequestError:
        pass
    return body[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")


def _provider_message(text: str, key: str | None) -> str:
    """The provider's own words from an error body: plain text, a JSON string or ``{message}``."""
    message = text.strip()
    try:
        parsed = json.loads(message)
    except ValueError:
        parsed = None
    if isinstance(parsed, str):
        message = parsed
    elif isinstance(parsed, dict):
        for name in ("message", "msg", "error", "detail", "data"):
            value = parsed.get(name)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                message = value
                break
    message = _redact(" ".join(message.split()), key)
    if len(message) > _MESSAGE_LIMIT:
        message = message[:_MESSAGE_LIMIT - 1] + "…"
    return message


_NOT_JSON: Any = object()
_URI_LIMIT = 512


def _loads(body: bytes) -> Any:
    """The JSON in ``body``, or ``_NOT_JSON``."""
    try:
        return json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return _NOT_JSON


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip())
    return None


def _code_status(code: int | None) -> int:
    """The HTTP status a body's error code stands for (0: unknown). HTTP-like codes are themselves;
    SiliconFlow's five-digit codes: the known ones, else 2xxxx → 400 (parameters) and 5xxxx → 503."""
    if code is None:
        return 0
    if 400 <= code <= 599:
        return code
    if code in _CODE_STATUS:
        return _CODE_STATUS[code]
    return {2: 400, 5: 503}.get(code // 10000, 0) if 10000 <= code <= 99999 else 0


def _error_code(payload: Any) -> tuple[int | None, int, bool] | None:
    """(code, HTTP status it means or 0, whether it says "not found") if ``payload`` is an error body."""
    if not isinstance(payload, dict) or payload.get("status") is True or payload.get("success") is True:
        return None
    code = _as_int(payload.get("code"))
    error = payload.get("error")
    if code is None and isinstance(error, dict):
        code = _as_int(error.get("code"))
        if code is None:
            code = _as_int(error.get("status"))
    failed = ((code is not None and code not in _SUCCESS_CODES) or bool(error)
              or payload.get("status") is False or payload.get("success") is False)
    if not failed:
        return None
    words = []
    for value in (payload.get("message"), payload.get("msg"), error, payload.get("data")):
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, str):
            words.append(value)
    gone = bool(_GONE.search(" ".join(words)[:_ERROR_BODY_LIMIT]))
    return code, _code_status(code), gone


def _media_type(response: httpx.Response) -> str:
    """The response's media type, lower-case, without parameters ('' when missing)."""
    return (response.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


def _is_json_type(media: str) -> bool:
    return media in ("application/json", "text/json") or media.endswith("+json")


def _is_markup(media: str) -> bool:
    return "html" in media or "xml" in media


def _may_be_audio(media: str) -> bool:
    """Whether a speech answer of this media type may be audio: anything but text, JSON, markup and
    the obviously-not-audio families (the contract's audio types vary: octet-stream, application/audio,
    audio/*; a self-hosted server sends none)."""
    if not media:
        return True
    if media.startswith(("text/", "image/", "multipart/", "message/", "font/", "model/")):
        return False
    return not (_is_json_type(media) or _is_markup(media))


def _safe_media(media: str, key: str | None) -> str:
    """The media type for a log line: only if it looks like one (a header could carry anything)."""
    if not media:
        return "(none)"
    if not _MEDIA_TYPE.fullmatch(media):
        return "(unusual)"
    return _redact(media, key)


def _is_text(data: bytes | bytearray) -> bool:
    """Whether the first bytes of a body are printable UTF-8 text (speech PCM starts near silence, so
    its first bytes are not: 64 printable bytes in a row are ~1e-28 likely even for loud noise)."""
    sample = bytes(data[:_SNIFF_BYTES])
    if sample.startswith(b"\xef\xbb\xbf"):
        sample = sample[3:]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":
            return False
        text = sample[:exc.start].decode("utf-8", "replace")
    return bool(text) and all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def _looks_like_markup(body: bytes) -> bool:
    head = body[:256].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body"))


async def _read_up_to(parts: AsyncIterator[bytes], limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes from ``parts``, and whether there was more (not read further)."""
    body = bytearray()
    async for part in parts:
        body += part
        if len(body) > limit:
            return bytes(body[:limit]), True
    return bytes(body), False


def _spoken_chars(request: SynthesisRequest) -> int:
    return len(strip_control_tokens(request.text or "").strip())


def _redact(text: str, key: str | None) -> str:
    if key:
        text = text.replace(key, "***")
    return _KEY_LIKE.sub("sk-***", text)


def _mime(filename: str | None) -> str:
    return (mimetypes.guess_type(filename or "")[0] if filename else None) or "application/octet-stream"


def _voice_items(payload: Any, depth: int = 0) -> list[Any] | None:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and depth < 3:
        for name in ("results", "result", "data", "voices"):
            if name in payload:
                if payload[name] is None:
                    return []
                found = _voice_items(payload[name], depth + 1)
                if found is not None:
                    return found
    return None


def _parse_voice_list(payload: Any, status: int) -> list[RemoteVoice]:
    if isinstance(payload, dict) and payload.get("status") is False:
        raise ProviderProtocolError("list: envelope reports failure", status=status,
                                    message="the voice list answer reports a failure")
    items = _voice_items(payload)
    if items is None:
        logger.warning("siliconflow list: HTTP %d answer has no voice list", status)
        raise ProviderProtocolError("list: no voice list in the answer", status=status,
                                    message="the voice list answer has no list")
    voices: list[RemoteVoice] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("uri"), str) or not item["uri"]:
            logger.debug("siliconflow list: skipped an entry without a uri")
            continue
        uri = item["uri"]
        name = item.get("customName") or item.get("custom_name") or item.get("name")
        if not isinstance(name, str) or not name:
            parts = uri.split(":")
            name = parts[1] if len(parts) > 2 else uri
        model = item.get("model")
        text = item.get("text")
        voices.append(RemoteVoice(name=name, uri=uri, model=model if isinstance(model, str) else None,
                                  transcript=text if isinstance(text, str) else None))
    return voices

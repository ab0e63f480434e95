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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
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
_TOKEN = re.compile(r"<\|(?:(?!<\|).)*?\|>", re.DOTALL)  # innermost first: nesting cannot rebuild one
_CUSTOM_NAME = re.compile(r"[A-Za-z0-9_-]+")
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")
_GONE = re.compile(r"not\s*found|not\s*exist|no\s+such|不存在|未找到", re.IGNORECASE)
_MESSAGE_LIMIT = 200
_ERROR_BODY_LIMIT = 64 * 1024

T = TypeVar("T")


def strip_control_tokens(text: str) -> str:
    """Remove every ``<|…|>`` token, repeatedly, so nested pieces cannot rebuild one."""
    while True:
        stripped = _TOKEN.sub("", text)
        if stripped == text:
            return stripped
        text = stripped


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
        :class:`~core.errors.ProviderStreamCut` if the stream breaks after audio was yielded.
        """
        key = self._key(api_key)
        payload = self._speech_payload(request)
        rate = payload["sample_rate"]
        url = self._url("/audio/speech")
        budget = _Budget(self.total_timeout)
        attempt = 0
        while True:
            attempt += 1
            stack = contextlib.AsyncExitStack()
            try:
                chunks, first = await self._timed(
                    self._open_speech(stack, url, payload, key), budget, limit=self.first_byte_timeout)
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
        carry = b""
        total = 0
        try:
            data: bytes | None = first
            while data is not None:
                if carry:
                    data, carry = carry + data, b""
                if len(data) % 2:
                    data, carry = data[:-1], data[-1:]
                if data:
                    total += len(data)
                    yield PCMChunk(data, rate)
                try:
                    data = await self._timed(anext(chunks, None), budget)
                except TimeoutError as exc:
                    raise self._timeout_error("speech", budget, after_audio=True) from exc
                except httpx.TimeoutException as exc:
                    raise ProviderTimeout(f"speech: stalled mid-stream after {total} bytes", status=None,
                                          message="the audio stream stalled") from exc
                except httpx.RequestError as exc:
                    raise ProviderStreamCut(f"speech: {type(exc).__name__} after {total} bytes", status=None,
                                            message="the audio stream was cut off") from exc
            if carry:
                logger.debug("siliconflow speech ended on an odd byte; dropped it")
        finally:
            await stack.aclose()

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
        response = await self._call("POST", "/uploads/audio/voice", key, op="clone", idempotent=False,
                                    files=files, data=data)
        payload = self._json(response, "clone")
        uri = payload.get("uri") if isinstance(payload, dict) else None
        if not isinstance(uri, str) or not uri.startswith("speech:"):
            raise ProviderProtocolError("clone: no speech: uri in the answer", status=response.status_code,
                                        message="the upload answer has no voice uri")
        return RemoteVoice(name=name, uri=uri, model=self.model, transcript=text)

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        """The account's clones. Accepts ``results``, ``result``, a bare list or an envelope."""
        key = self._key(api_key)
        response = await self._call("GET", "/audio/voice/list", key, op="list", idempotent=True)
        return _parse_voice_list(self._json(response, "list"), response.status_code)

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        """Delete a clone. 404, or a 400 that says "not found", means it is already gone."""
        key = self._key(api_key)
        try:
            await self._call("POST", "/audio/voice/deletions", key, op="delete", idempotent=True, json={"uri": uri})
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
        response = await self._call("POST", "/audio/transcriptions", key, op="transcribe", idempotent=True,
                                    files=files, data={"model": self.asr_model})
        payload = self._json(response, "transcribe")
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str):
            raise ProviderProtocolError("transcribe: no text in the answer", status=response.status_code,
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
                           key: str) -> tuple[AsyncIterator[bytes], bytes]:
        """Send the speech request and wait for the first audio byte."""
        response = await stack.enter_async_context(
            self._client.stream("POST", url, json=payload, headers=self._headers(key), timeout=self._stream_timeout))
        self._log_response("speech", response)
        if response.status_code != 200:
            text = await _read_limited(response)
            raise _StatusFailure(self._status_failure("speech", response, text, key, idempotent=True))
        chunks = response.aiter_bytes()
        async for first in chunks:
            if first:
                return chunks, first
        raise ProviderProtocolError("speech: 200 with an empty body", status=200, message="the service sent no audio")

    async def _call(self, method: str, path: str, key: str, *, op: str, idempotent: bool,
                    **kwargs: Any) -> httpx.Response:
        """One non-streaming exchange with retries; returns a 2xx response or raises."""
        budget = _Budget(self.total_timeout)
        url = self._url(path)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._timed(
                    self._client.request(method, url, headers=self._headers(key), timeout=self._call_timeout, **kwargs),
                    budget)
            except ProviderError:
                raise
            except Exception as exc:  # noqa: BLE001 - _transport_failure re-raises what it does not know
                failure = self._transport_failure(exc, op, budget, idempotent=idempotent, key=key)
            else:
                self._log_response(op, response)
                if response.is_success:
                    return response
                text = response.content[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
                failure = self._status_failure(op, response, text, key, idempotent=idempotent)
            await self._backoff(op, attempt, failure, budget)

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

    def _json(self, response: httpx.Response, op: str) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            snippet = " ".join(response.content[:_MESSAGE_LIMIT].decode("utf-8", "replace").split())
            raise ProviderProtocolError(f"{op}: answer is not JSON", status=response.status_code,
                                        message=f"not JSON: {snippet}") from None

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
        message = _provider_message(json.dumps(payload), None)
        raise ProviderProtocolError("list: envelope reports failure", status=status, message=message)
    items = _voice_items(payload)
    if items is None:
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

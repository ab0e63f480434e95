"""The HTTP side of SiliconFlow: API keys, one JSON exchange with retries and timeouts, and every failure
(an HTTP status, a JSON error body, a transport error, our own timeout) mapped to a
:class:`~core.errors.ProviderError` that says whether another try is safe.

Idempotent calls (speech before its first byte, list, delete, transcribe) are retried on 429/500/502/503/504,
connection failures and timeouts; an upload only when the request provably did not reach the service
(connect errors, pool timeouts) or was refused before any processing (429, 503). Error bodies are read as
text first, then as JSON; messages are trimmed and scrubbed of the API key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from core.errors import (
    InvalidApiKey,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderForbidden,
    ProviderNotAudio,
    ProviderNotFound,
    ProviderPaymentRequired,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from core.providers.retry import parse_retry_after, retry_delay
from core.providers.siliconflow.answers import (
    ERROR_BODY_LIMIT,
    MESSAGE_LIMIT,
    NOT_JSON,
    error_code,
    is_markup,
    looks_like_markup,
    media_type,
    parse_json,
    provider_message,
    read_up_to,
    redact,
    safe_media,
)

__all__ = ["DEFAULT_ASR_MODEL", "DEFAULT_TTS_MODEL", "Budget", "Failure", "SiliconFlowClient", "logger"]

#: The package's one logger (its modules log under the same name).
logger = logging.getLogger("core.providers.siliconflow")

DEFAULT_TTS_MODEL = "FunAudioLLM/CosyVoice2-0.5B"
DEFAULT_ASR_MODEL = "FunAudioLLM/SenseVoiceSmall"
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


T = TypeVar("T")


@dataclass(slots=True)
class Failure:
    """One failed attempt: the error to raise if we stop, and whether another try is safe."""

    error: ProviderError
    retryable: bool
    retry_after: float | None = None


class Budget:
    """What is left of ``total_timeout`` for one call."""

    __slots__ = ("remaining",)

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds


class SiliconFlowClient:
    """SiliconFlow's HTTP API: keys, one JSON exchange with retries, and failures mapped to errors.

    Args:
        client: the shared ``httpx.AsyncClient``; the provider never closes it.
        base_url: API base, e.g. ``https://api.siliconflow.cn/v1``.
        api_key: the operator's key; each call may pass a user's ``api_key`` instead.
        model / asr_model: CosyVoice2 and SenseVoice model ids.
        sample_rate: used when a request carries no sample rate.
        max_retries: retries after the first attempt (so ``max_retries + 1`` attempts at most).
        backoff_base / backoff_max: exponential backoff ``base·2^n`` capped at ``max``, jittered.
        connect_timeout / first_byte_timeout / total_timeout: see :mod:`core.providers.siliconflow`.
        retry_after_max: the longest ``Retry-After`` waited out (default ``4 × backoff_max``).
        audio_seconds_per_char / audio_seconds_floor: the most audio one text may produce,
            ``(floor + per_char × characters) / speed`` seconds; more bytes than that, or a stream
            still running ``first_byte_timeout`` after that many seconds, is an error.
        max_audio_bytes: an absolute ceiling on one speech answer (None: only the derived one).
        max_json_bytes: the largest JSON answer read (clone, list, transcribe, delete).
        sleep: how backoff pauses are taken (a seam for tests; defaults to ``asyncio.sleep``).
    """

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

    async def _call(self, method: str, path: str, key: str, *, op: str, idempotent: bool, lenient: bool = False,
                    **kwargs: Any) -> Any:
        """One JSON exchange with retries; returns the 2xx answer's parsed JSON or raises.

        A 2xx that is a web page, not JSON (unless ``lenient``: then None), larger than
        ``max_json_bytes``, or a JSON error body (mapped like the status its code means) is an error.
        """
        budget = Budget(self.total_timeout)
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
                    text = body[:ERROR_BODY_LIMIT].decode("utf-8", "replace")
                    failure = self._status_failure(op, response, text, key, idempotent=idempotent)
            await self._backoff(op, attempt, failure, budget)

    async def _exchange(self, method: str, url: str, key: str, op: str, **kwargs: Any) -> tuple[httpx.Response, bytes]:
        """Send one request and read its body: a 2xx up to ``max_json_bytes`` (more is an error),
        anything else up to 64 KiB (the rest is not read)."""
        request = self._client.build_request(method, url, headers=self._headers(key), timeout=self._call_timeout,
                                             **kwargs)
        response = await self._client.send(request, stream=True)
        try:
            limit = self.max_json_bytes if response.is_success else ERROR_BODY_LIMIT
            body, more = await read_up_to(response.aiter_bytes(), limit)
        finally:
            await response.aclose()
        if more and response.is_success:
            logger.warning("siliconflow %s: HTTP %d answer larger than %d bytes (content type %s)", op,
                           response.status_code, limit, safe_media(media_type(response), key))
            raise ProviderProtocolError(f"{op}: answer larger than {limit} bytes", status=response.status_code,
                                        message="the answer is too large")
        return response, body

    def _answer(self, op: str, response: httpx.Response, body: bytes, key: str, *, idempotent: bool,
                lenient: bool) -> tuple[Any, Failure | None]:
        """Check a 2xx JSON answer: (payload, None), or (None, the failure its error body means)."""
        media = media_type(response)
        status = response.status_code
        if is_markup(media) or looks_like_markup(body):
            logger.warning("siliconflow %s: HTTP %d answer is a web page, not JSON (content type %s, %d bytes)",
                           op, status, safe_media(media, key), len(body))
            raise ProviderProtocolError(f"{op}: HTTP {status} with a web page", status=status,
                                        message="the answer is a web page, not JSON")
        payload = parse_json(body)
        if payload is NOT_JSON:
            if lenient:
                return None, None
            logger.warning("siliconflow %s: HTTP %d answer is not JSON (content type %s, %d bytes)",
                           op, status, safe_media(media, key), len(body))
            raise ProviderProtocolError(f"{op}: answer is not JSON", status=status, message="the answer is not JSON")
        failure = self._body_failure(op, response, payload, idempotent=idempotent)
        if failure is not None:
            logger.warning("siliconflow %s: HTTP %d answer is an error body (content type %s, %d bytes)",
                           op, status, safe_media(media, key), len(body))
        return payload, failure

    async def _timed(self, awaitable: Awaitable[T], budget: Budget, *, limit: float | None = None) -> T:
        """Await under the call's remaining budget (and ``limit``), charging the time spent."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        timeout = budget.remaining if limit is None else min(limit, budget.remaining)
        try:
            async with asyncio.timeout(max(0.0, timeout)):
                return await awaitable
        finally:
            budget.remaining -= loop.time() - started

    async def _backoff(self, op: str, attempt: int, failure: Failure, budget: Budget) -> None:
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
                        idempotent: bool) -> Failure:
        status = response.status_code
        message = provider_message(text, key) or response.reason_phrase or f"HTTP {status}"
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        cls = _STATUS_ERRORS.get(status) or (ProviderUnavailable if status >= 500 else ProviderError)
        trace = response.headers.get("x-siliconcloud-trace-id")
        detail = f"{op}: HTTP {status}" + (f" (trace {trace})" if trace else "")
        params: dict[str, Any] = {"status": status, "message": message}
        if cls is ProviderRateLimited:
            params["retry_after"] = retry_after
        retryable = status in (_RETRYABLE_STATUSES if idempotent else _REFUSED_STATUSES)
        return Failure(cls(detail, **params), retryable=retryable, retry_after=retry_after)

    def _transport_failure(self, exc: Exception, op: str, budget: Budget, *, idempotent: bool,
                           key: str) -> Failure:
        """Map a failed attempt (no HTTP answer) to a failure; unknown exceptions propagate."""
        if isinstance(exc, TimeoutError):
            error = self._timeout_error(op, budget, after_audio=False)
            # Our own timeout fired while the request may have been processed.
            failure = Failure(error, retryable=idempotent and budget.remaining > 0)
        elif isinstance(exc, httpx.UnsupportedProtocol):
            failure = Failure(ProviderUnavailable(f"{op}: bad base URL", status=None,
                                                   message="the provider URL is not http(s)"), retryable=False)
        elif isinstance(exc, httpx.RequestError):
            # Only these guarantee the request never reached the service.
            not_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            message = redact(f"{type(exc).__name__}: {exc}", key)[:MESSAGE_LIMIT]
            cls = ProviderTimeout if isinstance(exc, httpx.TimeoutException) else ProviderUnavailable
            failure = Failure(cls(f"{op}: {type(exc).__name__}", status=None, message=message),
                               retryable=idempotent or not_sent)
        else:
            raise exc
        failure.error.__cause__ = exc
        return failure

    def _timeout_error(self, op: str, budget: Budget, *, after_audio: bool) -> ProviderTimeout:
        if budget.remaining <= 0:
            return ProviderTimeout(f"{op}: total timeout ({self.total_timeout:g} s)", status=None,
                                   message=f"no complete answer within {self.total_timeout:g} s")
        if after_audio:
            return ProviderTimeout(f"{op}: stalled mid-stream", status=None, message="the audio stream stalled")
        what = "audio" if op == "speech" else "answer"
        limit = self.first_byte_timeout if op == "speech" else self.total_timeout
        return ProviderTimeout(f"{op}: no {what} within {limit:g} s", status=None,
                               message=f"no {what} within {limit:g} s")

    def _body_failure(self, op: str, response: httpx.Response, payload: Any, *, idempotent: bool) -> Failure | None:
        """The failure a 2xx JSON error body (``{"code", "message"}``, ``{"error"}``, ``status: false``)
        means, mapped like the HTTP status its code stands for; None if it is no error body.
        The message is ours: the body's words are never quoted (they could echo the key)."""
        found = error_code(payload)
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
        return Failure(cls(detail, **params), retryable=retryable, retry_after=retry_after)

    @staticmethod
    def _log_response(op: str, response: httpx.Response) -> None:
        logger.debug("siliconflow %s -> HTTP %s, trace %s", op, response.status_code,
                     response.headers.get("x-siliconcloud-trace-id", "-"))

"""What the self-hosted engines share: one streaming HTTP exchange with retries and every failure mapped onto
the :class:`~core.errors.ProviderError` tree, the preset → engine voice map, and shaping their raw PCM.

- A speech request is retried (exponential backoff with jitter, ``Retry-After`` honoured) on 429, 500, 502,
  503, 504, connection failures and timeouts, but only before its first audio byte: afterwards a cut raises
  :class:`~core.errors.ProviderStreamCut` (repeating would say the start twice).
- A 200 must be audio: not text, JSON or markup (by ``Content-Type`` and by its first bytes), not another file
  format (we ask for headerless PCM), not empty. A 200 that ends, or breaks, before any audio is
  :class:`~core.errors.ProviderNotAudio` and is not retried: it is how a FastAPI server reports an exception
  raised inside its streaming generator (an unknown speaker, a mode the model lacks), and it would fail again.
- Every wait is bounded: ``connect_timeout``; ``read_timeout`` for the first byte and between bytes; the most
  audio a text may make (bytes and wall clock) like SiliconFlow's.
- The server's own API key (if any) goes in a bearer header and never into a message or a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx

from core.audio import apply_gain
from core.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderForbidden,
    ProviderNotAudio,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderStreamCut,
    ProviderTimeout,
    ProviderUnavailable,
)
from core.models import PRESET_VOICES, PCMChunk
from core.providers.retry import parse_retry_after, retry_delay
from core.providers.siliconflow.answers import (
    CONTAINER_MAGIC,
    ERROR_BODY_LIMIT,
    MESSAGE_LIMIT,
    SNIFF_BYTES,
    is_text,
    may_be_audio,
    media_type,
    provider_message,
    read_limited,
    read_up_to,
    redact,
    safe_media,
)

__all__ = ["SpeechHTTP", "parse_voice_map", "pcm_chunks"]

logger = logging.getLogger("core.providers.selfhosted")

_RETRYABLE = frozenset({429, 500, 502, 503, 504})
_STATUS_ERRORS: dict[int, type[ProviderError]] = {
    400: ProviderBadRequest, 401: ProviderAuthError, 403: ProviderForbidden, 404: ProviderNotFound,
    422: ProviderBadRequest, 429: ProviderRateLimited, 504: ProviderTimeout,
}


def parse_voice_map(text: str | None, defaults: Mapping[str, str]) -> dict[str, str]:
    """Which engine voice speaks each preset: ``defaults`` overridden by ``alex=中文男,anna=中文女``
    (VOICEBRIDGE_PROVIDER_VOICES). A preset left out keeps its default; anything malformed is a ConfigError."""
    voices = dict(defaults)
    for item in (text or "").split(","):
        if not item.strip():
            continue
        preset, sep, voice = item.partition("=")
        preset, voice = preset.strip().lower(), voice.strip()
        if not sep or preset not in PRESET_VOICES or not voice or not voice.isprintable():
            raise ConfigError(name="VOICEBRIDGE_PROVIDER_VOICES",
                              allowed="preset=voice pairs, comma-separated, presets being " + ", ".join(PRESET_VOICES))
        voices[preset] = voice
    return voices


class SpeechHTTP:
    """One self-hosted server's HTTP side: :meth:`stream` opens a speech request and yields its body.

    Args:
        client: the shared ``httpx.AsyncClient`` (never closed here).
        engine: the engine's name, for log lines.
        base_url: the server's address.
        api_key: the server's own key, sent as ``Authorization: Bearer`` (None: no header).
        max_retries / backoff_base / backoff_max: retries before the first byte, and their pauses.
        connect_timeout / read_timeout: the TCP connect; the first byte and every pause between bytes.
        sleep: how pauses are taken (a seam for tests).
    """

    def __init__(self, client: httpx.AsyncClient, *, engine: str, base_url: str, api_key: str | None = None,
                 max_retries: int = 3, backoff_base: float = 0.5, backoff_max: float = 8.0,
                 connect_timeout: float = 5.0, read_timeout: float = 60.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self._client = client
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.read_timeout = read_timeout
        self._sleep = sleep
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout,
                                      pool=connect_timeout)

    def __repr__(self) -> str:
        return f"SpeechHTTP(engine={self.engine!r}, base_url={self.base_url!r}, api_key={'set' if self._api_key else 'unset'})"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    async def get_json(self, path: str) -> Any:
        """A small JSON answer (a voice list, a health check) or None: no retries, no error raised (for the
        doctor and for optional lookups)."""
        try:
            async with self._client.stream("GET", self.base_url + path, headers=self.headers(),
                                           timeout=10.0) as response:
                body, more = await read_up_to(response.aiter_bytes(), 1024 * 1024)
        except httpx.HTTPError as exc:
            logger.info("%s %s: %s", self.engine, path, type(exc).__name__)
            return None
        if response.status_code != 200 or more:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    async def stream(self, method: str, path: str, *, max_bytes: int, max_seconds: float,
                     **request: Any) -> AsyncIterator[bytes]:
        """The body of one speech request as it arrives (retried until its first byte; see the module)."""
        url = self.base_url + path
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            attempt += 1
            stack = contextlib.AsyncExitStack()
            try:
                async with asyncio.timeout(self.read_timeout + 10):
                    chunks, head = await self._open(stack, method, url, request)
                break
            except _Retry as exc:
                await stack.aclose()
                error, retry_after = exc.error, exc.retry_after
            except TimeoutError:
                await stack.aclose()
                error, retry_after = ProviderTimeout("speech: no answer in time", status=None,
                                                     message=f"no audio within {self.read_timeout:g} s"), None
            except BaseException:
                await stack.aclose()
                raise
            delay = None if attempt > self.max_retries else retry_delay(
                attempt, base=self.backoff_base, cap=self.backoff_max, retry_after=retry_after,
                retry_after_max=self.backoff_max * 4)
            if delay is None:
                raise error
            logger.info("%s speech: %s; retry %d of %d in %.2f s", self.engine, error.detail, attempt,
                        self.max_retries, delay)
            await self._sleep(delay)

        deadline = loop.time() + self.read_timeout + max_seconds
        received = 0
        try:
            data: bytes | None = head
            while data is not None:
                received += len(data)
                if received > max_bytes:
                    logger.warning("%s speech: more than %d bytes of audio for the text; stopped", self.engine,
                                   max_bytes)
                    raise ProviderNotAudio(f"speech: more than {max_bytes} bytes", status=200,
                                           message="more audio than the text can take")
                if data:
                    yield data
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise ProviderTimeout("speech: still speaking at its deadline", status=None,
                                          message="the audio did not end in time")
                try:
                    async with asyncio.timeout(remaining):
                        data = await anext(chunks, None)
                except TimeoutError as exc:
                    raise ProviderTimeout("speech: still speaking at its deadline", status=None,
                                          message="the audio did not end in time") from exc
                except httpx.TimeoutException as exc:
                    raise ProviderTimeout(f"speech: stalled after {received} bytes", status=None,
                                          message="the audio stream stalled") from exc
                except httpx.RequestError as exc:
                    raise ProviderStreamCut(f"speech: {type(exc).__name__} after {received} bytes", status=None,
                                            message="the audio stream was cut off") from exc
        finally:
            await stack.aclose()

    async def _open(self, stack: contextlib.AsyncExitStack, method: str, url: str,
                    request: dict[str, Any]) -> tuple[AsyncIterator[bytes], bytes]:
        """Send the request and read up to the first bytes of audio; raise what it is if it is not audio."""
        try:
            response = await stack.enter_async_context(
                self._client.stream(method, url, headers=self.headers(), timeout=self._timeout, **request))
        except httpx.UnsupportedProtocol as exc:
            raise ProviderUnavailable("speech: bad base URL", status=None,
                                      message="the provider URL is not http(s)") from exc
        except httpx.RequestError as exc:
            message = redact(f"{type(exc).__name__}: {exc}", self._api_key)[:MESSAGE_LIMIT]
            cls = ProviderTimeout if isinstance(exc, httpx.TimeoutException) else ProviderUnavailable
            raise _Retry(cls(f"speech: {type(exc).__name__}", status=None, message=message)) from exc
        if response.status_code != 200:
            raise self._status_error(response, await read_limited(response))
        media = media_type(response)
        chunks = response.aiter_bytes()
        if not may_be_audio(media):
            body, _ = await read_up_to(chunks, ERROR_BODY_LIMIT)
            raise self._not_audio(media, body)
        head = bytearray()
        try:
            async for part in chunks:
                head += part
                if len(head) >= SNIFF_BYTES:
                    break
        except httpx.RequestError as exc:
            if not head:  # the server's generator raised before it made any audio
                logger.warning("%s speech: HTTP 200 broke off before any audio (%s)", self.engine,
                               type(exc).__name__)
                raise ProviderNotAudio("speech: 200 broke off before any audio", status=200,
                                       message="the server failed before making any audio") from exc
            return _after(head, chunks, exc), bytes(head)
        if not head or is_text(head) or bytes(head[:4]).startswith(CONTAINER_MAGIC):
            raise self._not_audio(media, bytes(head))
        return chunks, bytes(head)

    def _status_error(self, response: httpx.Response, text: str) -> Exception:
        status = response.status_code
        message = provider_message(text, self._api_key) or response.reason_phrase or f"HTTP {status}"
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        cls = _STATUS_ERRORS.get(status) or (ProviderUnavailable if status >= 500 else ProviderError)
        params: dict[str, Any] = {"status": status, "message": message}
        if cls is ProviderRateLimited:
            params["retry_after"] = retry_after
        logger.warning("%s speech: HTTP %d", self.engine, status)
        error = cls(f"speech: HTTP {status}", **params)
        return _Retry(error, retry_after) if status in _RETRYABLE else error

    def _not_audio(self, media: str, body: bytes) -> ProviderNotAudio:
        logger.warning("%s speech: HTTP 200 answer is not audio (content type %s, %d bytes)", self.engine,
                       safe_media(media, self._api_key), len(body))
        what = "no audio" if not body.strip() else "something that is not audio"
        return ProviderNotAudio(f"speech: HTTP 200 with {what}", status=200, message=f"the server sent {what}")


class _Retry(Exception):
    """A failure before any audio that another attempt may not repeat (internal)."""

    def __init__(self, error: ProviderError, retry_after: float | None = None) -> None:
        super().__init__(error.detail)
        self.error = error
        self.retry_after = retry_after


async def _after(head: bytearray, chunks: AsyncIterator[bytes], exc: Exception) -> AsyncIterator[bytes]:
    """What follows ``head`` when the stream broke while it was read: the break itself."""
    raise exc
    yield b""  # pragma: no cover - makes this an async generator


async def pcm_chunks(parts: AsyncIterator[bytes], rate: int, *, gain: float = 0.0,
                     shape: Callable[[bytes], bytes] | None = None,
                     flush: Callable[[], bytes] | None = None) -> AsyncIterator[PCMChunk]:
    """Raw s16le bytes as whole-sample :class:`PCMChunk`s at ``rate``: gain applied, then ``shape`` (e.g. a
    tempo change, with ``flush`` giving what it still holds at the end), both off the event loop. Raises
    ProviderNotAudio if there was not one whole sample."""
    carry = b""
    total = 0
    async with contextlib.aclosing(parts):
        async for part in parts:
            data = carry + part if carry else part
            carry = b""
            if len(data) % 2:
                data, carry = data[:-1], data[-1:]
            if not data:
                continue
            total += len(data)
            out = await asyncio.to_thread(_shaped, data, gain, shape)
            if out:
                yield PCMChunk(out, rate)
    if not total:
        raise ProviderNotAudio("speech: 200 without a whole sample", status=200, message="the server sent no audio")
    if flush is not None:
        rest = await asyncio.to_thread(flush)
        if rest:
            yield PCMChunk(rest, rate)


def _shaped(data: bytes, gain: float, shape: Callable[[bytes], bytes] | None) -> bytes:
    if gain:
        data = apply_gain(data, gain)
    return shape(data) if shape is not None else data

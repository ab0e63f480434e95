"""A client for any OpenAI-compatible chat-completions endpoint (SiliconFlow, Ollama, vLLM, llama.cpp's server),
streaming the answer as server-sent events.

Built on the app's shared ``httpx.AsyncClient`` and ``httpx-sse`` (a small SSE parser) rather than the ``openai``
SDK: one HTTP stack and one error mapping for every provider we talk to, no second retry loop to tame, and the
whole contract is a POST and ``data:`` lines. The contract followed:

* ``POST {base}/chat/completions`` with ``model``, ``messages``, ``stream: true``, ``max_tokens`` and
  ``stream_options: {"include_usage": true}``; ``Authorization: Bearer KEY`` when there is a key;
* each event ``data: {"choices":[{"delta":{"content":"…"},"finish_reason":null}]}``; a last chunk with
  ``"choices": []`` and ``"usage": {"prompt_tokens", "completion_tokens", "total_tokens"}``; then ``data: [DONE]``;
* errors as an HTTP status with a JSON body (``{"error": {"message"}}`` or SiliconFlow's ``{"code", "message"}``),
  or, mid-stream, a ``data: {"error": …}`` event. A server that ignores ``stream`` and answers one JSON
  ``chat.completion`` is accepted too.

Faults map into :mod:`core.chat_errors`. Only a request that has produced no text yet is retried (429 honouring
``Retry-After``, 5xx, connection failures, timeouts): after the first token a retry would repeat the start of the
answer, so a cut is reported (:class:`~core.chat_errors.ChatModelStreamCut`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import EventSource, SSEError

from core.chat_errors import (
    ChatModelAuthError,
    ChatModelBadRequest,
    ChatModelError,
    ChatModelPaymentRequired,
    ChatModelProtocolError,
    ChatModelRateLimited,
    ChatModelStreamCut,
    ChatModelTimeout,
    ChatModelUnavailable,
)
from core.providers.retry import parse_retry_after, retry_delay

log = logging.getLogger(__name__)

_STATUS_ERRORS: dict[int, type[ChatModelError]] = {
    400: ChatModelBadRequest, 401: ChatModelAuthError, 402: ChatModelPaymentRequired, 403: ChatModelAuthError,
    404: ChatModelBadRequest, 413: ChatModelBadRequest, 422: ChatModelBadRequest, 429: ChatModelRateLimited,
    504: ChatModelTimeout,
}
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
ERROR_BODY_LIMIT = 4096
MESSAGE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a chat: ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str


@dataclass(slots=True)
class ChatUsage:
    """Tokens one answer cost. ``reported``: the server said so (else estimated from the text)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reported: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ChatStream:
    """One answer as it is written: ``async for piece in stream`` gives text pieces; afterwards ``usage`` and
    ``finish_reason`` (``stop``, ``length`` …; None if it never came) are set. Iterate it once; ``aclose()``
    stops reading (the connection is closed, so the server stops writing)."""

    def __init__(self, run: Callable[[ChatStream], AsyncIterator[str]]) -> None:
        self.usage = ChatUsage()
        self.finish_reason: str | None = None
        self.started = False
        self._gen = run(self)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._gen

    async def aclose(self) -> None:
        await self._gen.aclose()  # type: ignore[attr-defined]


class ChatModel:
    """An OpenAI-compatible chat model.

    Args:
        client: the shared ``httpx.AsyncClient`` (never closed here).
        base_url: API base, e.g. ``https://api.siliconflow.cn/v1`` or ``http://127.0.0.1:11434/v1``.
        api_key: the default key (None: send none, as a local server wants); each call may pass its own.
        model: the default model id; each call may pass its own.
        max_retries: retries before the first token (so ``max_retries + 1`` attempts at most).
        first_token_timeout: seconds from the request to the first text; idle_timeout: the longest pause between
            two events after that; total_timeout: the whole answer.
        sleep: how backoff pauses are taken (a seam for tests).
    """

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, api_key: str | None, model: str,
                 max_retries: int = 2, backoff_base: float = 0.5, backoff_max: float = 8.0,
                 retry_after_max: float = 20.0, first_token_timeout: float = 30.0, idle_timeout: float = 30.0,
                 total_timeout: float = 180.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.model = model
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.first_token_timeout = first_token_timeout
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ChatModel(base_url={self.base_url!r}, model={self.model!r})"  # never the key

    def stream(self, messages: Sequence[Message], *, model: str | None = None, api_key: str | None = None,
               max_tokens: int = 300, temperature: float | None = None) -> ChatStream:
        """Ask for an answer to ``messages``, streamed; see :class:`ChatStream`. Nothing is sent until iterated."""
        key = api_key or self._api_key
        body: dict[str, Any] = {
            "model": model or self.model, "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True, "stream_options": {"include_usage": True}, "max_tokens": max_tokens,
        }
        if temperature is not None:
            body["temperature"] = temperature
        return ChatStream(lambda stream: self._run(stream, body, key))

    async def complete(self, messages: Sequence[Message], **options: Any) -> tuple[str, ChatUsage]:
        """The whole answer at once (the same request, read to the end): ``(text, usage)``."""
        stream = self.stream(messages, **options)
        text = "".join([piece async for piece in stream])
        return text, stream.usage

    # --- one answer, with retries before its first token ---------------------------------------

    async def _run(self, stream: ChatStream, body: dict[str, Any], key: str | None) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_timeout
        attempt = 0
        while True:
            try:
                async for piece in self._attempt(stream, body, key, deadline):
                    yield piece
                return
            except ChatModelError as exc:
                if stream.started or not exc.retryable or attempt >= self.max_retries:
                    raise
                attempt += 1
                delay = retry_delay(attempt, base=self.backoff_base, cap=self.backoff_max,
                                    retry_after=exc.params.get("retry_after"), retry_after_max=self.retry_after_max)
                if delay is None or loop.time() + delay >= deadline:
                    raise
                log.info("chat model: %s, retry %d in %.1fs", type(exc).__name__, attempt, delay)
                await self._sleep(delay)

    async def _attempt(self, stream: ChatStream, body: dict[str, Any], key: str | None,
                       deadline: float) -> AsyncIterator[str]:
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            try:
                async with asyncio.timeout_at(min(deadline, loop.time() + self.first_token_timeout)):
                    response = await stack.enter_async_context(
                        self.client.stream("POST", f"{self.base_url}/chat/completions", json=body, headers=headers))
                    if response.status_code >= 400:
                        raise await self._status_error(response, key)
            except TimeoutError:
                raise ChatModelTimeout("no answer in time", status=None, message="") from None
            except httpx.TransportError as exc:
                raise _transport_error(exc, started=False) from None
            media = response.headers.get("content-type", "").partition(";")[0].strip().lower()
            if media == "application/json":
                async for piece in self._whole(stream, response, key):
                    yield piece
                return
            events = EventSource(response).aiter_sse()
            first_by = min(deadline, loop.time() + self.first_token_timeout)
            try:
                while True:
                    limit = first_by if not stream.started else min(deadline, loop.time() + self.idle_timeout)
                    try:
                        async with asyncio.timeout_at(limit):
                            event = await anext(events)
                    except StopAsyncIteration:
                        break
                    if event.data.strip() == "[DONE]":
                        return
                    piece = self._chunk(stream, event.data, key)
                    if piece:
                        stream.started = True
                        yield piece
            except TimeoutError:
                if stream.started:
                    raise ChatModelStreamCut("the answer stalled", status=200, message="") from None
                raise ChatModelTimeout("no first token in time", status=200, message="") from None
            except SSEError:
                raise ChatModelProtocolError("not an event stream", status=response.status_code,
                                             message=f"content type {media or 'none'}") from None
            except httpx.TransportError as exc:
                raise _transport_error(exc, started=stream.started) from None
            finally:
                await events.aclose()
            if stream.finish_reason is None:  # ended without [DONE] and without a finish reason
                raise ChatModelStreamCut("the stream ended early", status=200, message="")

    def _chunk(self, stream: ChatStream, data: str, key: str | None) -> str:
        """The text of one ``data:`` event (usage and finish reason noted on ``stream``)."""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise ChatModelProtocolError("bad JSON in the stream", status=200,
                                         message=_trim(data, key)) from None
        if not isinstance(chunk, dict):
            raise ChatModelProtocolError("a chunk is not an object", status=200, message=_trim(data, key))
        if "error" in chunk:
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else error
            cls = ChatModelStreamCut if stream.started else ChatModelUnavailable
            raise cls("an error event in the stream", status=200, message=_trim(str(message), key))
        _note_usage(stream, chunk.get("usage"))
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return ""
        choice = choices[0]
        if choice.get("finish_reason"):
            stream.finish_reason = str(choice["finish_reason"])
        delta = choice.get("delta") or choice.get("message") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        return content if isinstance(content, str) else ""

    async def _whole(self, stream: ChatStream, response: httpx.Response, key: str | None) -> AsyncIterator[str]:
        """A server that answered ``stream: true`` with one ``chat.completion`` JSON object."""
        try:
            payload = json.loads(await response.aread())
            choice = payload["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise ChatModelProtocolError("not a chat completion", status=response.status_code,
                                         message="the answer is not a chat completion") from None
        except httpx.TransportError as exc:
            raise _transport_error(exc, started=False) from None
        stream.finish_reason = str(choice.get("finish_reason") or "stop")
        _note_usage(stream, payload.get("usage"))
        if text:
            stream.started = True
            yield text

    async def _status_error(self, response: httpx.Response, key: str | None) -> ChatModelError:
        status = response.status_code
        raw = b""
        with contextlib.suppress(httpx.HTTPError):
            async for part in response.aiter_bytes():
                raw += part
                if len(raw) >= ERROR_BODY_LIMIT:
                    break
        text = raw[:ERROR_BODY_LIMIT].decode("utf-8", "replace")
        message = text
        with contextlib.suppress(ValueError):
            payload = json.loads(text)
            if isinstance(payload, dict):
                inner = payload.get("error")
                found = inner.get("message") if isinstance(inner, dict) else inner or payload.get("message")
                message = str(found) if found else text
        cls = _STATUS_ERRORS.get(status) or (ChatModelUnavailable if status >= 500 else ChatModelError)
        params: dict[str, Any] = {"status": status, "message": _trim(message, key)}
        if cls is ChatModelRateLimited:
            params["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
        error = cls(f"HTTP {status}", **params)
        if status in _RETRYABLE_STATUSES and not error.retryable:
            error.retryable = True
        return error


def _note_usage(stream: ChatStream, usage: object) -> None:
    if isinstance(usage, dict):
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if isinstance(prompt, int) and isinstance(completion, int):
            stream.usage = ChatUsage(prompt_tokens=prompt, completion_tokens=completion, reported=True)


def _transport_error(exc: httpx.TransportError, *, started: bool) -> ChatModelError:
    kind = type(exc).__name__
    if started:
        return ChatModelStreamCut(f"the connection dropped ({kind})", status=None, message="")
    if isinstance(exc, httpx.TimeoutException):
        return ChatModelTimeout(f"timed out ({kind})", status=None, message="")
    return ChatModelUnavailable(f"could not reach the chat model ({kind})", status=None, message="")


def _trim(text: str, key: str | None) -> str:
    """A server's words, safe to show: the key removed, one line, at most MESSAGE_LIMIT characters."""
    if key:
        text = text.replace(key, "…")
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT - 1] + "…"

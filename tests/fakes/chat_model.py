"""A fake OpenAI-compatible chat-completions server: a real HTTP server on loopback.

It speaks the contract of ``POST /v1/chat/completions`` as OpenAI documents it and SiliconFlow, Ollama, vLLM and
llama.cpp's server follow:

* request JSON ``{"model", "messages": [{"role", "content"}], "stream", "max_tokens", "stream_options":
  {"include_usage": true}}``, ``Authorization: Bearer KEY`` (checked when ``api_keys`` is given: 401 otherwise);
* ``stream: true``: ``text/event-stream`` of ``data: {"id", "object": "chat.completion.chunk", "created", "model",
  "choices": [{"index": 0, "delta": {"role"?, "content"}, "finish_reason": null}]}`` events, one per token, a last
  choice chunk with ``finish_reason`` (``stop``, or ``length`` at ``max_tokens``), then (with ``include_usage``) a
  chunk with ``"choices": []`` and ``"usage"``, then ``data: [DONE]``;
* ``stream: false``: one ``chat.completion`` object with ``choices[0].message`` and ``usage``;
* errors: JSON ``{"error": {"message", "type", "code"}}`` with the status (429 with ``Retry-After``).

Like :mod:`tests.fakes.siliconflow` it runs its own event loop in a thread::

    with FakeChatModel(tokens_per_second=30, first_token_delay=0.3) as fake:
        fake.base_url                 # "http://127.0.0.1:PORT/v1"
        fake.script("Hello there. How are you?")   # the next answers, in order (else ``default_answer``)
        fake.fail(429, retry_after=1) # faults, first in first out: fail / cut_after / hang / error_event
        fake.requests[-1].json        # what was sent

Tokens: an answer is cut into tokens of a word (with its leading space) or one CJK character; usage counts them,
and the prompt as one token per 4 characters (CJK: per character).
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import ThreadedServer

_TOKEN = re.compile(r"\s*[\u2E80-\u9FFF\u3040-\u30FF\uAC00-\uD7AF\uFF00-\uFFEF]|\s*[^\s\u2E80-\u9FFF\u3040-\u30FF"
                    r"\uAC00-\uD7AF\uFF00-\uFFEF]+|\s+")


def tokens_of(text: str) -> list[str]:
    """How the fake cuts an answer into tokens (a word with its leading space, or one CJK character)."""
    return _TOKEN.findall(text)


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    text = "".join(str(m.get("content", "")) for m in messages)
    wide = len(re.findall(r"[\u2E80-\u9FFF\u3040-\u30FF\uAC00-\uD7AF\uFF00-\uFFEF]", text))
    return wide + (len(text) - wide + 3) // 4


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: Any
    api_key: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Fault:
    kind: str  # "status", "cut", "hang", "error_event", "slow"
    times: int | None
    status: int = 500
    retry_after: float | None = None
    message: str | None = None
    after_tokens: int = 0
    seconds: float = 0.0


class FakeChatModel(ThreadedServer):
    """The fake server (see the module's docstring). Attributes may be changed at any time."""

    name = "FakeChatModel"
    client_max_size = 1024 * 1024  # aiohttp's default

    def __init__(self, *, api_keys: set[str] | None = None, tokens_per_second: float = 0.0,
                 first_token_delay: float = 0.0, default_answer: str = "Hello! Nice to meet you. How are you today?",
                 host: str = "127.0.0.1") -> None:
        self.api_keys = api_keys
        self.tokens_per_second = tokens_per_second
        self.first_token_delay = first_token_delay
        self.default_answer = default_answer
        #: answers by the last user message: called with the request's messages, returns an answer or None
        self.responder: Callable[[list[dict[str, Any]]], str | None] | None = None
        super().__init__(host)
        self._answers: collections.deque[str] = collections.deque()
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()

    # --- lifecycle (start, stop, with: tests.fakes.loopback.ThreadedServer) ------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeChatModel is not running")
        return f"http://{self.host}:{self.port}/v1"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._completions)

    # --- configuration ---------------------------------------------------------------------------

    def script(self, *answers: str) -> None:
        """The next answers, in order; after them ``responder`` or ``default_answer``."""
        with self._lock:
            self._answers.extend(answers)

    def fail(self, status: int, *, retry_after: float | None = None, times: int | None = 1,
             message: str | None = None) -> None:
        """Answer the next request(s) with ``status`` and an OpenAI error body."""
        self._add(_Fault("status", times, status=status, retry_after=retry_after, message=message))

    def cut_after(self, tokens: int, *, times: int | None = 1) -> None:
        """Send ``tokens`` tokens, then drop the connection (no finish chunk, no ``[DONE]``)."""
        self._add(_Fault("cut", times, after_tokens=tokens))

    def error_event(self, after_tokens: int, *, message: str = "upstream overloaded", times: int | None = 1) -> None:
        """Send ``after_tokens`` tokens, then a ``data: {"error": …}`` event and end the stream."""
        self._add(_Fault("error_event", times, after_tokens=after_tokens, message=message))

    def hang(self, *, times: int | None = 1) -> None:
        """Never answer (until the client leaves or the fake stops)."""
        self._add(_Fault("hang", times))

    def slow_first_token(self, seconds: float, *, times: int | None = 1) -> None:
        """Send the headers at once and the first token after ``seconds``."""
        self._add(_Fault("slow", times, seconds=seconds))

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._answers.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.pop(0)
            return fault

    def _next_answer(self, messages: list[dict[str, Any]]) -> str:
        with self._lock:
            if self._answers:
                return self._answers.popleft()
        if self.responder is not None:
            found = self.responder(messages)
            if found is not None:
                return found
        return self.default_answer

    # --- the endpoint ----------------------------------------------------------------------------

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        auth = request.headers.get("Authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else None
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        with self._lock:
            self._requests.append(RecordedRequest(request.path, dict(request.headers), body, key))
        if self.api_keys is not None and key not in self.api_keys:
            return _error(401, "Invalid token", "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body.get("model"):
            return _error(400, "model and messages are required", "invalid_request_error")
        fault = self._take_fault()
        if fault is not None and fault.kind == "status":
            extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
            return _error(fault.status, fault.message or f"fake failure {fault.status}", "server_error", extra)
        if fault is not None and fault.kind == "hang":
            assert self._release is not None
            await self._release.wait()
            raise ConnectionResetError
        answer = self._next_answer(body["messages"])
        tokens = tokens_of(answer)
        max_tokens = body.get("max_tokens")
        finish = "stop"
        if isinstance(max_tokens, int) and len(tokens) > max_tokens:
            tokens, finish = tokens[:max_tokens], "length"
        usage = {"prompt_tokens": prompt_tokens(body["messages"]), "completion_tokens": len(tokens)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if not body.get("stream"):
            await asyncio.sleep(self.first_token_delay + len(tokens) / self.tokens_per_second
                                if self.tokens_per_second else self.first_token_delay)
            return web.json_response({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"], "usage": usage,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(tokens)},
                             "finish_reason": finish}]})
        return await self._stream(request, body, tokens, finish, usage, fault)

    async def _stream(self, request: web.Request, body: dict[str, Any], tokens: list[str], finish: str,
                      usage: dict[str, int], fault: _Fault | None) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                               "Cache-Control": "no-cache"})
        await response.prepare(request)
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body["model"]}

        async def send(obj: Any) -> None:
            data = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
            await response.write(f"data: {data}\n\n".encode())

        start = time.monotonic()
        delay = self.first_token_delay + (fault.seconds if fault is not None and fault.kind == "slow" else 0.0)
        for i, token in enumerate(tokens):
            if fault is not None and fault.kind in ("cut", "error_event") and i == fault.after_tokens:
                if fault.kind == "error_event":
                    await send({"error": {"message": fault.message, "type": "server_error"}})
                    await response.write_eof()
                    return response
                assert request.transport is not None
                request.transport.close()  # no terminating chunk: the client sees the stream cut
                return response
            due = start + delay + (i / self.tokens_per_second if self.tokens_per_second else 0.0)
            pause = due - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            delta = {"role": "assistant", "content": token} if i == 0 else {"content": token}
            await send({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        await send({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            await send({**base, "choices": [], "usage": usage})
        await send("[DONE]")
        await response.write_eof()
        return response


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": status}}, status=status,
                             headers=headers)

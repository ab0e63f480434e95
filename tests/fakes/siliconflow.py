"""A fake of SiliconFlow's audio API: a real HTTP server on loopback.

It follows SiliconFlow's published HTTP contract (docs.siliconflow.cn) including its odd corners: plain-text
bodies for 401/403/404/504 and JSON bodies for 400/429/503, raw audio in a chunked 200 body,
clones that belong to the API key that made them, and ``results`` vs ``result`` in the voice list.

The server runs on its own event loop in a background thread, so sync tests, async tests and
subprocess (CLI) tests can all use it::

    with FakeSiliconFlow(api_keys={"sk-test"}) as fake:
        fake.base_url              # "http://127.0.0.1:PORT/v1"
        fake.fail(429, retry_after=1)
        ...                        # point the code under test at fake.base_url
        fake.requests[-1].json     # what it sent

Endpoints (names used by ``endpoint=`` filters and ``RecordedRequest.endpoint``):

=============  ===============================  ==========================================
name           route                            body
=============  ===============================  ==========================================
``speech``     ``POST /v1/audio/speech``        JSON → real audio (pcm, wav, mp3, opus)
``upload``     ``POST /v1/uploads/audio/voice`` multipart ``file`` / base64 ``audio``
                                                (multipart field or JSON body) → ``{"uri"}``
``list``       ``GET /v1/audio/voice/list``     → ``{"results": [...]}``
``delete``     ``POST /v1/audio/voice/deletions`` ``{"uri"}`` → ``"success"`` (a JSON string)
``transcribe`` ``POST /v1/audio/transcriptions``  multipart ``file`` + ``model`` → ``{"text"}``
=============  ===============================  ==========================================

Decisions where the contract is silent (tests may rely on them):

- Deleting a voice that does not exist (or belongs to another key) answers **400** JSON
  ``{"code": 20012, "message": "Voice not found: <uri>", "data": ""}``: the API's 404 is the
  gateway's plain-text "404 page not found" for wrong paths, so a semantic miss is a 400.
- A clone URI used for speech with another key is a 400 JSON error (the voice is invisible there).
- Unknown paths answer 404 ``404 page not found`` before authentication; known paths check the
  bearer token first (401 ``Invalid token``), then injected faults, then validate the request.
- Error bodies carry ``x-siliconcloud-trace-id`` too; the 404 for an unknown path does not.
- With ``stream: false`` the audio comes in one body with a Content-Length.
- ``delete`` success body is the JSON string ``"success"``.
- A "dynamic voice" (speech with ``voice: ""`` and ``references: [{"audio", "text"}]``, the guide's form; audio a
  base64 data URL, decodable and under ``max_reference_seconds``, or an http(s) URL taken as is) speaks in a
  pitch derived from the recording; a non-empty ``voice`` beside ``references`` is a 400. With
  ``accepts_references=False`` the field is refused like any unknown one (the April-2025 schema).

Audio: a deterministic speech-like signal (harmonics on a gliding pitch, syllable envelopes,
pauses), ``expected_duration(text, speed)`` seconds long, gain applied. PCM is s16le mono;
WAV carries the placeholder 0xFFFFFFFF sizes of a streaming header; MP3 and Ogg/Opus are
encoded with PyAV. PCM/WAV chunks hold ~43 ms of audio, like the real service.

Fault injection (a FIFO queue; each request takes the first fault whose ``endpoint`` matches,
``times`` counts down, ``times=None`` means until :meth:`reset`):

- ``fail(status, *, retry_after=None, times=1, endpoint=None, message=None, body=None, content_type=None)``
  (``content_type`` applies to a str/bytes ``body``; default ``text/plain``)
- ``cut_stream(after_bytes, *, times=1)``: the speech body stops after ``after_bytes`` audio bytes
  and the connection is closed without the terminating chunk.
- ``slow_first_byte(seconds, *, times=1, endpoint=None)``: speech sends headers at once and the
  first body byte after ``seconds``; other endpoints answer after ``seconds``.
- ``hang(*, times=1, endpoint=None)``: never answers (until the client leaves or the fake
  stops/resets).

200 answers that are not what was asked for (what a proxy, a gateway or a broken upstream sends):

- ``ok_json_error(code=20012, message=None, *, endpoint=None, times=1, content_type=...)``: 200 with the
  contract's error body ``{"code", "message", "data"}`` (``application/json`` unless told otherwise).
- ``ok_html(html=None, *, endpoint=None, times=1)``: 200 ``text/html`` (a proxy's or captive portal's page).
- ``ok_empty(*, endpoint=None, times=1, content_type=None)``: 200 with no body at all (speech: chunked, with
  the audio content type it would normally carry).
- ``endless_stream(*, chunk=..., interval=0.05, times=1)``: speech 200 with the normal audio headers
  that trickles ``chunk`` every ``interval`` seconds and never ends (until the client leaves or the
  fake stops/resets).
- ``oversize(total_bytes, *, endpoint="speech", times=1)``: speech: real audio for the text, then more
  of it, looped until ``total_bytes`` were sent (fast); other endpoints: their normal JSON answer
  padded with whitespace (still valid JSON) to ``total_bytes``.

All configuration is thread-safe from the test thread; plain attributes (``first_byte_delay``,
``realtime_factor``, ``chunk_size``, ``transcript``, ``list_key``, ``seconds_per_char``, …) may
be set at any time and apply to the next request.

Timing under load (opt-in, for benches with hundreds of concurrent requests; both off by default):

- ``on_schedule=True``: a speech stream keeps a clock started when the request arrived: the first
  audio byte leaves ``first_byte_delay`` after arrival and every later byte at its place in the audio
  times ``realtime_factor``, however long the fake's own work took; chunks that are due together
  leave in one write. (Off, each delay is slept after the previous step, so a busy fake drifts late.)
- ``reuse_audio=True``: the audio is made once per voice, length, format, rate and gain and sent for
  every text of that length, so the fake spends no CPU synthesizing for a crowd of similar texts.

Every streamed speech request records ``first_byte_at`` and ``completed_at`` (``time.monotonic()``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import hashlib
import io
import json
import re
import secrets
import string
import struct
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self

import av
import numpy as np
from aiohttp import web
from multidict import CIMultiDict

__all__ = [
    "DEFAULT_ASR_MODEL",
    "DEFAULT_TRANSCRIPT",
    "DEFAULT_TTS_MODEL",
    "ENDPOINTS",
    "FORMAT_SAMPLE_RATES",
    "PRESET_NAMES",
    "FakeSiliconFlow",
    "RecordedRequest",
    "UploadedFile",
    "sample_wav",
]

DEFAULT_TTS_MODEL = "FunAudioLLM/CosyVoice2-0.5B"
DEFAULT_ASR_MODEL = "FunAudioLLM/SenseVoiceSmall"
#: The eight presets of the contract (kept here, not imported from core: the fake models the outside).
PRESET_NAMES: tuple[str, ...] = ("alex", "benjamin", "charles", "david", "anna", "bella", "claire", "diana")
_MALE = frozenset({"alex", "benjamin", "charles", "david"})
#: Valid ``sample_rate`` per ``response_format`` and the default when it is omitted.
FORMAT_SAMPLE_RATES: dict[str, tuple[int, ...]] = {
    "opus": (48000,),
    "wav": (8000, 16000, 24000, 32000, 44100),
    "pcm": (8000, 16000, 24000, 32000, 44100),
    "mp3": (32000, 44100),
}
_DEFAULT_RATE = {"opus": 48000, "wav": 44100, "pcm": 44100, "mp3": 44100}
_CONTENT_TYPE = {"pcm": "application/octet-stream", "wav": "audio/wav", "mp3": "audio/mpeg", "opus": "audio/opus"}
ENDPOINTS: tuple[str, ...] = ("speech", "upload", "list", "delete", "transcribe")
DEFAULT_TRANSCRIPT = "<|zh|><|NEUTRAL|><|Speech|><|woitn|>你好，这是一段测试录音。"

_SPEECH_FIELDS = frozenset({"model", "input", "voice", "response_format", "sample_rate", "stream", "speed", "gain"})
_TOKEN = re.compile(r"<\|(?:(?!<\|).)*?\|>", re.DOTALL)  # innermost first: nesting cannot rebuild one
_CUSTOM_NAME = re.compile(r"[A-Za-z0-9_-]+")
_DATA_URL = re.compile(r"data:(?P<mime>[\w.+/-]*)(?P<params>(?:;[\w.+-]+=[\w.+-]+)*);base64,(?P<data>.*)", re.DOTALL)
_RATE_LIMIT_MESSAGE = ("Request was rejected due to rate limiting. If you want more, please contact "
                       "contact@siliconflow.cn. Details:TPM limit reached.")
_OVERLOADED = {"code": 50505, "message": "Model service overloaded. Please try again later."}
_PCM_CHUNK_SECONDS = 0.043
_COMPRESSED_CHUNK_BYTES = 4096


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A multipart file part as the fake received it."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class RecordedRequest:
    """One request the fake received (every request is recorded, even rejected ones).

    ``endpoint`` is one of :data:`ENDPOINTS` or None for an unknown path. ``api_key`` is the
    bearer token sent (or None). ``json`` is the parsed JSON body, ``form`` the text fields and
    ``files`` the file parts of a multipart/urlencoded body. ``status`` is the answer's status,
    ``fault`` the injected fault's kind (``status``, ``cut``, ``slow``, ``hang``) if one applied.
    For speech, ``bytes_sent`` grows while the audio streams and ``completed`` turns True after
    the last chunk.
    """

    method: str
    path: str
    endpoint: str | None
    headers: CIMultiDict[str]
    api_key: str | None
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int | None = None
    fault: str | None = None
    trace_id: str | None = None
    bytes_sent: int = 0
    completed: bool = False
    received_at: float = field(default_factory=time.monotonic)
    first_byte_at: float | None = None
    completed_at: float | None = None


@dataclass(slots=True)
class _Fault:
    kind: str  # status | cut | slow | hang | empty | endless | oversize
    endpoint: str | None
    times: int | None
    status: int = 0
    retry_after: float | str | None = None
    message: str | None = None
    body: Any = None
    content_type: str | None = None
    after_bytes: int = 0
    seconds: float = 0.0
    chunk: bytes = b""


class _BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_REC_KEY = web.RequestKey("rec", RecordedRequest)
_FAULT_KEY: web.RequestKey[_Fault | None] = web.RequestKey("fault", _Fault)  # type: ignore[arg-type]


class FakeSiliconFlow:
    """The fake server. See the module docstring for endpoints, decisions and faults.

    Args:
        api_keys: bearer tokens the fake accepts (each key has its own clones).
        model / asr_model: the only model ids accepted for speech+upload / transcription.
        seconds_per_char: audio seconds per input character; None → 0.08 s for wide (CJK)
            characters and 0.06 s for others. Divided by ``speed``; never below ``min_seconds``.
        first_byte_delay: seconds between the speech headers and the first audio byte.
        realtime_factor: wall seconds spent per second of streamed audio (0 = as fast as possible).
        chunk_size: bytes per body chunk; None → ~43 ms of audio for pcm/wav, 4096 for mp3/opus.
        transcript: what ``/audio/transcriptions`` answers (with SenseVoice's rich tags).
        list_key: ``"results"`` (documented), ``"result"`` (the 3P-reported variant), ``None``
            (a bare JSON list) or ``"data"`` (a ``{code, message, status, data}`` envelope).
        max_reference_seconds: uploads (and ``references`` audio) at or above this length are refused (400).
        accepts_references: whether speech takes ``references`` (a "dynamic voice"); False models the strict
            April-2025 CosyVoice2 schema (``additionalProperties: false``): 400 "Unknown field(s): references".
        on_schedule / reuse_audio: timing under load (see the module docstring); off by default.
    """

    def __init__(
        self,
        api_keys: Iterable[str] = ("sk-test",),
        *,
        model: str = DEFAULT_TTS_MODEL,
        asr_model: str = DEFAULT_ASR_MODEL,
        seconds_per_char: float | None = None,
        min_seconds: float = 0.5,
        max_seconds: float = 600.0,
        first_byte_delay: float = 0.0,
        realtime_factor: float = 0.0,
        chunk_size: int | None = None,
        transcript: str = DEFAULT_TRANSCRIPT,
        list_key: str | None = "results",
        max_reference_seconds: float = 30.0,
        on_schedule: bool = False,
        reuse_audio: bool = False,
        accepts_references: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self._initial = {
            "seconds_per_char": seconds_per_char, "min_seconds": min_seconds, "max_seconds": max_seconds,
            "first_byte_delay": first_byte_delay, "realtime_factor": realtime_factor, "chunk_size": chunk_size,
            "transcript": transcript, "list_key": list_key, "max_reference_seconds": max_reference_seconds,
            "on_schedule": on_schedule, "reuse_audio": reuse_audio, "accepts_references": accepts_references,
        }
        self.model = model
        self.asr_model = asr_model
        self.seconds_per_char = seconds_per_char
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        self.first_byte_delay = first_byte_delay
        self.realtime_factor = realtime_factor
        self.chunk_size = chunk_size
        self.transcript = transcript
        self.list_key = list_key
        self.max_reference_seconds = max_reference_seconds
        self.on_schedule = on_schedule
        self.reuse_audio = reuse_audio
        self.accepts_references = accepts_references
        self.host = host
        self.port: int | None = None

        self._lock = threading.Lock()
        self._api_keys: set[str] = set(api_keys)
        self._voices: dict[str, dict[str, dict[str, str]]] = {}
        self._requests: list[RecordedRequest] = []
        self._faults: collections.deque[_Fault] = collections.deque()

        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self._made: dict[tuple[Any, ...], asyncio.Future[bytes]] = {}  # reuse_audio, on the server's loop

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` (the value for ``SILICONFLOW_BASE_URL``)."""
        if self.port is None:
            raise RuntimeError("FakeSiliconFlow is not running; call start() or use it as a context manager")
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> FakeSiliconFlow:
        """Start the server thread and wait until it listens (idempotent)."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._startup())
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="FakeSiliconFlow", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            self._thread = None
            raise RuntimeError("FakeSiliconFlow failed to start") from (failure[0] if failure else None)
        return self

    def stop(self) -> None:
        """Stop the server; returns promptly even with hanging or streaming requests."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._thread = None
            self._loop = None
            self.port = None

    async def _startup(self) -> None:
        self._release = asyncio.Event()
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/audio/speech", self._speech, name="speech")
        app.router.add_post("/v1/uploads/audio/voice", self._upload, name="upload")
        app.router.add_get("/v1/audio/voice/list", self._list, name="list")
        app.router.add_post("/v1/audio/voice/deletions", self._delete, name="delete")
        app.router.add_post("/v1/audio/transcriptions", self._transcribe, name="transcribe")
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        if self._release is not None:
            self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- configuration from the test thread -------------------------------------------------

    def reset(self) -> None:
        """Forget requests, faults and voices, restore the constructor's knobs, release hangs."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._voices.clear()
        for name, value in self._initial.items():
            setattr(self, name, value)
        self._release_hangs()

    @property
    def api_keys(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._api_keys)

    def add_api_key(self, key: str) -> None:
        with self._lock:
            self._api_keys.add(key)

    def revoke_api_key(self, key: str) -> None:
        """From now on ``key`` gets 401 (its clones stay stored, as on a real account)."""
        with self._lock:
            self._api_keys.discard(key)

    def fail(self, status: int, *, retry_after: float | str | None = None, times: int | None = 1,
             endpoint: str | None = None, message: str | None = None, body: Any = None,
             content_type: str | None = None) -> None:
        """Answer the next ``times`` matching requests with ``status`` and the contract's body.

        Bodies: 400 JSON ``{code:20012,message,data}``; 401 text ``Invalid token``; 402 JSON;
        403 text ``Forbidden``; 404 text ``404 page not found``; 429 JSON ``{message,data}`` (+
        ``Retry-After`` if given); 500/502/503 JSON ``{code:50505,message}``; 504 text.
        ``message`` replaces the default message, ``body`` (str/bytes → as is, else JSON) the
        whole body.
        """
        self._check_endpoint(endpoint)
        self._add_fault(_Fault("status", endpoint, times, status=status, retry_after=retry_after,
                               message=message, body=body, content_type=content_type))

    def cut_stream(self, after_bytes: int, *, times: int | None = 1) -> None:
        """Send ``after_bytes`` bytes of the speech body, then drop the connection mid-body."""
        self._add_fault(_Fault("cut", "speech", times, after_bytes=max(0, int(after_bytes))))

    def slow_first_byte(self, seconds: float, *, times: int | None = 1, endpoint: str | None = None) -> None:
        """Delay the first body byte (speech: after the headers) by ``seconds``."""
        self._check_endpoint(endpoint)
        self._add_fault(_Fault("slow", endpoint, times, seconds=float(seconds)))

    def hang(self, *, times: int | None = 1, endpoint: str | None = None) -> None:
        """Never answer the next ``times`` matching requests."""
        self._check_endpoint(endpoint)
        self._add_fault(_Fault("hang", endpoint, times))

    def ok_json_error(self, code: int = 20012, message: str | None = None, *, endpoint: str | None = None,
                      times: int | None = 1, content_type: str = "application/json") -> None:
        """Answer 200 with the contract's error body ``{"code", "message", "data"}``."""
        body = json.dumps({"code": code, "message": message or "Invalid parameter", "data": None},
                          ensure_ascii=False)
        self.fail(200, times=times, endpoint=endpoint, body=body, content_type=content_type)

    def ok_html(self, html: str | None = None, *, endpoint: str | None = None, times: int | None = 1) -> None:
        """Answer 200 ``text/html``: a proxy's or captive portal's page instead of the API's answer."""
        page = html if html is not None else (
            "<!DOCTYPE html><html><head><title>Gateway</title></head>"
            "<body><h1>Please sign in to continue</h1></body></html>")
        self.fail(200, times=times, endpoint=endpoint, body=page, content_type="text/html")

    def ok_empty(self, *, endpoint: str | None = None, times: int | None = 1, content_type: str | None = None) -> None:
        """Answer 200 with an empty body (speech: chunked, with the normal audio content type)."""
        self._check_endpoint(endpoint)
        self._add_fault(_Fault("empty", endpoint, times, content_type=content_type))

    def endless_stream(self, *, chunk: bytes = b"\x01\x00" * 8, interval: float = 0.05,
                       times: int | None = 1) -> None:
        """Speech: 200 with audio headers, then ``chunk`` every ``interval`` s, never finishing."""
        if not chunk:
            raise ValueError("chunk must not be empty")
        self._add_fault(_Fault("endless", "speech", times, chunk=bytes(chunk), seconds=max(0.0, float(interval))))

    def oversize(self, total_bytes: int, *, endpoint: str = "speech", times: int | None = 1) -> None:
        """Send a body of ``total_bytes``: speech loops its real audio, JSON answers are padded."""
        self._check_endpoint(endpoint)
        self._add_fault(_Fault("oversize", endpoint, times, after_bytes=max(0, int(total_bytes))))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def add_voice(self, api_key: str, custom_name: str, *, text: str = "", model: str | None = None) -> str:
        """Store a clone for ``api_key`` as if it had been uploaded; returns its URI."""
        uri = _new_uri(custom_name)
        with self._lock:
            self._voices.setdefault(api_key, {})[uri] = {
                "model": model or self.model, "customName": custom_name, "text": text, "uri": uri,
            }
        return uri

    def voices(self, api_key: str) -> list[dict[str, str]]:
        """The clones stored for ``api_key`` (copies)."""
        with self._lock:
            return [dict(v) for v in self._voices.get(api_key, {}).values()]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a snapshot list)."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, endpoint: str) -> list[RecordedRequest]:
        self._check_endpoint(endpoint)
        return [r for r in self.requests if r.endpoint == endpoint]

    def expected_duration(self, text: str, speed: float = 1.0) -> float:
        """Seconds of audio the fake makes for ``input=text`` at ``speed``."""
        spoken = _spoken_text(text)
        if self.seconds_per_char is not None:
            raw = len(spoken) * self.seconds_per_char
        else:
            raw = sum(0.08 if unicodedata.east_asian_width(ch) in "WF" else 0.06 for ch in spoken)
        return min(self.max_seconds, max(self.min_seconds, raw / speed))

    def expected_samples(self, text: str, sample_rate: int, speed: float = 1.0) -> int:
        """Samples of audio the fake makes for ``input=text`` (the exact PCM length / 2)."""
        return round(self.expected_duration(text, speed) * sample_rate)

    # --- internals: bookkeeping ---------------------------------------------------------------

    def _check_endpoint(self, endpoint: str | None) -> None:
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS} or None, not {endpoint!r}")

    def _add_fault(self, fault: _Fault) -> None:
        if fault.times is not None and fault.times <= 0:
            return
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, endpoint: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.endpoint in (None, endpoint):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _release_hangs(self) -> None:
        loop = self._loop
        if loop is None or self._release is None:
            return

        def swap() -> None:
            old, self._release = self._release, asyncio.Event()
            if old is not None:
                old.set()

        loop.call_soon_threadsafe(swap)

    # --- internals: HTTP --------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        route = request.match_info.route
        endpoint = route.name if request.match_info.http_exception is None else None
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        rec = RecordedRequest(
            method=request.method, path=request.path, endpoint=endpoint,
            headers=CIMultiDict(request.headers), api_key=token.strip() if scheme.lower() == "bearer" else None,
        )
        await self._read_body(request, rec)
        with self._lock:
            self._requests.append(rec)
        response = await self._answer(request, handler, rec)
        rec.status = response.status
        return response

    async def _answer(self, request: web.Request, handler: Any, rec: RecordedRequest) -> web.StreamResponse:
        if rec.endpoint is None:
            if isinstance(request.match_info.http_exception, web.HTTPMethodNotAllowed):
                return web.Response(status=405, text="405 method not allowed")
            return web.Response(status=404, text="404 page not found")
        rec.trace_id = uuid.uuid4().hex
        if rec.api_key is None or rec.api_key not in self.api_keys:
            return self._text(rec, 401, "Invalid token")
        fault = self._take_fault(rec.endpoint)
        if fault is not None:
            rec.fault = fault.kind
            if fault.kind == "status":
                return self._fault_response(rec, fault)
            if fault.kind == "hang":
                release = self._release
                assert release is not None
                await release.wait()
                return self._json(rec, 503, _OVERLOADED)
            if fault.kind == "slow" and rec.endpoint != "speech":
                await asyncio.sleep(fault.seconds)
            if fault.kind == "empty":
                return await self._empty(request, rec, fault)
            if fault.kind == "endless":
                return await self._endless(request, rec, fault)
        request[_FAULT_KEY] = fault
        request[_REC_KEY] = rec
        try:
            response = await handler(request)
        except _BadRequest as exc:
            return self._json(rec, 400, {"code": 20012, "message": exc.message, "data": ""})
        if fault is not None and fault.kind == "oversize" and rec.endpoint != "speech" and response.status == 200:
            return self._padded(rec, response, fault.after_bytes)
        return response

    async def _empty(self, request: web.Request, rec: RecordedRequest, fault: _Fault) -> web.StreamResponse:
        if rec.endpoint != "speech":
            return web.Response(status=200, body=b"", headers=self._headers(rec),
                                content_type=fault.content_type or "application/json")
        content_type = fault.content_type or _CONTENT_TYPE["pcm"]
        response = web.StreamResponse(status=200, headers=self._headers(rec, {"Content-Type": content_type}))
        response.enable_chunked_encoding()
        await response.prepare(request)
        rec.completed = True
        await response.write_eof()
        return response

    async def _endless(self, request: web.Request, rec: RecordedRequest, fault: _Fault) -> web.StreamResponse:
        release = self._release
        assert release is not None
        response = web.StreamResponse(status=200, headers=self._headers(rec, {"Content-Type": _CONTENT_TYPE["pcm"]}))
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            while not release.is_set():
                await response.write(fault.chunk)
                rec.bytes_sent += len(fault.chunk)
                try:
                    await asyncio.wait_for(release.wait(), timeout=fault.seconds)
                except TimeoutError:
                    pass
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client left (the point of the exercise)
        return response

    def _padded(self, rec: RecordedRequest, response: web.StreamResponse, total: int) -> web.Response:
        body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b""
        body += b" " * max(0, total - len(body))
        return web.Response(status=200, body=body, headers=self._headers(rec),
                            content_type=response.content_type or "application/json")

    async def _read_body(self, request: web.Request, rec: RecordedRequest) -> None:
        if not request.body_exists:
            return
        if request.content_type.startswith("multipart/") or request.content_type == "application/x-www-form-urlencoded":
            try:
                post = await request.post()
            except Exception:  # noqa: BLE001 - a malformed body is recorded as empty
                return
            for name, value in post.items():
                if isinstance(value, web.FileField):
                    rec.files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
                else:
                    rec.form[name] = str(value)
            return
        raw = await request.read()
        try:
            rec.json = json.loads(raw)
        except ValueError:
            rec.json = None
            rec.form["_raw"] = raw.decode("utf-8", "replace")

    def _headers(self, rec: RecordedRequest, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"x-siliconcloud-trace-id": rec.trace_id or uuid.uuid4().hex}
        if extra:
            headers.update(extra)
        return headers

    def _text(self, rec: RecordedRequest, status: int, text: str, extra: dict[str, str] | None = None) -> web.Response:
        return web.Response(status=status, text=text, headers=self._headers(rec, extra))

    def _json(self, rec: RecordedRequest, status: int, obj: Any, extra: dict[str, str] | None = None) -> web.Response:
        return web.Response(status=status, text=json.dumps(obj, ensure_ascii=False),
                            content_type="application/json", headers=self._headers(rec, extra))

    def _fault_response(self, rec: RecordedRequest, fault: _Fault) -> web.Response:
        status, message = fault.status, fault.message
        extra = {}
        if fault.retry_after is not None:
            value = fault.retry_after
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            extra["Retry-After"] = str(value)
        if fault.body is not None:
            if isinstance(fault.body, (str, bytes)):
                data = fault.body.encode() if isinstance(fault.body, str) else fault.body
                return web.Response(status=status, body=data, headers=self._headers(rec, extra),
                                    content_type=fault.content_type or "text/plain")
            return self._json(rec, status, fault.body, extra)
        if status == 400:
            return self._json(rec, status, {"code": 20012, "message": message or "Invalid parameter", "data": ""}, extra)
        if status == 401:
            return self._text(rec, status, message or "Invalid token", extra)
        if status == 402:
            return self._json(rec, status, {"code": 30001, "message": message or "Sorry, your account balance is insufficient",
                                            "data": ""}, extra)
        if status == 403:
            return self._text(rec, status, message or "Forbidden", extra)
        if status == 404:
            return self._text(rec, status, message or "404 page not found", extra)
        if status == 429:
            return self._json(rec, status, {"message": message or _RATE_LIMIT_MESSAGE, "data": ""}, extra)
        if status in (500, 502, 503):
            body = dict(_OVERLOADED)
            if message:
                body["message"] = message
            return self._json(rec, status, body, extra)
        if status == 504:
            return self._text(rec, status, message or "upstream request timeout", extra)
        return self._text(rec, status, message or f"{status} error", extra)

    # --- endpoints -----------------------------------------------------------------------------

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        rec = request[_REC_KEY]
        fault = request[_FAULT_KEY]
        body = rec.json
        if not isinstance(body, dict):
            raise _BadRequest("Request body must be a JSON object")
        unknown = sorted(set(body) - _SPEECH_FIELDS - ({"references"} if self.accepts_references else set()))
        if unknown:
            raise _BadRequest(f"Unknown field(s): {', '.join(unknown)}")
        if body.get("model") != self.model:
            raise _BadRequest(f"Model does not exist: {body.get('model')!r}")
        text = body.get("input")
        if not isinstance(text, str) or not 1 <= len(text) <= 128000:
            raise _BadRequest("input must be a string of 1 to 128000 characters")
        if not _spoken_text(text):
            raise _BadRequest("input has no text to speak")
        voice = body.get("voice")
        if "references" in body:
            voice = await self._reference_voice(body)
        elif not isinstance(voice, str) or not self._voice_exists(voice, rec.api_key or ""):
            raise _BadRequest(f"Invalid voice: {voice!r}")
        fmt = body.get("response_format", "mp3")
        if fmt not in FORMAT_SAMPLE_RATES:
            raise _BadRequest("response_format must be one of mp3, opus, wav, pcm")
        rate = body.get("sample_rate", _DEFAULT_RATE[fmt])
        if not _is_number(rate) or float(rate) != int(rate) or int(rate) not in FORMAT_SAMPLE_RATES[fmt]:
            raise _BadRequest(f"sample_rate {rate!r} is not valid for {fmt}; "
                              f"allowed: {', '.join(map(str, FORMAT_SAMPLE_RATES[fmt]))}")
        rate = int(rate)
        speed = body.get("speed", 1.0)
        if not _is_number(speed) or not 0.25 <= speed <= 4.0:
            raise _BadRequest("speed must be a number between 0.25 and 4.0")
        gain = body.get("gain", 0.0)
        if not _is_number(gain) or not -10 <= gain <= 10:
            raise _BadRequest("gain must be a number between -10 and 10")
        stream = body.get("stream", True)
        if not isinstance(stream, bool):
            raise _BadRequest("stream must be a boolean")

        samples = self.expected_samples(text, rate, float(speed))
        audio = await self._audio(samples, rate, fmt, voice, text, float(gain))
        seconds = samples / rate
        delay = self.first_byte_delay + (fault.seconds if fault is not None and fault.kind == "slow" else 0.0)
        cut_at = fault.after_bytes if fault is not None and fault.kind == "cut" else None
        if fault is not None and fault.kind == "oversize" and audio:
            audio = (audio * (fault.after_bytes // len(audio) + 1))[:fault.after_bytes]
            seconds = 0.0  # as fast as possible, whatever realtime_factor says
        headers = self._headers(rec, {"Content-Type": _CONTENT_TYPE[fmt]})

        if not stream:
            if delay:
                await asyncio.sleep(delay)
            if cut_at is None:
                rec.bytes_sent = len(audio)
                rec.completed = True
                return web.Response(status=200, body=audio, headers=headers)
            response = web.StreamResponse(status=200, headers=headers)
            response.content_length = len(audio)
            await response.prepare(request)
            await self._cut(request, response, rec, audio[:cut_at])
            return response

        response = web.StreamResponse(status=200, headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        if self.on_schedule and cut_at is None:
            return await self._stream_on_schedule(response, rec, self._chunks(audio, fmt, rate), delay,
                                                  seconds * self.realtime_factor)
        if delay:
            await asyncio.sleep(delay)
        for chunk in self._chunks(audio, fmt, rate):
            if cut_at is not None and rec.bytes_sent + len(chunk) >= cut_at:
                await self._cut(request, response, rec, chunk[:cut_at - rec.bytes_sent])
                return response
            try:
                await response.write(chunk)
            except ConnectionResetError:
                return response  # the client stopped reading (e.g. it refused an oversized answer)
            if rec.first_byte_at is None:
                rec.first_byte_at = time.monotonic()
            rec.bytes_sent += len(chunk)
            if self.realtime_factor > 0:
                await asyncio.sleep(seconds * len(chunk) / max(1, len(audio)) * self.realtime_factor)
        # before the terminating chunk: a client that has seen the end must find the request completed
        rec.completed = True
        rec.completed_at = time.monotonic()
        with contextlib.suppress(ConnectionResetError):  # the client hung up after the audio, as clients may
            await response.write_eof()
        return response

    async def _stream_on_schedule(self, response: web.StreamResponse, rec: RecordedRequest, chunks: list[bytes],
                                  delay: float, wall: float) -> web.StreamResponse:
        """Stream ``chunks`` on a clock started at the request's arrival: byte k of the audio leaves at
        ``arrival + delay + wall * k / total``; the chunks due by now leave in one write."""
        total = max(1, sum(len(c) for c in chunks))
        start = rec.received_at + delay
        index = 0
        while index < len(chunks):
            due = start + wall * rec.bytes_sent / total
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            now = time.monotonic()
            batch = [chunks[index]]
            size = len(chunks[index])
            index += 1
            while index < len(chunks) and start + wall * (rec.bytes_sent + size) / total <= now:
                batch.append(chunks[index])
                size += len(chunks[index])
                index += 1
            data = b"".join(batch)
            try:
                await response.write(data)
            except ConnectionResetError:
                return response
            if rec.first_byte_at is None:
                rec.first_byte_at = time.monotonic()
            rec.bytes_sent += len(data)
        end = start + wall
        if end > time.monotonic():
            await asyncio.sleep(end - time.monotonic())
        rec.completed = True
        rec.completed_at = time.monotonic()
        with contextlib.suppress(ConnectionResetError):  # the client hung up after the audio, as clients may
            await response.write_eof()
        return response

    async def _audio(self, samples: int, rate: int, fmt: str, voice: str, text: str, gain: float) -> bytes:
        """The speech audio for a request (with ``reuse_audio``, made once per voice, length, format and gain)."""
        if not self.reuse_audio:
            seed = int.from_bytes(hashlib.sha256(f"{voice}\0{text}".encode()).digest()[:8], "little")
            pcm = await asyncio.to_thread(_speech_pcm, samples, rate, _pitch(voice), seed, gain)
            return await asyncio.to_thread(_encode, pcm, rate, fmt)
        key = (samples, rate, fmt, voice, gain)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = asyncio.ensure_future(self._audio_once(samples, rate, fmt, voice, gain))
        return await asyncio.shield(made)

    @staticmethod
    async def _audio_once(samples: int, rate: int, fmt: str, voice: str, gain: float) -> bytes:
        pcm = await asyncio.to_thread(_speech_pcm, samples, rate, _pitch(voice), 0, gain)
        return await asyncio.to_thread(_encode, pcm, rate, fmt)

    async def _cut(self, request: web.Request, response: web.StreamResponse, rec: RecordedRequest,
                   data: bytes) -> None:
        if data:
            await response.write(data)
            rec.bytes_sent += len(data)
        # Let the bytes leave, then drop the connection without the terminating chunk.
        transport = request.transport
        if transport is not None:
            deadline = time.monotonic() + 1.0
            while transport.get_write_buffer_size() and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.01)
            transport.abort()
        rec.fault = "cut"

    def _chunks(self, audio: bytes, fmt: str, rate: int) -> list[bytes]:
        if self.chunk_size:
            size = int(self.chunk_size)
        elif fmt in ("pcm", "wav"):
            size = max(2, round(rate * _PCM_CHUNK_SECONDS) * 2)
        else:
            size = _COMPRESSED_CHUNK_BYTES
        start = 44 if fmt == "wav" and not self.chunk_size else 0  # the WAV header rides with chunk 1
        chunks = [audio[i:i + size] for i in range(start, len(audio), size)]
        if start and chunks:
            chunks[0] = audio[:start] + chunks[0]
        return chunks or [b""]

    async def _reference_voice(self, body: dict[str, Any]) -> str:
        """Check a "dynamic voice" request (``voice: ""`` and ``references: [{audio, text}]``, audio a base64
        data URL or an http(s) URL, text its transcript) and return the name the audio is made for (a pitch
        derived from the recording, so another recording sounds different)."""
        if body.get("voice") != "":
            raise _BadRequest("voice must be empty when references are given")
        refs = body["references"]
        if not isinstance(refs, list) or not refs:
            raise _BadRequest("references must be a non-empty array")
        digest = hashlib.sha256()
        for ref in refs:
            if not isinstance(ref, dict) or set(ref) - {"audio", "text"}:
                raise _BadRequest("each reference is an object with audio and text")
            text, audio = ref.get("text"), ref.get("audio")
            if not isinstance(text, str) or not text.strip():
                raise _BadRequest("reference text is required")
            if not isinstance(audio, str) or not audio.strip():
                raise _BadRequest("reference audio is required")
            if audio.startswith(("http://", "https://")):
                digest.update(audio.encode())
                continue
            match = _DATA_URL.fullmatch(audio.strip())
            if not match:
                raise _BadRequest("reference audio must be a URL or a base64 data URL")
            try:
                data = base64.b64decode(match["data"], validate=True)
            except (binascii.Error, ValueError):
                raise _BadRequest("reference audio is not valid base64") from None
            duration = await asyncio.to_thread(_probe_duration, data)
            if not duration:
                raise _BadRequest("The reference audio could not be decoded")
            if duration >= self.max_reference_seconds:
                raise _BadRequest(f"Reference audio must be shorter than {self.max_reference_seconds:g} seconds")
            digest.update(data)
        return f"reference:{digest.hexdigest()[:16]}"

    def _voice_exists(self, voice: str, api_key: str) -> bool:
        if voice.startswith("speech:"):
            with self._lock:
                return voice in self._voices.get(api_key, {})
        prefix, _, name = voice.rpartition(":")
        return prefix == self.model and name in PRESET_NAMES

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        rec = request[_REC_KEY]
        fields: dict[str, Any] = dict(rec.json) if isinstance(rec.json, dict) else dict(rec.form)
        for name in ("model", "customName", "text"):
            if not isinstance(fields.get(name), str) or not fields[name].strip():
                raise _BadRequest(f"{name} is required")
        if fields["model"] != self.model:
            raise _BadRequest(f"Model does not exist: {fields['model']!r}")
        name = fields["customName"]
        if not _CUSTOM_NAME.fullmatch(name):
            raise _BadRequest("customName may contain only letters, digits, '_' and '-'")
        if "file" in rec.files:
            audio = rec.files["file"].data
        elif isinstance(fields.get("audio"), str):
            match = _DATA_URL.fullmatch(fields["audio"].strip())
            if not match:
                raise _BadRequest("audio must be a base64 data URL (data:audio/mpeg;base64,...)")
            try:
                audio = base64.b64decode(match["data"], validate=True)
            except (binascii.Error, ValueError):
                raise _BadRequest("audio is not valid base64") from None
        else:
            raise _BadRequest("file or audio is required")
        duration = await asyncio.to_thread(_probe_duration, audio)
        if not duration:
            raise _BadRequest("The audio could not be decoded")
        if duration >= self.max_reference_seconds:
            raise _BadRequest(f"Reference audio must be shorter than {self.max_reference_seconds:g} seconds")
        uri = _new_uri(name)
        with self._lock:
            self._voices.setdefault(rec.api_key or "", {})[uri] = {
                "model": fields["model"], "customName": name, "text": fields["text"], "uri": uri,
            }
        return self._json(rec, 200, {"uri": uri})

    async def _list(self, request: web.Request) -> web.StreamResponse:
        rec = request[_REC_KEY]
        items = self.voices(rec.api_key or "")
        key = self.list_key
        if key is None:
            return self._json(rec, 200, items)
        if key == "data":
            return self._json(rec, 200, {"code": 20000, "message": "Success", "status": True, "data": items})
        return self._json(rec, 200, {key: items})

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        rec = request[_REC_KEY]
        uri = rec.json.get("uri") if isinstance(rec.json, dict) else None
        if not isinstance(uri, str) or not uri:
            raise _BadRequest("uri is required")
        with self._lock:
            found = self._voices.get(rec.api_key or "", {}).pop(uri, None)
        if found is None:
            raise _BadRequest(f"Voice not found: {uri}")
        return self._json(rec, 200, "success")

    async def _transcribe(self, request: web.Request) -> web.StreamResponse:
        rec = request[_REC_KEY]
        if rec.form.get("model") != self.asr_model:
            raise _BadRequest(f"Model does not exist: {rec.form.get('model')!r}")
        upload = rec.files.get("file")
        if upload is None:
            raise _BadRequest("file is required")
        if not await asyncio.to_thread(_probe_duration, upload.data):
            raise _BadRequest("The audio could not be decoded")
        return self._json(rec, 200, {"text": self.transcript})


# --- audio ------------------------------------------------------------------------------------


def _spoken_text(text: str) -> str:
    """The part of ``input`` that is spoken: after the instruction, without ``<|…|>`` tokens."""
    spoken = text.rsplit("<|endofprompt|>", 1)[-1]
    while True:
        stripped = _TOKEN.sub("", spoken)
        if stripped == spoken:
            return stripped.strip()
        spoken = stripped


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _pitch(voice: str) -> float:
    name = voice.rpartition(":")[2]
    if name in _MALE:
        return 105.0 + 8 * PRESET_NAMES.index(name)
    if name in PRESET_NAMES:
        return 195.0 + 10 * PRESET_NAMES.index(name)
    return 110.0 + (int(hashlib.sha256(voice.encode()).hexdigest()[:4], 16) % 120)


def _speech_pcm(samples: int, rate: int, f0: float, seed: int, gain_db: float) -> bytes:
    """A speech-like mono signal: voiced harmonics, a gliding pitch, syllables and pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / rate
    glide = 1 + 0.08 * np.sin(2 * np.pi * 0.9 * t + rng.uniform(0, 2 * np.pi)) + 0.03 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(f0 * glide) / rate
    voiced = np.zeros(samples)
    for k in range(1, 11):
        if k * f0 * 1.15 >= rate / 2:
            break
        formant = 1.0 + 1.5 * np.exp(-((k * f0 - 700) / 300) ** 2) + 0.8 * np.exp(-((k * f0 - 1200) / 400) ** 2)
        voiced += formant / k * np.sin(k * phase)
    voiced += 0.05 * rng.standard_normal(samples)
    envelope = np.zeros(samples)
    syllable = max(1, int(rate / 4.5))
    for start in range(0, samples, syllable):
        length = min(syllable, samples - start)
        level = 0.0 if rng.random() < 0.12 else rng.uniform(0.55, 1.0)
        envelope[start:start + length] = level * np.hanning(syllable)[:length]
    signal = voiced * envelope
    peak = np.max(np.abs(signal)) or 1.0
    signal = signal / peak * 0.5 * 10 ** (gain_db / 20)
    return (np.clip(signal, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _encode(pcm: bytes, rate: int, fmt: str) -> bytes:
    if fmt == "pcm":
        return pcm
    if fmt == "wav":
        # Streaming-style header: RIFF and data sizes are the 0xFFFFFFFF placeholder, like the service.
        header = (b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVEfmt "
                  + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
                  + b"data" + struct.pack("<I", 0xFFFFFFFF))
        return header + pcm
    container, codec = ("mp3", "libmp3lame") if fmt == "mp3" else ("ogg", "libopus")
    out = io.BytesIO()
    with av.open(out, "w", format=container) as dst:
        stream = dst.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, "<i2").reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()


def _probe_duration(data: bytes) -> float:
    """Seconds of decodable audio in ``data`` (0.0 when PyAV cannot decode it)."""
    try:
        with av.open(io.BytesIO(data)) as src:
            if not src.streams.audio:
                return 0.0
            stream = src.streams.audio[0]
            samples, rate = 0, 0
            for frame in src.decode(stream):
                samples += frame.samples
                rate = frame.sample_rate
            return samples / rate if rate else 0.0
    except Exception:  # noqa: BLE001 - anything PyAV cannot read is "not audio"
        return 0.0


def sample_wav(seconds: float = 3.0, sample_rate: int = 16000, *, seed: int = 1) -> bytes:
    """A valid, ordinary WAV file of speech-like audio (reference audio for clone/transcribe tests)."""
    pcm = _speech_pcm(round(seconds * sample_rate), sample_rate, 180.0, seed, 0.0)
    header = (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt "
              + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
              + b"data" + struct.pack("<I", len(pcm)))
    return header + pcm


def _new_uri(custom_name: str) -> str:
    alphabet = string.ascii_lowercase + string.digits
    first = "c" + "".join(secrets.choice(alphabet) for _ in range(24))
    second = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    return f"speech:{custom_name}:{first}:{second}"

"""What the fakes of self-hosted speech servers share: an aiohttp server on 127.0.0.1 in its own thread (usable
from sync, async and subprocess tests), recorded requests, a queue of injected faults, and speech-like PCM."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
from aiohttp import web


@dataclass
class Recorded:
    """One request as the fake saw it."""

    route: str
    method: str
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    json: Any = None
    status: int = 0
    bytes_sent: int = 0


@dataclass
class Fault:
    """``kind``: ``status`` (answer ``status`` with ``body``), ``cut`` (200, ``after`` bytes, then drop),
    ``break`` (200, then drop before any audio: an exception in the server's generator), ``hang``."""

    kind: str
    times: int | None = 1
    route: str | None = None
    status: int = 500
    body: str = ""
    content_type: str = "text/plain"
    after: int = 0
    retry_after: str | None = None


def speech_pcm(seconds: float, rate: int, *, pitch: float = 160.0, gain_db: float = 0.0) -> bytes:
    """Speech-like mono s16le: a voiced tone with harmonics in syllables, ``seconds`` long."""
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    phase = 2 * np.pi * np.cumsum(pitch + 30 * np.sin(2 * np.pi * 0.7 * t)) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 5))
    signal = 0.25 * voice * (0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2) * 10 ** (gain_db / 20)
    return (np.clip(signal, -1, 1) * 32767 * 0.6).astype("<i2").tobytes()


class ThreadedServer:
    """An aiohttp server on loopback in a thread of its own: subclasses add their routes in :meth:`routes`.
    ``_release`` is set when it stops (handlers that hang wait on it)."""

    name = "fake"
    client_max_size = 64 * 1024 * 1024

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        if self.port is None:
            raise RuntimeError(f"{self.name} is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        if self._thread is not None:
            return self
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            loop.run_until_complete(self._startup())
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self.name} failed to start")
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._thread = self._loop = None
            self.port = None

    async def _startup(self) -> None:
        self._release = asyncio.Event()
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
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

    def routes(self, app: web.Application) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError


class LoopbackServer(ThreadedServer):
    """Base of a self-hosted speech server's fake: routes in :meth:`routes`, answers through :meth:`take_fault`."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Recorded] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    # --- faults ---------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def fail(self, status: int, body: str = "Internal Server Error", *, times: int | None = 1,
             route: str | None = None, content_type: str = "text/plain", retry_after: str | None = None) -> None:
        """The next ``times`` requests (to ``route``) answer ``status`` with ``body``."""
        self.add_fault(Fault("status", times, route, status, body, content_type, retry_after=retry_after))

    def cut_stream(self, after_bytes: int, *, times: int | None = 1, route: str | None = None) -> None:
        """A 200 whose body stops after ``after_bytes`` of audio, the connection dropped."""
        self.add_fault(Fault("cut", times, route, after=after_bytes))

    def break_before_audio(self, *, times: int | None = 1, route: str | None = None) -> None:
        """A 200 whose body breaks off before any audio (what the server does when the model raises)."""
        self.add_fault(Fault("break", times, route))

    def hang(self, *, times: int | None = 1, route: str | None = None) -> None:
        """Never answers (until the client leaves or the fake stops)."""
        self.add_fault(Fault("hang", times, route))

    def take_fault(self, route: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.route in (None, route):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def served(self, route: str | None = None) -> list[Recorded]:
        """The requests (to ``route``) answered 200."""
        return [r for r in self.requests if r.status == 200 and route in (None, r.route)]

    # --- answering ------------------------------------------------------------------------------

    async def answer_fault(self, request: web.Request, rec: Recorded, fault: Fault,
                           audio: bytes) -> web.StreamResponse:
        if fault.kind == "hang":
            assert self._release is not None
            await self._release.wait()
            raise web.HTTPServiceUnavailable()
        if fault.kind == "status":
            rec.status = fault.status
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            return web.Response(status=fault.status, text=fault.body, content_type=fault.content_type,
                                headers=headers)
        response = await self.start_audio(request, rec)
        sent = audio[:fault.after] if fault.kind == "cut" else b""
        if sent:
            await response.write(sent)
            rec.bytes_sent += len(sent)
        transport = request.transport
        if transport is not None:
            deadline = time.monotonic() + 1.0
            while transport.get_write_buffer_size() and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.01)
            transport.abort()
        return response

    async def start_audio(self, request: web.Request, rec: Recorded,
                          content_type: str | None = None) -> web.StreamResponse:
        """Headers of a chunked 200 (``content_type`` None: no Content-Type at all, like Starlette's
        StreamingResponse without a media type)."""
        response = web.StreamResponse(status=200)
        response.enable_chunked_encoding()
        if content_type:
            response.content_type = content_type
        rec.status = 200
        await response.prepare(request)
        return response

    async def send_pieces(self, response: web.StreamResponse, rec: Recorded, pieces: list[bytes],
                          delay: float = 0.0) -> web.StreamResponse:
        for piece in pieces:
            if delay:
                await asyncio.sleep(delay)
            await response.write(piece)
            rec.bytes_sent += len(piece)
        await response.write_eof()
        return response

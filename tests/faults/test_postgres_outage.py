"""PostgreSQL restarted while the bot runs, simulated with a TCP proxy between the app and 127.0.0.1:5432
(the real server is shared, so it is not restarted): every proxied connection is cut and new ones are
refused for a moment, then the proxy listens again on the same port.

Invariants:

* During the outage a request **fails quickly with a clear, typed error**: a
  :class:`core.errors.VoiceBridgeError` whose sentence (``core.i18n.error_text``, in the user's
  language) is not the generic "internal error" apology — not a raw driver exception and its traceback.
* After the outage the **app recovers by itself**: the next request succeeds, without restarting the
  app, and nothing written before the outage is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from sqlalchemy.engine import make_url

from core.errors import VoiceBridgeError
from core.i18n import error_text, t
from core.models import UserRef

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.timeout(60)]

ALICE = UserRef(platform="telegram", user_id="1001", language_hint="en")
ALICE_ZH = UserRef(platform="telegram", user_id="1001", language_hint="zh")
#: A request during the outage must fail within this many seconds (not hang on a dead connection).
FAIL_WITHIN = 10.0


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``outage()`` cuts everything and refuses new connections."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._transports |= {writer.transport, up_writer.transport}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        for task in (asyncio.create_task(pipe(reader, up_writer)), asyncio.create_task(pipe(up_reader, writer))):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def outage(self) -> None:
        """Stop listening (connections are refused) and cut every open connection, both ways."""
        assert self._server is not None
        self._server.close()
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.sleep(0.1)
        self._server = None

    async def close(self) -> None:
        if self._server is not None:
            await self.outage()


@pytest.fixture
async def proxied_app(make_pg_database, make_app):
    url = make_url(make_pg_database())
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    app = await make_app(database_url=url.set(port=proxy.port).render_as_string(hide_password=False))
    try:
        yield app, proxy
    finally:
        await app.aclose()
        await proxy.close()


async def _timed(coro) -> tuple[float, BaseException | None, object]:
    start = time.monotonic()
    try:
        result = await asyncio.wait_for(coro, timeout=FAIL_WITHIN + 5)
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        return time.monotonic() - start, exc, None
    return time.monotonic() - start, None, result


async def test_request_during_outage_fails_with_a_clear_message(proxied_app) -> None:
    app, proxy = proxied_app
    svc = app.service
    await svc.update_settings(ALICE, speed=1.25)
    assert (await svc.settings(ALICE)).effective.speed == 1.25

    await proxy.outage()
    try:
        for label, call in (("read (settings)", lambda: svc.settings(ALICE)),
                            ("write (update_settings)", lambda: svc.update_settings(ALICE, speed=1.5))):
            elapsed, exc, _ = await _timed(call())
            assert exc is not None, f"{label} succeeded while the database was down"
            assert not isinstance(exc, TimeoutError), f"{label} hung for {elapsed:.1f} s during the outage"
            assert elapsed < FAIL_WITHIN, f"{label} took {elapsed:.1f} s to fail"
            assert isinstance(exc, VoiceBridgeError), (
                f"{label} during the outage raised {type(exc).__module__}.{type(exc).__qualname__}: {exc!s:.300} "
                f"— not a VoiceBridgeError, so the adapters answer with the generic apology "
                f"({t('internal', 'en')!r}) and log a traceback")
            for lang in ("en", "zh"):
                assert error_text(exc, lang) != t("internal", lang), \
                    f"{label}: the user is told only {error_text(exc, lang)!r} ({exc.code})"
    finally:
        await proxy.start()


async def test_app_recovers_after_outage_by_itself(proxied_app) -> None:
    app, proxy = proxied_app
    svc = app.service
    await svc.update_settings(ALICE, speed=1.25)
    assert (await svc.settings(ALICE)).effective.speed == 1.25

    await proxy.outage()
    elapsed, exc, _ = await _timed(svc.settings(ALICE))
    assert exc is not None and not isinstance(exc, TimeoutError), \
        f"a request during the outage did not fail quickly ({elapsed:.1f} s): {exc!r}"
    await asyncio.sleep(1.0)  # the "restart"
    await proxy.start()

    # the very next requests succeed, on the same App (no restart), and nothing was lost
    elapsed, exc, view = await _timed(svc.settings(ALICE_ZH))
    assert exc is None, f"the first read after the database came back failed: {type(exc).__name__}: {exc}"
    assert view.effective.speed == 1.25
    elapsed, exc, _ = await _timed(svc.update_settings(ALICE, speed=1.5))
    assert exc is None, f"the first write after the database came back failed: {type(exc).__name__}: {exc}"
    assert (await svc.settings(ALICE)).effective.speed == 1.5
    # every pooled connection was replaced: a burst of concurrent requests all succeed
    results = await asyncio.gather(*(svc.settings(UserRef(platform="discord", user_id=str(3000 + i)))
                                     for i in range(12)), return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException)], results

"""Building and serving the console: :func:`build_web_app` (the aiohttp application, also what tests
serve) and :func:`run_web` (``voicebridge run``: listen on VOICEBRIDGE_WEB_HOST/PORT until ``stop``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bots.web.clips import Clips
from bots.web.pages import add_routes
from bots.web.pages.common import CLIPS, SECURE, SERVICE
from bots.web.pages.signin import LIMITER
from bots.web.security import SignInLimiter, make_middleware
from core.service import VoiceService
from core.web_access import OWNER

if TYPE_CHECKING:
    from bots.app import App

log = logging.getLogger("voicebridge.web")
STATIC = Path(__file__).parent / "static"
#: The largest request body: a clone's recording (the core's 20 MB) plus the form around it.
MAX_BODY = 21 * 1024 * 1024


def build_web_app(service: VoiceService, *, secure: bool | None = None,
                  limiter: SignInLimiter | None = None) -> web.Application:
    """The console for ``service``. ``secure``: cookies only over https (default: when the public URL is)."""
    if secure is None:
        secure = service.web.base_url.startswith("https://")
    app = web.Application(middlewares=[make_middleware(service.web, secure=secure)], client_max_size=MAX_BODY)
    app[SERVICE] = service
    app[CLIPS] = Clips()
    app[SECURE] = secure
    app[LIMITER] = limiter or SignInLimiter()
    add_routes(app)
    app.router.add_static("/static/", STATIC, append_version=True)
    return app


async def start_web(service: VoiceService, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Listen on ``host:port`` (0: any free port); returns the runner and the address it serves."""
    runner = web.AppRunner(build_web_app(service), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    address = f"http://{'[' + shown + ']' if ':' in shown else shown}:{bound}"
    if not service.config.public_url:  # links point where this console really listens (port 0: the one it got)
        service.web.base_url = address
    return runner, address


async def run_web(app: App, stop: asyncio.Event, *, announce_owner_link: bool = False) -> None:
    """Serve the console until ``stop`` is set. ``announce_owner_link``: print a one-time sign-in link for the
    local owner (a console with no bot: nobody could ask for one with /web)."""
    config = app.config
    try:
        runner, address = await start_web(app.service, config.web_host, config.web_port)
    except OSError as exc:
        problem = f"the web console can't listen on {config.web_host}:{config.web_port} ({exc.strerror or exc})"
        if announce_owner_link:  # the console is all there is to serve
            raise OSError(f"{problem}: set VOICEBRIDGE_WEB_PORT to a free port") from None
        # beside the bots it is an extra: they keep serving (and /web links point at nothing that answers)
        log.error("%s; the bots run without it (set VOICEBRIDGE_WEB_PORT, or VOICEBRIDGE_WEB=off)", problem)
        await stop.wait()
        return
    try:
        print(f"voicebridge web console: {address}", flush=True)
        if announce_owner_link:
            link = await app.service.web.issue_link(OWNER)
            print(f"sign in (one time, 10 minutes): {link}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()

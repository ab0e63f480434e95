"""The web console served for real on loopback (aiohttp's TestServer around :func:`bots.web.server.build_web_app`)
with the real App (``bots.app.build_app``) on SQLite and the fake SiliconFlow, plus helpers to sign in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer

from bots.app import App
from bots.web.security import SignInLimiter
from bots.web.server import build_web_app
from core.models import UserRef

TELEGRAM_USER = UserRef(platform="telegram", user_id="1001", is_private=True)
OTHER_USER = UserRef(platform="telegram", user_id="2002", is_private=True)
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    app: App
    server: TestServer

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def service(self):
        return self.app.service

    async def link(self, user: UserRef = TELEGRAM_USER) -> str:
        """A one-time sign-in link, as /web would give it."""
        return await self.service.web_link(user)

    async def browser(self, user: UserRef | None = TELEGRAM_USER) -> Client:
        """A client with its own cookie jar, signed in as ``user`` (None: a stranger)."""
        client = Client(ClientSession(cookie_jar=CookieJar(unsafe=True)), self.url)
        if user is not None:
            response = await client.post_raw(await self.link(user))
            assert response.status == 303, await response.text()
        return client


class Client:
    """A browser-like HTTP client: cookies, no redirects followed, the page's CSRF token remembered."""

    def __init__(self, http: ClientSession, base: str) -> None:
        self.http, self.base = http, base
        self.csrf = ""
        self.bodies: list[bytes] = []  # every response body, for scans

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.http.get(self._url(path), allow_redirects=False, **kwargs) as response:
            body = await response.read()
        self.bodies.append(body)
        text = body.decode(errors="replace")
        if (m := CSRF_RE.search(text)) is not None:
            self.csrf = m.group(1)
        return response.status, text

    async def post(self, path: str, data: Any = None, *, csrf: bool = True, **kwargs: Any) -> tuple[int, str]:
        if csrf and isinstance(data, dict):
            data = {"csrf": self.csrf, **data}
        async with self.http.post(self._url(path), data=data, allow_redirects=False, **kwargs) as response:
            body = await response.read()
        self.bodies.append(body)
        return response.status, body.decode(errors="replace")

    async def post_raw(self, url: str):
        response = await self.http.post(self._url(url), allow_redirects=False)
        self.bodies.append(await response.read())
        return response

    async def close(self) -> None:
        await self.http.close()


MakeConsole = Callable[..., Awaitable[Console]]


@pytest.fixture
async def make_console(make_app) -> AsyncIterator[MakeConsole]:
    """``await make_console(provider="siliconflow", limiter=None, **config)``: the App and its console, served."""
    servers: list[TestServer] = []

    async def make(provider: str = "siliconflow", *, limiter: SignInLimiter | None = None, **config: Any) -> Console:
        app = await make_app(provider, **config)
        server = TestServer(build_web_app(app.service, limiter=limiter), host="127.0.0.1")
        await server.start_server()
        if not app.config.public_url:
            app.service.web.base_url = str(server.make_url("")).rstrip("/")
        servers.append(server)
        return Console(app, server)

    yield make
    for server in servers:
        await server.close()


@pytest.fixture
async def console(make_console: MakeConsole) -> Console:
    return await make_console()


@pytest.fixture
async def client(console: Console) -> AsyncIterator[Client]:
    """Signed in as the Telegram user, on the Speak page (so its CSRF token is known)."""
    c = await console.browser()
    status, _ = await c.get("/speak")
    assert status == 200
    yield c
    await c.close()

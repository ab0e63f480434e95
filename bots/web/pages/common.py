"""What every page handler shares: the service, the signed-in user, and showing a page with its data,
a notice or an error in the reader's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bots.web.clips import Clips
from bots.web.render import LANG, SESSION, render
from core.errors import VoiceBridgeError
from core.i18n import error_text
from core.models import UserRef
from core.service import VoiceService
from core.web_access import WebSession

SERVICE = web.AppKey("service", VoiceService)
CLIPS = web.AppKey("clips", Clips)
SECURE = web.AppKey("secure", bool)

#: page name → the coroutine that loads what its template shows (filled by each page module).
LOADERS: dict[str, Callable[[web.Request], Awaitable[dict[str, Any]]]] = {}


def service(request: web.Request) -> VoiceService:
    return request.app[SERVICE]


def session(request: web.Request) -> WebSession:
    return request[SESSION]


def user(request: web.Request) -> UserRef:
    return request[SESSION].user


async def show(request: web.Request, page: str, *, status: int = 200, **extra: Any) -> web.Response:
    """The page ``page`` (its template ``page.html``) with its data and ``extra`` (notice, error …)."""
    data = await LOADERS[page](request) if page in LOADERS else {}
    return render(request, f"{page}.html", status=status, page=page, **{**data, **extra})


async def act(request: web.Request, page: str, action: Callable[[], Awaitable[dict[str, Any]]],
              **keep: Any) -> web.Response:
    """Run a form's action and show ``page`` with what it returns; a core error is shown in the page
    (status 400) and changed nothing. ``keep``: shown either way (what the user typed)."""
    try:
        extra = await action()
    except VoiceBridgeError as exc:
        return await show(request, page, status=400, error=error_text(exc, request[LANG]), **keep)
    return await show(request, page, **{**keep, **extra})

"""What every request goes through: the session cookie, CSRF on every POST, security headers, and the
rate limit on sign-in attempts."""

from __future__ import annotations

import collections
import hmac
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bots.web.render import LANG, LANG_COOKIE, SESSION, choose_language, render
from core.i18n import set_locale
from core.web_access import SESSION_TTL, WebAccess

SESSION_COOKIE = "vb_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
#: Paths served without a session (everything else sends a stranger to the sign-in page).
PUBLIC_PREFIXES = ("/signin/", "/static/")
PUBLIC_PATHS = frozenset({"/", "/signout", "/favicon.ico"})
#: Pages show a page's worth of data: keep them out of caches and frames, and links out of Referer headers
#: (the sign-in URL carries its token).
HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
                                "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                                "base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SignInLimiter:
    """At most ``per_minute`` sign-in attempts per client address, and ``overall`` from everyone."""

    def __init__(self, per_minute: int = 10, overall: int = 120, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.overall, self._clock = per_minute, overall, clock
        self._seen: dict[str, collections.deque[float]] = {}
        self._all: collections.deque[float] = collections.deque()

    def allow(self, who: str) -> bool:
        now = self._clock()
        if len(self._seen) > 10_000:
            self._seen.clear()
        mine = self._seen.setdefault(who, collections.deque())
        for queue in (mine, self._all):
            while queue and now - queue[0] > 60:
                queue.popleft()
        if len(mine) >= self.per_minute or len(self._all) >= self.overall:
            return False
        mine.append(now)
        self._all.append(now)
        return True


def redirect(location: str) -> web.Response:
    """303 See Other: after a POST, and for strangers."""
    return web.Response(status=303, headers={"Location": location})


def set_session_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_TTL), httponly=True, samesite="Lax",
                        secure=secure, path="/")


def set_language_cookie(response: web.StreamResponse, lang: str, *, secure: bool) -> None:
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=secure, path="/")


def csrf_ok(request: web.Request, given: str | None) -> bool:
    session = request.get(SESSION)
    return bool(session and given and hmac.compare_digest(given.encode(), session.csrf.encode()))


def refuse_csrf(request: web.Request) -> web.Response:
    return render(request, "message.html", status=403, error=True, message_key="csrf_refused")


def make_middleware(access: WebAccess, *, secure: bool) -> Callable:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[LANG] = set_locale(choose_language(request))
        request[SESSION] = await access.session(request.cookies.get(SESSION_COOKIE))
        public = request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES)
        if request[SESSION] is None and not public:
            response: web.StreamResponse = redirect("/")
        elif request.method == "POST" and not request.path.startswith("/signin/") and not await _csrf(request):
            response = refuse_csrf(request)
        else:
            try:
                response = await handler(request)
            except web.HTTPNotFound:
                response = render(request, "message.html", status=404, error=True, message_key="not_found")
            except web.HTTPException as exc:  # the router's 405 and the like
                response = web.Response(status=exc.status, text=exc.reason)
        if "lang" in request.query and request.query["lang"] == request[LANG]:
            set_language_cookie(response, request[LANG], secure=secure)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return middleware


async def _csrf(request: web.Request) -> bool:
    """The header (fetch calls) or the form's ``csrf`` field; a multipart form's handler checks its first
    field itself (see :func:`bots.web.forms.multipart_fields`), so its body is not read here."""
    if CSRF_HEADER in request.headers:
        return csrf_ok(request, request.headers[CSRF_HEADER])
    if request.content_type == "multipart/form-data":
        return request.get(SESSION) is not None  # checked by the handler, before anything is done
    form = await request.post()
    value = form.get(CSRF_FIELD)
    return csrf_ok(request, value if isinstance(value, str) else None)

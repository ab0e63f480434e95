"""Signing in with a one-time link, signing out, and the page strangers see."""

from __future__ import annotations

from aiohttp import web

from bots.web.pages.common import SECURE, service
from bots.web.render import SESSION, render
from bots.web.security import SESSION_COOKIE, SignInLimiter, redirect, set_session_cookie

routes = web.RouteTableDef()
LIMITER = web.AppKey("signin_limiter", SignInLimiter)


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    if request.get(SESSION) is not None:
        return redirect("/speak")
    return render(request, "signin.html")


@routes.get("/signin/{token}")
async def confirm(request: web.Request) -> web.Response:
    """A page with one button: link previews and scanners that fetch the link don't use it up."""
    return render(request, "signin_confirm.html", token=request.match_info["token"])


@routes.post("/signin/{token}")
async def sign_in(request: web.Request) -> web.Response:
    if not request.app[LIMITER].allow(request.remote or "?"):
        return render(request, "message.html", status=429, error=True, message_key="rate_limited")
    found = await service(request).web.redeem_link(request.match_info["token"])
    if found is None:
        return render(request, "message.html", status=403, error=True, message_key="signin_refused")
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await service(request).web.end_session(old)
    response = redirect("/speak")
    set_session_cookie(response, found.token, secure=request.app[SECURE])
    return response


@routes.post("/signout")
async def sign_out(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and request.get(SESSION) is not None:
        await service(request).web.end_session(token)
    request[SESSION] = None
    response = render(request, "message.html", message_key="signed_out")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response

"""The account's pages: pronunciation dictionary, usage (a chart of bytes per day), linked accounts, and
forgetting everything."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bots.web.forms import field, form
from bots.web.pages.common import LOADERS, act, service, session, show, user
from bots.web.render import LANG, SESSION, render
from bots.web.security import SESSION_COOKIE
from core.i18n import platform_names, t
from core.uploads import clone_uploads

routes = web.RouteTableDef()
CHART_WIDTH, CHART_HEIGHT = 600, 160


# --- dictionary --------------------------------------------------------------------------------


async def _dictionary(request: web.Request) -> dict[str, Any]:
    return {"entries": await service(request).pronunciations(user(request))}


LOADERS["dictionary"] = _dictionary


@routes.get("/dictionary")
async def dictionary_page(request: web.Request) -> web.Response:
    return await show(request, "dictionary")


@routes.post("/dictionary")
async def dictionary_change(request: web.Request) -> web.Response:
    data = await form(request)

    async def action() -> dict[str, Any]:
        word = field(data, "word") or ""
        if data.get("remove") == "yes":
            await service(request).remove_pronunciation(user(request), word)
        else:
            await service(request).set_pronunciation(user(request), word, field(data, "spoken") or "")
        return {"notice": t("web_saved", request[LANG])}

    return await act(request, "dictionary", action)


# --- usage -------------------------------------------------------------------------------------


def bar_chart(days: list[tuple[Any, int]]) -> dict[str, Any]:
    """Bars of an inline SVG chart (no script): x, y, width, height, and a title per day."""
    top = max((n for _, n in days), default=0) or 1
    step = CHART_WIDTH / max(len(days), 1)
    bars = []
    for i, (day, n) in enumerate(days):
        height = round(n / top * (CHART_HEIGHT - 20), 1)
        bars.append({"x": round(i * step + 1, 1), "y": round(CHART_HEIGHT - height, 1), "w": round(step - 2, 1),
                     "h": height, "title": f"{day.isoformat()}: {n}"})
    return {"bars": bars, "top": top, "width": CHART_WIDTH, "height": CHART_HEIGHT,
            "first": days[0][0].isoformat() if days else "", "last": days[-1][0].isoformat() if days else ""}


async def _usage(request: web.Request) -> dict[str, Any]:
    report = await service(request).usage(user(request))
    chart = bar_chart(await service(request).web.daily_usage(user(request)))
    cost = f"{report.estimated_cost:.4f}".rstrip("0").rstrip(".") or "0"
    return {"report": report, "chart": chart, "cost": cost}


LOADERS["usage"] = _usage


@routes.get("/usage")
async def usage_page(request: web.Request) -> web.Response:
    return await show(request, "usage")


# --- linked accounts ---------------------------------------------------------------------------------


async def _accounts(request: web.Request) -> dict[str, Any]:
    who = user(request)
    others = await service(request).linked_platforms(who)
    return {"platforms": platform_names([who.platform, *others]), "linked": bool(others)}


LOADERS["accounts"] = _accounts


@routes.get("/accounts")
async def accounts_page(request: web.Request) -> web.Response:
    return await show(request, "accounts")


@routes.post("/accounts/unlink")
async def unlink(request: web.Request) -> web.Response:
    async def action() -> dict[str, Any]:
        await service(request).unlink(user(request))
        return {"notice": t("web_unlinked", request[LANG])}

    return await act(request, "accounts", action)


# --- forget me ---------------------------------------------------------------------------------------


@routes.get("/forget")
async def forget_page(request: web.Request) -> web.Response:
    return render(request, "forget.html", page="forget")


@routes.post("/forget")
async def forget(request: web.Request) -> web.Response:
    data = await form(request)
    if data.get("confirm") != "yes":
        return render(request, "forget.html", page="forget", status=400, error=t("web_forget_unchecked",
                                                                               request[LANG]))
    svc, who, account = service(request), user(request), session(request).account_id
    clone_uploads(svc).drop_user(who)
    report = await svc.forget(who)
    await svc.web.end_all(account)
    request[SESSION] = None
    response = render(request, "message.html", message=t("web_forgotten", request[LANG],
                                                         voices=len(report.deleted_remote_voices)))
    response.del_cookie(SESSION_COOKIE, path="/")
    return response

"""AI configuration (the seed's page): the API key (write-only: only its last four characters are ever
shown), the default voice, speech language, speed, gain and style, the reply language, and the user's
characters with their settings (and personas, where the core has them)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bots.web.forms import field, form
from bots.web.pages.common import LOADERS, act, service, show, user
from bots.web.pages.speak import voice_choices
from bots.web.render import LANG
from core.i18n import OFF_WORDS, t

routes = web.RouteTableDef()


async def _load(request: web.Request) -> dict[str, Any]:
    characters = await service(request).web.characters(user(request))
    return {**await voice_choices(request), "characters": characters,
            "ui_language": await service(request).ui_language(user(request))}


LOADERS["config"] = _load


@routes.get("/config")
async def config_page(request: web.Request) -> web.Response:
    return await show(request, "config")


@routes.post("/config")
async def save(request: web.Request) -> web.Response:
    """The settings form: every value is checked by the core first; on a bad one nothing changes."""
    data = await form(request)

    async def action() -> dict[str, Any]:
        svc, who = service(request), user(request)
        style = field(data, "style")
        if style is not None and style.lower() in OFF_WORDS:
            style = None
        await svc.update_settings(who, voice=field(data, "voice"), speed=field(data, "speed"),
                                  gain=field(data, "gain"), language=field(data, "language") or "auto", style=style)
        ui = field(data, "ui_language")
        await svc.set_ui_language(who, ui if ui in ("en", "zh", "ja") else None)
        return {"notice": t("web_saved", request[LANG])}

    return await act(request, "config", action)


@routes.post("/config/key")
async def key(request: web.Request) -> web.Response:
    """Save or remove the user's own key. The key is never sent back: the page shows its masked hint."""
    data = await form(request)

    async def action() -> dict[str, Any]:
        if data.get("clear") == "yes":
            await service(request).clear_api_key(user(request))
            return {"notice": t("web_api_key_cleared", request[LANG])}
        await service(request).set_api_key(user(request), field(data, "api_key") or "")
        return {"notice": t("web_saved", request[LANG])}

    return await act(request, "config", action)

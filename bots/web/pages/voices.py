"""Voices: the presets with a short sample each, the user's clones with a sample and delete, and choosing
one as the voice the bots speak in."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bots.web.clips import CONTENT_TYPES
from bots.web.forms import field, form
from bots.web.pages.common import LOADERS, act, service, show, user
from bots.web.render import LANG
from core.i18n import t
from core.models import SettingsPatch

routes = web.RouteTableDef()


async def _load(request: web.Request) -> dict[str, Any]:
    listing = await service(request).voices(user(request))
    return {"presets": listing.presets, "clones": listing.clones, "current": listing.current}


LOADERS["voices"] = _load


@routes.get("/voices")
async def voices_page(request: web.Request) -> web.Response:
    return await show(request, "voices")


@routes.get("/voices/sample")
async def sample(request: web.Request) -> web.Response:
    """A short sample in one of the voices the user may use (a preset or their own clone), as Ogg/Opus or
    MP3. Another account's clone is a 404, like a name that does not exist."""
    name = request.query.get("voice", "")
    fmt = "mp3" if request.query.get("fmt") == "mp3" else "ogg"
    listing = await service(request).voices(user(request))
    if name.casefold() not in {v.name.casefold() for v in (*listing.presets, *listing.clones)}:
        raise web.HTTPNotFound()
    result = await service(request).speak(user(request), t("web_sample_text", request[LANG]),
                                          override=SettingsPatch(voice=name), fmt=fmt)
    return web.Response(body=result.notes[0].audio.data, content_type=CONTENT_TYPES[fmt])


@routes.post("/voices/use")
async def use(request: web.Request) -> web.Response:
    data = await form(request)

    async def action() -> dict[str, Any]:
        await service(request).set_voice(user(request), field(data, "voice") or "")
        return {"notice": t("web_saved", request[LANG])}

    return await act(request, "voices", action)


@routes.post("/voices/delete")
async def delete(request: web.Request) -> web.Response:
    data = await form(request)

    async def action() -> dict[str, Any]:
        voice = await service(request).delete_voice(user(request), field(data, "voice") or "")
        return {"notice": t("web_deleted", request[LANG], name=voice.name)}

    return await act(request, "voices", action)

"""Speak: text, voice, speed, gain, language and style → voice notes played in the page, downloadable as
Ogg/Opus or MP3. The clips it serves are the signed-in account's only."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bots.web.clips import CONTENT_TYPES
from bots.web.forms import field, form
from bots.web.pages.common import CLIPS, LOADERS, act, service, session, show, user
from bots.web.render import LANG
from core.i18n import t
from core.models import LANGUAGES, STYLE_PRESETS, SettingsPatch

routes = web.RouteTableDef()


async def voice_choices(request: web.Request) -> dict[str, Any]:
    """What the voice, language and style fields offer, and the user's settings as their defaults."""
    listing = await service(request).voices(user(request))
    view = await service(request).settings(user(request))
    return {"presets": listing.presets, "clones": listing.clones, "view": view, "speech_languages": LANGUAGES,
            "styles": list(STYLE_PRESETS)}


async def _load(request: web.Request) -> dict[str, Any]:
    return {**await voice_choices(request), "form": {}}


LOADERS["speak"] = _load


@routes.get("/speak")
async def speak_page(request: web.Request) -> web.Response:
    return await show(request, "speak")


@routes.post("/speak")
async def speak(request: web.Request) -> web.Response:
    data = await form(request)
    fmt = "mp3" if data.get("fmt") == "mp3" else "ogg"

    async def action() -> dict[str, Any]:
        override = SettingsPatch(voice=field(data, "voice"), speed=field(data, "speed"),  # type: ignore[arg-type]
                                 gain=field(data, "gain"), language=field(data, "language"),  # type: ignore[arg-type]
                                 style=field(data, "style"))
        result = await service(request).speak(user(request), data.get("text", ""), override=override, fmt=fmt)
        clip = request.app[CLIPS].add(session(request).account_id, [note.audio for note in result.notes])
        notes = [{"url": f"/clips/{clip}/{i}.{fmt}", "ogg": f"/clips/{clip}/{i}.ogg", "mp3": f"/clips/{clip}/{i}.mp3",
                  "duration": note.audio.duration} for i, note in enumerate(result.notes)]
        return {"notes": notes, "notices": [t(n, request[LANG]) for n in result.notices]}

    return await act(request, "speak", action, form=data)


@routes.get(r"/clips/{clip}/{index:\d+}.{ext:ogg|mp3}")
async def clip(request: web.Request) -> web.StreamResponse:
    note = request.app[CLIPS].get(session(request).account_id, request.match_info["clip"],
                                  int(request.match_info["index"]))
    if note is None:
        raise web.HTTPNotFound()
    ext = request.match_info["ext"]
    data = await request.app[CLIPS].as_format(note, ext)
    disposition = "attachment" if "download" in request.query else "inline"
    return web.Response(body=data, content_type=CONTENT_TYPES[ext],
                        headers={"Content-Disposition": f'{disposition}; filename="voicebridge.{ext}"'})

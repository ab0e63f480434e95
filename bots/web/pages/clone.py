"""Clone (the seed's tool): upload or record reference audio, name it, consent, get its ``speech:…`` voice
ID with a copy button and a player; or adopt a voice ID made elsewhere with the user's own key.

The core's clone flow applies as in chat: the name and the right to clone are checked before the
recording is read, the upload counts against the process's budget, consent comes before any upload."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bots.web.forms import CsrfRefused, chunks, field, form, multipart_fields, read_text
from bots.web.pages.common import LOADERS, act, service, show, user
from bots.web.security import refuse_csrf
from core.cloning import CLONE_UPLOAD_MAX_BYTES
from core.errors import AudioEmpty, ConsentRequired
from core.models import Voice

routes = web.RouteTableDef()


async def _load(request: web.Request) -> dict[str, Any]:
    return {"can_clone": service(request).can_clone(), "form": {}}


LOADERS["clone"] = _load


@routes.get("/clone")
async def clone_page(request: web.Request) -> web.Response:
    return await show(request, "clone")


@routes.post("/clone")
async def clone(request: web.Request) -> web.Response:
    typed: dict[str, str] = {}

    async def action() -> dict[str, Any]:
        voice: Voice | None = None
        async for name, part in multipart_fields(request):
            if name in ("name", "transcript", "consent"):
                typed[name] = (await read_text(part, 2000)).strip()
            elif name == "audio" and voice is None:
                voice = await _clone_from(request, part, typed)
        if voice is None:  # no recording part at all
            raise ConsentRequired() if typed.get("consent") != "yes" else AudioEmpty()
        return {"cloned": voice, "form": {}}

    try:
        return await act(request, "clone", action, form=typed)
    except CsrfRefused:
        return refuse_csrf(request)


async def _clone_from(request: web.Request, part: Any, typed: dict[str, str]) -> Voice:
    """The clone from the recording ``part`` (the form's fields before it are in ``typed``)."""
    if typed.get("consent") != "yes":
        raise ConsentRequired()  # before a byte of the recording is read
    svc, who = service(request), user(request)
    filename = part.filename or "recording.webm"
    async with svc.clone_upload(who, typed.get("name", ""), declared_bytes=request.content_length or 0) as up:
        data = await up.slot.collect(chunks(part), limit=CLONE_UPLOAD_MAX_BYTES)
        if not data:
            raise AudioEmpty()
        await svc.check_clone_audio(data, filename)
        return await svc.complete_clone(who, data, up.name, filename=filename,
                                        transcript=typed.get("transcript") or None)


@routes.post("/clone/adopt")
async def adopt(request: web.Request) -> web.Response:
    data = await form(request)

    async def action() -> dict[str, Any]:
        """The core checks everything (ID's shape, own key, the provider's list for that key, the name) and
        raises its sentence otherwise; the form keeps what was typed then, and is emptied on success."""
        voice = await service(request).adopt_voice(user(request), field(data, "voice_id") or "",
                                                    field(data, "name") or "")
        return {"adopted": voice, "adopt_form": {}}

    return await act(request, "clone", action, adopt_form=data)

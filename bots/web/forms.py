"""Reading forms: bounded text fields, a multipart form whose first field must be the CSRF token, and the
one way a page reports an error (the core's sentence, in the reader's language)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, web

from bots.web.security import CSRF_FIELD, csrf_ok
from core.errors import TextTooLong

#: The longest text field a form may send (the speak text has the core's own, smaller limit).
MAX_FIELD_CHARS = 100_000


class CsrfRefused(Exception):
    """A multipart form came without its CSRF token first."""


async def form(request: web.Request) -> dict[str, str]:
    """An urlencoded form's text fields (the middleware has read and checked it already)."""
    data = await request.post()
    return {name: value for name, value in data.items() if isinstance(value, str)}


def field(data: dict[str, str], name: str) -> str | None:
    """A field stripped; None when missing or blank."""
    value = (data.get(name) or "").strip()
    return value or None


async def read_text(part: BodyPartReader, limit: int = MAX_FIELD_CHARS) -> str:
    raw = bytearray()
    while chunk := await part.read_chunk(8192):
        raw += chunk
        if len(raw) > limit * 4:
            raise TextTooLong(length=len(raw), limit=limit * 4, unit="unit_bytes")
    return raw.decode("utf-8", errors="replace")


async def multipart_fields(request: web.Request) -> AsyncIterator[tuple[str, BodyPartReader]]:
    """The parts of a multipart form, after checking that the first is the session's CSRF token."""
    reader = await request.multipart()
    first = await reader.next()
    if not isinstance(first, BodyPartReader) or first.name != CSRF_FIELD \
            or not csrf_ok(request, await read_text(first, 200)):
        raise CsrfRefused()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name:
            yield part.name, part


async def chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(64 * 1024):
        yield chunk

"""Reading and judging what SiliconFlow sends back, before any of it is trusted.

A 200 is not trusted blindly: a proxy's page, a gateway's JSON, an empty or endless body must never be
spoken, cached or served. These helpers read bodies under a byte limit, look at the ``Content-Type``
and the first bytes (text? markup? another file format?), find the error a JSON body reports
(``{"code", "message"}``, ``{"error"}``, ``status: false``) and the HTTP status its code stands for,
and make the provider's own words safe to show (trimmed, never the API key). Errors built from them
never quote the body or a header: their message is ours, and log lines say the content type and the
length only.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

__all__ = [
    "CONTAINER_MAGIC",
    "ERROR_BODY_LIMIT",
    "GONE",
    "MESSAGE_LIMIT",
    "NOT_JSON",
    "SNIFF_BYTES",
    "as_int",
    "error_code",
    "is_markup",
    "is_text",
    "looks_like_markup",
    "may_be_audio",
    "media_type",
    "parse_json",
    "provider_message",
    "read_limited",
    "read_up_to",
    "redact",
    "safe_media",
]

_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")
GONE = re.compile(r"not\s*found|not\s*exist|no\s+such|不存在|未找到", re.IGNORECASE)
MESSAGE_LIMIT = 200
ERROR_BODY_LIMIT = 64 * 1024
#: Bytes looked at before the first speech chunk is trusted to be audio (≈1.3 ms at 24 kHz).
SNIFF_BYTES = 64
#: What the start of a ``pcm`` body must not be: other file formats.
CONTAINER_MAGIC = (b"RIFF", b"RIFX", b"OggS", b"ID3", b"fLaC", b"FORM", b"\x1aE\xdf\xa3")
#: ``code`` values that mean success in SiliconFlow envelopes.
_SUCCESS_CODES = frozenset({0, 200, 20000})
#: SiliconFlow business codes seen in error bodies → the HTTP status they come with.
_CODE_STATUS = {20012: 400, 30001: 402, 50505: 503}
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}")
#: What :func:`parse_json` returns for a body that is not JSON.
NOT_JSON: Any = object()


async def read_limited(response: httpx.Response) -> str:
    """An error body as text (at most 64 KiB; a broken body reads as empty)."""
    body = bytearray()
    try:
        async for part in response.aiter_bytes():
            body += part
            if len(body) >= ERROR_BODY_LIMIT:
                break
    except httpx.RequestError:
        pass
    return body[:ERROR_BODY_LIMIT].decode("utf-8", "replace")


def provider_message(text: str, key: str | None) -> str:
    """The provider's own words from an error body: plain text, a JSON string or ``{message}``."""
    message = text.strip()
    try:
        parsed = json.loads(message)
    except ValueError:
        parsed = None
    if isinstance(parsed, str):
        message = parsed
    elif isinstance(parsed, dict):
        for name in ("message", "msg", "error", "detail", "data"):
            value = parsed.get(name)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                message = value
                break
    message = redact(" ".join(message.split()), key)
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT - 1] + "…"
    return message


def parse_json(body: bytes) -> Any:
    """The JSON in ``body``, or ``NOT_JSON``."""
    try:
        return json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return NOT_JSON


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip())
    return None


def _code_status(code: int | None) -> int:
    """The HTTP status a body's error code stands for (0: unknown). HTTP-like codes are themselves;
    SiliconFlow's five-digit codes: the known ones, else 2xxxx → 400 (parameters) and 5xxxx → 503."""
    if code is None:
        return 0
    if 400 <= code <= 599:
        return code
    if code in _CODE_STATUS:
        return _CODE_STATUS[code]
    return {2: 400, 5: 503}.get(code // 10000, 0) if 10000 <= code <= 99999 else 0


def error_code(payload: Any) -> tuple[int | None, int, bool] | None:
    """(code, HTTP status it means or 0, whether it says "not found") if ``payload`` is an error body."""
    if not isinstance(payload, dict) or payload.get("status") is True or payload.get("success") is True:
        return None
    code = as_int(payload.get("code"))
    error = payload.get("error")
    if code is None and isinstance(error, dict):
        code = as_int(error.get("code"))
        if code is None:
            code = as_int(error.get("status"))
    failed = ((code is not None and code not in _SUCCESS_CODES) or bool(error)
              or payload.get("status") is False or payload.get("success") is False)
    if not failed:
        return None
    words = []
    for value in (payload.get("message"), payload.get("msg"), error, payload.get("data")):
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, str):
            words.append(value)
    gone = bool(GONE.search(" ".join(words)[:ERROR_BODY_LIMIT]))
    return code, _code_status(code), gone


def media_type(response: httpx.Response) -> str:
    """The response's media type, lower-case, without parameters ('' when missing)."""
    return (response.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


def _is_json_type(media: str) -> bool:
    return media in ("application/json", "text/json") or media.endswith("+json")


def is_markup(media: str) -> bool:
    return "html" in media or "xml" in media


def may_be_audio(media: str) -> bool:
    """Whether a speech answer of this media type may be audio: anything but text, JSON, markup and
    the obviously-not-audio families (the contract's audio types vary: octet-stream, application/audio,
    audio/*; a self-hosted server sends none)."""
    if not media:
        return True
    if media.startswith(("text/", "image/", "multipart/", "message/", "font/", "model/")):
        return False
    return not (_is_json_type(media) or is_markup(media))


def safe_media(media: str, key: str | None) -> str:
    """The media type for a log line: only if it looks like one (a header could carry anything)."""
    if not media:
        return "(none)"
    if not _MEDIA_TYPE.fullmatch(media):
        return "(unusual)"
    return redact(media, key)


def is_text(data: bytes | bytearray) -> bool:
    """Whether the first bytes of a body are printable UTF-8 text (speech PCM starts near silence, so
    its first bytes are not: 64 printable bytes in a row are ~1e-28 likely even for loud noise)."""
    sample = bytes(data[:SNIFF_BYTES])
    if sample.startswith(b"\xef\xbb\xbf"):
        sample = sample[3:]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":
            return False
        text = sample[:exc.start].decode("utf-8", "replace")
    return bool(text) and all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def looks_like_markup(body: bytes) -> bool:
    head = body[:256].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body"))


async def read_up_to(parts: AsyncIterator[bytes], limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes from ``parts``, and whether there was more (not read further)."""
    body = bytearray()
    async for part in parts:
        body += part
        if len(body) > limit:
            return bytes(body[:limit]), True
    return bytes(body), False


def redact(text: str, key: str | None) -> str:
    if key:
        text = text.replace(key, "***")
    return _KEY_LIKE.sub("sk-***", text)

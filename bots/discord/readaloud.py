"""What auto-read says for a Discord message that is not only text: what it holds, counted by kind
(:data:`core.readaloud.KINDS`), and the sentence :func:`core.readaloud.reading` makes of it.

* Attachments by content type, else by file extension (``image``, ``video``, ``audio``, ``file``; a voice message
  is ``voice``), stickers, a poll (its question is said), links when the text is only links.
* A forwarded message (discord.py 2.7 ``message.message_snapshots``) is read from its first snapshot: "NAME
  forwarded a message: …" and the snapshot's text, or what it held.

Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from core.readaloud import Reading, reading as core_reading

__all__ = ["attachment_kind", "has_more_than_text", "reading", "things"]

_IMAGE = {"png", "jpg", "jpeg", "gif", "webp", "bmp", "svg", "heic", "avif", "tif", "tiff"}
_VIDEO = {"mp4", "mov", "webm", "mkv", "avi", "m4v", "wmv", "mpg", "mpeg"}
_AUDIO = {"mp3", "ogg", "oga", "opus", "wav", "flac", "m4a", "aac", "wma", "mid", "midi"}


def attachment_kind(attachment: Any) -> str:
    """``image``, ``video``, ``audio``, ``voice`` (a voice message) or ``file``."""
    is_voice = getattr(attachment, "is_voice_message", None)
    if callable(is_voice) and is_voice():
        return "voice"
    ctype = (getattr(attachment, "content_type", None) or "").lower()
    for kind in ("image", "video", "audio"):
        if ctype.startswith(f"{kind}/"):
            return kind
    ext = (getattr(attachment, "filename", "") or "").rsplit(".", 1)[-1].lower()
    if ext in _IMAGE:
        return "image"
    if ext in _VIDEO:
        return "video"
    if ext in _AUDIO:
        return "audio"
    return "file"


def things(attachments: Any = (), stickers: Any = (), poll: Any = None) -> Counter[str]:
    """How many of each kind a message holds besides text."""
    counts: Counter[str] = Counter(attachment_kind(a) for a in attachments or ())
    if stickers:
        counts["sticker"] = len(stickers)
    if poll is not None:
        counts["poll"] = 1
    return counts


def _poll_question(poll: Any) -> str:
    question = getattr(poll, "question", None)
    return str(getattr(question, "text", question) or "")


def reading(message: Any, *, name: str, server_locale: str | None = None) -> Reading | None:
    """What auto-read says for ``message`` (None: nothing to say)."""
    snapshots = getattr(message, "message_snapshots", None) or []
    if snapshots:
        snap = snapshots[0]
        return core_reading(snap.content, things(getattr(snap, "attachments", ()), getattr(snap, "stickers", ())),
                            name=name, listener=server_locale, forwarded=True)
    poll = getattr(message, "poll", None)
    counts = things(getattr(message, "attachments", ()), getattr(message, "stickers", ()), poll)
    return core_reading(message.content, counts, name=name, listener=server_locale,
                        poll_question=_poll_question(poll))


def has_more_than_text(message: Any) -> bool:
    """Whether ``message`` holds something to describe besides its text."""
    return bool(getattr(message, "attachments", None) or getattr(message, "stickers", None)
                or getattr(message, "poll", None) is not None or getattr(message, "message_snapshots", None))

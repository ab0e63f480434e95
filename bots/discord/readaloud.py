"""What auto-read says for a Discord message that is not only text.

* Only attachments, stickers, a poll or links: "NAME sent an image" (two kinds: "an image and a file"; several of
  one kind: "3 images"; a poll: "a poll: its question"; links only: "a link").
* Text with attachments, stickers or a poll: the text, then "(with an image)". Links inside text are the
  cleanup's ("link", :mod:`core.cleanup`).
* A forwarded message (discord.py 2.7 ``message.message_snapshots``): "NAME forwarded a message: …" and the
  snapshot's text, or what it held.

The sentences (``readaloud_*``, :mod:`core.readaloud_strings`) are in the language the message is heard in: the
language of its own words, else the server's. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from core.i18n import normalize_language, t
from core.language import detect_language

_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>]+>?", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_DOUBLE_STOP = re.compile(r"([?!.。？！])[.。]$")  # "a poll: Pizza tonight?." → "…tonight?"

_IMAGE = {"png", "jpg", "jpeg", "gif", "webp", "bmp", "svg", "heic", "avif", "tif", "tiff"}
_VIDEO = {"mp4", "mov", "webm", "mkv", "avi", "m4v", "wmv", "mpg", "mpeg"}
_AUDIO = {"mp3", "ogg", "oga", "opus", "wav", "flac", "m4a", "aac", "wma", "mid", "midi"}
#: Kinds in the order they are said.
_ORDER = ("image", "video", "audio", "voice", "file", "sticker", "poll", "link")


@dataclass(frozen=True, slots=True)
class Reading:
    """What to say for a message, and whether "NAME said" may go in front (False: the sentence names them)."""

    text: str
    announce: bool


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


def things(attachments: Any = (), stickers: Any = (), poll: Any = None, links: int = 0) -> Counter[str]:
    """How many of each kind a message holds besides text."""
    counts: Counter[str] = Counter(attachment_kind(a) for a in attachments or ())
    if stickers:
        counts["sticker"] = len(stickers)
    if poll is not None:
        counts["poll"] = 1
    if links:
        counts["link"] = links
    return counts


def say_things(counts: Counter[str], lang: str, *, poll_question: str = "") -> str:
    """``counts`` as words: "an image and 2 files", "一张图片和2个文件", "画像とファイル2個"."""
    words = []
    for kind in _ORDER:
        n = counts.get(kind, 0)
        if not n:
            continue
        if kind == "poll":
            words.append(t("readaloud_thing_poll", lang, question=poll_question))
        elif n == 1 or kind == "voice":
            words.append(t(f"readaloud_thing_{kind}", lang))
        else:
            words.append(t(f"readaloud_thing_{kind}s", lang, count=n))
    if len(words) <= 1:
        return "".join(words)
    return t("readaloud_list_comma", lang).join(words[:-1]) + t("readaloud_list_and", lang) + words[-1]


def hearing_language(text: str, server_locale: str | None) -> str:
    """The language a message's sentences are said in: its words' (if it has any), else the server's."""
    if _LETTER.search(text or ""):
        lang = detect_language(text)
        return lang if lang in ("en", "zh", "ja") else normalize_language(server_locale)
    return normalize_language(server_locale)


def _poll_question(poll: Any) -> str:
    question = getattr(poll, "question", None)
    return str(getattr(question, "text", question) or "")


def _body(content: str, attachments: Any, stickers: Any, poll: Any) -> tuple[str, Counter[str]]:
    """The text to read and what else the message holds (links counted only when there is no other text)."""
    content = (content or "").strip()
    counts = things(attachments, stickers, poll)
    if content and not _URL.sub("", content).strip():  # links only
        counts["link"] = len(_URL.findall(content))
        content = ""
    return content, counts


def reading(message: Any, *, name: str, server_locale: str | None = None) -> Reading | None:
    """What auto-read says for ``message`` (None: nothing to say)."""
    snapshots = getattr(message, "message_snapshots", None) or []
    if snapshots:
        snap = snapshots[0]
        content, counts = _body(snap.content, getattr(snap, "attachments", ()), getattr(snap, "stickers", ()),
                                None)
        lang = hearing_language(content, server_locale)
        inner = content
        if counts:
            said = say_things(counts, lang)
            inner = t("readaloud_with", lang, text=content, things=said) if content else said
        if not inner:
            return None
        return Reading(t("readaloud_forwarded", lang, name=name, text=inner), announce=False)
    poll = getattr(message, "poll", None)
    content, counts = _body(message.content, getattr(message, "attachments", ()),
                            getattr(message, "stickers", ()), poll)
    lang = hearing_language(content, server_locale)
    if not counts:
        return Reading(content, announce=True) if content else None
    said = say_things(counts, lang, poll_question=_poll_question(poll))
    if content:
        return Reading(t("readaloud_with", lang, text=content, things=said), announce=True)
    return Reading(_DOUBLE_STOP.sub(r"\1", t("readaloud_sent", lang, name=name, things=said)), announce=False)


def has_more_than_text(message: Any) -> bool:
    """Whether ``message`` holds something to describe besides its text."""
    return bool(getattr(message, "attachments", None) or getattr(message, "stickers", None)
                or getattr(message, "poll", None) is not None or getattr(message, "message_snapshots", None))

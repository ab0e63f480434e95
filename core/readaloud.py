"""Read-aloud choices the core makes for every platform: in which language emoji are named, the chat or server
option that turns emoji names off, and what is said for a message that is not only text.

Emoji are named in the language the text is spoken in: the speech language when one is set (``/lang``), else the
language of the text's own words, else — a message of emoji only — the listener's (the user's reply language
hint; for a server's auto-read, the server's language). A chat or server may turn names off with its
option :data:`READ_EMOJI` (then emoji are removed, as before).

A message that is not only text (the adapter counts what it holds by kind: :data:`KINDS`) is said as "NAME sent an
image" (several kinds: "an image and a file"; several of one: "3 images"; a poll: "a poll: its question"; links
only: "a link"); text with attachments as the text, then "(with a file)"; a forwarded one as "NAME forwarded a
message: …". The sentences (:mod:`core.readaloud_strings`) are in the language the message is heard in: its
words' language, else the listener's (:func:`hearing_language`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core import emoji_names
from core.emoji_names import emoji_language, has_emoji
from core.i18n import normalize_language, t
from core.language import detect_language

__all__ = ["KINDS", "READ_EMOJI", "Reading", "emoji_language_for", "hearing_language", "reading", "reads_emoji",
           "say_things"]

#: What a message may hold besides text, in the order they are said.
KINDS = ("image", "video", "audio", "voice", "file", "sticker", "poll", "location", "contact", "link")
_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>]+>?", re.IGNORECASE)
_DOUBLE_STOP = re.compile(r"([?!.。？！])[.。]$")  # "a poll: Pizza tonight?." → "…tonight?"
_ONE_ONLY = frozenset({"voice", "poll", "location", "contact"})  # said once however many

#: Scope option (a chat's or server's): False turns emoji names off there (they are removed). Unset: on.
READ_EMOJI = "read_emoji"

_WORDS = re.compile(r"[^\W\d_]", re.UNICODE)  # any letter of any script


def reads_emoji(options: Mapping[str, Any] | None) -> bool:
    """Whether a chat or server with these options names emoji (the default) or removes them."""
    value = (options or {}).get(READ_EMOJI)
    return True if value is None else bool(value)


async def emoji_language_for(text: str, *, language: str, hint: str | None, scope: str | None,
                             scope_options: Callable[[str], Awaitable[Mapping[str, Any]]]) -> str | None:
    """The language to name ``text``'s emoji in (``en``/``zh``/``ja``/``ko``), or None to remove them.

    ``language``: the speech language (``auto`` or a code); ``hint``: the listener's language; ``scope``: the chat
    or server, whose options are read (``scope_options``) only when the text has an emoji.
    """
    if not has_emoji(text):
        return None
    if scope and not reads_emoji(await scope_options(scope)):
        return None
    if language and language != "auto":
        lang = emoji_language(language)
    elif _WORDS.search(text):
        lang = emoji_language(detect_language(text))
    else:
        lang = emoji_language(hint)
    if not emoji_names.is_loaded(lang):  # the first text in a language loads its names off the event loop
        await asyncio.to_thread(emoji_names.load, lang)
    return lang


@dataclass(frozen=True, slots=True)
class Reading:
    """What to say for a message, and whether "NAME said" may go in front (False: the sentence names them)."""

    text: str
    announce: bool


def hearing_language(text: str, listener: str | None) -> str:
    """The language a message's sentences are said in (en, zh, ja): its words', else the listener's."""
    if _WORDS.search(text or ""):
        lang = detect_language(text)
        if lang in ("en", "zh", "ja"):
            return lang
    return normalize_language(listener)


def say_things(counts: Mapping[str, int], lang: str, *, poll_question: str = "") -> str:
    """``counts`` (kind → how many) as words: "an image and 2 files", "一张图片和2个文件", "画像とファイル2個"."""
    words = []
    for kind in KINDS:
        n = counts.get(kind, 0)
        if not n:
            continue
        if kind == "poll":
            words.append(t("readaloud_thing_poll", lang, question=poll_question))
        elif n == 1 or kind in _ONE_ONLY:
            words.append(t(f"readaloud_thing_{kind}", lang))
        else:
            words.append(t(f"readaloud_thing_{kind}s", lang, count=n))
    if len(words) <= 1:
        return "".join(words)
    return t("readaloud_list_comma", lang).join(words[:-1]) + t("readaloud_list_and", lang) + words[-1]


def reading(text: str, counts: Mapping[str, int], *, name: str, listener: str | None, poll_question: str = "",
            forwarded: bool = False) -> Reading | None:
    """What to say for a message with ``text`` and ``counts`` (None: nothing). A text of links only counts as
    links; links inside other text are the cleanup's ("link")."""
    text = (text or "").strip()
    counts = {k: v for k, v in counts.items() if v}
    if text and not _URL.sub("", text).strip():
        counts["link"] = len(_URL.findall(text))
        text = ""
    lang = hearing_language(text, listener)
    said = say_things(counts, lang, poll_question=poll_question) if counts else ""
    body = t("readaloud_with", lang, text=text, things=said) if text and said else text or said
    if not body:
        return None
    if forwarded:
        return Reading(t("readaloud_forwarded", lang, name=name, text=body), announce=False)
    if text:
        return Reading(body, announce=True)
    sent = t("readaloud_sent", lang, name=name, things=said) if name.strip() else t(
        "readaloud_sent_anonymous", lang, things=said)
    return Reading(_DOUBLE_STOP.sub(r"\1", sent), announce=False)

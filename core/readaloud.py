"""Read-aloud choices the core makes for every platform: in which language emoji are named, and the chat or server
option that turns emoji names off.

Emoji are named in the language the text is spoken in: the speech language when one is set (``/lang``), else the
language of the text's own words, else — a message of emoji only — the listener's (the user's reply language
hint; for a server's auto-read, the server's language). A chat or server may turn names off with its
option :data:`READ_EMOJI` (then emoji are removed, as before).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.emoji_names import emoji_language, has_emoji
from core.language import detect_language

__all__ = ["READ_EMOJI", "emoji_language_for", "reads_emoji"]

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
        return emoji_language(language)
    if _WORDS.search(text):
        return emoji_language(detect_language(text))
    return emoji_language(hint)

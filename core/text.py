"""Text before speech: where a chat message enters the core, and the one place to import the text rules from.

A message goes through, in order:

1. :func:`normalize_input` — made safe to encode, once, where it enters the core;
2. (an adapter's own markup turned into plain text — mentions, custom emoji … — by the adapter);
3. :func:`clean_for_speech` (:mod:`core.cleanup`) — code, links, emoji, Markdown and noise removed,
   control tokens stripped (:func:`strip_control_tokens`, :mod:`core.control_tokens`);
4. :func:`chunk_text` (:mod:`core.chunking`) — cut into pieces a request can hold, never inside a
   grapheme cluster (:func:`grapheme_boundaries`, :mod:`core.graphemes`);
5. :func:`utf8_bytes` — what a piece costs; :func:`detect_language` (:mod:`core.language`) for engines
   that need a language.

Everything is pure, fast, dependency-free and linear in the length of its input, whatever the input.
"""

from __future__ import annotations

import re

from core.chunking import chunk_text, truncate_for_speech
from core.cleanup import clean_for_speech
from core.control_tokens import strip_control_tokens
from core.graphemes import grapheme_boundaries
from core.language import detect_language

__all__ = [
    "normalize_input",
    "strip_control_tokens",
    "clean_for_speech",
    "chunk_text",
    "utf8_bytes",
    "detect_language",
    "truncate_for_speech",
    "grapheme_boundaries",
]

_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize_input(text: str) -> str:
    """Text as it arrives from a platform, made safe to encode: a surrogate pair (JSON's ``\\ud83d\\ude00``)
    becomes its character and a lone surrogate becomes U+FFFD. Call once where text enters the core."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def utf8_bytes(text: str) -> int:
    """UTF-8 bytes of ``text`` — what the provider bills (``"你好"`` → 6)."""
    return len(text.encode("utf-8", "surrogatepass"))

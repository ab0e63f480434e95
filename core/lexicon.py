"""Pronunciation dictionaries: words a user or a server wants read differently.

A dictionary maps a word or phrase to what should be said instead ("gif" → "jif", "k8s" →
"kubernetes", a nickname spelled out). Matching ignores case and, for words in scripts that put
spaces between words (Latin, Cyrillic, digits …), only matches whole words, so "cat" does not
change "concatenate". Chinese, Japanese and Korean have no spaces between words, so their entries
match anywhere. Longer entries win over shorter ones ("New York City" before "New York").

Applying a dictionary is one regex pass shaped as a trie: at each position the engine follows only the
branches the text spells, never further than one entry, so the time is linear in the text (times the
longest entry) for any input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from core.control_tokens import strip_control_tokens
from core.errors import InvalidValue
from core.text import normalize_input

MAX_WORD_CHARS = 40
MAX_SPOKEN_CHARS = 100
#: Entries per user and per server.
MAX_ENTRIES = 100
#: Words longer than this are ignored by :func:`apply` (:func:`normalize_entry` never makes one): the
#: pattern nests a group per character where words diverge, and the regex compiler recurses on it.
_MAX_PATTERN_CHARS = 2 * MAX_WORD_CHARS

#: Code points from here on (CJK radicals, kana, ideographs, Hangul …) are written without spaces.
_SPACELESS_FROM = 0x2E80
_SEPARATORS = ("=", "→", "->", "＝")


def user_owner(user_id: int) -> str:
    """The owner of a user's own dictionary (a server's dictionary is owned by its scope)."""
    return f"user:{user_id}"


def _tidy(text: str) -> str:
    return " ".join(strip_control_tokens(normalize_input(text)).split())


def word_key(word: str) -> str:
    """What makes two entries the same word (case-insensitive, spacing-insensitive)."""
    return _tidy(word).casefold()


def normalize_entry(word: str, spoken: str) -> tuple[str, str]:
    """Check and tidy one entry; raises :class:`InvalidValue` with the rule that was broken."""
    word, spoken = _tidy(word or ""), _tidy(spoken or "")
    if not word or len(word) > MAX_WORD_CHARS:
        raise InvalidValue(name="word", value=word[:MAX_WORD_CHARS] or "",
                           allowed="allowed_length", limit=MAX_WORD_CHARS)
    if not any(ch.isalnum() for ch in word):
        raise InvalidValue(name="word", value=word, allowed="allowed_word_with_letter")
    if not spoken or len(spoken) > MAX_SPOKEN_CHARS:
        raise InvalidValue(name="pronunciation", value=spoken[:MAX_SPOKEN_CHARS] or "",
                           allowed="allowed_length", limit=MAX_SPOKEN_CHARS)
    return word, spoken


def parse_entry(text: str) -> tuple[str, str | None]:
    """Split what a user typed into ``(word, spoken)``.

    ``WORD SPOKEN…`` or ``PHRASE = SPOKEN…`` (also ``→``/``->``); a lone word gives ``(word, None)``.
    """
    text = (text or "").strip()
    for sep in _SEPARATORS:
        if sep in text:
            word, _, spoken = text.partition(sep)
            return word.strip(), spoken.strip() or None
    word, _, spoken = text.partition(" ")
    return word.strip(), spoken.strip() or None


def _needs_boundary(ch: str) -> bool:
    return (ch.isalnum() or ch == "_") and ord(ch) < _SPACELESS_FROM


def _trie_pattern(words: list[str]) -> str:
    """One regex for many literal words, shaped as a trie so each position tries only matching branches.

    Words are lower-cased (the pattern is used with IGNORECASE), a space between words matches any run
    of whitespace, and a word that ends in a letter or digit of a spaced script must end at a word
    boundary. Longer continuations come before the end of a shorter word, so the longest entry wins.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word.lower():
            node = node.setdefault(ch, {})
        node[""] = _needs_boundary(word[-1])

    def emit(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child)
                    for ch, child in sorted((k, v) for k, v in node.items() if k)]
        if "" in node:
            branches.append(r"(?!\w)" if node[""] else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(trie)


@lru_cache(maxsize=512)
def _compiled(entries: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    # Whatever the entries hold (they normally come through normalize_entry): no empty or oversized
    # word, and no control token in what is said.
    entries = tuple((word, strip_control_tokens(spoken)) for word, spoken in entries
                    if len(word) <= _MAX_PATTERN_CHARS and word_key(word))
    if not entries:
        return None, {}
    bounded = [word for word, _ in entries if _needs_boundary(word[0])]
    free = [word for word, _ in entries if not _needs_boundary(word[0])]
    parts = ([r"(?<!\w)" + _trie_pattern(bounded)] if bounded else []) + ([_trie_pattern(free)] if free else [])
    pattern = re.compile("|".join(parts), re.IGNORECASE)
    return pattern, {word_key(word): spoken for word, spoken in entries}


def merge(*layers: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Entries of several dictionaries by :func:`word_key`; later layers win (the user's over the server's)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for word, spoken in layer:
            merged[word_key(word)] = (word, spoken)
    return merged


def apply(text: str, entries: Mapping[str, tuple[str, str]] | Iterable[tuple[str, str]]) -> str:
    """``text`` with every dictionary word replaced by its pronunciation, in one pass.

    A replacement is never matched again, so "a" → "b" and "b" → "a" swap rather than loop. When
    anything was replaced, the result holds no control token nor half of one (``<|``, ``|>``), even
    where a pronunciation meets the text around it.
    """
    items = tuple(entries.values()) if isinstance(entries, Mapping) else tuple(entries)
    if not items or not text:
        return text
    pattern, spoken_by_key = _compiled(tuple(sorted(items)))
    if pattern is None:
        return text

    def replace(match: re.Match[str]) -> str:
        return spoken_by_key.get(word_key(match.group(0)), match.group(0))

    out, count = pattern.subn(replace, text)
    if count and ("<|" in out or "|>" in out):
        out = strip_control_tokens(out)
    return out

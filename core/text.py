"""Text before speech: cleanup, sentence chunking, byte cost, script-based language guess.

Everything here is pure, fast and dependency-free (``re`` and ``unicodedata`` only).

Decisions worth knowing:

* **Unicode emoji are removed** by :func:`clean_for_speech` (pictographs, ZWJ sequences, skin tones,
  flags, keycap decorations, variation selectors). Neither engine speaks them well — espeak reads
  "face with tears of joy" three times for 😂😂😂 and CosyVoice2 mumbles — and in chat they are
  decoration, not content. A keycap keeps its digit (``1️⃣`` → ``1``); text symbols such as ©, ®, ™
  are kept. A message made only of emoji cleans to ``""`` (the caller reports ``EmptyText``).
  Discord *custom* emoji ``<:pepe_laugh:123>`` are spoken by name (``pepe laugh``).
* Repeated characters collapse to ``max_repeat`` (``wwwwww`` → ``www``, ``233333`` → ``2333``)
  except the digit ``0``, so amounts such as ``1000000`` survive. Repeated two-character groups
  collapse too (``hahahahaha`` → ``hahaha``, ``哈哈哈哈`` → ``哈哈哈``).
* ``clean_for_speech`` keeps line breaks (one per paragraph) because :func:`chunk_text` treats a
  line break as a sentence end.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Mapping

__all__ = [
    "strip_control_tokens",
    "clean_for_speech",
    "chunk_text",
    "utf8_bytes",
    "detect_language",
    "truncate_for_speech",
    "grapheme_boundaries",
]

# --- control tokens -----------------------------------------------------------------------

_CONTROL_TOKEN = re.compile(r"<\|[^<>|]*\|>")


def strip_control_tokens(text: str) -> str:
    """Remove every ``<|…|>`` token (``<|endofprompt|>``, ``<|zh|>`` …) from user text.

    Removal repeats until nothing changes, so a token hidden inside another
    (``<|end<|x|>ofprompt|>``) cannot reassemble; any ``<|`` or ``|>`` left over afterwards is
    dropped too, so the text can never complete a token with what comes before or after it.
    """
    previous = None
    while previous != text:
        previous = text
        text = _CONTROL_TOKEN.sub("", text)
    while "<|" in text or "|>" in text:
        text = text.replace("<|", "").replace("|>", "")
    return text


# --- cleanup ------------------------------------------------------------------------------

_FENCED_CODE = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)

_NOT_URL = "\\s<>\"'`\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF"
_URL_TAIL = f"[^{_NOT_URL}]*[^{_NOT_URL}.,;:!?)\\]}}”’]"
_MASKED_LINK = re.compile(r"\[([^\[\]\n]+)\]\(\s*<?(?:https?://|www\.)[^)\s]*>?\s*\)", re.IGNORECASE)
_BRACKETED_URL = re.compile(r"<(?:https?://|www\.)[^>\s]+>", re.IGNORECASE)
_URL = re.compile(
    r"(?<![a-z0-9.@/-])(?:(?:https?|ftp)://" + _URL_TAIL + r"|www\.[a-z0-9-]+\." + _URL_TAIL + r")",
    re.IGNORECASE,
)
# A bare domain followed by a path ("example.com/page"); plain "example.com" is left alone.
_BARE_DOMAIN_PATH = re.compile(
    r"(?<![a-z0-9.@/-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|gg|cn|jp|kr|tw|hk|me|co|app|xyz)/"
    + f"[^{_NOT_URL}]*", re.IGNORECASE)

_DISCORD_TIMESTAMP = re.compile(r"<t:-?\d+(?::[tTdDfFR])?>")
_DISCORD_SLASH = re.compile(r"</([\w\- ]+):\d+>")
_DISCORD_USER = re.compile(r"<@!?(\d+)>")
_DISCORD_ROLE = re.compile(r"<@&(\d+)>")
_DISCORD_CHANNEL = re.compile(r"<#(\d+)>")
_DISCORD_EMOJI = re.compile(r"<a?:([\w~]{1,64}):\d+>")
_AT_MENTION = re.compile(r"(?<![\w@.])@(\w{2,})")

# Pictographic code points that are emoji in practice. Text symbols that have an emoji
# presentation (©, ®, ™, ‼, digits …) are NOT listed: only their decorations go.
_EMOJI_CHARS = (
    "\U0001F000-\U0001FAFF"  # mahjong … symbols & pictographs ext-A (incl. flags, skin tones)
    "\u2600-\u27BF"          # misc symbols, dingbats
    "\u2300-\u23FF"          # misc technical (⌚ ⏰ ⏩ …)
    "\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55"
    "\u2934\u2935\u3030\u303D\u3297\u3299"
)
_EMOJI_DECOR = "\uFE0E\uFE0F\u20E3\U000E0020-\U000E007F"
_EMOJI_SEQUENCE = re.compile(
    f"[{_EMOJI_CHARS}][{_EMOJI_DECOR}]*(?:\u200D[{_EMOJI_CHARS}][{_EMOJI_DECOR}]*)*"
)
_KEYCAP = re.compile("([0-9])\uFE0F?\u20E3")
_KEYCAP_SYMBOL = re.compile("[#*]\uFE0F?\u20E3")
_STRAY_DECOR = re.compile(f"[{_EMOJI_DECOR}]")

_LINE_MARKERS = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|-#[ \t]+|>>>[ \t]?|>[ \t]?|[-*+][ \t]+)", re.MULTILINE)
_DOUBLE_MARKERS = re.compile(r"\*\*|__|~~|\|\|")
_SINGLE_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", re.DOTALL)
_SINGLE_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", re.DOTALL)

# Zero-width and bidi controls; ZWJ/ZWNJ go only when not between letters (handled below).
_INVISIBLE = re.compile("[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_H_SPACE = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\n{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[.,!?;:…。，、！？；：）」』”’)\]])")


def _collapse_repeats(text: str, max_repeat: int) -> str:
    if max_repeat < 1:
        return text
    single = re.compile(r"([^0\s])\1{%d,}" % max_repeat, re.DOTALL)
    text = single.sub(lambda m: m.group(1) * max_repeat, text)
    pair = re.compile(r"((?!(.)\2)[^\s][^\s])\1{%d,}" % max_repeat, re.DOTALL)

    def _pair(m: re.Match[str]) -> str:
        group = m.group(1)
        if group == "00" or any(unicodedata.combining(c) for c in group):
            return m.group(0)
        return group * max_repeat

    return pair.sub(_pair, text)


def _remove_emoji(text: str) -> str:
    text = _KEYCAP.sub(r"\1", text)
    text = _KEYCAP_SYMBOL.sub("", text)
    text = _EMOJI_SEQUENCE.sub(" ", text)
    text = _STRAY_DECOR.sub("", text)
    # A ZWJ left between two non-letters joined emoji we removed; inside scripts it is meaningful.
    return re.sub(r"(?<!\w)\u200D|\u200D(?!\w)", "", text)


def clean_for_speech(text: str, *, names: Mapping[str, str] | None = None, url_word: str = "link",
                     max_repeat: int = 3, mention_word: str = "someone") -> str:
    """Turn a chat message into something worth saying aloud.

    * control tokens ``<|…|>`` are stripped (before and after every other rule);
    * fenced code blocks (```` ```…``` ````) are skipped entirely; inline ```code``` keeps its text;
    * links — bare ``http(s)://``/``www.`` URLs, ``<url>``, ``domain.tld/path`` — become ``url_word``
      (pass a localized word); a masked link ``[text](url)`` becomes ``text``;
    * Discord mentions ``<@123>``, ``<@!123>``, ``<@&123>``, ``<#123>`` become ``names[id]``
      (key: the raw id string) or ``mention_word``; slash-command mentions ``</cmd:1>`` become
      ``cmd``; timestamps ``<t:…>`` are dropped; ``@name`` loses its ``@``;
    * Discord custom emoji ``<:name:id>`` / ``<a:name:id>`` become ``name`` (underscores as spaces);
      Unicode emoji are removed (see the module doc);
    * markdown markers (``**``, ``__``, ``~~``, ``||spoiler||``, ``*x*``, ``_x_``, headings, quotes,
      bullets) are removed, their text kept;
    * runs of one character (or of a two-character group) longer than ``max_repeat`` collapse to
      ``max_repeat`` (the digit 0 excepted);
    * invisible/control characters go; spaces collapse to one, blank lines to one line break.
    """
    names = names or {}
    text = strip_control_tokens(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _FENCED_CODE.sub("\n", text)
    text = _INLINE_CODE.sub(lambda m: m.group(2), text)

    text = _MASKED_LINK.sub(lambda m: m.group(1), text)
    text = _BRACKETED_URL.sub(f" {url_word} ", text)
    text = _URL.sub(f" {url_word} ", text)
    text = _BARE_DOMAIN_PATH.sub(f" {url_word} ", text)

    text = _DISCORD_TIMESTAMP.sub("", text)
    text = _DISCORD_SLASH.sub(lambda m: m.group(1), text)

    def _name(m: re.Match[str]) -> str:
        found = names.get(m.group(1))
        return f" {found or mention_word} "

    text = _DISCORD_USER.sub(_name, text)
    text = _DISCORD_ROLE.sub(_name, text)
    text = _DISCORD_CHANNEL.sub(_name, text)
    text = _DISCORD_EMOJI.sub(lambda m: " " + m.group(1).replace("_", " ").strip() + " ", text)
    text = _AT_MENTION.sub(r"\1", text)

    text = _remove_emoji(text)

    text = _LINE_MARKERS.sub("", text)
    text = _DOUBLE_MARKERS.sub("", text)
    text = _SINGLE_STAR.sub(r"\1", text)
    text = _SINGLE_UNDERSCORE.sub(r"\1", text)

    text = _INVISIBLE.sub("", text)
    text = text.replace("\t", " ")
    text = _CONTROL_CHARS.sub("", text)
    text = _collapse_repeats(text, max_repeat)

    text = _H_SPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _NEWLINES.sub("\n", text)
    return strip_control_tokens(text).strip()


# --- grapheme clusters --------------------------------------------------------------------


def _is_extend(ch: str) -> bool:
    """Characters that attach to the one before them."""
    o = ord(ch)
    if unicodedata.combining(ch):
        return True
    if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= o <= 0x1F3FF:  # skin tone modifiers
        return True
    if 0xE0020 <= o <= 0xE007F:  # tag characters (subdivision flags)
        return True
    if o in (0x200C, 0x200D, 0x20E3):  # ZWNJ, ZWJ, combining keycap
        return True
    if 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF:  # Hangul jamo V/T
        return True
    cat = unicodedata.category(ch)
    return cat in ("Mn", "Me", "Mc")


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def grapheme_boundaries(text: str) -> list[int]:
    """Indices where ``text`` may be cut without breaking a user-perceived character.

    An approximation of UAX #29 that is good enough for cutting: a base character keeps its
    combining marks, variation selectors, skin tones and keycap; ``ZWJ`` glues the next character
    (emoji ZWJ sequences); regional indicators pair up into flags; CR LF stays together; lone
    surrogates are never separated from a neighbour surrogate. Always includes 0 and ``len(text)``.
    """
    n = len(text)
    bounds = [0]
    i = 0
    while i < n:
        ch = text[i]
        j = i + 1
        if ch == "\r" and j < n and text[j] == "\n":
            j += 1
        elif _is_regional_indicator(ch) and j < n and _is_regional_indicator(text[j]):
            j += 1
        elif 0xD800 <= ord(ch) <= 0xDBFF and j < n and 0xDC00 <= ord(text[j]) <= 0xDFFF:
            j += 1
        while j < n:
            nxt = text[j]
            if nxt == "\u200D":
                j += 1
                if j < n:  # ZWJ joins the following character (and its extenders)
                    j += 1
                continue
            if _is_extend(nxt):
                j += 1
                continue
            break
        bounds.append(j)
        i = j
    if bounds[-1] != n:
        bounds.append(n)
    return bounds


# --- chunking -----------------------------------------------------------------------------

_SENTENCE_END = set(".!?…。！？；‼⁇⁈⁉．｡")
_CLAUSE_MARK = set(",，、:：;､﹐﹑")
_CLOSERS = set("」』”’）)]}》〉】〕〗〙〛\"'»›﹂﹄＂＇］｝")
_ASCII_NEEDS_SPACE = set(".,:;")  # "3.14", "1,000", "12:30", "a;b" are not boundaries


def _boundary_ranks(text: str) -> dict[int, int]:
    """Map cut positions to a preference: 3 sentence end/newline, 2 clause mark, 1 space."""
    ranks: dict[int, int] = {}
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "\n":
            ranks[i + 1] = 3
            i += 1
            continue
        if ch in _SENTENCE_END or ch in _CLAUSE_MARK:
            rank = 3 if ch in _SENTENCE_END else 2
            j = i + 1
            while j < n and (text[j] in _SENTENCE_END or text[j] in _CLAUSE_MARK):
                if text[j] in _SENTENCE_END:
                    rank = 3
                j += 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            ascii_only = all(c in _ASCII_NEEDS_SPACE for c in text[i:j] if c not in _CLOSERS)
            if ascii_only and j < n and text[j].isascii() and text[j].isalnum():
                i = j  # "3.14", "e.g.x", "1,000": not a boundary
                continue
            ranks[j] = max(ranks.get(j, 0), rank)
            i = j
            continue
        if ch.isspace():
            j = i + 1
            while j < n and text[j].isspace() and text[j] != "\n":
                j += 1
            if j < n and text[j] == "\n":
                i = j
                continue
            ranks.setdefault(j, 1)
            i = j
            continue
        i += 1
    return ranks


def chunk_text(text: str, max_chars: int = 200, first_max_chars: int | None = None) -> list[str]:
    """Split ``text`` into chunks of at most ``max_chars`` characters (code points).

    Each cut is placed at the best position inside the limit: after a sentence end
    (``. ! ? …`` and ``。！？；``, or a line break) with its closing quotes/brackets
    (``」』”）`` …) kept; else after a clause mark (``, ， 、 ： ;``); else at a space; else (CJK
    text without punctuation, a very long word) at the last character boundary. A cut never
    separates a base character from its combining marks, nor splits an emoji ZWJ sequence, flag
    or keycap; only a single such cluster longer than the limit could exceed it.

    Chunks are stripped and never empty; joining them (ignoring whitespace) gives back ``text``.
    Short sentences are packed together up to the limit (fewer requests).

    ``first_max_chars`` (smaller than ``max_chars``) limits the first chunk only, so the first
    request returns sooner and playback starts earlier; the rest use ``max_chars``.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be >= 1")
    first_limit = max(1, min(first_max_chars, max_chars)) if first_max_chars else max_chars
    bounds = grapheme_boundaries(text)
    bound_set = set(bounds)
    ranks = {p: r for p, r in _boundary_ranks(text).items() if p in bound_set}
    chunks: list[str] = []
    n = len(text)
    start = 0
    limit = first_limit
    while start < n:
        while start < n and text[start].isspace():
            start += 1
        if start >= n:
            break
        rest = text[start:].rstrip()
        if len(rest) <= limit:
            chunks.append(rest)
            break
        end_max = start + limit
        best_pos, best_rank = -1, -1
        for pos in range(end_max, start, -1):
            rank = ranks.get(pos)
            if rank is not None and rank > best_rank:
                best_pos, best_rank = pos, rank
                if rank == 3:
                    break
        if best_rank < 0:
            k = bisect.bisect_right(bounds, end_max) - 1
            best_pos = bounds[k]
            if best_pos <= start:  # a single cluster longer than the limit
                best_pos = bounds[bisect.bisect_right(bounds, start)]
        chunk = text[start:best_pos].strip()
        if chunk:
            chunks.append(chunk)
            limit = max_chars
        start = best_pos
    return chunks


def truncate_for_speech(text: str, max_chars: int, ellipsis: str = "…") -> str:
    """At most ``max_chars`` characters, cut at a sentence/clause/space boundary when possible."""
    if len(text) <= max_chars:
        return text
    room = max(1, max_chars - len(ellipsis))
    head = chunk_text(text, room)[0] if text.strip() else ""
    return head + ellipsis if head else ""


# --- cost and language --------------------------------------------------------------------


def utf8_bytes(text: str) -> int:
    """UTF-8 bytes of ``text`` — what the provider bills (``"你好"`` → 6)."""
    return len(text.encode("utf-8", "surrogatepass"))


def detect_language(text: str) -> str:
    """Guess ``zh``, ``ja``, ``ko`` or ``en`` from the scripts in ``text``.

    Kana (at least a tenth of the Han+kana characters) → ``ja``; Hangul as the main CJK script →
    ``ko``; Han otherwise → ``zh``; no CJK, or CJK drowned in Latin (fewer CJK characters than a
    third of the Latin letters) → ``en``.
    """
    han = kana = hangul = latin = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if ch.isalpha():
                latin += 1
        elif 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
            if o not in (0x30FB, 0x30FC):  # ・ and ー appear in Chinese text too
                kana += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            hangul += 1
        elif (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
              or 0x20000 <= o <= 0x3FFFF):
            han += 1
        elif ch.isalpha() and o < 0x250:
            latin += 1
    cjk = han + kana + hangul
    if cjk == 0 or cjk * 3 < latin:
        return "en"
    if hangul >= han + kana:
        return "ko"
    if kana and kana * 10 >= han + kana:
        return "ja"
    return "zh"

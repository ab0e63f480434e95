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
* **Every step is linear in the length of its input**, whatever the input: text comes from strangers,
  and a regex that rescans (``\\*(.+?)\\*`` from every unmatched ``*``, a link tail from every ``[``,
  a repeat-until-stable loop over ``<|<|<|…``) turns 30 kB of crafted markup into seconds of CPU.
  The rules that would rescan are written as one left-to-right pass over precomputed positions
  (emphasis, inline code, fenced code), or remember where a failed scan ended so that no character
  is scanned twice (links); each keeps the meaning of the simple regex it replaces, written next to
  it (``tests/core/test_text_fuzz.py`` checks the two agree). The remaining regexes only ever
  scan disjoint stretches of text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Mapping

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

# --- the edge -----------------------------------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize_input(text: str) -> str:
    """Text as it arrives from a platform, made safe to encode: a surrogate pair (JSON's ``\\ud83d\\ude00``)
    becomes its character and a lone surrogate becomes U+FFFD. Call once where text enters the core."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# --- control tokens -----------------------------------------------------------------------

_CONTROL_TOKEN = re.compile(r"<\|[^<>|]*\|>")
_TOKEN_PIECES = re.compile(r"[<>|]|[^<>|]+")
#: Plain substitution rounds before switching to a single stack pass: each round is one fast scan, but
#: a nest ``<|<|<|…|>|>|>`` needs as many rounds as it is deep.
_QUICK_ROUNDS = 4


def _drop_tokens(text: str) -> str:
    """Every ``<|…|>`` removed until none is left, in one pass.

    Token occurrences never overlap, so removing them in any order ends in the same text; this removes
    each one as soon as its ``|>`` arrives, keeping the text before it free of tokens (a stack of
    pieces: single ``<``, ``|``, ``>`` characters and runs of anything else)."""
    pieces: list[str] = []
    kinds: list[list] = []  # [kind, pieces it covers]: "<", "|", ">", or "a" for other text
    for piece in _TOKEN_PIECES.findall(text):
        kind = piece if piece in ("<", "|", ">") else "a"
        pieces.append(piece)
        if kind == "a" and kinds and kinds[-1][0] == "a":
            kinds[-1][1] += 1
            continue
        kinds.append([kind, 1])
        if kind != ">" or len(kinds) < 4 or kinds[-2][0] != "|":
            continue
        if kinds[-3][0] == "|" and kinds[-4][0] == "<":
            drop = 4
        elif kinds[-3][0] == "a" and len(kinds) >= 5 and kinds[-4][0] == "|" and kinds[-5][0] == "<":
            drop = 5
        else:
            continue
        count = sum(k[1] for k in kinds[-drop:])
        del kinds[-drop:]
        del pieces[-count:]
    return "".join(pieces)


def _drop_halves(text: str) -> str:
    """Adjacent ``<|`` and ``|>`` removed, left to right, until none is left (one stack pass)."""
    out: list[str] = []
    for piece in _TOKEN_PIECES.findall(text):
        if len(piece) == 1 and out and len(out[-1]) == 1 and out[-1] + piece in ("<|", "|>"):
            out.pop()
        else:
            out.append(piece)
    return "".join(out)


def strip_control_tokens(text: str) -> str:
    """Remove every ``<|…|>`` token (``<|endofprompt|>``, ``<|zh|>`` …) from user text.

    Removal repeats until nothing changes, so a token hidden inside another
    (``<|end<|x|>ofprompt|>``) cannot reassemble; any ``<|`` or ``|>`` left over afterwards is
    dropped too, so the text can never complete a token with what comes before or after it.

    Linear: a few plain rounds, then (for a deeper nest) one stack pass. The tokens come out the same
    either way; leftover halves nested deeper than the plain rounds reach (``<<<<<||||||``) may pair
    up differently than more rounds would pair them, but none is ever left.
    """
    if "<|" in text:
        for _ in range(_QUICK_ROUNDS):
            text, count = _CONTROL_TOKEN.subn("", text)
            if not count:
                break
        else:
            text = _drop_tokens(text)
    rounds = 0
    while "<|" in text or "|>" in text:
        if rounds == _QUICK_ROUNDS:
            return _drop_halves(text)
        text = text.replace("<|", "").replace("|>", "")
        rounds += 1
    return text


# --- cleanup ------------------------------------------------------------------------------

_FENCE = "```"
_BACKTICKS = re.compile(r"`+")

_NOT_URL = "\\s<>\"'`\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF"
_URL_TAIL = f"[^{_NOT_URL}]*[^{_NOT_URL}.,;:!?)\\]}}”’]"
# [text](url) is  \[([^\[\]\n]+)\]\(\s*<?(?:https?://|www\.)[^)\s]*>?\s*\)  — matched as a head, the
# longest run of URL characters, and the closing parenthesis (see _masked_links).
_MASKED_LINK_HEAD = re.compile(r"\[([^\[\]\n]+)\]\(\s*<?(?:https?://|www\.)", re.IGNORECASE)
_MASKED_LINK_URL = re.compile(r"[^)\s]*")
_MASKED_LINK_END = re.compile(r"\s*\)")
# <url> is  <(?:https?://|www\.)[^>\s]+>  — likewise.
_BRACKETED_URL_HEAD = re.compile(r"<(?:https?://|www\.)", re.IGNORECASE)
_BRACKETED_URL_TAIL = re.compile(r"[^>\s]*")
# A URL can only start after a non-URL character and a failed tail is all punctuation, so no
# character is scanned by two attempts.
_URL = re.compile(
    r"(?<![a-z0-9.@/-])(?:(?:https?|ftp)://" + _URL_TAIL + r"|www\.[a-z0-9-]+\." + _URL_TAIL + r")",
    re.IGNORECASE,
)
# A bare domain followed by a path ("example.com/page"); plain "example.com" is left alone. It can
# only start at the beginning of a run of domain characters, so attempts scan disjoint runs.
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
_LONE_ZWJ = re.compile(r"(?<!\w)\u200D|\u200D(?!\w)")

_LINE_MARKERS = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|-#[ \t]+|>>>[ \t]?|>[ \t]?|[-*+][ \t]+)", re.MULTILINE)
_DOUBLE_MARKERS = re.compile(r"\*\*|__|~~|\|\|")
# *x* is  (?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])  (DOTALL), and _x_ the same with "_": found as the
# positions that can open and close one, then paired left to right (see _unwrap).
# (The mark comes first in each pattern so the engine can jump from one mark to the next.)
_STAR_OPEN = re.compile(r"\*(?<![\w*]\*)(?=\S)")
_STAR_CLOSE = re.compile(r"\*(?<=\S\*)(?![\w*])")
_UNDERSCORE_OPEN = re.compile(r"_(?<![\w_]_)(?=\S)")
_UNDERSCORE_CLOSE = re.compile(r"_(?<=\S_)(?![\w_])")

# Zero-width and bidi controls; ZWJ/ZWNJ go only when not between letters (handled below).
_INVISIBLE = re.compile("[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# [^\S\n]+ → " ", leaving alone the single spaces that are already right.
_H_SPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_NEWLINES = re.compile(r"\n{2,}")
# " +(?=…)", tried only where a run of spaces starts (a shorter tail of the run cannot match either).
_SPACE_BEFORE_PUNCT = re.compile(r"(?<! ) ++(?=[.,!?;:…。，、！？；：）」』”’)\]])")


def _fenced_code(text: str) -> str:
    """``re.sub(r"```.*?```", "\\n", text, flags=re.DOTALL)``: each block, up to the next fence."""
    start = text.find(_FENCE)
    if start < 0:
        return text
    out: list[str] = []
    pos = 0
    while start >= 0:
        end = text.find(_FENCE, start + 3)
        if end < 0:  # no closing fence after this one: none after any later opening either
            break
        out.append(text[pos:start])
        out.append("\n")
        pos = end + 3
        start = text.find(_FENCE, pos)
    out.append(text[pos:])
    return "".join(out)


def _inline_code(text: str) -> str:
    """``re.sub(r"(`+)(?!`)(.+?)(?<!`)\\1(?!`)", r"\\2", text, flags=re.DOTALL)`` over backtick runs.

    The regex opens at the leftmost backtick of a run (or, failing that, further into it, with a
    shorter opener) and closes at the next run of exactly the opener's length. Runs are listed once
    and, by length, searched with bisection, so no text is scanned twice.
    """
    if "`" not in text:
        return text
    runs = [m.span() for m in _BACKTICKS.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for index, (a, b) in enumerate(runs):
        by_length.setdefault(b - a, []).append(index)
    out: list[str] = []
    pos = 0
    k = 0
    while k < len(runs):
        a, b = runs[k]
        closer = -1
        for length in range(b - a, 0, -1):  # opener from a, then a + 1, … (shorter each time)
            later = by_length.get(length)
            if later:
                i = bisect.bisect_right(later, k)
                if i < len(later):
                    closer = later[i]
                    break
        if closer < 0:
            k += 1
            continue
        c_start, c_end = runs[closer]
        out.append(text[pos:b - length])
        out.append(text[b:c_start])
        pos = c_end
        k = closer + 1
    out.append(text[pos:])
    return "".join(out)


def _masked_links(text: str) -> str:
    """``[text](url)`` → ``text`` (the regex above).

    A URL tail runs to the first ``)`` or space; when no ``)`` follows it, every link that starts
    inside the same tail ends at the same place and fails too, so it is skipped without a rescan.
    """
    if "](" not in text:
        return text
    out: list[str] = []
    pos = find = 0
    dead_end = -1
    while (m := _MASKED_LINK_HEAD.search(text, find)) is not None:
        tail = m.end()
        if tail > dead_end:
            end = _MASKED_LINK_URL.match(text, tail).end()
            close = _MASKED_LINK_END.match(text, end)
            if close is not None:
                out.append(text[pos:m.start()])
                out.append(m.group(1))
                pos = find = close.end()
                continue
            dead_end = end
        find = m.start() + 1
    out.append(text[pos:])
    return "".join(out)


def _bracketed_urls(text: str, replacement: str) -> str:
    """``<url>`` → ``replacement`` (the regex above), skipping tails already seen to end without ``>``."""
    if "<" not in text:
        return text
    out: list[str] = []
    pos = find = 0
    dead_end = -1
    n = len(text)
    while (m := _BRACKETED_URL_HEAD.search(text, find)) is not None:
        tail = m.end()
        if tail > dead_end:
            end = _BRACKETED_URL_TAIL.match(text, tail).end()
            if end > tail and end < n and text[end] == ">":
                out.append(text[pos:m.start()])
                out.append(replacement)
                pos = find = end + 1
                continue
            dead_end = end
        find = m.start() + 1
    out.append(text[pos:])
    return "".join(out)


def _unwrap(text: str, mark: str, opener: re.Pattern[str], closer: re.Pattern[str]) -> str:
    """Emphasis ``*x*`` / ``_x_`` → ``x``: each opener, leftmost first, pairs with the first closer at
    least two characters after it, and the search goes on after that closer — what ``.+?`` between
    the two does, without scanning the text again from every opener that never closes."""
    if mark not in text:
        return text
    closes = [m.start() for m in closer.finditer(text)]
    if not closes:
        return text
    out: list[str] = []
    pos = 0
    c = 0
    for m in opener.finditer(text):
        s = m.start()
        if s < pos:
            continue
        while c < len(closes) and closes[c] < s + 2:
            c += 1
        if c == len(closes):
            break
        q = closes[c]
        out.append(text[pos:s])
        out.append(text[s + 1:q])
        pos = q + 1
        c += 1
    out.append(text[pos:])
    return "".join(out)


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
    return _LONE_ZWJ.sub("", text) if "\u200d" in text else text


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

    Time is linear in ``len(text)`` (times ``max_repeat``) for any input.
    """
    names = names or {}
    text = strip_control_tokens(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _fenced_code(text)
    text = _inline_code(text)

    text = _masked_links(text)
    text = _bracketed_urls(text, f" {url_word} ")
    text = _URL.sub(f" {url_word} ", text)
    if "/" in text:
        text = _BARE_DOMAIN_PATH.sub(f" {url_word} ", text)

    if "<" in text:
        text = _DISCORD_TIMESTAMP.sub("", text)
        text = _DISCORD_SLASH.sub(lambda m: m.group(1), text)

        def _name(m: re.Match[str]) -> str:
            found = names.get(m.group(1))
            return f" {found or mention_word} "

        text = _DISCORD_USER.sub(_name, text)
        text = _DISCORD_ROLE.sub(_name, text)
        text = _DISCORD_CHANNEL.sub(_name, text)
        text = _DISCORD_EMOJI.sub(lambda m: " " + m.group(1).replace("_", " ").strip() + " ", text)
    if "@" in text:
        text = _AT_MENTION.sub(r"\1", text)

    text = _remove_emoji(text)

    text = _LINE_MARKERS.sub("", text)
    text = _DOUBLE_MARKERS.sub("", text)
    text = _unwrap(text, "*", _STAR_OPEN, _STAR_CLOSE)
    text = _unwrap(text, "_", _UNDERSCORE_OPEN, _UNDERSCORE_CLOSE)

    text = _INVISIBLE.sub("", text)
    text = text.replace("\t", " ")
    text = _CONTROL_CHARS.sub("", text)
    text = _collapse_repeats(text, max_repeat)

    text = _tidy_space(text)
    stripped = strip_control_tokens(text)  # markup removed above may have joined halves: "<**|**"
    if stripped != text:
        text = _tidy_space(stripped)  # what they separated is one space apart again (no halves can form)
    return text.strip()


def _tidy_space(text: str) -> str:
    """One space between words, none before punctuation, none around line breaks, no blank lines."""
    text = _H_SPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _NEWLINES.sub("\n", text)


# --- grapheme clusters --------------------------------------------------------------------

#: Blocks whose characters never join the one before or after them (no mark, joiner, CR, regional
#: indicator or surrogate; the tests check each against ``unicodedata``): ASCII but CR, Latin, Greek,
#: Cyrillic, Armenian, general punctuation, symbols and dingbats, kana, CJK, Hangul syllables,
#: presentation and fullwidth forms, most emoji (not the skin tones), CJK extensions.
_PLAIN_RANGES = [
    (0x0000, 0x000C), (0x000E, 0x02FF), (0x0370, 0x0482), (0x048A, 0x0590), (0x1E00, 0x200B),
    (0x2100, 0x2CEE), (0x2E00, 0x3029), (0x3041, 0x3096), (0x309B, 0xA66E), (0xAC00, 0xD7A3),
    (0xE000, 0xFB1D), (0xFE30, 0xFFFD), (0x1F000, 0x1F1E5), (0x1F200, 0x1F3FA), (0x1F400, 0x1FAFF),
    (0x20000, 0x2FA1F),
]
_PLAIN_RUN = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _PLAIN_RANGES)
                        + "]{2,}")


def _is_extend(ch: str) -> bool:
    """Characters that attach to the one before them."""
    o = ord(ch)
    if o < 0x300:  # nothing below the combining diacritical marks attaches
        return False
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
        plain = _PLAIN_RUN.match(text, i)
        if plain is not None:  # each of these is a cluster of its own, but the last may take marks
            end = plain.end()
            bounds.extend(range(i + 1, end))
            i = end - 1
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


def _char_class(chars: set[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


#: A run of sentence/clause marks with the closing quotes/brackets after it, or a run of other space.
_MARKS_OR_SPACE = re.compile("(" + _char_class(_SENTENCE_END | _CLAUSE_MARK) + "+)"
                             + _char_class(_CLOSERS) + r"*|[^\S\n]+")
_LINE_BREAK = re.compile("\n")


def _boundary_ranks(text: str) -> dict[int, int]:
    """Map cut positions to a preference: 3 sentence end/newline, 2 clause mark, 1 space."""
    # After a line break: 3. No other rule gives a rank to a position right after a line break.
    ranks = dict.fromkeys([m.end() for m in _LINE_BREAK.finditer(text)], 3)
    n = len(text)
    for m in _MARKS_OR_SPACE.finditer(text):
        j = m.end()
        marks = m.group(1)
        if marks is None:
            if j == n or text[j] != "\n":  # space before a line break: the break is the boundary
                ranks.setdefault(j, 1)
            continue
        if (j < n and text[j].isascii() and text[j].isalnum()
                and all(c in _ASCII_NEEDS_SPACE for c in marks)):
            continue  # "3.14", "e.g.x", "1,000": not a boundary
        ranks[j] = 3 if any(c in _SENTENCE_END for c in marks) else 2
    return ranks


def _chunks(text: str, max_chars: int, first_max_chars: int | None) -> Iterator[str]:
    first_limit = max(1, min(first_max_chars, max_chars)) if first_max_chars else max_chars
    bounds = grapheme_boundaries(text)
    bound_set = set(bounds)
    # Cut positions by preference, each list in text order: the best cut in a window is the last
    # position of the best rank present there (found by bisection, not by walking the window).
    by_rank: dict[int, list[int]] = {3: [], 2: [], 1: []}
    for pos, rank in sorted(_boundary_ranks(text).items()):
        if pos in bound_set:
            by_rank[rank].append(pos)
    n = len(text)
    end = len(text.rstrip())
    start = 0
    limit = first_limit
    tail_floor = max(1, max_chars // 4)  # the shortest last piece worth its own request
    while start < n:
        while start < n and text[start].isspace():
            start += 1
        if start >= n:
            break
        if end - start <= limit:  # the rest fits (``start`` is not a space, so start < end)
            yield text[start:end]
            return
        end_max = start + limit
        if end - end_max < tail_floor:  # the cut would leave a scrap: a request (or a note) for a word
            if end - start <= max_chars:  # all of it fits one full piece: one, not two
                yield text[start:end]
                return
            end_max = max(start + limit // 2, end - tail_floor)  # leave the last piece a fair share
        best_pos = -1
        for rank in (3, 2, 1):
            positions = by_rank[rank]
            k = bisect.bisect_right(positions, end_max) - 1
            if k >= 0 and positions[k] > start:
                best_pos = positions[k]
                break
        if best_pos < 0:
            k = bisect.bisect_right(bounds, end_max) - 1
            best_pos = bounds[k]
            if best_pos <= start:  # a single cluster longer than the limit
                best_pos = bounds[bisect.bisect_right(bounds, start)]
        chunk = text[start:best_pos].strip()
        if chunk:
            yield chunk
            limit = max_chars
        start = best_pos


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

    No last chunk is a scrap (under a quarter of ``max_chars``) when a better cut exists: a text that
    fits one full chunk is not split for the first-chunk limit alone, and otherwise the cut before the
    end moves back so the last chunk gets a fair share.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be >= 1")
    return list(_chunks(text, max_chars, first_max_chars))


def truncate_for_speech(text: str, max_chars: int, ellipsis: str = "…") -> str:
    """At most ``max_chars`` characters, cut at a sentence/clause/space boundary when possible."""
    if len(text) <= max_chars:
        return text
    room = max(1, max_chars - len(ellipsis))
    head = next(_chunks(text, room, None), "")
    return head + ellipsis if head else ""


# --- cost and language --------------------------------------------------------------------


def utf8_bytes(text: str) -> int:
    """UTF-8 bytes of ``text`` — what the provider bills (``"你好"`` → 6)."""
    return len(text.encode("utf-8", "surrogatepass"))


def _ranges(codes: list[int]) -> str:
    out, k = [], 0
    while k < len(codes):
        j = k
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(re.escape(chr(codes[k])) + ("-" + re.escape(chr(codes[j])) if j > k else ""))
        k = j + 1
    return "".join(out)


# Runs of each script, counted by the regex engine rather than one Python step per character.
_LATIN_RUN = re.compile("[" + _ranges([c for c in range(0x250) if chr(c).isalpha()]) + "]+")
_KANA_RUN = re.compile("[\u3040-\u30FA\u30FD-\u30FF\u31F0-\u31FF\uFF66-\uFF9D]+")  # not ・ ー
_HANGUL_RUN = re.compile("[\uAC00-\uD7AF\u1100-\u11FF\u3130-\u318F]+")
_HAN_RUN = re.compile("[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF\U00020000-\U0003FFFF]+")


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(map(len, pattern.findall(text)))


def detect_language(text: str) -> str:
    """Guess ``zh``, ``ja``, ``ko`` or ``en`` from the scripts in ``text``.

    Kana (at least a tenth of the Han+kana characters) → ``ja``; Hangul as the main CJK script →
    ``ko``; Han otherwise → ``zh``; no CJK, or CJK drowned in Latin (fewer CJK characters than a
    third of the Latin letters) → ``en``.
    """
    han, kana, hangul = _count(_HAN_RUN, text), _count(_KANA_RUN, text), _count(_HANGUL_RUN, text)
    cjk = han + kana + hangul
    if cjk == 0:
        return "en"
    if cjk * 3 < _count(_LATIN_RUN, text):
        return "en"
    if hangul >= han + kana:
        return "ko"
    if kana and kana * 10 >= han + kana:
        return "ja"
    return "zh"

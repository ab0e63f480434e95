"""Chat text made fit to be said aloud: code, links, emoji, Markdown and noise removed, spacing tidied.

Pure (``re``, ``unicodedata``, and the ``emoji`` package's name tables for emoji names). A platform's own
markup (mentions, custom emoji …) is the adapter's to turn into plain text before this runs.

Decisions worth knowing:

* **Unicode emoji are read by name** when :func:`clean_for_speech` is given ``emoji_language`` (CLDR names
  in that language, a run of the same emoji said once, at most a few per text: :mod:`core.emoji_names`),
  and removed without it (pictographs, ZWJ sequences, skin tones, flags, keycap decorations, variation
  selectors): left to themselves neither engine speaks them well. A keycap keeps its digit
  (``1️⃣`` → ``1``); text symbols such as ©, ®, ™ are kept. A message made only of emoji, removed,
  cleans to ``""`` (the caller reports ``EmptyText``).
* Repeated characters collapse to ``max_repeat`` (``wwwwww`` → ``www``, ``233333`` → ``2333``)
  except the digit ``0``, so amounts such as ``1000000`` survive. Repeated two-character groups
  collapse too (``hahahahaha`` → ``hahaha``, ``哈哈哈哈`` → ``哈哈哈``).
* ``clean_for_speech`` keeps line breaks (one per paragraph) because :func:`core.chunking.chunk_text`
  treats a line break as a sentence end.
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

from core.control_tokens import strip_control_tokens
from core.emoji_names import name_emoji

__all__ = ["clean_for_speech"]

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


def _remove_emoji(text: str, language: str | None = None) -> str:
    text = _KEYCAP.sub(r"\1", text)
    text = _KEYCAP_SYMBOL.sub("", text)
    text = name_emoji(text, language) if language else _EMOJI_SEQUENCE.sub(" ", text)
    text = _STRAY_DECOR.sub("", text)
    # A ZWJ left between two non-letters joined emoji we removed; inside scripts it is meaningful.
    return _LONE_ZWJ.sub("", text) if "\u200d" in text else text


def clean_for_speech(text: str, *, url_word: str = "link", max_repeat: int = 3,
                     emoji_language: str | None = None) -> str:
    """Turn a chat message into something worth saying aloud.

    * control tokens ``<|…|>`` are stripped (before and after every other rule);
    * fenced code blocks (```` ```…``` ````) are skipped entirely; inline ```code``` keeps its text;
    * links — bare ``http(s)://``/``www.`` URLs, ``<url>``, ``domain.tld/path`` — become ``url_word``
      (pass a localized word); a masked link ``[text](url)`` becomes ``text``;
    * ``@name`` loses its ``@`` (an e-mail address keeps it);
    * Unicode emoji are read by name in ``emoji_language`` (en, zh, ja, ko), or removed when it is None
      (see the module doc);
    * markdown markers (``**``, ``__``, ``~~``, ``||spoiler||``, ``*x*``, ``_x_``, headings, quotes,
      bullets) are removed, their text kept;
    * runs of one character (or of a two-character group) longer than ``max_repeat`` collapse to
      ``max_repeat`` (the digit 0 excepted);
    * invisible/control characters go; spaces collapse to one, blank lines to one line break.

    Time is linear in ``len(text)`` (times ``max_repeat``) for any input.
    """
    text = strip_control_tokens(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _fenced_code(text)
    text = _inline_code(text)

    text = _masked_links(text)
    text = _bracketed_urls(text, f" {url_word} ")
    text = _URL.sub(f" {url_word} ", text)
    if "/" in text:
        text = _BARE_DOMAIN_PATH.sub(f" {url_word} ", text)

    if "@" in text:
        text = _AT_MENTION.sub(r"\1", text)

    text = _remove_emoji(text, emoji_language)

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

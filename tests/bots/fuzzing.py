"""Hypothesis strategies shared by the command fuzzers of both adapters (issue 9).

What a stranger may type as a command's argument: numbers in every spelling a float parser might half
accept (``nan``, ``inf``, ``-0``, ``1e309``, Arabic-Indic and full-width digits, 5000 nines), quotes of every
style, lone surrogates (as a JSON ``\\ud800`` escape decodes), control characters, bidi marks, zero-width
joiners, the model's control tokens (``<|endofprompt|>``), HTML and Markdown markup, format strings, mentions
and the words the commands themselves react to — mixed with Hypothesis's own Unicode text.

``FUZZ`` is the settings every fuzz test uses: derandomized (the same examples on every run, so CI is
stable), no example database (nothing written to the working tree), no deadline (a loaded 2-core box is
slow), and the health checks that a function-scoped fixture (``caplog``) and a real bot trip suppressed.
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from core.i18n import UI_LANGUAGES, t

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])

#: Numbers as people (and attackers) write them.
NUMBERS = [
    "0", "-0", "+0", "0.0", "-0.0", "00", "1", "-1", "2", "1.0", "0.25", "0.2499999", "4", "4.0000001", "4.01",
    "10", "-10", "10.5", "-10.5", "11", "-11", "1e309", "-1e309", "1e-309", "1e308", "2e-324", "1e-400",
    "nan", "NaN", "-nan", "+nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF", "infinity",
    "1_0", "1__0", "0x10", "0b1", "0o7", "1,5", "1.5.5", ".5", "5.", "-.5", "1e", "e5", "1j", "1+1", "--1",
    "١٢", "١٫٥", "٠", "１２", "１．５", "－１", "²", "½", "Ⅻ", "〇", "१२", "𝟙𝟚", "௧", "¹²",
    "9" * 400, "-" + "9" * 400, "0." + "0" * 400 + "1", "1" + "0" * 309, "9" * 4400,
]
#: Quotes in every style, and quoted names.
QUOTES = [
    '"', "'", "“", "”", "„", "‘", "’", "‚", "«", "»", "‹", "›", "「", "」", "『", "』", "〝", "〞", "＂", "＇",
    "`", "```", '""', "''", "“”", "「」", '"a b" c', "“a b” c", "「a b」c", "'a b' c", '"unterminated', "“x",
    '"', '" "', "“ ”",
]
#: Lone surrogates, as a JSON ``"\\ud800"`` escape decodes (``"\\ude00\\ud83d"``: a pair the wrong way round).
SURROGATES = ["\ud800", "\udfff", "\ud83d", "a\udc00b", "\udbff\udbff", "x\ud800y", "\ude00\ud83d"]
#: Characters that break naive code: controls, bidi and zero-width marks, odd clusters and letters.
STRANGE = [
    *SURROGATES,
    "\x00", "\x01", "\x07", "\x08", "\x1b[31m", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\r", "\r\n", "\x0b",
    "\x0c", "\x1c", "\x1f",
    "\u200e", "\u200f", "\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c",
    "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u034f", "\u180e", "\ufffc", "\ufffd", "\uffff",
    "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "e\u0301", "\u0301", "\u0301" * 30, "🇯🇵", "🇯", "1\ufe0f\u20e3",
    "\U000e0041", "\U0010ffff", "\U0001d54f", "𒐫", "﷽", "ǅ", "İ", "ß", "ﬁ", "K",  # Kelvin sign
]
#: Control tokens of the model and markup of both chat platforms.
MARKUP = [
    "<|endofprompt|>", "<|", "|>", "<|im_start|>", "<|endoftext|>", "<b>", "</b>", "<b>x</b>", "<i>", "</i>",
    "<a href=\"x\">", "<a href='javascript:x'>y</a>", "<script>alert(1)</script>", "<tg-spoiler>", "<br>",
    "<pre>", "<code>", "<blockquote>", "<", ">", "<>", "</>", "&", "&amp;", "&lt;", "&gt;", "&quot;", "&#0;",
    "&#x110000;", "&#128512;", "&nbsp;", "&amp", "*", "**bold**", "_i_", "__u__", "`code`", "[x](http://a.b)",
    "||spoiler||", "~~s~~", "> quote", "# heading", "-# small", "\\", "\\n", "%s", "%d", "%(x)s", "{}", "{0}",
    "{name}", "{value!r}", "{{", "}}", "{0.__class__}", "$(id)", "';--", "\" OR 1=1", "../../etc/passwd",
    "@voicebridge_test_bot", "@other_bot", "@", "@everyone", "@here", "<@123456789012345678>",
    "<@&123456789012345678>", "<#123456789012345678>", "<:e:123456789012345678>", "<t:0:R>", "</speak:1>",
    "http://example.com", "https://t.me/x", "tg://user?id=1", "discord.gg/x",
]
#: Words the commands react to (subcommands, on/off, reset words, languages, presets, styles).
WORDS = [
    "chat", "ui", "on", "off", "yes", "no", "clear", "reset", "remove", "delete", "auto", "default", "none",
    "zh", "en", "ja", "ko", "yue", "ZH", "zh-CN", "pt-br", "xx", "english", "中文", "开", "关", "オン", "オフ",
    "alex", "anna", "bella", "benjamin", "charles", "claire", "david", "diana", "Alex", "clone:1", "speech:x",
    "voice", "speed", "gain", "lang", "language", "style", "=", "->", "→", "=>", "==", "happy", "sad",
    "whisper", "开心", "粤语", "ok", "sk-test-user", "sk-" + "a" * 40, "ABCDEFGH", "abcd1234", "kurisu",
]
PIECES = NUMBERS + QUOTES + STRANGE + MARKUP + WORDS
#: Whitespace that ``str.split()`` splits on (so a command's arguments are parsed apart).
SPACES = [" ", "  ", "\n", "\t", "\u3000", "\u00a0", "\u2003", "\x1c", "\x85", " \n "]

#: Unicode at large, lone surrogates and controls included.
any_char = st.characters(codec=None, exclude_categories=())
any_text = st.text(any_char, max_size=24)
#: Numbers as text: Hypothesis's floats and integers (huge ones too) in their Python spellings.
number_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.20g}"),
    st.integers().map(str),
    st.integers(min_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=6),
    st.text(st.characters(categories=["Nd", "No", "Nl"]) | st.sampled_from(".,-+e_"), min_size=1, max_size=8),
)
#: One argument: each family as likely as the others (so lone surrogates or ``1e309`` turn up in a few dozen
#: examples), or several pieces glued together.
token = st.one_of(
    st.sampled_from(NUMBERS), number_text, st.sampled_from(QUOTES), st.sampled_from(SURROGATES),
    st.sampled_from(STRANGE), st.sampled_from(MARKUP), st.sampled_from(WORDS), any_text,
    st.lists(st.sampled_from(PIECES), min_size=2, max_size=4).map("".join),
)


def as_received(text: str) -> str:
    """``text`` as it arrives from a platform's JSON: every character ``\\uXXXX``-escaped and decoded again, so a
    high and a low surrogate next to each other become the one character they encode and the rest stay lone."""
    return json.loads(json.dumps(text))


def words_from(*pools: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from([w for pool in pools for w in pool])


@st.composite
def argument_text(draw: st.DrawFn, first: st.SearchStrategy[str] | None = None, *, max_tokens: int = 6) -> str:
    """Arguments after a command: ``first`` (the command's own words) then tokens, with random spacing."""
    tokens = draw(st.lists(token, max_size=max_tokens))
    if first is not None and draw(st.booleans()):
        tokens.insert(0, draw(first))
    out = []
    for tok in tokens:
        out.append(tok)
        out.append(draw(st.sampled_from(SPACES)))
    text = "".join(out[:-1]) if out else ""
    if draw(st.integers(0, 5)) < 5:  # (the shrinker goes to 0: no extra spacing)
        return text
    return draw(st.sampled_from(SPACES)) + text + draw(st.sampled_from(SPACES))


def pad_to(text: str, length: int, filler: str) -> str:
    """``text`` filled up with ``filler`` to exactly ``length`` characters (for the platforms' maximum)."""
    if len(text) >= length:
        return text[:length]
    times = math.ceil((length - len(text)) / max(1, len(filler)))
    return (text + filler * times)[:length]


FILLERS = ["a", "語", "9", " ", "\u200b", "<b>", "&amp;", "\ud800", "😀", "e\u0301", "\n", "x y ", "“", "%s{}"]

#: The internal-error sentence in every UI language (core/i18n.py key ``internal``).
INTERNAL_SENTENCES = tuple(sorted({t("internal", lang) for lang in UI_LANGUAGES}))


def says_internal_error(text: str | None) -> bool:
    return bool(text) and any(s in text for s in INTERNAL_SENTENCES)


def printable(value: object, limit: int = 300) -> str:
    """``repr`` for assertion messages, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


def error_records(records: list) -> list:
    """Log records at ERROR or above (an unexpected error, an unhandled exception in a task or handler)."""
    import logging

    return [r for r in records if r.levelno >= logging.ERROR]


def describe_records(records: list) -> str:
    import logging

    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return "\n".join(formatter.format(r) for r in records)[:4000]

__all__ = [
    "FILLERS",
    "FUZZ",
    "INTERNAL_SENTENCES",
    "MARKUP",
    "NUMBERS",
    "PIECES",
    "QUOTES",
    "SPACES",
    "STRANGE",
    "SURROGATES",
    "WORDS",
    "any_text",
    "argument_text",
    "as_received",
    "describe_records",
    "error_records",
    "number_text",
    "pad_to",
    "printable",
    "says_internal_error",
    "token",
    "words_from",
]

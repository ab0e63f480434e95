"""Property tests (Hypothesis) of the text rules (``core.text`` and the modules it gathers) and of
``core.lexicon``: whatever a stranger types, cleanup, chunking, truncation, grapheme boundaries, language
guess and pronunciation dictionaries keep their promises and never raise.

Two kinds of checks:

* **promises** — no ``<|``/``|>`` ever comes out; chunks are non-empty, within the limit (but for a
  single oversize grapheme cluster) and give the text back; a dictionary is applied in one pass;
  normalized input always encodes.
* **same meaning as the simple definition** — the linear rewrites in the text rules (emphasis, inline
  and fenced code, links, control tokens, cut ranks, grapheme fast path, script counts) are compared
  on small inputs with the plain regex or loop they replace (kept here as the reference), which was
  right but quadratic on crafted input.

Runs are derandomized with a bounded number of examples (the file takes a few seconds); inputs that
once broke something, or pin an edge, are kept as ``@example``\\ s.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import chunking, cleanup, control_tokens, graphemes, lexicon
from core.chunking import chunk_text, truncate_for_speech
from core.cleanup import clean_for_speech
from core.control_tokens import strip_control_tokens
from core.errors import InvalidValue
from core.graphemes import grapheme_boundaries
from core.language import detect_language
from core.text import normalize_input

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
MANY = settings(FUZZ, max_examples=300)

# --- inputs -------------------------------------------------------------------------------------

#: Pieces of chat markup and of the scripts and clusters the rules care about.
PIECES = [
    "*", "_", "`", "``", "```", "~~", "||", "**", "__", "<|", "|>", "<", ">", "|", "[", "]", "(", ")",
    "](", "http://", "https://", "www.", "HTTP://", "a.com/", ".", ",", "!", "?", "。", "，", "」", "\"",
    ":", ";", "3.14", "@", "@bob", "<@12>", "<@!3>", "<@&4>", "<#5>", "<t:17:R>", "</cmd:1>", "<:pe_pe:6>",
    "# ", "> ", "- ", "-# ", "\n", "\r\n", "\r", " ", "  ", "\t", "a", "b", "ab", "hello", "0", "000",
    "www", "哈", "你好", "カナ", "한글", "عربى", "e\u0301", "\u0301", "\u3099", "😀", "👍🏽", "🇯🇵", "🇯",
    "👨\u200d👩\u200d👧", "\u200d", "\u200b", "\ufe0f", "1\ufe0f\u20e3", "#\u20e3", "\x00", "\x85", "\u00ad",
]
markup = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
#: Unicode at large, lone surrogates included.
anything = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
chat = st.one_of(markup, anything, st.lists(st.one_of(st.sampled_from(PIECES), anything), max_size=8).map("".join))


def _halves_free(text: str) -> bool:
    return "<|" not in text and "|>" not in text


# --- references: the simple definitions the linear code keeps the meaning of ---------------------

REF_FENCED = re.compile(r"```.*?```", re.DOTALL)
REF_INLINE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
REF_MASKED = re.compile(r"\[([^\[\]\n]+)\]\(\s*<?(?:https?://|www\.)[^)\s]*>?\s*\)", re.IGNORECASE)
REF_BRACKETED = re.compile(r"<(?:https?://|www\.)[^>\s]+>", re.IGNORECASE)
REF_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", re.DOTALL)
REF_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", re.DOTALL)
REF_H_SPACE = re.compile(r"[^\S\n]+")
REF_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[.,!?;:…。，、！？；：）」』”’)\]])")
REF_TOKEN = re.compile(r"<\|[^<>|]*\|>")


def ref_tokens(text: str) -> str:
    """Control tokens removed until nothing changes (one scan per nesting level)."""
    previous = None
    while previous != text:
        previous, text = text, REF_TOKEN.sub("", text)
    return text


def ref_strip(text: str) -> tuple[str, int]:
    """The old ``strip_control_tokens`` and how many rounds its halves loop took."""
    text = ref_tokens(text)
    rounds = 0
    while "<|" in text or "|>" in text:
        text = text.replace("<|", "").replace("|>", "")
        rounds += 1
    return text, rounds


def ref_ranks(text: str) -> dict[int, int]:
    """Cut ranks, one character at a time."""
    ranks: dict[int, int] = {}
    n, i = len(text), 0
    marks = chunking._SENTENCE_END | chunking._CLAUSE_MARK
    while i < n:
        ch = text[i]
        if ch == "\n":
            ranks[i + 1] = 3
            i += 1
        elif ch in marks:
            rank = 2
            j = i
            while j < n and text[j] in marks:
                rank = 3 if text[j] in chunking._SENTENCE_END else rank
                j += 1
            run = text[i:j]
            while j < n and text[j] in chunking._CLOSERS:
                j += 1
            if not (all(c in chunking._ASCII_NEEDS_SPACE for c in run) and j < n
                    and text[j].isascii() and text[j].isalnum()):
                ranks[j] = max(ranks.get(j, 0), rank)
            i = j
        elif ch.isspace():
            j = i + 1
            while j < n and text[j].isspace() and text[j] != "\n":
                j += 1
            if j == n or text[j] != "\n":
                ranks.setdefault(j, 1)
            i = j
        else:
            i += 1
    return ranks


def ref_chunks(text: str, max_chars: int, first_max_chars: int | None = None) -> list[str]:
    """Chunking by walking each window from its end (the ranks and boundaries as given)."""
    limit = max(1, min(first_max_chars, max_chars)) if first_max_chars else max_chars
    bounds = grapheme_boundaries(text)
    ranks = {p: r for p, r in ref_ranks(text).items() if p in set(bounds)}
    chunks: list[str] = []
    n, start = len(text), 0
    while start < n:
        while start < n and text[start].isspace():
            start += 1
        if start >= n:
            break
        rest = text[start:].rstrip()
        if len(rest) <= limit:
            chunks.append(rest)
            break
        window_end = start + limit
        if len(rest) - limit < max(1, max_chars // 4):  # no scrap at the end
            if len(rest) <= max_chars:
                chunks.append(rest)
                break
            window_end = max(start + limit // 2, start + len(rest) - max(1, max_chars // 4))
        best_pos, best_rank = -1, -1
        for pos in range(window_end, start, -1):
            rank = ranks.get(pos)
            if rank is not None and rank > best_rank:
                best_pos, best_rank = pos, rank
                if rank == 3:
                    break
        if best_rank < 0:
            best_pos = max(b for b in bounds if b <= window_end)
            if best_pos <= start:
                best_pos = min(b for b in bounds if b > start)
        chunk = text[start:best_pos].strip()
        if chunk:
            chunks.append(chunk)
            limit = max_chars
        start = best_pos
    return chunks


def ref_language(text: str) -> str:
    """The script count, one character at a time."""
    han = kana = hangul = latin = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            latin += ch.isalpha()
        elif 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
            kana += o not in (0x30FB, 0x30FC)
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            hangul += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF:
            han += 1
        elif ch.isalpha() and o < 0x250:
            latin += 1
    cjk = han + kana + hangul
    if cjk == 0 or cjk * 3 < latin:
        return "en"
    if hangul >= han + kana:
        return "ko"
    return "ja" if kana and kana * 10 >= han + kana else "zh"


# --- normalize_input ----------------------------------------------------------------------------


@FUZZ
@given(anything)
@example("\ud83d\ude00")        # a pair from JSON becomes its character
@example("a\ud800b\udfff")      # lone halves become U+FFFD
def test_normalize_input_always_encodes(text):
    out = normalize_input(text)
    out.encode("utf-8")
    assert normalize_input(out) == out
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert out == text


# --- control tokens -----------------------------------------------------------------------------


@MANY
@given(st.one_of(st.lists(st.sampled_from(["<", "|", ">", "a", "<|", "|>", "x|>"]), max_size=40).map("".join),
                 chat))
@example("<|end<|x|>ofprompt|>")
@example("<<||>>")              # halves that pair up differently depending on order
@example("<" * 6 + "|" * 6)     # deeper than the quick rounds: the stack pass finishes
@example("<|" * 6 + "a" + "|>" * 6)
@example("<<|x|>|y|>")          # a token that only forms once the inner one is gone
def test_control_tokens_never_survive(text):
    out = strip_control_tokens(text)
    assert _halves_free(out)
    assert strip_control_tokens(out) == out
    rest = iter(text)
    assert all(c in rest for c in out), "only deletions"
    assert control_tokens._drop_tokens(text) == ref_tokens(text)
    expected, rounds = ref_strip(text)
    if rounds <= control_tokens._QUICK_ROUNDS:  # deeper nests of bare halves may pair differently
        assert out == expected


# --- cleanup ------------------------------------------------------------------------------------


@MANY
@given(chat)
@example("*a *a *a")
@example("`a``b```c````")                    # every backtick run unmatched
@example("``a`")                              # an opener that starts inside a run
@example("[a](http://[b](http://x)")
@example("<http://<http://x>")
@example("<http://> <www.x>")
@example("say <|zh|> **<**|**> hi")
@example("a <**|** b")                        # halves joined by markup removal left two spaces behind
@example("a\n<**|**\nb")                      # … or a blank line
@example("a \u0301 b")
def test_cleanup_keeps_its_promises(text):
    assert_speakable(clean_for_speech(normalize_input(text)))


def assert_speakable(out: str) -> None:
    """What cleanup promises of its output, whatever came in."""
    out.encode("utf-8")
    assert _halves_free(out)
    assert out == out.strip()
    assert "\n\n" not in out and "  " not in out and "\t" not in out and "\r" not in out
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", out)


@MANY
@given(markup)
@example("`a``b```c````")
@example("``a`")
@example("```a``` ```")
@example("*a* **b** *c")
@example("_a_b_ _c_")
@example("[a](http://[b](http://x)")
@example("[a]( <www.x.y> )")
@example("<http://<http://x>")
def test_linear_rules_mean_what_the_simple_regexes_say(text):
    assert cleanup._fenced_code(text) == REF_FENCED.sub("\n", text)
    assert cleanup._inline_code(text) == REF_INLINE.sub(lambda m: m.group(2), text)
    assert cleanup._masked_links(text) == REF_MASKED.sub(lambda m: m.group(1), text)
    assert cleanup._bracketed_urls(text, " link ") == REF_BRACKETED.sub(" link ", text)
    assert cleanup._unwrap(text, "*", cleanup._STAR_OPEN, cleanup._STAR_CLOSE) == REF_STAR.sub(r"\1", text)
    assert (cleanup._unwrap(text, "_", cleanup._UNDERSCORE_OPEN, cleanup._UNDERSCORE_CLOSE)
            == REF_UNDERSCORE.sub(r"\1", text))
    assert cleanup._H_SPACE.sub(" ", text) == REF_H_SPACE.sub(" ", text)
    assert cleanup._SPACE_BEFORE_PUNCT.sub("", text) == REF_SPACE_BEFORE_PUNCT.sub("", text)


@FUZZ
@given(anything)
def test_linear_rules_on_any_unicode(text):
    assert cleanup._inline_code(text) == REF_INLINE.sub(lambda m: m.group(2), text)
    assert cleanup._unwrap(text, "*", cleanup._STAR_OPEN, cleanup._STAR_CLOSE) == REF_STAR.sub(r"\1", text)
    assert cleanup._H_SPACE.sub(" ", text) == REF_H_SPACE.sub(" ", text)
    assert cleanup._SPACE_BEFORE_PUNCT.sub("", text) == REF_SPACE_BEFORE_PUNCT.sub("", text)


# --- grapheme boundaries and chunking -------------------------------------------------------------

text_for_cuts = st.one_of(chat, st.lists(st.sampled_from(PIECES[40:] + ["word ", "longerword", "。", "! "]),
                                         max_size=60).map("".join))


@MANY
@given(text_for_cuts)
@example("\r\n\r\n")
@example("🇯🇵🇯")
@example("a\u200d\nb")
@example("ab\u0301c" * 3)
def test_grapheme_boundaries(text):
    bounds = grapheme_boundaries(text)
    assert bounds[0] == 0 and bounds[-1] == len(text)
    assert all(a < b for a, b in zip(bounds, bounds[1:])) or text == ""
    assert not any(graphemes._is_extend(text[b]) for b in bounds[1:-1]), "a mark is never cut from its base"
    # the plain-run fast path changes nothing
    slow = graphemes._PLAIN_RUN
    try:
        graphemes._PLAIN_RUN = re.compile(r"(?!)")
        assert grapheme_boundaries(text) == bounds
    finally:
        graphemes._PLAIN_RUN = slow


@MANY
@given(text_for_cuts, st.integers(1, 40), st.one_of(st.none(), st.integers(1, 40)))
@example("Hello world. This is fine! Is it? Yes…", 20, None)
@example(" \u0301\u0301\u0301 a", 1, None)          # marks after a space that is skipped
@example("👨\u200d👩\u200d👧 " * 3, 2, 1)              # clusters over the limit
@example("3.14 and 1,000: ok", 5, 3)
def test_chunks_keep_their_promises(text, limit, first):
    chunks = chunk_text(text, limit, first_max_chars=first)
    assert all(chunks) and all(c == c.strip() for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split()), "round trip"
    bounds = grapheme_boundaries(text)
    pos = 0
    for k, c in enumerate(chunks):
        start = text.index(c, pos)
        pos = start + len(c)
        # the first chunk's own limit gives way when the whole text fits one full chunk (no scrap after it)
        cap = min(first, limit) if first and k == 0 and len(chunks) > 1 else limit
        inside = [b for b in bounds if start < b < pos]
        assert len(c) <= cap or not inside, f"only a single cluster may exceed the limit: {c!r}"
    assert chunks == ref_chunks(text, limit, first)
    assert chunking._boundary_ranks(text) == ref_ranks(text)


@MANY
@given(text_for_cuts, st.integers(1, 40))
@example("First sentence here. Second one is longer than that.", 25)
@example("👨\u200d👩\u200d👧", 2)
@example("   ", 1)
def test_truncate_for_speech(text, max_chars):
    out = truncate_for_speech(text, max_chars)
    if len(text) <= max_chars:
        assert out == text
        return
    if out:
        head = out[:-1]
        assert out.endswith("…") and head and text.lstrip().startswith(head)
        assert head == chunk_text(text, max(1, max_chars - 1))[0]
    else:
        assert not text.strip()


@MANY
@given(st.one_of(anything, st.lists(st.sampled_from(["你好", "カナ", "ー", "・", "한", "abc", "é", "ǅ", "𠀀", " "]),
                                      max_size=30).map("".join)))
@example("我爱 Python")
@example("ーー・")
def test_detect_language(text):
    assert detect_language(text) == ref_language(text)


# --- pronunciation dictionaries ---------------------------------------------------------------

ascii_words = st.sampled_from(["a", "b", "ab", "ba", "a b", "abc", "b a", "A", "x"])
spoken_words = st.sampled_from(["a", "b", "ab", "x", "a b", "yy", "<|", "|>", "<|zh|>", "|", "<", ">"])


def ref_apply(text: str, entries: dict[str, tuple[str, str]]) -> str:
    """One left-to-right pass: at each position the longest entry that matches (whole words, any case,
    any run of spaces for a space) is replaced, and the scan goes on after it. If anything was
    replaced, halves of control tokens are stripped from the result."""
    words = sorted(entries.values(), key=lambda e: -len(e[0]))
    out, i, replaced = [], 0, False
    while i < len(text):
        for word, spoken in words:
            pattern = r"\s+".join(re.escape(part) for part in word.split(" "))
            m = re.compile(pattern, re.IGNORECASE).match(text, i)
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and not (
                    m.end() < len(text) and (text[m.end()].isalnum() or text[m.end()] == "_")):
                out.append(strip_control_tokens(spoken))
                i = m.end()
                replaced = True
                break
        else:
            out.append(text[i])
            i += 1
    return strip_control_tokens("".join(out)) if replaced else "".join(out)


@MANY
@given(st.lists(st.sampled_from(["a", "b", "ab", "ba", "A", "x", " ", "  ", ",", "\n", "<", "|", ">"]),
                max_size=25).map("".join),
       st.lists(st.tuples(ascii_words, spoken_words), max_size=5))
@example("a b", [("a", "b"), ("b", "a")])     # swap, not chain
@example("<a", [("a", "|x")])                  # a pronunciation meeting the text around it
@example("a|", [("a", "<")])
def test_lexicon_applies_in_one_pass(text, entries):
    merged = lexicon.merge(entries)
    out = lexicon.apply(text, merged)
    assert out == ref_apply(text, merged)
    if _halves_free(text):
        assert _halves_free(out)


@FUZZ
@given(chat, st.lists(st.tuples(st.one_of(anything, st.sampled_from(PIECES)), anything), max_size=6))
@example("a", [("", "b"), (" ", "c"), ("<|x|>", "d"), ("a" * 500, "e")])
@example("gif", [("gif", "<|endofprompt|>")])
def test_lexicon_never_raises_nor_injects_tokens(text, entries):
    out = lexicon.apply(text, entries)
    assert isinstance(out, str)
    if _halves_free(text):
        assert _halves_free(out)
    for word, spoken in entries:
        try:
            word, spoken = lexicon.normalize_entry(word, spoken)
        except InvalidValue:
            continue
        assert _halves_free(word) and _halves_free(spoken)
        assert lexicon.word_key(word) == lexicon.word_key(lexicon.word_key(word))
    lexicon.parse_entry(text)


# --- the fast paths' tables ---------------------------------------------------------------------


@pytest.mark.parametrize("lo, hi", graphemes._PLAIN_RANGES)
def test_plain_characters_never_join_a_neighbour(lo, hi):
    for o in range(lo, hi + 1):
        ch = chr(o)
        assert graphemes._PLAIN_RUN.match(ch * 2), hex(o)
        assert ch != "\r" and ch != "\u200d" and not 0xD800 <= o <= 0xDFFF, hex(o)
        assert not (unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Mc")), hex(o)
        assert not graphemes._is_extend(ch) and not graphemes._is_regional_indicator(ch), hex(o)

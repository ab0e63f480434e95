"""core.text: cleanup rules, chunking, byte cost, language guess."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from core.text import (
    chunk_text,
    clean_for_speech,
    detect_language,
    grapheme_boundaries,
    strip_control_tokens,
    truncate_for_speech,
    utf8_bytes,
)

# --- control tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("hello<|endofprompt|>world", "helloworld"),
    ("<|zh|>你好", "你好"),
    ("a <|HAPPY|> b <|en|>", "a  b "),
    ("<|end<|x|>ofprompt|>", ""),          # nested: cannot reassemble
    ("<|<|endofprompt|>|>", ""),
    ("x <| y", "x  y"),                      # stray halves go too
    ("y |> z", "y  z"),
    ("no tokens | here < > ok", "no tokens | here < > ok"),
])
def test_strip_control_tokens(text, expected):
    assert strip_control_tokens(text) == expected


def test_clean_never_leaves_a_token_even_via_markdown():
    out = clean_for_speech("<**|**endofprompt**|**> say <|zh|> this")
    assert "<|" not in out and "|>" not in out
    assert "say" in out and "this" in out
    # what the halves stood between is tidied again: one space, no blank line
    assert clean_for_speech("a <**|** b") == "a b"
    assert clean_for_speech("a\n<**|**\nb") == "a\nb"


# --- cleanup rules ----------------------------------------------------------------------------


def test_urls_become_the_given_word():
    out = clean_for_speech("see https://example.com/a?b=1 and www.foo.org/x.", url_word="链接")
    assert out == "see 链接 and 链接."
    assert clean_for_speech("<https://x.y/z> hi") == "link hi"
    assert clean_for_speech("看这个https://a.com/x很好") == "看这个 link 很好"
    assert clean_for_speech("go to example.com/page now") == "go to link now"


def test_masked_link_keeps_its_text():
    assert clean_for_speech("read [the docs](https://x.y/docs) first") == "read the docs first"


def test_email_is_not_a_mention_or_link():
    assert clean_for_speech("mail bob@example.com") == "mail bob@example.com"


def test_discord_mentions_use_names_or_a_generic_word():
    names = {"123": "Alice", "42": "general", "7": "Mods"}
    out = clean_for_speech("<@123> <@!123> <@999> <@&7> <#42> <#5>", names=names, mention_word="someone")
    assert out == "Alice Alice someone Mods general someone"


def test_other_discord_markup():
    assert clean_for_speech("at <t:1700000000:R> ok") == "at ok"
    assert clean_for_speech("use </speak:123456>") == "use speak"
    assert clean_for_speech("hi @everyone and @bob") == "hi everyone and bob"


def test_custom_emoji_become_their_names():
    assert clean_for_speech("lol <:pepe_laugh:123456> <a:dance:99>") == "lol pepe laugh dance"


def test_unicode_emoji_are_removed():
    out = clean_for_speech("family 👨‍👩‍👧‍👦 flag 🇯🇵 thumbs 👍🏽 heart ❤️ ok 😂😂😂")
    assert out == "family flag thumbs heart ok"
    assert clean_for_speech("1️⃣ first") == "1 first"          # keycap keeps its digit
    assert clean_for_speech("© 2024 ™") == "© 2024 ™"          # text symbols stay
    assert clean_for_speech("😀😀😀") == ""
    assert "\u200d" not in clean_for_speech("a 👩‍💻 b")


def test_code_blocks_skipped_inline_code_kept():
    text = "before\n```python\nprint('secret')\n```\nafter `x = 1` done"
    out = clean_for_speech(text)
    assert "print" not in out and "secret" not in out
    assert out == "before\nafter x = 1 done"
    assert clean_for_speech("``a `b` c``") == "a `b` c"


def test_markdown_markers_removed_text_kept():
    out = clean_for_speech("**bold** __under__ ~~strike~~ ||spoiler|| *it* _em_ snake_case 2*3*4")
    assert out == "bold under strike spoiler it em snake_case 2*3*4"
    assert clean_for_speech("# Title\n> quoted\n- item\n-# small") == "Title\nquoted\nitem\nsmall"


@pytest.mark.parametrize("text, expected", [
    ("wwwwwwww", "www"),
    ("!!!!!!", "!!!"),
    ("233333333", "2333"),
    ("哈哈哈哈哈哈哈哈", "哈哈哈"),
    ("www", "www"),
    ("hahahahahaha", "hahaha"),
    ("哈哈哈哈哈哈", "哈哈哈"),
    ("ok....", "ok..."),
    ("1000000", "1000000"),   # zeros are amounts, not noise
    ("hello", "hello"),
])
def test_repeats_collapse(text, expected):
    assert clean_for_speech(text) == expected


def test_max_repeat_is_configurable():
    assert clean_for_speech("aaaaaa", max_repeat=2) == "aa"


def test_whitespace_normalised():
    out = clean_for_speech("  a \t  b  \n\n\n\n  c\u200b d\r\ne  ")
    assert out == "a b\nc d\ne"


def test_clean_handles_nothing_but_noise():
    assert clean_for_speech("") == ""
    assert clean_for_speech("```only code```") == ""
    assert clean_for_speech("   \n  ") == ""


# --- grapheme boundaries ----------------------------------------------------------------------


def test_grapheme_boundaries_keep_clusters():
    family = "👨\u200d👩\u200d👧\u200d👦"
    text = "e\u0301" + family + "🇯🇵" + "1\ufe0f\u20e3" + "👍🏽"
    b = grapheme_boundaries(text)
    assert b == [0, 2, 2 + len(family), 4 + len(family), 7 + len(family), 9 + len(family)]


# --- chunking ---------------------------------------------------------------------------------


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _check(text: str, chunks: list[str], limit: int) -> None:
    assert all(chunks), "no empty chunks"
    assert all(c == c.strip() for c in chunks)
    assert all(len(c) <= limit for c in chunks), [len(c) for c in chunks]
    assert _squash("".join(chunks)) == _squash(text), "round trip"


def test_short_text_is_one_chunk():
    assert chunk_text("Hello world.", 200) == ["Hello world."]
    assert chunk_text("", 200) == []
    assert chunk_text("   \n ", 200) == []


def test_prefers_sentence_ends_and_packs_sentences():
    text = "Hello world. This is fine! Is it? Yes…"
    chunks = chunk_text(text, 20)
    assert chunks == ["Hello world.", "This is fine! Is it?", "Yes…"]
    _check(text, chunks, 20)


def test_cjk_punctuation():
    text = "你好。今天天气很好！我们去公园吧？好的；走吧。"
    chunks = chunk_text(text, 12)
    _check(text, chunks, 12)
    assert all(c[-1] in "。！？；" for c in chunks), chunks


def test_closing_quotes_stay_with_their_sentence():
    text = "他说：「你好。」然后他走了很远很远。她说：『再见！』"
    chunks = chunk_text(text, 10)
    _check(text, chunks, 10)
    assert chunks[0] == "他说：「你好。」"
    assert not any(c[0] in "」』”）" for c in chunks)
    en = 'He said "Hi." Then he left.'
    assert chunk_text(en, 15) == ['He said "Hi."', "Then he left."]


def test_clause_marks_then_spaces_then_hard_split():
    text = "one two three, four five six, seven eight nine"
    chunks = chunk_text(text, 18)
    assert chunks == ["one two three,", "four five six,", "seven eight nine"]
    words = "alpha beta gamma delta epsilon zeta eta theta"
    chunks = chunk_text(words, 12)
    _check(words, chunks, 12)
    assert all(" " not in c or len(c) <= 12 for c in chunks)
    assert all(w in words.split() for c in chunks for w in c.split())  # no word cut
    long_word = "x" * 45
    assert [len(c) for c in chunk_text(long_word, 20)] == [20, 20, 5]
    han = "一" * 45
    assert [len(c) for c in chunk_text(han, 20)] == [20, 20, 5]


def test_newline_is_a_sentence_end():
    text = "first line without stop\nsecond line also\nthird"
    assert chunk_text(text, 30) == ["first line without stop", "second line also\nthird"]


def test_decimal_points_are_not_sentence_ends():
    text = "Pi is 3.14159 and e is 2.71828, roughly."
    chunks = chunk_text(text, 25)
    _check(text, chunks, 25)
    assert not any(c.endswith("3.") or c.startswith("14159") for c in chunks)


def test_emoji_zwj_sequences_and_combining_marks_not_split():
    family = "👨\u200d👩\u200d👧\u200d👦"  # 7 code points
    text = family * 10
    chunks = chunk_text(text, 10)
    _check(text, chunks, 10)
    assert all(c == family for c in chunks)
    accented = "e\u0301" * 30
    chunks = chunk_text(accented, 7)
    assert all(not unicodedata.combining(c[0]) for c in chunks)
    assert all(len(c) % 2 == 0 for c in chunks)
    flags = "🇯🇵🇰🇷🇨🇳" * 5
    assert all(len(c) % 2 == 0 for c in chunk_text(flags, 5))


def test_cluster_longer_than_limit_is_kept_whole():
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert chunk_text(family, 3) == [family]


def test_first_chunk_can_be_smaller():
    text = "This is the first sentence. " * 10
    chunks = chunk_text(text, 100, first_max_chars=30)
    assert len(chunks[0]) <= 30
    assert all(len(c) <= 100 for c in chunks[1:])
    assert max(len(c) for c in chunks[1:]) > 30
    _check(text, chunks, 100)


def test_random_round_trip_and_limits():
    rng = random.Random(1234)
    alphabet = list("abc de。，！？ 你好\n」『』.,!?") + ["👨\u200d👩\u200d👧", "e\u0301", "🇯🇵"]
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        limit = rng.randint(8, 60)
        chunks = chunk_text(text, limit)
        _check(text, chunks, limit)
        joined_bounds = set(grapheme_boundaries(text))
        # every cut lies on a grapheme boundary: rebuild positions
        pos = 0
        for c in chunks:
            start = text.index(c, pos)
            assert start in joined_bounds and start + len(c) in joined_bounds
            pos = start + len(c)


def test_truncate_for_speech():
    text = "First sentence here. Second one is longer than that."
    out = truncate_for_speech(text, 25)
    assert len(out) <= 25 and out == "First sentence here.…"
    assert truncate_for_speech("short", 25) == "short"


# --- bytes and language -----------------------------------------------------------------------


def test_utf8_bytes():
    assert utf8_bytes("你好") == 6
    assert utf8_bytes("hello") == 5
    assert utf8_bytes("") == 0
    assert utf8_bytes("😀") == 4


@pytest.mark.parametrize("text, lang", [
    ("Hello, how are you?", "en"),
    ("你好，今天天气很好。", "zh"),
    ("こんにちは、今日は良い天気です。", "ja"),
    ("カタカナだけ", "ja"),
    ("안녕하세요, 반갑습니다.", "ko"),
    ("1234 !!!", "en"),
    ("", "en"),
    ("我爱 Python", "zh"),
    ("A long English sentence with one 字 in it somewhere.", "en"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


# --- linear time on crafted input (issue 9) ---------------------------------------------------
#
# Each input below took more than a minute with the regexes that rescanned (an unmatched ``*`` made
# ``\*(.+?)\*`` scan to the end from every later ``*``; a link tail was rescanned from every ``[``;
# ``<|<|…|>|>`` needed one pass per level). Now each takes milliseconds; the timeout only turns a
# regression into a failure instead of a stuck run (no wall-clock assertion).


@pytest.mark.timeout(10)
@pytest.mark.parametrize("unit, kept", [("*a ", "*a *a"), ("_a ", "_a _a")])
def test_unclosed_emphasis_is_linear(unit, kept):
    out = clean_for_speech(unit * 40000)  # 120 000 characters, no closing mark anywhere
    assert out.startswith(kept) and out.count("a") == 40000


@pytest.mark.timeout(10)
def test_closed_emphasis_in_bulk_is_linear():
    out = clean_for_speech("*a* _b_ " * 30000)
    assert out == ("a b " * 30000).strip()


@pytest.mark.timeout(10)
def test_unclosed_masked_links_are_linear():
    # ~200 000 characters: no link closes, so the first URL runs to the end and is one link
    assert clean_for_speech("[a](http://" * 18000) == "[a]( link"
    assert clean_for_speech("[a](http://" * 18000 + " [docs](https://x.y/docs)") == "[a]( link docs"


@pytest.mark.timeout(10)
def test_unclosed_bracketed_urls_are_linear():
    out = clean_for_speech("<http://" * 32000)  # 256 000 characters
    assert out.count("http") == 32000
    assert clean_for_speech("<http://" * 32000 + " <https://x.y/z> hi").endswith(" link hi")


@pytest.mark.timeout(10)
def test_deeply_nested_control_tokens_are_linear():
    assert strip_control_tokens("<|" * 64000 + "|>" * 64000) == ""
    assert strip_control_tokens("<|a" * 64000 + "|>" * 64000) == ""
    out = strip_control_tokens("<" * 80000 + "|" * 80000)  # halves only: they go, whatever the depth
    assert "<|" not in out and "|>" not in out
    assert clean_for_speech("say <|" * 40000 + "hi" + "|>" * 40000 + " ok") == "say ok"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text, check", [
    ("`a " * 20000, lambda out: out.startswith("a `a") or out.startswith("a ")),
    ("``a " * 20000, lambda out: "a" in out and len(out) < 80000),
    ("".join("`" * n + "a" for n in range(1, 400)), lambda out: out.endswith("a")),  # every run unmatched
    ("```a " * 20000, lambda out: "```" not in out),
    ("~~a ||b " * 20000, lambda out: out == ("a b " * 20000).strip()),
    ("[[[(((" * 20000, lambda out: out.startswith("[[[(((")),
    ("http://" + "a." * 60000, lambda out: out == "link."),
    ("www." + "a-" * 60000 + ".com/x", lambda out: "link" in out),
    ("a." * 60000 + "com/x", lambda out: out == "link"),
    ("<@1><#2><@&3>" * 10000, lambda out: out == " ".join(["someone"] * 30000)),
    ("@ab " * 30000, lambda out: out == ("ab " * 30000).strip()),
    ("😀" * 60000 + "ok", lambda out: out == "ok"),
    ("e\u0301" * 60000, lambda out: out == "e\u0301" * 60000),
    ("👨\u200d" * 60000, lambda out: out == ""),
    ("漢aعب한 " * 20000, lambda out: out.startswith("漢aعب한 漢")),
    ("ab" * 60000, lambda out: out == "ababab"),
    (" " * 120000 + "!", lambda out: out == "!"),
    ("# a\n> b\n- c\n" * 20000, lambda out: out == "\n".join(["a", "b", "c"] * 20000)),
])
def test_cleanup_of_adversarial_families_finishes(text, check):
    out = clean_for_speech(text)
    assert check(out), out[:200]
    assert "<|" not in out and "|>" not in out


@pytest.mark.timeout(10)
def test_chunking_long_text_is_linear():
    # copying the rest of the text for every chunk made this take minutes
    chunks = chunk_text("😀\n" * 300000, 1)
    assert len(chunks) == 300000 and set(chunks) == {"😀"}
    text = "Hello there, friend. " * 20000
    chunks = chunk_text(text, 800, first_max_chars=200)
    _check(text, chunks, 800)
    assert len(chunks[0]) <= 200
    assert truncate_for_speech(text, 50) == "Hello there, friend. Hello there, friend.…"


@pytest.mark.timeout(10)
def test_graphemes_and_language_of_long_text():
    family = "👨\u200d👩\u200d👧\u200d👦"
    text = ("ab" + family + "e\u0301") * 20000
    bounds = grapheme_boundaries(text)
    assert len(bounds) == 4 * 20000 + 1
    assert detect_language("你好" * 100000 + "a") == "zh"
    assert detect_language("カタカナ" * 50000) == "ja"


def test_no_last_chunk_is_a_scrap():
    """An 88-character text is one provider request, not 80 characters and then 8 (issue 11)."""
    just_over = "This is a sentence that is exactly long enough to go just past the first chunk limit ok."
    assert chunk_text(just_over, 200, first_max_chars=80) == [just_over]
    words = "word " * 41  # 205 characters: 200 + a 4-character scrap before
    chunks = chunk_text(words, 200)
    assert len(chunks) == 2 and min(len(c) for c in chunks) >= 50
    sentences = "Hello there, this is a test sentence. " * 6
    pieces = chunk_text(sentences.strip(), 200, first_max_chars=80)
    assert len(pieces[0]) <= 80 and len(pieces[-1]) >= 50

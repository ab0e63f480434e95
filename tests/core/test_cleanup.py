"""core.cleanup: what a chat message loses before it is said aloud, and in linear time."""

from __future__ import annotations

import pytest

from core.cleanup import clean_for_speech

# --- control tokens ---------------------------------------------------------------------------


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


def test_at_mentions_lose_their_at():
    assert clean_for_speech("hi @everyone and @bob") == "hi everyone and bob"


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
def test_deeply_nested_control_tokens_in_a_message_are_linear():
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

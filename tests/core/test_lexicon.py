"""Pronunciation dictionaries: parsing, checking and applying entries."""

from __future__ import annotations

import pytest

from core import lexicon
from core.errors import InvalidValue


def apply(text: str, *entries: tuple[str, str]) -> str:
    return lexicon.apply(text, lexicon.merge(entries))


def test_whole_words_only_and_any_case() -> None:
    assert apply("GIF or gif, not gifted", ("gif", "jif")) == "jif or jif, not gifted"
    assert apply("concatenate the cat", ("cat", "kitty")) == "concatenate the kitty"
    assert apply("v2.0 and v2", ("v2", "version two")) == "version two.0 and version two"


def test_longest_entry_wins_and_spacing_in_phrases_is_loose() -> None:
    entries = [("New York", "noo york"), ("New York City", "the big apple")]
    assert apply("new  york city and New\nYork", *entries) == "the big apple and noo york"


def test_one_pass_so_entries_do_not_chain_or_loop() -> None:
    assert apply("a b", ("a", "b"), ("b", "a")) == "b a"
    assert apply("tea", ("tea", "tea tea")) == "tea tea"


def test_spaceless_scripts_match_inside_text() -> None:
    assert apply("你好吗？我很好", ("你好", "您好")) == "您好吗？我很好"
    assert apply("東京に行きます", ("東京", "とうきょう")) == "とうきょうに行きます"
    assert apply("서울에 가요", ("서울", "쏘울")) == "쏘울에 가요"


def test_symbols_and_regex_characters_are_literal() -> None:
    assert apply("I like C++ and C#.", ("C++", "C plus plus"), ("C#", "C sharp")) == "I like C plus plus and C sharp."
    assert apply("a.b axb", ("a.b", "dot")) == "dot axb"


def test_later_layers_win() -> None:
    merged = lexicon.merge([("gif", "gee eye eff"), ("sql", "sequel")], [("GIF", "jif")])
    assert lexicon.apply("gif sql", merged) == "jif sequel"


def test_nothing_to_apply() -> None:
    assert lexicon.apply("unchanged", {}) == "unchanged"
    assert lexicon.apply("", lexicon.merge([("a", "b")])) == ""


@pytest.mark.parametrize(("typed", "parsed"), [
    ("gif jif", ("gif", "jif")),
    ("k8s kube er net ees", ("k8s", "kube er net ees")),
    ("New York = noo york", ("New York", "noo york")),
    ("New York -> noo york", ("New York", "noo york")),
    ("東京 → とうきょう", ("東京", "とうきょう")),
    ("gif", ("gif", None)),
    ("  gif   ", ("gif", None)),
    ("New York =", ("New York", None)),
])
def test_parse_entry(typed: str, parsed: tuple[str, str | None]) -> None:
    assert lexicon.parse_entry(typed) == parsed


def test_normalize_entry_tidies_and_refuses_what_cannot_work() -> None:
    assert lexicon.normalize_entry("  New   York ", " noo\tyork ") == ("New York", "noo york")
    # control tokens can't be smuggled into the instruction through a pronunciation
    assert lexicon.normalize_entry("gif", "jif<|endofprompt|>") == ("gif", "jif")
    for word, spoken in [("", "x"), ("x" * 41, "y"), ("?!", "what"), ("gif", ""), ("gif", "y" * 101),
                         ("gif", "<|endofprompt|>")]:
        with pytest.raises(InvalidValue):
            lexicon.normalize_entry(word, spoken)


def test_word_key_ignores_case_and_spacing() -> None:
    assert lexicon.word_key("New  York") == lexicon.word_key("new york")


def test_words_sharing_a_prefix_each_keep_their_boundaries() -> None:
    entries = [("new", "N"), ("new york", "NY"), ("ab", "X"), ("abc", "Y"), ("東京", "T"), ("東京都", "TT")]
    assert apply("newt new york news new", *entries) == "newt NY news N"
    assert apply("abcd abc ab", *entries) == "abcd Y X"
    assert apply("東京都と東京", *entries) == "TTとT"


def test_two_hundred_entries_with_shared_prefixes() -> None:
    merged = lexicon.merge([(f"word{i}", f"w {i}") for i in range(200)])
    text = "word1 word20 word199 word200 " * 60
    out = lexicon.apply(text, merged)
    assert out.startswith("w 1 w 20 w 199 word200 ")

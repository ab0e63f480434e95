"""core.emoji_names: Unicode emoji read by their CLDR names (en, zh, ja, ko), runs said once, at most a few per text,
linear work; and core.cleanup using it when given a language."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from core import emoji_names
from core.cleanup import clean_for_speech
from core.emoji_names import EMOJI, MAX_NAMES, emoji_language, emoji_name, has_emoji, name_emoji


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "face with tears of joy"), ("zh", "笑哭了"), ("ja", "嬉し泣き"), ("ko", None),
])
def test_a_name_in_each_language(lang, expected):
    name = emoji_name("😂", lang)
    assert name and "_" not in name and ":" not in name
    if expected:
        assert name == expected


def test_skin_tones_and_variation_selectors_are_not_read():
    assert emoji_name("👍🏽") == emoji_name("👍") == "thumbs up"
    assert emoji_name("❤️") == emoji_name("❤") == "red heart"
    assert emoji_name("👩🏽‍💻") == "woman technologist"
    assert emoji_name("🏽") == ""  # a lone modifier says nothing


def test_flags_are_one_name_and_unknown_combinations_read_their_first_part():
    assert name_emoji("🇯🇵", "en").strip() == "Japan"
    assert name_emoji("🇯🇵", "zh").strip() == "日本"
    assert emoji_name("😂\u200d🔥") == "face with tears of joy"  # not a real sequence


def test_runs_are_said_once_and_different_emoji_in_a_run_each_once():
    assert name_emoji("haha 😂😂😂 ok", "en") == "haha  face with tears of joy  ok"
    assert clean_for_speech("haha 😂 😂 😂 ok", emoji_language="en") == "haha face with tears of joy ok"
    assert clean_for_speech("😂👍😂", emoji_language="en") == "face with tears of joy, thumbs up"
    assert clean_for_speech("😂👍", emoji_language="zh") == "笑哭了、拇指向上"
    # text between two emoji makes two runs: each is read
    assert clean_for_speech("😂 yes 😂", emoji_language="en") == "face with tears of joy yes face with tears of joy"


def test_at_most_a_few_names_per_text():
    many = "".join(chr(0x1F600 + i) for i in range(40))  # 40 different faces
    out = clean_for_speech(many, emoji_language="en")
    assert out.count(",") == MAX_NAMES - 1
    wall = clean_for_speech("😂 " * 5000, emoji_language="en")
    assert wall == "face with tears of joy"


def test_cleanup_without_a_language_removes_them_as_before():
    assert clean_for_speech("hi 😂😂 1️⃣ © 2024") == "hi 1 © 2024"
    assert clean_for_speech("hi 😂😂 1️⃣ © 2024", emoji_language="en") == "hi face with tears of joy 1 © 2024"
    assert clean_for_speech("😀😀😀") == ""


def test_text_without_emoji_is_untouched():
    text = "plain words, 汉字, かな © ™"
    assert not has_emoji(text)
    assert name_emoji(text, "ja") is text


@pytest.mark.parametrize(("given_", "expected"), [
    ("zh", "zh"), ("yue", "zh"), ("ja-JP", "ja"), ("zh_CN", "zh"), ("ko", "ko"), ("fr", "en"), (None, "en"),
    ("auto", "en"),
])
def test_emoji_language(given_, expected):
    assert emoji_language(given_) == expected


_PIECES = ["😂", "👍", "🏽", "\u200d", "\ufe0f", "\u20e3", "🇯", "🇵", "🏴", "\U000e0067", "a", "語", " ", "\n", "1",
           "#", "❤", "©", "\u3030", "👨", "💻", "🫠"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80), st.sampled_from(["en", "zh", "ja", "ko", "xx"]))
def test_any_mix_never_crashes_and_leaves_no_emoji(pieces, lang):
    text = "".join(pieces)
    out = name_emoji(text, lang)
    assert not EMOJI.search(out)
    assert isinstance(clean_for_speech(text, emoji_language=lang), str)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=200))
def test_work_is_one_lookup_per_emoji(monkeypatch_pieces):
    """Linear work: one regex pass and one table look-up per emoji found, whatever the input (the look-ups are
    dictionary hits, so time grows with the length of the text; bench/emoji.py measures it)."""
    text = "".join(monkeypatch_pieces)
    calls = []
    real = emoji_names.emoji_name

    def counting(seq, language="en"):
        calls.append(seq)
        return real(seq, language)

    emoji_names.emoji_name = counting
    try:
        name_emoji(text, "en")
    finally:
        emoji_names.emoji_name = real
    assert len(calls) == len(EMOJI.findall(text))
    assert sum(map(len, calls)) <= len(text)  # each character looked at by at most one look-up


def test_a_huge_adversarial_text_is_handled():
    text = ("😂\u200d" * 50_000) + ("🇯" * 50_001) + ("👍🏽 x " * 20_000)
    out = clean_for_speech(text, emoji_language="en")
    assert len(out) < 200_000 and "thumbs up" in out

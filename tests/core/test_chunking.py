"""core.chunking: cuts at the best boundary, packing, the first chunk's limit, truncation."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from core.chunking import chunk_text, truncate_for_speech
from core.graphemes import grapheme_boundaries


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


# --- linear time on crafted input (issue 9) ---------------------------------------------------


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

"""core.text: text as it enters the core, its cost, and the one import path for every text rule."""

from __future__ import annotations

from core import chunking, cleanup, control_tokens, graphemes, language
from core import text as textmod
from core.text import normalize_input, utf8_bytes


def test_normalize_input_makes_text_encodable():
    assert normalize_input("\ud83d\ude00") == "😀"            # a pair from JSON becomes its character
    assert normalize_input("a\ud800b\udfff") == "a\ufffdb\ufffd"  # lone halves become U+FFFD
    assert normalize_input("plain 你好") == "plain 你好"


def test_utf8_bytes():
    assert utf8_bytes("你好") == 6
    assert utf8_bytes("hello") == 5
    assert utf8_bytes("") == 0
    assert utf8_bytes("😀") == 4


def test_every_text_rule_is_importable_from_core_text():
    homes = {"strip_control_tokens": control_tokens, "clean_for_speech": cleanup, "chunk_text": chunking,
             "truncate_for_speech": chunking, "grapheme_boundaries": graphemes, "detect_language": language}
    for name, module in homes.items():
        assert getattr(textmod, name) is getattr(module, name)
    assert set(textmod.__all__) == set(homes) | {"normalize_input", "utf8_bytes"}

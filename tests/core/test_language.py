"""core.language: the language guess from scripts."""

from __future__ import annotations

import pytest

from core.language import detect_language


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


@pytest.mark.timeout(10)
def test_language_of_long_text():
    assert detect_language("你好" * 100000 + "a") == "zh"
    assert detect_language("カタカナ" * 50000) == "ja"

"""core.control_tokens: every ``<|…|>`` and every half of one goes, however deeply nested."""

from __future__ import annotations

import pytest

from core.control_tokens import strip_control_tokens


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


# --- linear time on crafted input (issue 9) ---------------------------------------------------


@pytest.mark.timeout(10)
def test_deeply_nested_control_tokens_are_linear():
    assert strip_control_tokens("<|" * 64000 + "|>" * 64000) == ""
    assert strip_control_tokens("<|a" * 64000 + "|>" * 64000) == ""
    out = strip_control_tokens("<" * 80000 + "|" * 80000)  # halves only: they go, whatever the depth
    assert "<|" not in out and "|>" not in out

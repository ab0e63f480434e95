"""Control tokens: CosyVoice2 reads ``<|…|>`` (``<|endofprompt|>``, ``<|zh|>`` …) as instructions, so no user
text may carry one to the engine, nor half of one that could complete a token with the text around it.

The one rule for every text that reaches a provider (spoken text, style instructions, transcripts,
dictionary entries); it is linear in its input however deeply tokens are nested.
"""

from __future__ import annotations

import re

__all__ = ["strip_control_tokens"]

_CONTROL_TOKEN = re.compile(r"<\|[^<>|]*\|>")
_TOKEN_PIECES = re.compile(r"[<>|]|[^<>|]+")
#: Plain substitution rounds before switching to a single stack pass: each round is one fast scan, but
#: a nest ``<|<|<|…|>|>|>`` needs as many rounds as it is deep.
_QUICK_ROUNDS = 4


def _drop_tokens(text: str) -> str:
    """Every ``<|…|>`` removed until none is left, in one pass.

    Token occurrences never overlap, so removing them in any order ends in the same text; this removes
    each one as soon as its ``|>`` arrives, keeping the text before it free of tokens (a stack of
    pieces: single ``<``, ``|``, ``>`` characters and runs of anything else)."""
    pieces: list[str] = []
    kinds: list[list] = []  # [kind, pieces it covers]: "<", "|", ">", or "a" for other text
    for piece in _TOKEN_PIECES.findall(text):
        kind = piece if piece in ("<", "|", ">") else "a"
        pieces.append(piece)
        if kind == "a" and kinds and kinds[-1][0] == "a":
            kinds[-1][1] += 1
            continue
        kinds.append([kind, 1])
        if kind != ">" or len(kinds) < 4 or kinds[-2][0] != "|":
            continue
        if kinds[-3][0] == "|" and kinds[-4][0] == "<":
            drop = 4
        elif kinds[-3][0] == "a" and len(kinds) >= 5 and kinds[-4][0] == "|" and kinds[-5][0] == "<":
            drop = 5
        else:
            continue
        count = sum(k[1] for k in kinds[-drop:])
        del kinds[-drop:]
        del pieces[-count:]
    return "".join(pieces)


def _drop_halves(text: str) -> str:
    """Adjacent ``<|`` and ``|>`` removed, left to right, until none is left (one stack pass)."""
    out: list[str] = []
    for piece in _TOKEN_PIECES.findall(text):
        if len(piece) == 1 and out and len(out[-1]) == 1 and out[-1] + piece in ("<|", "|>"):
            out.pop()
        else:
            out.append(piece)
    return "".join(out)


def strip_control_tokens(text: str) -> str:
    """Remove every ``<|…|>`` token (``<|endofprompt|>``, ``<|zh|>`` …) from user text.

    Removal repeats until nothing changes, so a token hidden inside another
    (``<|end<|x|>ofprompt|>``) cannot reassemble; any ``<|`` or ``|>`` left over afterwards is
    dropped too, so the text can never complete a token with what comes before or after it.

    Linear: a few plain rounds, then (for a deeper nest) one stack pass. The tokens come out the same
    either way; leftover halves nested deeper than the plain rounds reach (``<<<<<||||||``) may pair
    up differently than more rounds would pair them, but none is ever left.
    """
    if "<|" in text:
        for _ in range(_QUICK_ROUNDS):
            text, count = _CONTROL_TOKEN.subn("", text)
            if not count:
                break
        else:
            text = _drop_tokens(text)
    rounds = 0
    while "<|" in text or "|>" in text:
        if rounds == _QUICK_ROUNDS:
            return _drop_halves(text)
        text = text.replace("<|", "").replace("|>", "")
        rounds += 1
    return text

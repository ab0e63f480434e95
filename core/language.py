"""Language guess from the scripts in a text (Han, kana, Hangul, Latin), for engines that need a language."""

from __future__ import annotations

import re

__all__ = ["detect_language"]


def _ranges(codes: list[int]) -> str:
    out, k = [], 0
    while k < len(codes):
        j = k
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(re.escape(chr(codes[k])) + ("-" + re.escape(chr(codes[j])) if j > k else ""))
        k = j + 1
    return "".join(out)


# Runs of each script, counted by the regex engine rather than one Python step per character.
_LATIN_RUN = re.compile("[" + _ranges([c for c in range(0x250) if chr(c).isalpha()]) + "]+")
_KANA_RUN = re.compile("[\u3040-\u30FA\u30FD-\u30FF\u31F0-\u31FF\uFF66-\uFF9D]+")  # not ・ ー
_HANGUL_RUN = re.compile("[\uAC00-\uD7AF\u1100-\u11FF\u3130-\u318F]+")
_HAN_RUN = re.compile("[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF\U00020000-\U0003FFFF]+")


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(map(len, pattern.findall(text)))


def detect_language(text: str) -> str:
    """Guess ``zh``, ``ja``, ``ko`` or ``en`` from the scripts in ``text``.

    Kana (at least a tenth of the Han+kana characters) → ``ja``; Hangul as the main CJK script →
    ``ko``; Han otherwise → ``zh``; no CJK, or CJK drowned in Latin (fewer CJK characters than a
    third of the Latin letters) → ``en``.
    """
    han, kana, hangul = _count(_HAN_RUN, text), _count(_KANA_RUN, text), _count(_HANGUL_RUN, text)
    cjk = han + kana + hangul
    if cjk == 0:
        return "en"
    if cjk * 3 < _count(_LATIN_RUN, text):
        return "en"
    if hangul >= han + kana:
        return "ko"
    if kana and kana * 10 >= han + kana:
        return "ja"
    return "zh"

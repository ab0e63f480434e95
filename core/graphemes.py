"""Grapheme clusters: where a text may be cut without breaking a user-perceived character (a base and its
combining marks, an emoji ZWJ sequence, a flag, a keycap). Pure, linear, ``re`` and ``unicodedata`` only.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["grapheme_boundaries"]

#: Blocks whose characters never join the one before or after them (no mark, joiner, CR, regional
#: indicator or surrogate; the tests check each against ``unicodedata``): ASCII but CR, Latin, Greek,
#: Cyrillic, Armenian, general punctuation, symbols and dingbats, kana, CJK, Hangul syllables,
#: presentation and fullwidth forms, most emoji (not the skin tones), CJK extensions.
_PLAIN_RANGES = [
    (0x0000, 0x000C), (0x000E, 0x02FF), (0x0370, 0x0482), (0x048A, 0x0590), (0x1E00, 0x200B),
    (0x2100, 0x2CEE), (0x2E00, 0x3029), (0x3041, 0x3096), (0x309B, 0xA66E), (0xAC00, 0xD7A3),
    (0xE000, 0xFB1D), (0xFE30, 0xFFFD), (0x1F000, 0x1F1E5), (0x1F200, 0x1F3FA), (0x1F400, 0x1FAFF),
    (0x20000, 0x2FA1F),
]
_PLAIN_RUN = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _PLAIN_RANGES)
                        + "]{2,}")


def _is_extend(ch: str) -> bool:
    """Characters that attach to the one before them."""
    o = ord(ch)
    if o < 0x300:  # nothing below the combining diacritical marks attaches
        return False
    if unicodedata.combining(ch):
        return True
    if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= o <= 0x1F3FF:  # skin tone modifiers
        return True
    if 0xE0020 <= o <= 0xE007F:  # tag characters (subdivision flags)
        return True
    if o in (0x200C, 0x200D, 0x20E3):  # ZWNJ, ZWJ, combining keycap
        return True
    if 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF:  # Hangul jamo V/T
        return True
    cat = unicodedata.category(ch)
    return cat in ("Mn", "Me", "Mc")


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def grapheme_boundaries(text: str) -> list[int]:
    """Indices where ``text`` may be cut without breaking a user-perceived character.

    An approximation of UAX #29 that is good enough for cutting: a base character keeps its
    combining marks, variation selectors, skin tones and keycap; ``ZWJ`` glues the next character
    (emoji ZWJ sequences); regional indicators pair up into flags; CR LF stays together; lone
    surrogates are never separated from a neighbour surrogate. Always includes 0 and ``len(text)``.
    """
    n = len(text)
    bounds = [0]
    i = 0
    while i < n:
        plain = _PLAIN_RUN.match(text, i)
        if plain is not None:  # each of these is a cluster of its own, but the last may take marks
            end = plain.end()
            bounds.extend(range(i + 1, end))
            i = end - 1
        ch = text[i]
        j = i + 1
        if ch == "\r" and j < n and text[j] == "\n":
            j += 1
        elif _is_regional_indicator(ch) and j < n and _is_regional_indicator(text[j]):
            j += 1
        elif 0xD800 <= ord(ch) <= 0xDBFF and j < n and 0xDC00 <= ord(text[j]) <= 0xDFFF:
            j += 1
        while j < n:
            nxt = text[j]
            if nxt == "\u200D":
                j += 1
                if j < n:  # ZWJ joins the following character (and its extenders)
                    j += 1
                continue
            if _is_extend(nxt):
                j += 1
                continue
            break
        bounds.append(j)
        i = j
    if bounds[-1] != n:
        bounds.append(n)
    return bounds

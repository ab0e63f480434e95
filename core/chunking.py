"""Sentence chunking: a cleaned text cut into pieces a provider request (or a voice note) can hold, each
cut at the best boundary inside the limit and never inside a grapheme cluster.

Linear in the length of the text: cut positions are ranked once and each window's best cut is found by
bisection, not by walking the window.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from core.graphemes import grapheme_boundaries

__all__ = ["chunk_text", "truncate_for_speech"]

_SENTENCE_END = set(".!?…。！？；‼⁇⁈⁉．｡")
_CLAUSE_MARK = set(",，、:：;､﹐﹑")
_CLOSERS = set("」』”’）)]}》〉】〕〗〙〛\"'»›﹂﹄＂＇］｝")
_ASCII_NEEDS_SPACE = set(".,:;")  # "3.14", "1,000", "12:30", "a;b" are not boundaries


def _char_class(chars: set[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


#: A run of sentence/clause marks with the closing quotes/brackets after it, or a run of other space.
_MARKS_OR_SPACE = re.compile("(" + _char_class(_SENTENCE_END | _CLAUSE_MARK) + "+)"
                             + _char_class(_CLOSERS) + r"*|[^\S\n]+")
_LINE_BREAK = re.compile("\n")


def _boundary_ranks(text: str) -> dict[int, int]:
    """Map cut positions to a preference: 3 sentence end/newline, 2 clause mark, 1 space."""
    # After a line break: 3. No other rule gives a rank to a position right after a line break.
    ranks = dict.fromkeys([m.end() for m in _LINE_BREAK.finditer(text)], 3)
    n = len(text)
    for m in _MARKS_OR_SPACE.finditer(text):
        j = m.end()
        marks = m.group(1)
        if marks is None:
            if j == n or text[j] != "\n":  # space before a line break: the break is the boundary
                ranks.setdefault(j, 1)
            continue
        if (j < n and text[j].isascii() and text[j].isalnum()
                and all(c in _ASCII_NEEDS_SPACE for c in marks)):
            continue  # "3.14", "e.g.x", "1,000": not a boundary
        ranks[j] = 3 if any(c in _SENTENCE_END for c in marks) else 2
    return ranks


def _chunks(text: str, max_chars: int, first_max_chars: int | None) -> Iterator[str]:
    first_limit = max(1, min(first_max_chars, max_chars)) if first_max_chars else max_chars
    bounds = grapheme_boundaries(text)
    bound_set = set(bounds)
    # Cut positions by preference, each list in text order: the best cut in a window is the last
    # position of the best rank present there (found by bisection, not by walking the window).
    by_rank: dict[int, list[int]] = {3: [], 2: [], 1: []}
    for pos, rank in sorted(_boundary_ranks(text).items()):
        if pos in bound_set:
            by_rank[rank].append(pos)
    n = len(text)
    end = len(text.rstrip())
    start = 0
    limit = first_limit
    tail_floor = max(1, max_chars // 4)  # the shortest last piece worth its own request
    while start < n:
        while start < n and text[start].isspace():
            start += 1
        if start >= n:
            break
        if end - start <= limit:  # the rest fits (``start`` is not a space, so start < end)
            yield text[start:end]
            return
        end_max = start + limit
        if end - end_max < tail_floor:  # the cut would leave a scrap: a request (or a note) for a word
            if end - start <= max_chars:  # all of it fits one full piece: one, not two
                yield text[start:end]
                return
            end_max = max(start + limit // 2, end - tail_floor)  # leave the last piece a fair share
        best_pos = -1
        for rank in (3, 2, 1):
            positions = by_rank[rank]
            k = bisect.bisect_right(positions, end_max) - 1
            if k >= 0 and positions[k] > start:
                best_pos = positions[k]
                break
        if best_pos < 0:
            k = bisect.bisect_right(bounds, end_max) - 1
            best_pos = bounds[k]
            if best_pos <= start:  # a single cluster longer than the limit
                best_pos = bounds[bisect.bisect_right(bounds, start)]
        chunk = text[start:best_pos].strip()
        if chunk:
            yield chunk
            limit = max_chars
        start = best_pos


def chunk_text(text: str, max_chars: int = 200, first_max_chars: int | None = None) -> list[str]:
    """Split ``text`` into chunks of at most ``max_chars`` characters (code points).

    Each cut is placed at the best position inside the limit: after a sentence end
    (``. ! ? …`` and ``。！？；``, or a line break) with its closing quotes/brackets
    (``」』”）`` …) kept; else after a clause mark (``, ， 、 ： ;``); else at a space; else (CJK
    text without punctuation, a very long word) at the last character boundary. A cut never
    separates a base character from its combining marks, nor splits an emoji ZWJ sequence, flag
    or keycap; only a single such cluster longer than the limit could exceed it.

    Chunks are stripped and never empty; joining them (ignoring whitespace) gives back ``text``.
    Short sentences are packed together up to the limit (fewer requests).

    ``first_max_chars`` (smaller than ``max_chars``) limits the first chunk only, so the first
    request returns sooner and playback starts earlier; the rest use ``max_chars``.

    No last chunk is a scrap (under a quarter of ``max_chars``) when a better cut exists: a text that
    fits one full chunk is not split for the first-chunk limit alone, and otherwise the cut before the
    end moves back so the last chunk gets a fair share.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be >= 1")
    return list(_chunks(text, max_chars, first_max_chars))


def truncate_for_speech(text: str, max_chars: int, ellipsis: str = "…") -> str:
    """At most ``max_chars`` characters, cut at a sentence/clause/space boundary when possible."""
    if len(text) <= max_chars:
        return text
    room = max(1, max_chars - len(ellipsis))
    head = next(_chunks(text, room, None), "")
    return head + ellipsis if head else ""

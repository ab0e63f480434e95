"""Cutting a model's answer into sentences while it is being written, and making each one speakable.

:class:`SentenceCutter` takes text pieces as they stream in (``feed``) and gives back every sentence that is
complete; ``flush`` gives the rest at the end. A sentence ends at ``。！？；…`` (and their full-width kin) at once,
at ``. ! ? ;`` when a space or line break follows (so ``3.14`` and ``e.g.x`` stay whole), and at a line break.
Closing quotes and brackets stay with their sentence. A piece shorter than ``min_weight`` waits for the next one
(no tiny fragments: CJK characters weigh 2, others 1); a run-on sentence is cut at ``max_chars``, at the last
comma or space before it if there is one.

:func:`speakable` turns a sentence into what is spoken (CosyVoice2's ``<|…|>`` tokens and markdown removed) and
:func:`caption` into what is shown (control tokens removed, the rest as written).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from core.cleanup import clean_for_speech
from core.control_tokens import strip_control_tokens

#: Ends a sentence at once.
CJK_ENDS = frozenset("。！？；…‼⁇⁈⁉．｡")
#: Ends a sentence when whitespace follows.
ASCII_ENDS = frozenset(".!?;")
#: Stay with the sentence they close.
CLOSERS = frozenset("」』”’）)]}》〉】〕\"'»›＂＇］｝")
#: Where a run-on sentence is best cut.
CLAUSE_MARKS = frozenset(",，、:：")
MIN_WEIGHT = 12
MAX_CHARS = 220


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an answer: ``text`` as the model wrote it (for a caption) and ``speech`` (what is said;
    empty when nothing in it can be spoken, e.g. only an emoji or a code block)."""

    text: str
    speech: str
    index: int = 0


def weight(text: str) -> int:
    """How long a piece sounds, roughly: a CJK character counts 2, any other non-space character 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text if not c.isspace())


class SentenceCutter:
    """Incremental sentence splitting (see the module's docstring)."""

    def __init__(self, *, min_weight: int = MIN_WEIGHT, max_chars: int = MAX_CHARS) -> None:
        self.min_weight = min_weight
        self.max_chars = max_chars
        self._buf = ""
        self._start = 0  # where the sentence being built starts in _buf
        self._scan = 0  # the next position to look at

    def feed(self, piece: str) -> list[str]:
        """Add streamed text; return the sentences it completed."""
        self._buf += piece
        out: list[str] = []
        while True:
            end = self._next_end()
            if end is None:
                break
            candidate = self._buf[self._start:end]
            if weight(candidate) >= self.min_weight:
                out.append(candidate.strip())
                self._start = end
            self._scan = end
        while len(self._buf) - self._start > self.max_chars:
            out.append(self._cut_run_on())
        self._compact()
        return [s for s in out if s]

    def flush(self) -> list[str]:
        """The rest, at the end of the answer."""
        rest = self._buf[self._start:].strip()
        self._buf, self._start, self._scan = "", 0, 0
        return [rest] if rest else []

    def _next_end(self) -> int | None:
        buf, i = self._buf, self._scan
        while i < len(buf):
            c = buf[i]
            if c == "\n":
                return i + 1
            if c in CJK_ENDS or c in ASCII_ENDS:
                end = self._after_closers(i + 1, need_space=c in ASCII_ENDS)
                if end is None:
                    self._scan = i  # wait for what follows
                    return None
                if end > 0:
                    return end
                i = self._scan
                continue
            i += 1
        self._scan = i
        return None

    def _after_closers(self, j: int, *, need_space: bool) -> int | None:
        """The end of a sentence whose mark ends at ``j``, closers and further marks included; None when the buffer
        ends before we know; with ``need_space``, -1 when no space follows (not an end)."""
        buf = self._buf
        while j < len(buf) and (buf[j] in CLOSERS or buf[j] in CJK_ENDS or buf[j] in ASCII_ENDS):
            j += 1
        if j >= len(buf):
            return None  # a closer or a space may still come
        if not need_space or buf[j].isspace():
            return j
        self._scan = j
        return -1

    def _cut_run_on(self) -> str:
        limit = self._start + self.max_chars
        window = self._buf[self._start:limit]
        cut = max((i for i, c in enumerate(window) if c in CLAUSE_MARKS), default=-1)
        if cut < self.max_chars // 3:
            cut = max((i for i, c in enumerate(window) if c.isspace()), default=-1)
        end = self._start + (cut + 1 if cut >= self.max_chars // 3 else self.max_chars)
        piece = self._buf[self._start:end].strip()
        self._start = end
        self._scan = max(self._scan, end)
        return piece

    def _compact(self) -> None:
        if self._start > 4096:
            self._buf = self._buf[self._start:]
            self._scan -= self._start
            self._start = 0


def caption(text: str) -> str:
    """A sentence as shown: the model's text without CosyVoice2 control tokens."""
    return strip_control_tokens(text).strip()


def speakable(text: str) -> str:
    """A sentence as spoken: no control tokens, no markdown, links or emoji (core.cleanup)."""
    return clean_for_speech(strip_control_tokens(text)).strip()

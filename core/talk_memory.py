"""A conversation's memory: what is stored of each turn, how many tokens a text is estimated to take, and which
recent turns fit in the prompt's budget.

Tokens are estimated linearly (no tokenizer to ship): a CJK character is about one token, other text about four
characters a token (:data:`CHARS_PER_TOKEN`). The estimate decides only how much history goes into a prompt; what
users are billed is what the model reports.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from core.models import Character

#: Characters of Latin-script text per token, roughly (CJK: one character, one token).
CHARS_PER_TOKEN = 4.0
#: The most turns read back from storage for one prompt (the token budget usually stops sooner).
MAX_TURNS_READ = 200


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """A turn to store: ``role`` is ``user`` or ``assistant``; ``user_id`` is the user who spoke, or who was
    answered (so ``/forget`` takes both)."""

    user_id: int
    role: str
    content: str
    tokens: int


@dataclass(frozen=True, slots=True)
class StoredTurn:
    """A remembered turn, as read back."""

    user_id: int
    role: str
    content: str
    tokens: int


def estimate_tokens(text: str) -> int:
    """A linear estimate of the tokens ``text`` takes."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return math.ceil(wide + (len(text) - wide) / CHARS_PER_TOKEN)


def fit_budget(turns: Sequence[StoredTurn], budget: int) -> list[StoredTurn]:
    """The most recent ``turns`` (oldest first) whose tokens add up to at most ``budget``; the history never starts
    with an answer whose question was left out."""
    kept: list[StoredTurn] = []
    used = 0
    for turn in reversed(turns):
        if used + turn.tokens > budget:
            break
        kept.append(turn)
        used += turn.tokens
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept


class ConversationRepository(Protocol):
    """What :class:`core.talk.Talk` needs stored."""

    async def get_character_by_id(self, character_id: int) -> Character | None: ...
    async def start_talk(self, place: str, character_id: int, user_id: int) -> None: ...
    async def get_talk(self, place: str) -> int | None: ...
    async def end_talk(self, place: str) -> bool: ...
    async def add_turns(self, place: str, character_id: int, turns: Sequence[TurnRecord]) -> None: ...
    async def recent_turns(self, place: str, character_id: int, *, limit: int) -> list[StoredTurn]: ...
    async def clear_turns(self, place: str, character_id: int) -> int: ...
    async def add_tokens(self, user_id: int, tokens: int, *, operator: bool, day: date | None = None) -> None: ...
    async def get_tokens(self, user_id: int, *, day: date | None = None) -> tuple[int, int, int]: ...
    async def get_api_key(self, user_id: int) -> str | None: ...

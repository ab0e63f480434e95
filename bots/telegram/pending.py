"""Clone requests waiting for the user's consent button.

Nothing is uploaded to the provider before the user presses "It's my voice / I have permission".
Between the check and the press we keep the request in memory under a random token: the checked
bytes if the memory budget allows (so confirming doesn't download again), else just the file id
(confirming downloads it again). Entries expire; one user has at most a few waiting.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class PendingClone:
    owner: int  # Telegram user id
    chat_id: int
    name: str
    transcript: str | None
    file_id: str
    filename: str
    data: bytes | None
    created: float


class PendingClones:
    """Token → :class:`PendingClone`, with a time limit and a memory budget for kept bytes."""

    PER_USER = 3

    def __init__(self, *, ttl: float = 900.0, max_bytes: int = 64 * 1024 * 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._clock = clock
        self._items: OrderedDict[str, PendingClone] = OrderedDict()

    def _kept_bytes(self) -> int:
        return sum(len(p.data) for p in self._items.values() if p.data is not None)

    def _expire(self) -> None:
        now = self._clock()
        for token, item in list(self._items.items()):
            if now - item.created > self.ttl:
                del self._items[token]

    def add(self, *, owner: int, chat_id: int, name: str, transcript: str | None, file_id: str,
            filename: str, data: bytes | None) -> str:
        self._expire()
        mine = [tok for tok, p in self._items.items() if p.owner == owner]
        for tok in mine[: max(0, len(mine) - self.PER_USER + 1)]:
            del self._items[tok]
        if data is not None and self._kept_bytes() + len(data) > self.max_bytes:
            data = None  # over budget: confirming will download the file again
        token = secrets.token_urlsafe(9)
        self._items[token] = PendingClone(owner=owner, chat_id=chat_id, name=name, transcript=transcript,
                                          file_id=file_id, filename=filename, data=data, created=self._clock())
        return token

    def get(self, token: str) -> PendingClone | None:
        self._expire()
        return self._items.get(token)

    def pop(self, token: str) -> PendingClone | None:
        self._expire()
        return self._items.pop(token, None)

    def drop_user(self, owner: int) -> None:
        for tok in [tok for tok, p in self._items.items() if p.owner == owner]:
            del self._items[tok]

    def __len__(self) -> int:
        return len(self._items)

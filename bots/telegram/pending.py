"""Checked audio of clone requests waiting for the consent button, kept in memory to save a download.

The request itself (name, transcript, the Telegram file id) is stored by the service
(:meth:`core.service.VoiceService.hold_clone_request`), so it survives a restart. Here we only keep the
bytes we already downloaded and checked, within a memory budget, so that confirming usually doesn't
download the file again; after a restart, or over budget, confirming downloads it by its file id.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Kept:
    owner: int  # Telegram user id
    data: bytes
    created: float


class CheckedAudio:
    """Token → checked bytes, with a time limit and a memory budget."""

    def __init__(self, *, ttl: float = 900.0, max_bytes: int = 64 * 1024 * 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._clock = clock
        self._items: OrderedDict[str, _Kept] = OrderedDict()

    def _expire(self) -> None:
        now = self._clock()
        for token, item in list(self._items.items()):
            if now - item.created > self.ttl:
                del self._items[token]

    def keep(self, token: str, *, owner: int, data: bytes) -> bool:
        """Keep ``data`` for ``token`` unless that would exceed the budget; True if kept."""
        self._expire()
        if sum(len(k.data) for k in self._items.values()) + len(data) > self.max_bytes:
            return False
        self._items[token] = _Kept(owner=owner, data=data, created=self._clock())
        return True

    def pop(self, token: str) -> bytes | None:
        self._expire()
        kept = self._items.pop(token, None)
        return kept.data if kept is not None else None

    def drop_user(self, owner: int) -> None:
        for token in [tok for tok, k in self._items.items() if k.owner == owner]:
            del self._items[token]

    def __len__(self) -> int:
        return len(self._items)

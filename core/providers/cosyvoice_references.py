"""The reference recordings of clones on a self-hosted CosyVoice2.

The official CosyVoice2 FastAPI server keeps no voices: every zero-shot request carries the reference
recording and its transcript. So cloning on that engine stores them here (``storage`` encrypts both at rest
with the secret key, like API keys), and the clone's provider id is ``cosyvoice:<id>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

#: How a clone on the self-hosted CosyVoice2 is named as a provider voice: ``cosyvoice:<reference id>``.
URI_PREFIX = "cosyvoice:"


@dataclass(frozen=True, slots=True)
class Reference:
    """One stored reference recording: WAV bytes and what is said in it."""

    id: int
    name: str
    audio: bytes = field(repr=False)
    transcript: str = field(repr=False)


class ReferenceRepository(Protocol):
    """Where the self-hosted CosyVoice2 provider keeps reference recordings (``storage.Store`` implements it)."""

    async def add_reference(self, name: str, audio: bytes, transcript: str) -> int: ...
    async def get_reference(self, reference_id: int) -> Reference | None: ...
    async def list_references(self) -> list[tuple[int, str]]: ...
    async def delete_reference(self, reference_id: int) -> bool: ...


def reference_uri(reference_id: int) -> str:
    """The provider id of a stored reference."""
    return f"{URI_PREFIX}{reference_id}"


def reference_id(uri: str) -> int | None:
    """The reference id in ``cosyvoice:<id>``, or None if ``uri`` names no stored reference."""
    if not isinstance(uri, str) or not uri.startswith(URI_PREFIX):
        return None
    digits = uri[len(URI_PREFIX):]
    return int(digits) if digits.isdigit() and len(digits) <= 18 else None

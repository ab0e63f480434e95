"""The one interface every speech provider implements, and the one a provider that can answer in Ogg/Opus adds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from core.models import PCMChunk, RemoteVoice, SynthesisRequest


@runtime_checkable
class TTSProvider(Protocol):
    """A speech engine. ``api_key`` overrides the operator's key for one call (users' own keys)."""

    #: ``siliconflow`` or ``local``; part of the cache key.
    name: str
    #: The model id (part of the cache key).
    model: str
    #: Whether voices can be cloned: without it :meth:`clone` and :meth:`transcribe` raise
    #: :class:`core.errors.CloningUnsupported` and there are no voices to list or delete.
    supports_cloning: bool
    #: Whether :meth:`synthesize` follows ``SynthesisRequest.instruction`` (a speaking style, or a dialect
    #: such as Cantonese asked for in words); an engine that does not ignores it.
    supports_instruction: bool
    #: Whether the engine is an :class:`OpusTTSProvider` too: it can answer in Ogg/Opus, so a voice note can
    #: carry its audio as it is, never decoded nor encoded again.
    supports_opus: bool

    def synthesize(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        """Stream speech as PCM chunks while it is being produced.

        Raises a :class:`core.errors.ProviderError` subclass; once a chunk has been yielded the
        call is not retried internally (a cut stream raises ``ProviderStreamCut``).
        """
        ...

    async def clone(self, audio: bytes, filename: str, name: str, transcript: str, *,
                    api_key: str | None = None) -> RemoteVoice:
        """Upload reference audio and return the new voice (its ``uri`` is used as ``voice``)."""
        ...

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        """The account's cloned voices."""
        ...

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        """Delete a cloned voice; a voice that is already gone is not an error."""
        ...

    async def transcribe(self, audio: bytes, filename: str, *, api_key: str | None = None) -> str:
        """Speech to text, with ``<|…|>`` tags removed."""
        ...

    async def aclose(self) -> None:
        """Release resources the provider owns (not the shared HTTP client)."""
        ...


@runtime_checkable
class OpusTTSProvider(TTSProvider, Protocol):
    """A speech engine that can also answer in Ogg/Opus (``supports_opus`` is True)."""

    def synthesize_opus(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[bytes]:
        """Stream speech as one Ogg/Opus file at 48 kHz (``request.sample_rate`` is ignored), its bytes as they
        arrive; speed and gain are applied by the engine.

        Raises like :meth:`TTSProvider.synthesize` (retried only before the first bytes; a cut stream raises
        ``ProviderStreamCut``). The bytes start with an Ogg page; the pages themselves are the caller's to check.
        """
        ...

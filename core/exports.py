"""Audio files to download: a whole text as one MP3 or WAV file at a sample rate the provider speaks at.

Voice notes are Ogg/Opus at 24 kHz; a file asked for as ``mp3``/``wav`` with a ``rate`` is spoken by the
engine at that rate (SiliconFlow's PCM rates) and encoded once, cached like notes (tagged by voice, so a
deleted clone takes its files with it). MP3 is made at 44.1 kHz (the provider's MP3 default, and the rate the
MP3 encoder keeps); WAV at any of the provider's PCM rates. An engine that speaks at its own rate (the offline
one) is resampled to the rate asked for.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from core import audio
from core.cache import AudioCache
from core.errors import AudioEmpty
from core.models import EncodedAudio, SynthesisRequest
from core.rendering import Renderer, plausible_duration
from core.utterance import Utterance
from core.voice_errors import ExportTooLarge, InvalidAudioFormat
from core.voices import voice_tag

log = logging.getLogger(__name__)

#: The rates a downloaded file may have, per format (SiliconFlow's: PCM 8–44.1 kHz; MP3 44.1 kHz here).
EXPORT_RATES: dict[str, tuple[int, ...]] = {"wav": (8000, 16000, 24000, 32000, 44100), "mp3": (44100,)}
DEFAULT_RATES: dict[str, int] = {"wav": 24000, "mp3": 44100}
MB = 1024 * 1024


def check_export(fmt: str, rate: int | None) -> tuple[str, int]:
    """``(format, rate)`` for a download, the rate defaulted; :class:`InvalidAudioFormat` if not offered."""
    fmt = (fmt or "").strip().lower()
    if fmt not in EXPORT_RATES:
        raise InvalidAudioFormat(value=fmt[:16], allowed="mp3, wav")
    allowed = ", ".join(f"{r} Hz" for r in EXPORT_RATES[fmt])
    try:
        rate = DEFAULT_RATES[fmt] if rate is None else int(rate)
    except (TypeError, ValueError):  # a platform may hand over what its option parser let through
        raise InvalidAudioFormat(value=f"{fmt} {str(rate)[:16]}", allowed=allowed) from None
    if rate not in EXPORT_RATES[fmt]:
        raise InvalidAudioFormat(value=f"{fmt} {rate} Hz", allowed=allowed)
    return fmt, rate


class FileRenderer(Renderer):
    """A :class:`Renderer` that asks the engine for ``rate`` and makes one file of the whole text."""

    def __init__(self, *args: Any, rate: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = rate

    def _request(self, utt: Utterance, text: str) -> SynthesisRequest:
        return dataclasses.replace(super()._request(utt, text), sample_rate=self.rate)

    def _file_key(self, utt: Utterance, fmt: str) -> str:
        return self._cache_key(utt, utt.text, f"file:{fmt}@{self.rate}")

    async def file(self, utt: Utterance, fmt: str, *, max_bytes: int | None = None) -> EncodedAudio:
        """The whole of ``utt`` as one ``fmt`` file at :attr:`rate` (from the cache when it was made before);
        :class:`ExportTooLarge` when it is over ``max_bytes``."""
        with self._rendering(utt, "file"):
            key = self._file_key(utt, fmt)
            hit = await self.cache.get_with_meta(key)
            if hit is not None and "duration" in hit[1]:
                encoded = EncodedAudio(data=hit[0], format=fmt, duration=float(hit[1]["duration"]),  # type: ignore[arg-type]
                                       sample_count=int(hit[1].get("sample_count", 0)))
            else:
                encoded = await self._make(utt, fmt)
                if plausible_duration(utt.text, encoded.duration):
                    tag = voice_tag(utt.clone_id) if utt.clone_id is not None else None
                    await self.cache.put(self._file_key(utt, fmt), encoded.data, tag=tag,
                                         meta={"duration": encoded.duration, "sample_count": encoded.sample_count})
        if max_bytes is not None and len(encoded.data) > max_bytes:
            raise ExportTooLarge(size_mb=f"{len(encoded.data) / MB:.1f}", limit_mb=f"{max_bytes / MB:.0f}")
        return encoded

    async def _make(self, utt: Utterance, fmt: str) -> EncodedAudio:
        encoder: audio.StreamingNoteEncoder | None = None
        first_rate = None
        async for chunk in self._pcm(utt, utt.text):
            first_rate = first_rate or chunk.sample_rate
            encoder = encoder or audio.StreamingNoteEncoder(fmt)  # type: ignore[arg-type]
            await asyncio.to_thread(encoder.feed, chunk.data, chunk.sample_rate)
        if encoder is None:
            raise AudioEmpty()
        encoded = await asyncio.to_thread(encoder.finish)
        if encoded.sample_count == 0:
            raise AudioEmpty()
        if fmt == "wav" and first_rate != self.rate:  # an engine with its own rate: make it the one asked for
            decoded = await audio.decode_upload(encoded.data, max_bytes=len(encoded.data) + 1,
                                                max_seconds=encoded.duration + 5.0, sample_rate=self.rate,
                                                filename="speech.wav")
            encoded = await audio.encode(decoded.pcm, self.rate, "wav")
        return encoded


def file_renderer(renderer: Renderer, cache: AudioCache, rate: int) -> FileRenderer:
    """A :class:`FileRenderer` sharing ``renderer``'s store, engines, metrics, config and slot release."""
    return FileRenderer(renderer.store, renderer.engines, cache, renderer.metrics, renderer.config,
                        renderer._release, rate=rate)

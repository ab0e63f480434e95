"""A real-time voice connection's audio of an utterance: the engine's own 20 ms Opus packets passed through
when it answers in Ogg/Opus (nothing decoded or encoded), PCM otherwise (the offline engine, a provider that
cannot answer in Opus, an answer that is not Ogg/Opus, packets that are not 20 ms)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from core.audio.ogg import OggError
from core.audio.opus_frames import OggOpusFrames, OpusFrames
from core.errors import ProviderNotAudio
from core.models import PCMChunk

if TYPE_CHECKING:
    from core.rendering import Renderer
    from core.utterance import Utterance

log = logging.getLogger(__name__)

__all__ = ["OpusFrames", "stream_voice"]


async def stream_voice(renderer: Renderer, utt: Utterance) -> AsyncIterator[PCMChunk | OpusFrames]:
    """Like :meth:`core.rendering.Renderer.stream` (same billing, fallback and metrics), but an engine's
    Ogg/Opus answer comes out as :class:`OpusFrames`. An answer that is not Ogg/Opus before any audio was
    yielded is spoken again as PCM; after some audio it ends the stream (:class:`ProviderNotAudio`)."""
    yielded = False
    with renderer._rendering(utt, "stream"):
        try:
            reader = OggOpusFrames()
            async with contextlib.aclosing(renderer._speech(utt, utt.text, opus=True)) as stream:
                async for chunk in stream:
                    pieces = [chunk] if isinstance(chunk, PCMChunk) else reader.feed(chunk)
                    for piece in pieces:
                        yielded = True
                        yield piece
            return
        except OggError as exc:
            if yielded:
                raise ProviderNotAudio("speech: the Ogg/Opus answer broke off", status=200) from exc
            log.warning("the engine's Opus answer is not Ogg/Opus (%s); speaking it from PCM", exc)
            renderer._not_opus()
        async with contextlib.aclosing(renderer._pcm(utt, utt.text)) as pcm:
            async for chunk in pcm:
                yield chunk

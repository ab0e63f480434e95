"""Making the audio of a prepared utterance: voice notes (cached) or a PCM stream, with the offline fallback.

An Ogg/Opus voice note from an engine that can answer in Opus carries the engine's own Opus packets (joined by
:class:`core.audio.OpusNoteJoiner`, never decoded into PCM nor encoded again); other notes, and voice channels,
take PCM (encoded here by :class:`core.audio.StreamingNoteEncoder`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from typing import Any, Protocol, cast

from core import audio, keys, text as textmod
from core.cache import AudioCache
from core.config import Config
from core.engines import Engines
from core.errors import (
    AudioEmpty,
    ProviderNotAudio,
    ProviderRateLimited,
    ProviderUnavailable,
    VoiceKeyMismatch,
)
from core.metrics import Metrics, outcome
from core.models import AudioFormat, EncodedAudio, PCMChunk, SynthesisRequest, VoiceNote
from core.providers.base import OpusTTSProvider, TTSProvider
from core.utterance import Utterance
from core.voices import voice_tag

log = logging.getLogger(__name__)

#: Text per provider call; the first piece is smaller so speech starts sooner.
SYNTH_CHUNK_CHARS = 200
FIRST_CHUNK_CHARS = 80
SAMPLE_RATE = 24000
#: Opus answers in a row that cannot be passed through before notes are made from PCM for good.
NOT_OGG_LIMIT = 3
#: The shortest audio believable for a text: CosyVoice2 at its fastest (speed 4) still takes about 0.017 s
#: per Latin character and more per Chinese one; anything much shorter is a broken answer, not speech.
MIN_SECONDS_PER_CHAR = 0.01
MIN_SECONDS = 0.1


class UsageRepository(Protocol):
    """What :class:`Renderer` needs stored: the paying key, and the bill."""

    async def get_api_key(self, user_id: int) -> str | None: ...
    async def add_usage(self, user_id: int, nbytes: int, *, day: date | None = None, requests: int = 1,
                        operator: bool = False, lent: bool = False) -> None: ...


class Renderer:
    """Turns utterances into audio; every rendering frees the user's slot when it ends, however it ends.

    ``opus_passthrough``: whether Ogg/Opus notes take an engine's own Opus when it can answer in it (False: every
    note is encoded here from PCM, as for MP3 and WAV).
    """

    def __init__(self, repo: UsageRepository, engines: Engines, cache: AudioCache, metrics: Metrics,
                 config: Config, release: Callable[[Utterance], None], *, opus_passthrough: bool = True) -> None:
        self.store = repo
        self.engines = engines
        self.cache = cache
        self.metrics = metrics
        self.config = config
        self._release = release
        self.opus_passthrough = opus_passthrough
        self._not_ogg_in_a_row = 0

    async def _key(self, utt: Utterance) -> str | None:
        """The key that pays for ``utt``, looked up now (an utterance never carries one)."""
        if self.engines.is_offline(utt.engine):
            return None
        if utt.key_owner is None:
            return self.config.operator_key()
        key = await self.store.get_api_key(utt.key_owner)
        if key is None or (utt.key_fingerprint is not None and keys.fingerprint(key) != utt.key_fingerprint):
            raise VoiceKeyMismatch(name=utt.voice_name)  # removed or replaced since the request was accepted
        return key

    def _request(self, utt: Utterance, text: str) -> SynthesisRequest:
        s = utt.settings
        return SynthesisRequest(text=text, voice=utt.voice_id, speed=s.speed, gain=s.gain,
                                language=s.language, instruction=utt.instruction, sample_rate=SAMPLE_RATE)

    async def _speech(self, utt: Utterance, text: str, *, opus: bool = False) -> AsyncIterator[PCMChunk | bytes]:
        """The audio of ``text``, sentence by sentence: PCM chunks, or with ``opus`` the Ogg/Opus bytes of each
        piece from an engine that can answer so. Falls back to the offline engine (PCM) for presets when the
        provider is down before any audio of a piece came."""
        pieces = textmod.chunk_text(text, SYNTH_CHUNK_CHARS, first_max_chars=FIRST_CHUNK_CHARS)
        api_key = await self._key(utt)
        for piece in pieces:
            engine = self.engines.get(utt.engine)
            got_audio = False
            started = time.monotonic()
            request = self._request(utt, piece)
            as_opus = opus and self.opus_passthrough and _answers_opus(engine)
            try:
                try:
                    if as_opus:
                        speech: AsyncIterator[PCMChunk | bytes] = cast(OpusTTSProvider, engine).synthesize_opus(
                            request, api_key=api_key)
                    else:
                        speech = engine.synthesize(request, api_key=api_key)
                    async with contextlib.aclosing(speech) as stream:
                        async for chunk in stream:
                            if not got_audio:
                                self.metrics.first_audio.labels(engine.name).observe(time.monotonic() - started)
                            got_audio = True
                            yield chunk
                    if as_opus:
                        self._not_ogg_in_a_row = 0
                except ProviderNotAudio:
                    if not as_opus or got_audio:
                        raise
                    # Not the Ogg/Opus we can pass through (or a proxy's page): ask for PCM this time; after a
                    # few in a row, for good.
                    self._not_opus()
                    async with contextlib.aclosing(engine.synthesize(request, api_key=api_key)) as stream:
                        async for chunk in stream:
                            got_audio = True
                            yield chunk
            except (ProviderUnavailable, ProviderRateLimited) as exc:
                if got_audio or self.engines.is_offline(utt.engine) or utt.clone_id is not None:
                    raise
                log.warning("provider failed (%s); speaking with the offline engine", type(exc).__name__)
                self.metrics.fallbacks.inc()
                if "notice_fallback" not in utt.notices:
                    utt.notices.append("notice_fallback")
                offline = self.engines.offline
                utt.engine, utt.key_owner, utt.billed, api_key = offline.name, None, False, None
                async with contextlib.aclosing(offline.synthesize(self._request(utt, piece))) as stream:
                    async for chunk in stream:
                        yield chunk
            if not self.engines.is_offline(utt.engine):
                nbytes = textmod.utf8_bytes(piece)
                self.metrics.provider_bytes.labels("operator" if utt.billed else "user").inc(nbytes)
                if utt.lender_id is not None:  # the clone's owner's key paid: on the owner's record
                    await self.store.add_usage(utt.lender_id, nbytes, lent=True)
                else:
                    await self.store.add_usage(utt.user_id, nbytes, operator=utt.billed)

    async def _pcm(self, utt: Utterance, text: str) -> AsyncIterator[PCMChunk]:
        """:meth:`_speech` as PCM only."""
        async with contextlib.aclosing(self._speech(utt, text)) as stream:
            async for chunk in stream:
                assert isinstance(chunk, PCMChunk)
                yield chunk

    def _not_opus(self, *, now: bool = False) -> None:
        """The engine's Opus answer could not be used: after ``NOT_OGG_LIMIT`` in a row (or ``now``), notes
        are made from PCM for the rest of the process."""
        self._not_ogg_in_a_row += 1
        if self.opus_passthrough and (now or self._not_ogg_in_a_row >= NOT_OGG_LIMIT):
            log.warning("the speech service's Opus answers cannot be passed through; asking it for PCM from now on")
            self.opus_passthrough = False

    def _passes_through(self, utt: Utterance, fmt: AudioFormat) -> bool:
        """Whether a note of ``utt`` in ``fmt`` carries the engine's own Opus: an Ogg note from an engine that
        answers in Opus. Nothing here needs the samples (speed and gain are the engine's)."""
        return self.opus_passthrough and fmt == "ogg" and _answers_opus(self.engines.get(utt.engine))

    async def _encode(self, utt: Utterance, text: str, fmt: AudioFormat, waveform: bool = True) -> EncodedAudio:
        """The voice note of ``text``: the engine's Ogg/Opus joined as it is (see :meth:`_passes_through`),
        else PCM encoded here. When the offline engine takes over, its PCM is encoded here and, after
        Opus from the provider, joined to it."""
        joiner = audio.OpusNoteJoiner(waveform=waveform) if self._passes_through(utt, fmt) else None
        encoder: audio.StreamingNoteEncoder | None = None
        try:
            async with contextlib.aclosing(self._speech(utt, text, opus=joiner is not None)) as stream:
                async for chunk in stream:
                    if isinstance(chunk, PCMChunk):
                        encoder = encoder or audio.StreamingNoteEncoder(fmt)
                        await asyncio.to_thread(encoder.feed, chunk.data, chunk.sample_rate)
                    else:
                        assert joiner is not None
                        await asyncio.to_thread(joiner.feed, chunk)
            if joiner is None or not joiner.started:
                return await asyncio.to_thread((encoder or audio.StreamingNoteEncoder(fmt)).finish)
            if encoder is not None:
                await asyncio.to_thread(joiner.feed, (await asyncio.to_thread(encoder.finish)).data)
            return await asyncio.to_thread(joiner.finish)
        except audio.OggError as exc:
            if joiner is None:
                raise
            # Ogg, but not Opus this joiner can carry (another head, or a break mid-stream): this note and the
            # ones after it are made from PCM.
            log.warning("the provider's Ogg/Opus cannot be joined (%s); making the note from PCM", exc)
            self._not_opus(now=True)
            return await self._encode(utt, text, fmt, waveform)

    def _cache_key(self, utt: Utterance, text: str, fmt: str) -> str:
        s = utt.settings
        engine = self.engines.get(utt.engine)
        return AudioCache.make_key(provider=engine.name, model=engine.model, voice=utt.voice_id,
                                   style=utt.instruction, text=text, speed=s.speed, gain=s.gain, fmt=fmt,
                                   language=s.language)

    async def notes(self, utt: Utterance, fmt: AudioFormat = "ogg", *,
                    waveform: bool = True) -> AsyncIterator[VoiceNote]:
        """Synthesize an utterance as voice notes (OGG/Opus by default), yielding each when done.

        ``waveform=False``: the caller draws no waveform (a chat app that makes its own), so a note passed
        through from the engine's Opus is not decoded for one (its ``waveform`` may be ``b""``). A cached note
        stored without one gets it computed when a caller that wants it is served."""
        with self._rendering(utt, "note"):
            total = len(utt.notes)
            for index, note_text in enumerate(utt.notes):
                key = self._cache_key(utt, note_text, fmt)
                hit = await self.cache.get_with_meta(key)
                self.metrics.cache_lookups.labels("hit" if hit is not None else "miss").inc()
                if hit is not None and "duration" in hit[1]:
                    data, meta = hit
                    wave = meta.get("waveform")
                    if wave is None and waveform:  # stored by a caller that wanted none
                        wave = (await audio.describe(data, fmt)).waveform.hex()
                    encoded = EncodedAudio(data=data, format=fmt, duration=float(meta["duration"]),
                                           waveform=bytes.fromhex(wave or ""),
                                           sample_count=int(meta.get("sample_count", 0)))
                    yield VoiceNote(audio=encoded, text=note_text, index=index, total=total, cached=True)
                    continue
                encoded = await self._encode(utt, note_text, fmt, waveform)
                if encoded.sample_count == 0:
                    raise AudioEmpty()
                # Audio in a cloned voice is its owner's personal data, whoever made it speak: tag it with
                # the voice, so deleting the voice (or its owner's /forget) removes it.
                tag = voice_tag(utt.clone_id) if utt.clone_id is not None else None
                if plausible_duration(note_text, encoded.duration):
                    # The key is taken again: a fallback to the offline engine changes the provider.
                    meta: dict[str, Any] = {"duration": encoded.duration, "sample_count": encoded.sample_count}
                    if encoded.waveform or waveform:  # none made: left for describe() on a hit that wants it
                        meta["waveform"] = encoded.waveform.hex()
                    await self.cache.put(self._cache_key(utt, note_text, fmt), encoded.data, tag=tag, meta=meta)
                else:  # served once (it is all we have) but never to everyone from the cache
                    log.warning("not caching %.2f s of audio for %d characters", encoded.duration, len(note_text))
                yield VoiceNote(audio=encoded, text=note_text, index=index, total=total)

    async def stream(self, utt: Utterance) -> AsyncIterator[PCMChunk]:
        """Synthesize an utterance as a PCM stream, for voice channels (playback starts on the first chunk)."""
        with self._rendering(utt, "stream"):
            # aclosing: a skip closes the provider's HTTP stream now, not when the GC gets to it.
            async with contextlib.aclosing(self._pcm(utt, utt.text)) as stream:
                async for chunk in stream:
                    yield chunk

    @contextlib.contextmanager
    def _rendering(self, utt: Utterance, kind: str) -> Iterator[None]:
        """Around one rendering: count its outcome (``ok``, an error code, or ``cancelled`` when the
        consumer stopped early or the task was cancelled) and free the user's slot."""
        result = "cancelled"
        try:
            yield
            result = "ok"
        except Exception as exc:
            result = outcome(exc)
            raise
        finally:
            self.metrics.utterances.labels(utt.engine, kind, result).inc()
            self._release(utt)


def _answers_opus(engine: TTSProvider) -> bool:
    """Whether ``engine`` can answer in Ogg/Opus (an engine that does not say cannot)."""
    return bool(getattr(engine, "supports_opus", False))


def plausible_duration(text: str, seconds: float) -> bool:
    """Whether ``seconds`` of audio can be ``text`` spoken (else it is not cached)."""
    return seconds >= max(MIN_SECONDS, MIN_SECONDS_PER_CHAR * len(text.strip()))

"""Speaking once in the voice of a recording (a "dynamic voice"): the recording and its transcript go with
each speech request (``SynthesisRequest.reference``) and nothing is stored — no voice, no audio in the cache.

The recording passes the same checks as a clone's (3–30 s of speech, silence trimmed); the adapter asks for
the same consent as cloning before calling :meth:`DynamicVoice.notes`. Only an engine that says
``supports_references`` can do it; a provider that refuses the field (some CosyVoice2 deployments follow a
schema without it) raises :class:`~core.voice_errors.DynamicVoiceRefused`, whose sentence suggests ``/clone``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from core import audio, text as textmod
from core.cloning import Cloning
from core.config import Config
from core.engines import Engines
from core.errors import AudioEmpty, ProviderBadRequest, VoiceKeyMismatch
from core.models import DEFAULT_VOICE, Reference, SettingsPatch, SynthesisRequest, UserRef, VoiceNote
from core.providers.base import TTSProvider
from core.rendering import UsageRepository
from core.speech import Markup, Speech
from core.utterance import Utterance
from core.voice_errors import DynamicVoiceRefused, DynamicVoiceUnsupported

#: Text per provider call (as the renderer cuts it) and the rate asked for.
PIECE_CHARS = 200
FIRST_PIECE_CHARS = 80
SAMPLE_RATE = 24000
TRANSCRIPT_MAX_CHARS = 1000


#: What :class:`DynamicVoice` needs stored is what the renderer needs: the paying key, and the bill.
DynamicRepository = UsageRepository


class DynamicVoice:
    """``notes(user, text, recording)``: voice notes of ``text`` in the voice of ``recording``, nothing kept."""

    def __init__(self, repo: DynamicRepository, speech: Speech, cloning: Cloning, engines: Engines,
                 config: Config) -> None:
        self.store = repo
        self.speech = speech
        self.cloning = cloning
        self.engines = engines
        self.config = config

    @property
    def available(self) -> bool:
        """Whether this process has an engine that can speak in the voice of a recording."""
        remote = self.engines.remote
        return remote is not None and bool(getattr(remote, "supports_references", False))

    def _engine(self) -> TTSProvider:
        remote = self.engines.remote
        if remote is None or not getattr(remote, "supports_references", False):
            raise DynamicVoiceUnsupported()
        return remote

    async def _key(self, utt: Utterance) -> str | None:
        if utt.key_owner is None:
            return self.config.operator_key()
        key = await self.store.get_api_key(utt.key_owner)
        if key is None:
            raise VoiceKeyMismatch(name=utt.voice_name)
        return key

    async def notes(self, user: UserRef, text: str, recording: bytes, *, filename: str | None = None,
                    transcript: str | None = None, markup: Markup | None = None) -> AsyncIterator[VoiceNote]:
        """Ogg/Opus voice notes of ``text`` spoken like ``recording`` (the user consented, as for a clone).

        Checks, in order: an engine that can (else :class:`DynamicVoiceUnsupported`), the recording (the clone
        checks), the text and the user's limits (as ``/speak``); without ``transcript`` the recording is
        transcribed. The user's speed, gain, language and style apply; the user's own key pays if set, else the
        operator's (as for a preset voice). ``markup``: the platform's markup to plain text, as for ``prepare``.
        """
        remote = self._engine()
        speech_pcm, rate = await self.cloning.reference_speech(recording, filename)
        compact = await audio.encode(speech_pcm, rate, "mp3")
        async with self.speech.session(user, text, override=SettingsPatch(voice=DEFAULT_VOICE),
                                       markup=markup) as utt:
            if self.engines.is_offline(utt.engine):
                raise DynamicVoiceUnsupported()  # nobody's key could pay for it
            key = await self._key(utt)
            said = textmod.strip_control_tokens(textmod.normalize_input(transcript or "")).strip()
            if not said:
                wav = await audio.encode(speech_pcm, rate, "wav")
                said = (await remote.transcribe(wav.data, "reference.wav", api_key=key)).strip()
                if not said:
                    raise AudioEmpty()
            reference = Reference(audio=compact.data, text=said[:TRANSCRIPT_MAX_CHARS], mime_type="audio/mpeg")
            total = len(utt.notes)
            for index, note_text in enumerate(utt.notes):
                encoded = await self._note(remote, utt, note_text, reference, key)
                yield VoiceNote(audio=encoded, text=note_text, index=index, total=total)

    async def _note(self, remote: TTSProvider, utt: Utterance, note_text: str, reference: Reference,
                    key: str | None):
        encoder = audio.StreamingNoteEncoder("ogg")
        s = utt.settings
        for piece in textmod.chunk_text(note_text, PIECE_CHARS, first_max_chars=FIRST_PIECE_CHARS):
            request = SynthesisRequest(text=piece, voice="", speed=s.speed, gain=s.gain, language=s.language,
                                       instruction=utt.instruction, sample_rate=SAMPLE_RATE, reference=reference)
            try:
                async with contextlib.aclosing(remote.synthesize(request, api_key=key)) as stream:
                    async for chunk in stream:
                        await asyncio.to_thread(encoder.feed, chunk.data, chunk.sample_rate)
            except ProviderBadRequest as exc:
                raise DynamicVoiceRefused() from exc
            await self.store.add_usage(utt.user_id, textmod.utf8_bytes(piece), operator=utt.billed)
        encoded = await asyncio.to_thread(encoder.finish)
        if encoded.sample_count == 0:
            raise AudioEmpty()
        return encoded

"""The seed's voice workflow as :class:`core.service.VoiceService` lends it: voice IDs adopted, dynamic
voices, samples and audio files (:mod:`core.voices`, :mod:`core.dynamic`, :mod:`core.samples`, :mod:`core.exports`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from core.dynamic import DynamicVoice
from core.exports import check_export, file_renderer
from core.models import EncodedAudio, UserRef, Voice, VoiceNote
from core.samples import VoiceSamples

if TYPE_CHECKING:
    from core.service import VoiceService


class VoiceWorkflowFacade:
    """Mixed into :class:`core.service.VoiceService` (``self`` is the service)."""


    async def adopt_voice(self: VoiceService, user: UserRef, voice_id: str, name: str) -> Voice:
        """Store a ``speech:…`` voice made elsewhere with the user's own key as their clone ``name`` (checked
        against the provider's voice list for that key); see :meth:`core.voices.Voices.adopt`."""
        return await self.cases.voices.adopt(user, voice_id, name)

    @property
    def dynamic_voice(self: VoiceService) -> DynamicVoice:
        """Speaking once in the voice of a recording (:class:`core.dynamic.DynamicVoice`)."""
        cases = self.cases
        return DynamicVoice(self.store, cases.speech, cases.cloning, self.engines, self.config)

    def dynamic_notes(self: VoiceService, user: UserRef, text: str, recording: bytes, **options: Any) -> AsyncIterator[VoiceNote]:
        """See :meth:`core.dynamic.DynamicVoice.notes` (the adapter asked for consent first)."""
        return self.dynamic_voice.notes(user, text, recording, **options)

    async def voice_sample(self: VoiceService, user: UserRef, voice: str, lang: str) -> VoiceNote:
        """A short sample of a preset or of one of the user's clones, made once and cached."""
        return await VoiceSamples(self.cases.speech).sample(user, voice, lang)

    async def speak_file(self: VoiceService, user: UserRef, text: str, fmt: str, rate: int | None = None, *,
                         max_bytes: int | None = None, **options: Any) -> EncodedAudio:
        """``text`` as one MP3 or WAV file at one of the provider's rates (:mod:`core.exports`); options as
        :meth:`prepare`."""
        fmt, rate = check_export(fmt, rate)
        renderer = file_renderer(self.cases.speech.renderer, self.cache, rate)
        async with self.session(user, text, **options) as utt:
            return await renderer.file(utt, fmt, max_bytes=max_bytes)


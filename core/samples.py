"""Hearing a voice before choosing it: a short sample sentence in a preset or one of the user's clones.

A sample is an ordinary voice note of a fixed sentence (in the user's reply language) at speed 1 and no gain,
so the renderer's cache makes it once per engine, voice and language and serves it from then on.
"""

from __future__ import annotations

import contextlib

from core.models import SettingsPatch, UserRef, VoiceNote
from core.speech import Speech

#: The sentence each voice says, per reply language.
SAMPLE_TEXT: dict[str, str] = {
    "en": "Hello! This is how I sound. Do you like my voice?",
    "zh": "你好！这就是我的声音，你喜欢吗？",
    "ja": "こんにちは！これが私の声です。気に入りましたか？",
}


class VoiceSamples:
    """``sample(user, voice, lang)``: the sample note of a preset or of one of the user's clones."""

    def __init__(self, speech: Speech) -> None:
        self.speech = speech

    async def sample(self, user: UserRef, voice: str, lang: str) -> VoiceNote:
        """The sample of ``voice`` (a preset name or one of the user's clones, by name) in ``lang``'s sentence.

        Raises like ``/speak`` (unknown voice, limits, quota); made once and cached.
        """
        text = SAMPLE_TEXT.get(lang, SAMPLE_TEXT["en"])
        override = SettingsPatch(voice=voice, speed=1.0, gain=0.0, language="auto")
        async with self.speech.session(user, text, override=override) as utt:
            async with contextlib.aclosing(self.speech.renderer.notes(utt, "ogg")) as notes:
                async for note in notes:
                    return note
        raise AssertionError("a sample sentence is one note")  # pragma: no cover

"""How a request maps onto espeak-ng voices for the offline engine (:mod:`core.providers.local`).

* language ``zh`` → espeak ``cmn``, ``yue`` → ``yue``, ``en`` → ``en-us``, ``ja`` → ``ja``,
  ``ko`` → ``ko``; ``auto`` → :func:`core.text.detect_language` on the text. (espeak's Japanese
  reads kana; kanji are read poorly — a limit of the engine, eased by :func:`plan_segments`.)
* the eight presets map to espeak voice variants (``voices/!v/`` in the data dir), see
  :data:`PRESET_VARIANTS`; ``MODEL:alex`` is accepted like ``alex``; a ``speech:…`` clone cannot
  be spoken offline (:class:`CloningUnsupported`); anything else is :class:`UnknownVoice`.
* speed 0.25–4.0 → words per minute, 175 × speed, clamped to espeak's 80–450.
"""

from __future__ import annotations

import re

from core.errors import CloningUnsupported, InvalidValue, UnknownVoice
from core.models import DEFAULT_VOICE, LANGUAGES
from core.text import detect_language

__all__ = ["LANGUAGE_VOICES", "PRESET_VARIANTS", "WPM_NORMAL", "espeak_voice", "plan_segments", "speed_to_wpm"]

#: Our language codes → espeak-ng voice names.
LANGUAGE_VOICES: dict[str, str] = {"zh": "cmn", "yue": "yue", "en": "en-us", "ja": "ja", "ko": "ko"}

#: The presets → espeak-ng variants (files in ``espeak-ng-data/voices/!v/``), chosen by their
#: pitch settings to echo the preset's character: steady = a plain variant, deep = the lowest
#: pitch, magnetic = slight echo, cheerful = a wider pitch range.
PRESET_VARIANTS: dict[str, str] = {
    "alex": "m3",      # steady male: plain formants, pitch 80–122
    "benjamin": "m4",  # deep male: lowest base pitch, 70–110
    "charles": "m2",   # magnetic male: pitch 88–115 with a light echo
    "david": "m6",     # cheerful male: brighter formants, 82–117
    "anna": "f1",      # steady female: narrow range 140–200
    "bella": "f3",     # passionate female: widest range 140–240, stronger stress
    "claire": "f2",    # gentle female: breathy, soft echo
    "diana": "f4",     # cheerful female: lively stress, 142–200
}

WPM_NORMAL = 175
WPM_MIN = 80
WPM_MAX = 450


def speed_to_wpm(speed: float) -> int:
    """175 wpm at 1.0, proportional, clamped to espeak's 80–450."""
    return max(WPM_MIN, min(WPM_MAX, round(WPM_NORMAL * float(speed))))


def espeak_voice(voice: str, language: str, text: str) -> str:
    """The espeak voice name (``cmn+f1``) for a request; raises the user-facing errors."""
    raw = (voice or "").strip() or DEFAULT_VOICE
    if raw.lower().startswith("speech:"):
        raise CloningUnsupported()
    preset = raw.rsplit(":", 1)[-1].strip().lower()
    variant = PRESET_VARIANTS.get(preset)
    if variant is None:
        raise UnknownVoice(name=raw)
    lang = (language or "auto").strip().lower()
    if lang == "auto":
        lang = detect_language(text)
    base = LANGUAGE_VOICES.get(lang)
    if base is None:
        raise InvalidValue(name="language", value=language, allowed=", ".join(LANGUAGES))
    return f"{base}+{variant}"


_HAN_RUN = re.compile("[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF々〆ヶ]+")


def plan_segments(text: str, voice: str) -> list[tuple[str, str]]:
    """``(espeak voice, text)`` pieces to speak in order.

    espeak-ng's Japanese voice reads kana only: each kanji comes out as the English words
    "Chinese letter". So for ``ja`` the Han runs are read by the Mandarin voice (same variant) —
    not Japanese readings, but closer than "Chinese letter". Other languages: one piece.
    """
    base, _, variant = voice.partition("+")
    if base != "ja" or not _HAN_RUN.search(text):
        return [(voice, text)]
    han_voice = f"{LANGUAGE_VOICES['zh']}+{variant}" if variant else LANGUAGE_VOICES["zh"]
    segments: list[tuple[str, str]] = []

    def add(piece_voice: str, piece: str) -> None:
        if not piece.strip():
            return
        if segments and not any(ch.isalnum() for ch in piece):
            # punctuation only: it ends the previous piece (its pause and intonation)
            segments[-1] = (segments[-1][0], segments[-1][1] + piece)
        else:
            segments.append((piece_voice, piece))

    pos = 0
    for m in _HAN_RUN.finditer(text):
        add(voice, text[pos:m.start()])
        add(han_voice, m.group())
        pos = m.end()
    add(voice, text[pos:])
    return segments

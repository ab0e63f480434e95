"""Speech: deciding what to say, in which voice, on which engine, and whether the user may say it now.

:meth:`Speech.prepare` checks and resolves a request (nothing is synthesized); :class:`core.rendering.Renderer`
makes its audio. :meth:`Speech.session` is the two together, with the user's slot always given back.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Protocol

from core import keys, lexicon, readaloud, text as textmod
from core.characters import Characters
from core.config import Config
from core.dictionary import Dictionary
from core.engines import EngineChoice, Engines
from core.errors import CloningUnsupported, EmptyText, InputError, QuotaExceeded, TextTooLong
from core.identity import Identities
from core.limits import Limits
from core.metrics import Metrics
from core.models import (
    STYLE_PRESETS,
    AudioFormat,
    Character,
    SettingsPatch,
    TTSSettings,
    UserRef,
    Voice,
    resolve_settings,
)
from core.rendering import Renderer
from core.settings import Settings
from core.utterance import SpeakResult, Utterance
from core.voices import Voices, clone_id

NEUTRAL_INSTRUCTION = "请用自然平稳的语气说。"
#: Text per voice note: long text becomes several notes, sent in order.
NOTE_MAX_CHARS = 800
#: When a text needs several notes, the first is at most this long, so the first voice note arrives sooner
#: (the user listens to it while the rest is synthesized). None: every note up to NOTE_MAX_CHARS.
FIRST_NOTE_CHARS: int | None = 300
#: Texts shorter than this are cleaned on the event loop (a thread hop costs more than the work).
OFF_LOOP_CHARS = 2000

#: A platform's own markup turned into plain text (mentions by name …), given by the adapter.
Markup = Callable[[str], str]


class SpeechRepository(Protocol):
    """What :class:`Speech` needs stored besides what its collaborators read."""

    async def get_api_key(self, user_id: int) -> str | None: ...
    async def get_voice_by_id(self, voice_id: int) -> Voice | None: ...
    async def get_operator_bytes(self, user_id: int) -> int: ...


class Speech:
    """Prepares requests to speak and hands them to the renderer."""

    def __init__(self, repo: SpeechRepository, *, identities: Identities, settings: Settings, voices: Voices,
                 characters: Characters, dictionary: Dictionary, engines: Engines, limits: Limits,
                 metrics: Metrics, config: Config, renderer_for: Callable[[Callable[[Utterance], None]], Renderer]
                 ) -> None:
        self.store = repo
        self.identities = identities
        self.settings = settings
        self.voices = voices
        self.characters = characters
        self.dictionary = dictionary
        self.engines = engines
        self.limits = limits
        self.metrics = metrics
        self.config = config
        self.renderer = renderer_for(self.release)

    async def prepare(self, user: UserRef, text: str, *, character: str | Character | None = None,
                      override: SettingsPatch | None = None, markup: Markup | None = None,
                      channel: SettingsPatch | None = None) -> Utterance:
        """Check and resolve one request to speak ``text``; nothing is synthesized yet.

        Raises the user-facing errors (empty or too-long text, unknown character or voice,
        rate limit, quota, busy) before any provider is called. Release the returned utterance
        by rendering it (``renderer.notes`` / ``renderer.stream``) or with :meth:`release`;
        :meth:`session` does both. ``markup``: the adapter's own markup (mentions, custom emoji …) → plain
        text, run before the core's cleanup. ``channel``: a channel's defaults (its voice, stored as the
        server's options: a preset or a clone its owner lent), between the user's own settings and the scope's.
        ``character``: its name (this chat's character, else the user's own)
        or the character itself (a talking character, whoever made it).
        """
        try:
            return await self._prepare(user, text, character=character, override=override, markup=markup,
                                       channel=channel)
        except InputError as exc:
            self.metrics.refusals.labels(exc.code).inc()
            raise

    async def _prepare(self, user: UserRef, text: str, *, character: str | Character | None,
                       override: SettingsPatch | None, markup: Markup | None,
                       channel: SettingsPatch | None = None) -> Utterance:
        uid = await self.identities.user_id(user)
        raw = text or ""
        # Refused before any cleanup: markup and links can shrink a text, but not by this much.
        if len(raw) > raw_text_limit(self.config.max_text_chars):
            raise TextTooLong(length=len(raw), limit=self.config.max_text_chars, unit="unit_characters")
        dictionary = await self.dictionary.applying(uid, user.scope)
        char_obj: Character | None = (character if isinstance(character, Character) else
                                      await self.characters.find(user, character) if character else None)
        mine, scope = await self.settings.layers(uid, user.scope)
        checked_override = None
        if override is not None and not override.is_empty():
            checked_override = SettingsPatch(**await self.settings.validated(uid, override.as_dict()))
        # A character speaks with its own voice: its settings sit above the user's.
        settings = resolve_settings(checked_override, char_obj.settings if char_obj else None, mine, channel, scope)
        emoji_lang = await readaloud.emoji_language_for(raw, language=settings.language, hint=user.language_hint,
                                                        scope=user.scope, scope_options=self.settings.scope_options)
        cleaned, notes = await _off_loop(_clean, raw, markup, dictionary, emoji_lang)
        if not cleaned.strip():
            raise EmptyText()
        if len(cleaned) > self.config.max_text_chars:
            raise TextTooLong(length=len(cleaned), limit=self.config.max_text_chars, unit="unit_characters")

        notices: list[str] = []
        lender_id: int | None = None
        key_fingerprint: str | None = None
        voice_id = voice_name = settings.voice
        cid = clone_id(settings.voice)
        voice = await self.store.get_voice_by_id(cid) if cid is not None else None
        if cid is not None and voice is None:  # deleted clone: fall back to the default voice
            notices.append("notice_voice_missing")
            settings = dataclasses.replace(settings, voice=TTSSettings().voice)
            voice_id = voice_name = settings.voice
            cid = None
        if voice is not None:
            remote = self.engines.remote
            if remote is None:
                raise CloningUnsupported()
            key, key_owner = await self.voices.key_for(uid, voice)
            key_fingerprint = keys.fingerprint(key)
            lender_id = await self.voices.lender(uid, voice, key)
            choice = self.engines.choice(remote.name, key, key_owner)
            voice_id, voice_name = voice.provider_id or "", voice.name
        else:
            choice = self.engines.for_preset(uid, await self.store.get_api_key(uid))
        instructed = self.engines.get(choice.engine).supports_instruction

        instruction = _instruction(settings.style)
        if instruction is None and cid is not None and self.config.neutral_instruction:
            instruction = NEUTRAL_INSTRUCTION
        if instructed and settings.language == "yue":
            # CosyVoice2 reads Chinese text in Mandarin unless told otherwise: /lang yue asks for Cantonese
            instruction = _with_cantonese(instruction)
        if not instructed and settings.style:
            if settings.style == "粤语":
                settings = dataclasses.replace(settings, language="yue")
            else:
                notices.append("notice_style_offline")
            instruction = None

        self.limits.check_busy(uid)
        await self._check_quota(uid, choice, cleaned)
        self.limits.check_rate(uid)  # last: a refused request does not use up the user's rate
        self.limits.hold(uid)
        return Utterance(
            user=user, user_id=uid, text=cleaned, settings=settings, voice_id=voice_id,
            voice_name=voice_name, instruction=instruction, engine=choice.engine, key_owner=choice.key_owner,
            billed=choice.billed, notes=notes, notices=self.limits.untold(uid, notices),
            character=char_obj.name if char_obj else None, dictionary=dictionary,
            lender_id=lender_id, clone_id=cid, key_fingerprint=key_fingerprint,
        )

    async def _check_quota(self, uid: int, choice: EngineChoice, text: str) -> None:
        if choice.billed and self.config.daily_byte_quota:
            today = await self.store.get_operator_bytes(uid)
            if today + textmod.utf8_bytes(text) > self.config.daily_byte_quota:
                raise QuotaExceeded(used=today, limit=self.config.daily_byte_quota)

    def release(self, utt: Utterance) -> None:
        """Free the user's queue slot held by a prepared utterance (idempotent)."""
        if not utt._released:
            utt._released = True
            self.limits.release(utt.user_id)

    @contextlib.asynccontextmanager
    async def session(self, user: UserRef, text: str, **options: Any) -> AsyncIterator[Utterance]:
        """``async with speech.session(user, text, ...) as utt:`` :meth:`prepare` (same options), render
        inside, and the user's slot is freed however the block ends."""
        utt = await self.prepare(user, text, **options)
        try:
            yield utt
        finally:
            self.release(utt)

    async def speak(self, user: UserRef, text: str, *, fmt: AudioFormat = "ogg", **options: Any) -> SpeakResult:
        """Speak ``text`` in the user's voice: one or more finished voice notes (options as :meth:`prepare`)."""
        async with self.session(user, text, **options) as utt:
            notes = [note async for note in self.renderer.notes(utt, fmt)]
        return SpeakResult(notes=notes, notices=list(utt.notices), engine=utt.engine)


def raw_text_limit(max_text_chars: int) -> int:
    """The longest text accepted before cleanup: cleanup removes links and markup, so allow room, but
    refuse anything far over the limit before spending time on it."""
    return max_text_chars + min(3 * max_text_chars + 1000, 16_000)


def _clean(text: str, markup: Markup | None, dictionary: Mapping[str, tuple[str, str]],
           emoji_language: str | None = None) -> tuple[str, list[str]]:
    """Everything done to a text before speech (the edge's normalisation, the platform's markup, cleanup,
    the dictionary) and its cut into voice notes: CPU work, run off the event loop for long texts."""
    plain = textmod.normalize_input(text)
    if markup is not None:
        plain = markup(plain)
    cleaned = lexicon.apply(textmod.clean_for_speech(plain, emoji_language=emoji_language), dictionary)
    return cleaned, _notes(cleaned)


async def _off_loop(fn, text: str, *args):
    """``fn(text, *args)``, in a worker thread when ``text`` is long enough to stall the event loop."""
    if len(text) < OFF_LOOP_CHARS:
        return fn(text, *args)
    return await asyncio.to_thread(fn, text, *args)


def _notes(text: str) -> list[str]:
    """The text of each voice note: one note if it fits, else a short first note and full ones after."""
    first = FIRST_NOTE_CHARS if len(text.strip()) > NOTE_MAX_CHARS else None
    return textmod.chunk_text(text, NOTE_MAX_CHARS, first_max_chars=first)


def _instruction(style: str | None) -> str | None:
    if not style:
        return None
    return STYLE_PRESETS.get(style, style)


def _with_cantonese(instruction: str | None) -> str:
    """The instruction for Cantonese speech, keeping a style (but not the neutral one) if there is one."""
    cantonese = STYLE_PRESETS["粤语"]
    if instruction is None or instruction == NEUTRAL_INSTRUCTION:
        return cantonese
    if "粤语" in instruction:
        return instruction
    return f"{cantonese}，{instruction}"

"""VoiceService: the one facade both bots and the CLI call.

Adapters parse a command, call one method here and render the result. Everything else —
settings resolution, quotas, the cache, picking the provider and the API key, cloning rules,
usage and forgetting — happens here, so Telegram and Discord behave the same.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import hashlib
import logging
import re
import secrets
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core import audio, keys, lexicon, text as textmod
from core.cache import AudioCache
from core.config import Config
from core.errors import (
    AudioEmpty,
    AudioTooLong,
    AudioTooShort,
    Busy,
    CloningUnsupported,
    ConsentRequired,
    EmptyText,
    InputError,
    InvalidApiKey,
    InvalidName,
    InvalidValue,
    NameTaken,
    NoPronunciation,
    NotFound,
    OutOfRange,
    PermissionDenied,
    PrivateChatOnly,
    ProviderAuthError,
    ProviderError,
    ProviderForbidden,
    ProviderRateLimited,
    ProviderUnavailable,
    QuotaExceeded,
    TextTooLong,
    TooManyRequests,
    UnknownVoice,
    VoiceBridgeError,
    VoiceKeyMismatch,
    VoiceNotShared,
)
from core.i18n import normalize_language
from core.identity import USER_ID_CACHE_SIZE, USER_ID_TTL, IdCache, Identities
from core.metrics import Metrics
from core.models import (
    GAIN_RANGE,
    LANGUAGES,
    PRESET_LABELS,
    PRESET_VOICES,
    SPEED_RANGE,
    STYLE_ALIASES,
    STYLE_MAX_CHARS,
    STYLE_PRESETS,
    AudioFormat,
    Character,
    CloneRequest,
    EncodedAudio,
    ForgetReport,
    PCMChunk,
    Pronunciation,
    SettingsPatch,
    SynthesisRequest,
    TTSSettings,
    UsageReport,
    UserRef,
    Voice,
    VoiceNote,
    resolve_settings,
)
from core.providers.base import TTSProvider

log = logging.getLogger(__name__)

CLONE_PREFIX = "clone:"
NEUTRAL_INSTRUCTION = "请用自然平稳的语气说。"
CLONE_MIN_SECONDS = 3.0
CLONE_MAX_SECONDS = 30.0
#: Raw uploads may carry silence around the speech; trimmed speech must be 3–30 s.
CLONE_UPLOAD_MAX_SECONDS = 90.0
CLONE_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
NAME_MAX_CHARS = 32
#: How long a clone request waits for its owner's consent, and how many one user may have waiting.
CLONE_REQUEST_TTL = 900.0
CLONE_REQUESTS_PER_USER = 3
#: Text per provider call; the first piece is smaller so speech starts sooner.
SYNTH_CHUNK_CHARS = 200
FIRST_CHUNK_CHARS = 80
#: Text per voice note: long text becomes several notes, sent in order.
NOTE_MAX_CHARS = 800
#: When a text needs several notes, the first is at most this long, so the first voice note arrives sooner
#: (the user listens to it while the rest is synthesized). None: every note up to NOTE_MAX_CHARS.
FIRST_NOTE_CHARS: int | None = 300
SAMPLE_RATE = 24000
#: Users whose rate-limit windows are kept before idle ones are swept.
RATE_WINDOWS_SWEEP_AT = 10_000


@dataclass(frozen=True, slots=True)
class VoiceList:
    """What /voices shows: presets, the user's own clones, and clones used by this scope's characters."""

    presets: list[Voice]
    clones: list[Voice]
    shared: list[Voice] = field(default_factory=list)
    current: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsView:
    """The user's settings: what applies, and which layer set it."""

    effective: TTSSettings
    user: SettingsPatch
    scope: SettingsPatch
    voice_name: str
    ui_language: str
    api_key_hint: str | None
    engine: str
    linked: tuple[str, ...] = ()  # other platforms sharing this identity (/link)
    pronunciations: int = 0  # entries in the user's own dictionary


@dataclass(frozen=True, slots=True)
class KeyRemoval:
    """What ``/key clear`` did: whether there was a key, and the clones that depended on it."""

    removed: bool
    stranded: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.removed


@dataclass(frozen=True, slots=True)
class CloneCheck:
    """The result of checking reference audio before asking for consent."""

    duration: float
    speech_duration: float


@dataclass(slots=True)
class Utterance:
    """Everything needed to synthesize one request; made by :meth:`VoiceService.prepare`."""

    user: UserRef
    user_id: int
    text: str
    settings: TTSSettings
    voice_id: str  # what the provider gets: a preset name or a clone's provider id
    voice_name: str  # what people see
    instruction: str | None
    provider: TTSProvider
    api_key: str | None = field(repr=False)  # a secret: never in a repr, a log line or a traceback
    billed: bool  # whether the operator's key pays (counts against the daily quota)
    notes: list[str]  # the text of each voice note
    notices: list[str] = field(default_factory=list)  # i18n keys to tell the user once
    character: str | None = None
    #: the pronunciation entries that applied (the server's and the user's), for text added later
    dictionary: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: the clone's owner when someone else speaks through their clone on the owner's own key (billed to them)
    lender_id: int | None = None
    #: the clone spoken with (its id), so audio in that voice can be purged with it
    clone_id: int | None = None
    _released: bool = False

    def pronounce(self, text: str) -> str:
        """``text`` with this utterance's pronunciation dictionary applied (e.g. a speaker's name)."""
        return lexicon.apply(text, self.dictionary)


@dataclass(frozen=True, slots=True)
class SpeakResult:
    notes: list[VoiceNote]
    notices: list[str]
    engine: str


class VoiceService(Identities):
    """The facade. Build one per process (see ``bots.app``) and share it between adapters."""

    def __init__(self, *, config: Config, store, cache: AudioCache, local: TTSProvider,
                 remote: TTSProvider | None, secret_key: bytes, metrics: Metrics | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.store = store
        self.cache = cache
        self.local = local
        self.remote = remote
        self._secret = secret_key
        self._clock = clock
        self._recent: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._in_flight: collections.Counter[int] = collections.Counter()
        self._told: set[tuple[int, str]] = set()
        self._user_ids = IdCache(USER_ID_TTL, USER_ID_CACHE_SIZE, clock)

    async def ui_language(self, user: UserRef) -> str:
        """The language to answer in: the user's choice, else the platform's hint, else English."""
        uid = await self.user_id(user)
        chosen = await self.store.get_ui_language(uid)
        return normalize_language(chosen or user.language_hint)

    async def set_ui_language(self, user: UserRef, lang: str | None) -> str:
        """Pin the reply language (en, zh, ja) or go back to the platform's (None)."""
        if lang is not None:
            lang = lang.strip().lower()
            if lang not in ("en", "zh", "ja"):
                raise InvalidValue(name="language", value=lang, allowed="en, zh, ja")
        await self.store.set_ui_language(await self.user_id(user), lang)
        return await self.ui_language(user)

    @property
    def engine(self) -> str:
        """The engine used for users without a key of their own."""
        if self.remote is not None and self.config.effective_provider == "siliconflow":
            return "siliconflow"
        return "local"

    # --- voices -----------------------------------------------------------------------------

    def presets(self) -> list[Voice]:
        return [Voice(name=n, kind="preset", label=PRESET_LABELS[n]["en"]) for n in PRESET_VOICES]

    async def voices(self, user: UserRef) -> VoiceList:
        """Presets, the user's clones, and clones that this chat's or guild's characters use."""
        uid = await self.user_id(user)
        clones = await self.store.list_voices(uid)
        shared: list[Voice] = []
        if user.scope:
            seen = {v.id for v in clones}
            for ch in await self.store.list_characters(user.scope):
                vid = _clone_id(ch.settings.voice)
                if vid is not None and vid not in seen:
                    v = await self.store.get_voice_by_id(vid)
                    if v is not None:
                        shared.append(v)
                        seen.add(vid)
        view = await self.settings(user)
        return VoiceList(presets=self.presets(), clones=clones, shared=shared, current=view.voice_name)

    async def _resolve_voice_name(self, uid: int, name: str) -> str:
        """Map what a user typed to the stored value: a preset name or ``clone:<id>``."""
        wanted = name.strip()
        lowered = wanted.lower()
        if lowered in PRESET_VOICES:
            return lowered
        if ":" in lowered and lowered.rsplit(":", 1)[-1] in PRESET_VOICES and not lowered.startswith("speech:"):
            return lowered.rsplit(":", 1)[-1]  # FunAudioLLM/CosyVoice2-0.5B:alex
        voice = await self.store.get_voice(uid, wanted)
        if voice is None:
            raise UnknownVoice(name=wanted[:64])
        return f"{CLONE_PREFIX}{voice.id}"

    async def _voice_display(self, stored: str) -> str:
        vid = _clone_id(stored)
        if vid is None:
            return stored
        voice = await self.store.get_voice_by_id(vid)
        return voice.name if voice else "?"

    async def set_voice(self, user: UserRef, name: str) -> SettingsView:
        """Choose a voice by name: a preset or one of the user's clones."""
        return await self.update_settings(user, voice=name)

    # --- settings ---------------------------------------------------------------------------

    async def settings(self, user: UserRef) -> SettingsView:
        """The user's effective settings and where each came from."""
        uid = await self.user_id(user)
        mine = await self.store.get_user_settings(uid)
        scope = await self.store.get_scope_settings(user.scope) if user.scope else SettingsPatch()
        effective = resolve_settings(mine, scope)
        info = await self.store.get_api_key_info(uid)
        linked = tuple(platform for platform, pid in await self.store.linked_identities(uid)
                       if (platform, pid) != (user.platform, user.user_id))
        return SettingsView(
            effective=effective,
            user=mine,
            scope=scope,
            voice_name=await self._voice_display(effective.voice),
            ui_language=await self.ui_language(user),
            api_key_hint=f"…{info[1]}" if info else None,
            engine="siliconflow" if info and self.remote is not None else self.engine,
            linked=linked, pronunciations=len(await self.store.list_pronunciations(lexicon.user_owner(uid))),
        )

    async def _validated(self, uid: int, fields: Mapping[str, object]) -> dict[str, object]:
        allowed = {"voice", "speed", "gain", "language", "style"}
        out: dict[str, object] = {}
        for name, value in fields.items():
            if name not in allowed:
                raise InvalidValue(name=name, value="", allowed=", ".join(sorted(allowed)))
            if value is None:
                out[name] = None
            elif name == "speed":
                out[name] = _number(name, value, *SPEED_RANGE)
            elif name == "gain":
                out[name] = _number(name, value, *GAIN_RANGE)
            elif name == "language":
                lang = str(value).strip().lower()
                if lang not in LANGUAGES:
                    raise InvalidValue(name="language", value=lang[:16], allowed=", ".join(LANGUAGES))
                out[name] = lang
            elif name == "voice":
                out[name] = await self._resolve_voice_name(uid, str(value))
            elif name == "style":
                out[name] = normalize_style(str(value))
        return out

    async def update_settings(self, user: UserRef, **fields: object) -> SettingsView:
        """Change some of the user's settings (speed, gain, language, voice, style); None clears one.

        Every value is checked first; on a bad value nothing changes.
        """
        uid = await self.user_id(user)
        clean = await self._validated(uid, fields)
        if clean:
            await self.store.update_user_settings(uid, **clean)
        return await self.settings(user)

    async def set_style(self, user: UserRef, style: str | None) -> SettingsView:
        """Set how to speak (a preset like 开心/happy, a dialect, or free text), or ``off``."""
        if style is not None and style.strip().lower() in ("off", "none", "关闭", "オフ", ""):
            style = None
        return await self.update_settings(user, style=style)

    async def update_scope_settings(self, user: UserRef, *, is_admin: bool, **fields: object) -> SettingsPatch:
        """Change the chat's or guild's defaults (Manage Server / group admins only)."""
        if not user.scope:
            raise PermissionDenied(action="action_scope_settings_private")
        if not is_admin:
            raise PermissionDenied(action="action_scope_settings")
        uid = await self.user_id(user)
        clean = await self._validated(uid, fields)
        if "voice" in clean and _clone_id(clean["voice"]) is not None:  # type: ignore[arg-type]
            raise InvalidValue(name="voice", value=fields.get("voice"), allowed="a preset voice")
        return await self.store.update_scope_settings(user.scope, **clean)

    async def scope_options(self, scope: str) -> dict:
        """Adapter options of a chat or guild (auto-read channels, join-on-speak …)."""
        return await self.store.get_scope_options(scope)

    async def update_scope_options(self, scope: str, **options: object) -> dict:
        """Merge options into a chat's or guild's options; None removes one."""
        return await self.store.update_scope_options(scope, **options)

    async def edit_scope_options(self, scope: str, edit: Callable[[dict], dict]) -> dict:
        """Apply ``edit`` (current options → new options, no side effects) to a chat's or guild's options
        as stored now, in one transaction, so concurrent changes to different entries all survive."""
        return await self.store.edit_scope_options(scope, edit)

    async def scopes_with_option(self, key: str, *, platform: str | None = None) -> list[tuple[str, dict]]:
        """Every scope (``platform:id``) whose option ``key`` is set, with all its options."""
        return await self.store.list_scopes_with_option(key, prefix=f"{platform}:" if platform else None)

    # --- API keys ---------------------------------------------------------------------------

    def fingerprint(self, api_key: str) -> str:
        """A stable, non-reversible id of an API key, independent of the secret key (``core.keys``)."""
        return keys.fingerprint(api_key)

    async def set_api_key(self, user: UserRef, api_key: str) -> str:
        """Store the user's own SiliconFlow key (private chats only); returns the masked key."""
        if not user.is_private:
            raise PrivateChatOnly()
        key = api_key.strip()
        if not re.fullmatch(r"[A-Za-z0-9_\-.]{8,200}", key):
            raise InvalidApiKey()
        if self.remote is not None:
            try:
                await self.remote.list_voices(api_key=key)
            except ProviderAuthError:
                raise InvalidApiKey() from None
            except ProviderError as exc:  # can't verify now; keep it, the next call will tell
                log.info("could not verify a user's key: %s", type(exc).__name__)
        uid = await self.user_id(user)
        await self.store.set_api_key(uid, key, self.fingerprint(key))
        return mask_key(key)

    async def clear_api_key(self, user: UserRef) -> KeyRemoval:
        """Remove the user's own key. The result is true if there was one, and names the user's clones
        that were made with it: they can't be spoken or deleted at the provider until it is set again."""
        uid = await self.user_id(user)
        own = await self.store.get_api_key(uid)
        stranded: list[str] = []
        if own is not None:
            operator = self.config.operator_key()
            stranded = [v.name for v in await self.store.list_voices(uid)
                        if keys.matches(v.key_fingerprint, own, legacy_secret=self._secret)
                        and not keys.matches(v.key_fingerprint, operator, legacy_secret=self._secret)]
        removed = await self.store.clear_api_key(uid)
        return KeyRemoval(removed=removed, stranded=stranded if removed else [])

    async def share_voice(self, user: UserRef, name: str, shared: bool | None) -> Voice:
        """Let others speak with one of the user's clones (through a character), or not; None: the default
        (shared when the operator's key pays for it, not when the user's own key does)."""
        uid = await self.user_id(user)
        voice = await self.store.set_voice_shared(uid, name, shared)
        if voice is None:
            raise UnknownVoice(name=name[:64])
        return voice

    async def _key_for_voice(self, uid: int, voice: Voice) -> str | None:
        """The key of the account that owns a clone: its owner's key or the operator's."""
        candidates: list[str] = []
        if voice.owner_id is not None:
            own = await self.store.get_api_key(voice.owner_id)
            if own:
                candidates.append(own)
        if uid != voice.owner_id:
            mine = await self.store.get_api_key(uid)
            if mine:
                candidates.append(mine)
        operator = self.config.operator_key()
        if operator:
            candidates.append(operator)
        for key in candidates:
            # k2 fingerprints, or legacy ones (HMAC with the secret key) not upgraded yet: see core.keys
            if keys.matches(voice.key_fingerprint, key, legacy_secret=self._secret):
                return key
        raise VoiceKeyMismatch(name=voice.name)

    # --- speaking ---------------------------------------------------------------------------

    def _check_rate(self, uid: int) -> None:
        limit = self.config.requests_per_minute
        if not limit:
            return
        now = self._clock()
        if len(self._recent) > RATE_WINDOWS_SWEEP_AT:  # forget users idle for a minute (bounded memory)
            for idle in [u for u, w in self._recent.items() if not w or now - w[-1] >= 60.0]:
                del self._recent[idle]
        window = self._recent[uid]
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= limit:
            raise TooManyRequests(retry_after=max(1, int(60.0 - (now - window[0])) + 1))
        window.append(now)

    async def prepare(self, user: UserRef, text: str, *, character: str | None = None,
                      override: SettingsPatch | None = None,
                      markup: Callable[[str], str] | None = None) -> Utterance:
        """Check and resolve one request to speak ``text``; nothing is synthesized yet.

        Raises the user-facing errors (empty or too-long text, unknown character or voice,
        rate limit, quota, busy) before any provider is called. Release the returned utterance
        by rendering it (:meth:`render_notes` / :meth:`stream_pcm`) or with :meth:`release`.
        ``markup``: the adapter's own markup (mentions, custom emoji …) → plain text, run before cleanup.
        """
        try:
            return await self._prepare(user, text, character=character, override=override, markup=markup)
        except InputError as exc:
            self.metrics.refusals.labels(exc.code).inc()
            raise

    async def _prepare(self, user: UserRef, text: str, *, character: str | None,
                       override: SettingsPatch | None, markup: Callable[[str], str] | None) -> Utterance:
        uid = await self.user_id(user)
        raw = text or ""
        # Refused before any cleanup: markup and links can shrink a text, but not by this much.
        if len(raw) > raw_text_limit(self.config.max_text_chars):
            raise TextTooLong(length=len(raw), limit=self.config.max_text_chars, unit="characters")
        dictionary = await self._dictionary(uid, user.scope)
        cleaned, notes = await _off_loop(_clean, raw, markup, dictionary)
        if not cleaned.strip():
            raise EmptyText()
        if len(cleaned) > self.config.max_text_chars:
            raise TextTooLong(length=len(cleaned), limit=self.config.max_text_chars, unit="characters")

        char_obj: Character | None = None
        if character:
            if not user.scope:
                raise NotFound(what="character", name=character[:32])
            char_obj = await self.store.get_character(user.scope, character)
            if char_obj is None:
                raise NotFound(what="character", name=character[:32])
        mine = await self.store.get_user_settings(uid)
        scope = await self.store.get_scope_settings(user.scope) if user.scope else SettingsPatch()
        checked_override = None
        if override is not None and not override.is_empty():
            checked_override = SettingsPatch(**await self._validated(uid, override.as_dict()))
        # A character speaks with its own voice: its settings sit above the user's.
        layers = [checked_override, char_obj.settings if char_obj else None, mine, scope]
        settings = resolve_settings(*layers)

        notices: list[str] = []
        lender_id: int | None = None
        voice_id = settings.voice
        voice_name = settings.voice
        api_key: str | None = None
        provider: TTSProvider = self.local
        own_key = await self.store.get_api_key(uid)
        clone_id = _clone_id(settings.voice)
        if clone_id is not None:
            voice = await self.store.get_voice_by_id(clone_id)
            if voice is None:  # deleted clone: fall back to the default voice
                notices.append("notice_voice_missing")
                settings = dataclasses.replace(settings, voice=TTSSettings().voice)
                voice_id = voice_name = settings.voice
                clone_id = None
            else:
                if self.remote is None:
                    raise CloningUnsupported()
                api_key = await self._key_for_voice(uid, voice)
                lender_id = await self._lender(uid, voice, api_key)
                provider = self.remote
                voice_id = voice.provider_id or ""
                voice_name = voice.name
        if provider is self.local:
            if own_key and self.remote is not None:
                provider, api_key = self.remote, own_key
            elif self.engine == "siliconflow":
                provider, api_key = self.remote, self.config.operator_key()  # type: ignore[assignment]
        billed = provider is not self.local and api_key == self.config.operator_key()

        instruction = _instruction(settings.style)
        if instruction is None and clone_id is not None and self.config.neutral_instruction:
            instruction = NEUTRAL_INSTRUCTION
        if provider is not self.local and settings.language == "yue":
            # CosyVoice2 reads Chinese text in Mandarin unless told otherwise: /lang yue asks for Cantonese
            instruction = _with_cantonese(instruction)
        if provider is self.local and settings.style:
            if settings.style == "粤语":
                settings = dataclasses.replace(settings, language="yue")
            else:
                notices.append("notice_style_offline")
            instruction = None

        if self._in_flight[uid] >= self.config.max_queued_per_user:
            raise Busy(limit=self.config.max_queued_per_user)
        if billed and self.config.daily_byte_quota:
            today = await self.store.get_operator_bytes(uid)
            if today + textmod.utf8_bytes(cleaned) > self.config.daily_byte_quota:
                raise QuotaExceeded(used=today, limit=self.config.daily_byte_quota)
        self._check_rate(uid)  # last: a refused request does not use up the user's rate
        self._in_flight[uid] += 1

        notices = [n for n in notices if (uid, n) not in self._told]
        if len(self._told) > 100_000:  # said once per user and process; start over rather than grow forever
            self._told.clear()
        self._told.update((uid, n) for n in notices)
        return Utterance(
            user=user, user_id=uid, text=cleaned, settings=settings, voice_id=voice_id,
            voice_name=voice_name, instruction=instruction, provider=provider, api_key=api_key,
            billed=billed, notes=notes, notices=notices,
            character=char_obj.name if char_obj else None, dictionary=dictionary,
            lender_id=lender_id, clone_id=clone_id,
        )

    async def _lender(self, uid: int, voice: Voice, key: str | None) -> int | None:
        """When ``uid`` speaks with someone else's clone: the owner if their own key pays (the use is
        billed to them); raises :class:`VoiceNotShared` if the owner does not share the voice. A clone is
        shared by default when the operator's key pays, and not when the owner's own key would."""
        if voice.owner_id is None or voice.owner_id == uid:
            return None
        own = await self.store.get_api_key(voice.owner_id)
        lends = own is not None and key == own and key != self.config.operator_key()
        shared = voice.shared if voice.shared is not None else not lends
        if not shared:
            raise VoiceNotShared(name=voice.name)
        return voice.owner_id if lends else None

    def release(self, utt: Utterance) -> None:
        """Free the user's queue slot held by a prepared utterance (idempotent)."""
        if not utt._released:
            utt._released = True
            self._in_flight[utt.user_id] -= 1
            if self._in_flight[utt.user_id] <= 0:
                del self._in_flight[utt.user_id]

    def _request(self, utt: Utterance, text: str) -> SynthesisRequest:
        s = utt.settings
        return SynthesisRequest(text=text, voice=utt.voice_id, speed=s.speed, gain=s.gain,
                                language=s.language, instruction=utt.instruction, sample_rate=SAMPLE_RATE)

    async def _pcm(self, utt: Utterance, text: str) -> AsyncIterator[PCMChunk]:
        """PCM for ``text``, sentence by sentence; falls back to the offline engine for presets
        when the provider is down before any audio came."""
        pieces = textmod.chunk_text(text, SYNTH_CHUNK_CHARS, first_max_chars=FIRST_CHUNK_CHARS)
        for piece in pieces:
            provider = utt.provider
            got_audio = False
            started = time.monotonic()
            try:
                async with contextlib.aclosing(
                        provider.synthesize(self._request(utt, piece), api_key=utt.api_key)) as stream:
                    async for chunk in stream:
                        if not got_audio:
                            self.metrics.first_audio.labels(provider.name).observe(time.monotonic() - started)
                        got_audio = True
                        yield chunk
            except (ProviderUnavailable, ProviderRateLimited) as exc:
                if got_audio or provider is self.local or _clone_id(utt.settings.voice) is not None:
                    raise
                log.warning("provider failed (%s); speaking with the offline engine", type(exc).__name__)
                self.metrics.fallbacks.inc()
                if "notice_fallback" not in utt.notices:
                    utt.notices.append("notice_fallback")
                utt.provider, utt.api_key, utt.billed = self.local, None, False
                async with contextlib.aclosing(self.local.synthesize(self._request(utt, piece))) as stream:
                    async for chunk in stream:
                        yield chunk
            if utt.provider is not self.local:
                nbytes = textmod.utf8_bytes(piece)
                self.metrics.provider_bytes.labels("operator" if utt.billed else "user").inc(nbytes)
                if utt.lender_id is not None:  # the clone's owner's key paid: on the owner's record
                    await self.store.add_usage(utt.lender_id, nbytes, lent=True)
                else:
                    await self.store.add_usage(utt.user_id, nbytes, operator=utt.billed)

    def _cache_key(self, utt: Utterance, text: str, fmt: str) -> str:
        s = utt.settings
        return AudioCache.make_key(provider=utt.provider.name, model=utt.provider.model, voice=utt.voice_id,
                                   style=utt.instruction, text=text, speed=s.speed, gain=s.gain, fmt=fmt,
                                   language=s.language)

    async def render_notes(self, utt: Utterance, fmt: AudioFormat = "ogg") -> AsyncIterator[VoiceNote]:
        """Synthesize an utterance as voice notes (OGG/Opus by default), yielding each when done."""
        with self._rendering(utt, "note"):
            total = len(utt.notes)
            for index, note_text in enumerate(utt.notes):
                key = self._cache_key(utt, note_text, fmt)
                hit = await self.cache.get_with_meta(key)
                self.metrics.cache_lookups.labels("hit" if hit is not None else "miss").inc()
                if hit is not None and "duration" in hit[1]:
                    data, meta = hit
                    encoded = EncodedAudio(data=data, format=fmt, duration=float(meta["duration"]),
                                           waveform=bytes.fromhex(meta.get("waveform", "")),
                                           sample_count=int(meta.get("sample_count", 0)))
                    yield VoiceNote(audio=encoded, text=note_text, index=index, total=total, cached=True)
                    continue
                encoder = audio.StreamingNoteEncoder(fmt)
                async with contextlib.aclosing(self._pcm(utt, note_text)) as stream:
                    async for chunk in stream:
                        await asyncio.to_thread(encoder.feed, chunk.data, chunk.sample_rate)
                encoded = await asyncio.to_thread(encoder.finish)
                if encoded.sample_count == 0:
                    raise AudioEmpty()
                # Audio in a cloned voice is its owner's personal data, whoever made it speak: tag it with
                # the voice, so deleting the voice (or its owner's /forget) removes it.
                tag = voice_tag(utt.clone_id) if utt.clone_id is not None else None
                if plausible_duration(note_text, encoded.duration):
                    # The key is taken again: a fallback to the offline engine changes the provider.
                    await self.cache.put(self._cache_key(utt, note_text, fmt), encoded.data, tag=tag,
                                         meta={"duration": encoded.duration, "sample_count": encoded.sample_count,
                                               "waveform": encoded.waveform.hex()})
                else:  # served once (it is all we have) but never to everyone from the cache
                    log.warning("not caching %.2f s of audio for %d characters", encoded.duration, len(note_text))
                yield VoiceNote(audio=encoded, text=note_text, index=index, total=total)

    async def stream_pcm(self, utt: Utterance) -> AsyncIterator[PCMChunk]:
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
        outcome = "cancelled"
        try:
            yield
            outcome = "ok"
        except Exception as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self.metrics.utterances.labels(utt.provider.name, kind, outcome).inc()
            self.release(utt)

    async def speak(self, user: UserRef, text: str, *, character: str | None = None,
                    override: SettingsPatch | None = None, fmt: AudioFormat = "ogg",
                    markup: Callable[[str], str] | None = None) -> SpeakResult:
        """Speak ``text`` in the user's voice: one or more finished voice notes."""
        utt = await self.prepare(user, text, character=character, override=override, markup=markup)
        notes = [note async for note in self.render_notes(utt, fmt)]
        return SpeakResult(notes=notes, notices=list(utt.notices), engine=utt.provider.name)

    # --- cloning ----------------------------------------------------------------------------

    async def _reference_speech(self, data: bytes, filename: str | None) -> tuple[float, bytes, int]:
        """Decode reference audio and trim its silence; (upload seconds, speech PCM, rate).

        Raises the typed audio errors: undecodable, silent, under 3 s or over 30 s of speech.
        """
        decoded = await audio.decode_upload(data, max_bytes=CLONE_UPLOAD_MAX_BYTES,
                                            max_seconds=CLONE_UPLOAD_MAX_SECONDS, sample_rate=SAMPLE_RATE,
                                            filename=filename)
        speech = await asyncio.to_thread(audio.trim_silence, decoded.pcm, decoded.sample_rate)
        seconds = audio.pcm_duration(speech, decoded.sample_rate)
        if not speech or audio.is_silent(speech, decoded.sample_rate):
            raise AudioEmpty()
        if seconds < CLONE_MIN_SECONDS:
            raise AudioTooShort(duration=round(seconds, 1), minimum=CLONE_MIN_SECONDS)
        if seconds > CLONE_MAX_SECONDS:
            raise AudioTooLong(limit=int(CLONE_MAX_SECONDS))
        return decoded.duration, speech, decoded.sample_rate

    async def check_clone_audio(self, data: bytes, filename: str | None = None) -> CloneCheck:
        """Check reference audio (decodable, 3–30 s of speech, not silent) before asking for consent."""
        duration, speech, rate = await self._reference_speech(data, filename)
        return CloneCheck(duration=duration, speech_duration=audio.pcm_duration(speech, rate))

    async def _clone_target(self, user: UserRef, name: str) -> tuple[str, str]:
        display = validate_name(name)
        if display.lower() in PRESET_VOICES:
            raise InvalidName(name=display, rule="that is a preset voice's name")
        uid = await self.user_id(user)
        if await self.store.get_voice(uid, display) is not None:
            raise NameTaken(name=display)
        key = await self.store.get_api_key(uid) or self.config.operator_key()
        if self.remote is None or not self.remote.supports_cloning or not key:
            raise CloningUnsupported()
        return display, key

    async def check_clone_request(self, user: UserRef, name: str) -> str:
        """Check a clone's name and that this user can clone at all, before any download or consent.

        Returns the cleaned display name; raises InvalidName, NameTaken or CloningUnsupported.
        """
        display, _ = await self._clone_target(user, name)
        return display

    async def hold_clone_request(self, user: UserRef, *, name: str, transcript: str | None, file_ref: str,
                                 filename: str | None = None, chat_id: str | None = None) -> CloneRequest:
        """Keep a checked clone request until its owner presses the consent button.

        Stored, so a restart (or another instance behind the same webhook) can still complete it; the
        audio stays on the platform under ``file_ref``. At most 3 per user, for 15 minutes.
        """
        uid = await self.user_id(user)
        request = CloneRequest(token=secrets.token_urlsafe(9), name=name, transcript=transcript,
                               file_ref=file_ref, filename=filename, chat_id=chat_id)
        await self.store.add_clone_request(uid, request, max_per_user=CLONE_REQUESTS_PER_USER,
                                           max_age=CLONE_REQUEST_TTL)
        return request

    async def take_clone_request(self, user: UserRef, token: str) -> CloneRequest | None:
        """The user's waiting request ``token``, removed; None if expired, already used or not theirs."""
        return await self.store.take_clone_request(await self.user_id(user), token, max_age=CLONE_REQUEST_TTL)

    def can_clone(self) -> bool:
        return self.remote is not None and self.remote.supports_cloning

    async def clone(self, user: UserRef, data: bytes, name: str, *, filename: str | None = None,
                    transcript: str | None = None, consent: bool = False) -> Voice:
        """Clone a voice from reference audio; the user must have confirmed consent.

        The audio is trimmed of silence and must hold 3–30 s of speech. Without a transcript,
        SenseVoice transcribes it. The clone belongs to the user and is spoken with the key
        that created it.
        """
        try:
            voice = await self._clone(user, data, name, filename=filename, transcript=transcript, consent=consent)
        except Exception as exc:
            self.metrics.clones.labels(_outcome(exc)).inc()
            raise
        self.metrics.clones.labels("ok").inc()
        return voice

    async def _clone(self, user: UserRef, data: bytes, name: str, *, filename: str | None,
                     transcript: str | None, consent: bool) -> Voice:
        if not consent:
            raise ConsentRequired()
        display, key = await self._clone_target(user, name)
        uid = await self.user_id(user)
        _, speech, rate = await self._reference_speech(data, filename)
        wav = await audio.encode(speech, rate, "wav")
        text = textmod.strip_control_tokens(textmod.normalize_input(transcript or "")).strip()
        if not text:
            text = (await self.remote.transcribe(wav.data, "reference.wav", api_key=key)).strip()
            if not text:
                raise AudioEmpty()
        custom_name = provider_name(display, uid)
        # An earlier attempt killed between the provider's upload and our row left a voice nobody can
        # reach: remove it first, so a retry never leaves two.
        await self._delete_orphans(uid, key, lambda name: name == custom_name)
        remote = await self.remote.clone(wav.data, "reference.wav", custom_name, text[:1000], api_key=key)
        try:
            return await self.store.add_voice(uid, display, provider=self.remote.name, provider_id=remote.uri,
                                              key_fingerprint=self.fingerprint(key), transcript=text[:1000],
                                              consent_at=datetime.now(UTC))
        except Exception:
            await _quietly(self.remote.delete_voice(remote.uri, api_key=key))
            raise

    async def _delete_orphans(self, uid: int, key: str, wanted: Callable[[str], bool]) -> list[str]:
        """Delete the provider voices on ``key`` made for ``uid`` (names ``wanted``) that no stored clone
        points to: left by a crash between the provider's upload and our row. Best effort; returns their ids."""
        try:
            listed = await self.remote.list_voices(api_key=key)
        except ProviderError as exc:
            log.info("could not list provider voices to find orphans: %s", type(exc).__name__)
            return []
        prefix = f"vb{uid}-"
        removed: list[str] = []
        for remote in listed:
            if not (remote.name.startswith(prefix) and wanted(remote.name)):
                continue
            if await self.store.get_voice_by_provider_id(remote.uri) is not None:
                continue
            await _quietly(self.remote.delete_voice(remote.uri, api_key=key))
            removed.append(remote.uri)
        return removed

    async def delete_voice(self, user: UserRef, name: str) -> Voice:
        """Delete one of the user's clones, at the provider too."""
        uid = await self.user_id(user)
        voice = await self.store.get_voice(uid, name)
        if voice is None:
            raise UnknownVoice(name=name[:64])
        if self.remote is not None and voice.provider_id:
            key = await self._key_for_voice(uid, voice)
            await self.remote.delete_voice(voice.provider_id, api_key=key)
        await self.store.delete_voice(uid, voice.name)
        await self._purge_voice_audio(voice)
        await self.cache.purge_tag(f"user:{uid}")  # audio cached before it was tagged by voice
        return voice

    async def _purge_voice_audio(self, voice: Voice) -> int:
        """Remove cached audio spoken in ``voice``."""
        return await self.cache.purge_tag(voice_tag(voice.id)) if voice.id is not None else 0

    # --- characters -------------------------------------------------------------------------

    async def create_character(self, user: UserRef, name: str, *, voice: str | None = None,
                               speed: float | None = None, gain: float | None = None,
                               language: str | None = None, style: str | None = None) -> Character:
        """Create a named voice with its own settings in this guild or chat."""
        if not user.scope:
            raise PermissionDenied(action="action_create_character_private")
        display = validate_name(name)
        uid = await self.user_id(user)
        fields = {k: v for k, v in dict(voice=voice, speed=speed, gain=gain, language=language,
                                         style=style).items() if v is not None}
        clean = await self._validated(uid, fields)
        clean.setdefault("voice", (await self.settings(user)).effective.voice)
        return await self.store.create_character(user.scope, display, SettingsPatch(**clean), uid)

    async def characters(self, scope: str) -> list[Character]:
        """Characters of a guild or chat."""
        return await self.store.list_characters(scope)

    async def character_voice_name(self, character: Character) -> str:
        return await self._voice_display(character.settings.voice or TTSSettings().voice)

    async def _own_character(self, user: UserRef, name: str, is_admin: bool) -> Character:
        if not user.scope:
            raise NotFound(what="character", name=name[:32])
        char = await self.store.get_character(user.scope, name)
        if char is None:
            raise NotFound(what="character", name=name[:32])
        if not is_admin and char.owner_id != await self.user_id(user):
            raise PermissionDenied(action="action_character_of_others")
        return char

    async def update_character(self, user: UserRef, name: str, *, is_admin: bool, **fields: object) -> Character:
        """Change a character's settings (its creator or a server manager)."""
        char = await self._own_character(user, name, is_admin)
        clean = await self._validated(await self.user_id(user), fields)
        return await self.store.update_character(char.scope, char.name, **clean)

    async def delete_character(self, user: UserRef, name: str, *, is_admin: bool) -> Character:
        """Delete a character (its creator or a server manager)."""
        char = await self._own_character(user, name, is_admin)
        await self.store.delete_character(char.scope, char.name)
        return char

    # --- pronunciation dictionaries ----------------------------------------------------------

    async def _dictionary(self, uid: int, scope: str | None) -> dict[str, tuple[str, str]]:
        """The entries that apply to ``uid`` speaking in ``scope``: the server's, then the user's own."""
        owners = ([scope] if scope else []) + [lexicon.user_owner(uid)]
        layers = await self.store.pronunciation_layers(*owners)
        return lexicon.merge(*([(p.word, p.spoken) for p in layer] for layer in layers))

    async def _dictionary_owner(self, user: UserRef, server: bool, *, change: bool, is_admin: bool) -> str:
        if not server:
            return lexicon.user_owner(await self.user_id(user))
        if not user.scope:
            raise PermissionDenied(action="action_scope_settings_private")
        if change and not is_admin:
            raise PermissionDenied(action="action_scope_pronunciations")
        return user.scope

    async def pronunciations(self, user: UserRef, *, server: bool = False) -> list[Pronunciation]:
        """The user's own pronunciation dictionary, or (``server=True``) the chat's or guild's."""
        if server and not user.scope:
            return []
        return await self.store.list_pronunciations(
            await self._dictionary_owner(user, server, change=False, is_admin=False))

    async def set_pronunciation(self, user: UserRef, word: str, spoken: str, *, server: bool = False,
                                is_admin: bool = False) -> Pronunciation:
        """Read ``word`` as ``spoken`` from now on, for this user or (``server=True``, admins only)
        for everyone in the chat or guild. A user's own entry wins over the server's."""
        word, spoken = lexicon.normalize_entry(word, spoken)
        owner = await self._dictionary_owner(user, server, change=True, is_admin=is_admin)
        return await self.store.set_pronunciation(owner, word, spoken, limit=lexicon.MAX_ENTRIES)

    async def remove_pronunciation(self, user: UserRef, word: str, *, server: bool = False,
                                   is_admin: bool = False) -> Pronunciation:
        """Forget how to say ``word`` (raises :class:`NoPronunciation` if there is no entry)."""
        owner = await self._dictionary_owner(user, server, change=True, is_admin=is_admin)
        removed = await self.store.delete_pronunciation(owner, word)
        if removed is None:
            raise NoPronunciation(word=" ".join((word or "").split())[:lexicon.MAX_WORD_CHARS])
        return removed

    # --- usage and forgetting ---------------------------------------------------------------

    async def usage(self, user: UserRef) -> UsageReport:
        """UTF-8 bytes billed (today and in total) and the estimated cost."""
        uid = await self.user_id(user)
        today_b, today_r, total_b, total_r = await self.store.get_usage(uid)
        lent_today, lent_total = await self.store.get_lent_bytes(uid)
        return UsageReport(
            today_bytes=today_b, today_requests=today_r, total_bytes=total_b, total_requests=total_r,
            daily_limit=self.config.daily_byte_quota or None, quota_used=await self.store.get_operator_bytes(uid),
            estimated_cost=round(total_b * self.config.price_per_million_bytes / 1_000_000, 4),
            currency=self.config.currency, lent_today=lent_today, lent_total=lent_total,
        )

    async def forget(self, user: UserRef) -> ForgetReport:
        """Delete everything stored about the user, including their clones at the provider.

        A clone the provider cannot delete now (it is down) stops the rest, so /forget can be repeated
        with nothing lost. A clone it can never delete through us (the key that made it is gone, or the
        provider refuses that key) does not: the local data goes anyway and the report names the clone,
        why, and its provider id, so its owner can delete it in their provider account.
        """
        report = ForgetReport()
        uid = await self.store.find_user(user.platform, user.user_id)
        if uid is None:
            return report
        voices = await self.store.list_voices(uid)
        for voice in voices:
            if self.remote is None or not voice.provider_id:
                continue
            try:
                key = await self._key_for_voice(uid, voice)
                await self.remote.delete_voice(voice.provider_id, api_key=key)
            except VoiceKeyMismatch:
                report.abandoned_remote_voices.append((voice.name, "key_gone", voice.provider_id))
            except (ProviderAuthError, ProviderForbidden):
                report.abandoned_remote_voices.append((voice.name, "key_rejected", voice.provider_id))
            except ProviderError as exc:
                log.warning("could not delete a clone at the provider: %s", type(exc).__name__)
                report.failed_remote_voices.append(voice.name)
                continue
            else:
                report.deleted_remote_voices.append(voice.name)
            await self.store.delete_voice(uid, voice.name)
            report.deleted_cache_entries += await self._purge_voice_audio(voice)
        if report.failed_remote_voices:
            return report
        if self.remote is not None and self.remote.supports_cloning:  # clones a crash left without a row
            own = await self.store.get_api_key(uid)
            for key in dict.fromkeys(k for k in (own, self.config.operator_key()) if k):
                await self._delete_orphans(uid, key, lambda name: True)
        report.deleted_cache_entries += await self.cache.purge_tag(f"user:{uid}")
        report.deleted_rows = await self.store.forget_user(uid)
        self._user_ids.drop(uid)
        self._user_ids.pop((user.platform, user.user_id))
        self._recent.pop(uid, None)
        return report


# --- helpers ------------------------------------------------------------------------------

#: Texts shorter than this are cleaned on the event loop (a thread hop costs more than the work).
OFF_LOOP_CHARS = 2000


def raw_text_limit(max_text_chars: int) -> int:
    """The longest text accepted before cleanup: cleanup removes links and markup, so allow room, but
    refuse anything far over the limit before spending time on it."""
    return max_text_chars + min(3 * max_text_chars + 1000, 16_000)


def _clean(text: str, markup: Callable[[str], str] | None,
           dictionary: Mapping[str, tuple[str, str]]) -> tuple[str, list[str]]:
    """Everything done to a text before speech (the edge's normalisation, cleanup, the dictionary) and its
    cut into voice notes: CPU work, run off the event loop for long texts."""
    text = textmod.normalize_input(text)
    cleaned = lexicon.apply(textmod.clean_for_speech(markup(text) if markup else text), dictionary)
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


#: The shortest audio believable for a text: CosyVoice2 at its fastest (speed 4) still takes about 0.017 s
#: per Latin character and more per Chinese one; anything much shorter is a broken answer, not speech.
MIN_SECONDS_PER_CHAR = 0.01
MIN_SECONDS = 0.1


def plausible_duration(text: str, seconds: float) -> bool:
    """Whether ``seconds`` of audio can be ``text`` spoken (else it is not cached)."""
    return seconds >= max(MIN_SECONDS, MIN_SECONDS_PER_CHAR * len(text.strip()))


def voice_tag(voice_id: int | None) -> str:
    """The cache tag of audio spoken in clone ``voice_id``."""
    return f"voice:{voice_id}"


def _outcome(exc: BaseException) -> str:
    """A metrics label for a failure: the error's code, or ``error`` for an unexpected one."""
    return exc.code if isinstance(exc, VoiceBridgeError) else "error"


def _clone_id(stored: object) -> int | None:
    if isinstance(stored, str) and stored.startswith(CLONE_PREFIX):
        try:
            return int(stored[len(CLONE_PREFIX):])
        except ValueError:
            return None
    return None


def _number(name: str, value: object, low: float, high: float) -> float:
    try:
        number = float(str(value).strip().replace(",", ".").removesuffix("x").removesuffix("db").removesuffix("dB"))
    except ValueError:
        raise OutOfRange(name=name, value=str(value)[:16], low=low, high=high) from None
    if number != number or not low <= number <= high:  # NaN or out of range
        raise OutOfRange(name=name, value=str(value)[:16], low=low, high=high)
    return round(number, 3)


def normalize_style(style: str) -> str:
    """A /style value: a preset key (Chinese or its English alias) or free text of at most 100 characters."""
    raw = textmod.strip_control_tokens(textmod.normalize_input(style)).strip()
    raw = re.sub(r"[<>]", "", raw)
    if not raw:
        raise InvalidValue(name="style", value=style[:16], allowed=", ".join(STYLE_PRESETS))
    alias = STYLE_ALIASES.get(raw.lower())
    if alias:
        return alias
    if len(raw) > STYLE_MAX_CHARS:
        raise OutOfRange(name="style length", value=len(raw), low=1, high=STYLE_MAX_CHARS)
    return raw


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


def validate_name(name: str) -> str:
    """A display name for a voice or character: 1–32 printable characters, no line breaks."""
    cleaned = unicodedata.normalize("NFC", (name or "").strip())
    if not cleaned:
        raise InvalidName(name="", rule="a name is needed")
    if len(cleaned) > NAME_MAX_CHARS:
        raise InvalidName(name=cleaned[:NAME_MAX_CHARS] + "…", rule=f"at most {NAME_MAX_CHARS} characters")
    if any(unicodedata.category(c)[0] == "C" for c in cleaned) or re.search(r"[<>@#`]", cleaned):
        raise InvalidName(name=cleaned, rule="letters, digits, spaces and simple punctuation only")
    return cleaned


def provider_name(display: str, uid: int) -> str:
    """The provider's ``customName``: letters, digits, ``_`` and ``-`` only (no Chinese)."""
    ascii_part = re.sub(r"[^A-Za-z0-9_-]+", "-", unicodedata.normalize("NFKD", display)).strip("-")[:24]
    digest = hashlib.sha256(f"{uid}:{display}".encode()).hexdigest()[:8]
    return f"vb{uid}-{ascii_part}-{digest}" if ascii_part else f"vb{uid}-{digest}"


def mask_key(key: str) -> str:
    """Show a key as ``…abcd``: never more than its last four characters (the store keeps only those)."""
    return f"…{key[-4:]}" if len(key) > 8 else "…"


async def _quietly(coro) -> None:
    try:
        await coro
    except Exception as exc:  # cleanup after a failure: the first error is the one that matters
        log.warning("cleanup failed: %s", type(exc).__name__)

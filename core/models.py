"""Value types shared by the core, the storage layer and the adapters."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: The eight CosyVoice2 presets (SiliconFlow ``MODEL:name``); the offline engine maps them too.
PRESET_VOICES: tuple[str, ...] = (
    "alex", "benjamin", "charles", "david", "anna", "bella", "claire", "diana",
)
PRESET_LABELS: dict[str, dict[str, str]] = {
    "alex": {"en": "steady male", "zh": "沉稳男声", "ja": "落ち着いた男性"},
    "benjamin": {"en": "deep male", "zh": "低沉男声", "ja": "低い男性"},
    "charles": {"en": "magnetic male", "zh": "磁性男声", "ja": "魅力的な男性"},
    "david": {"en": "cheerful male", "zh": "欢快男声", "ja": "明るい男性"},
    "anna": {"en": "steady female", "zh": "沉稳女声", "ja": "落ち着いた女性"},
    "bella": {"en": "passionate female", "zh": "激情女声", "ja": "情熱的な女性"},
    "claire": {"en": "gentle female", "zh": "温柔女声", "ja": "優しい女性"},
    "diana": {"en": "cheerful female", "zh": "欢快女声", "ja": "明るい女性"},
}
DEFAULT_VOICE = "anna"

#: Speech languages. ``auto`` lets the engine (or the text) decide.
LANGUAGES: tuple[str, ...] = ("auto", "zh", "en", "ja", "ko", "yue")

SPEED_RANGE = (0.25, 4.0)
GAIN_RANGE = (-10.0, 10.0)
STYLE_MAX_CHARS = 100

#: /style presets: key → the Chinese instruction CosyVoice2 understands best.
STYLE_PRESETS: dict[str, str] = {
    "开心": "用开心的语气说",
    "悲伤": "用悲伤的语气说",
    "生气": "用生气的语气说",
    "温柔": "用温柔的语气说",
    "耳语": "用耳语的方式轻声说",
    "粤语": "用粤语说",
    "四川话": "用四川话说",
    "上海话": "用上海话说",
    "天津话": "用天津话说",
    "武汉话": "用武汉话说",
}
#: English and Japanese aliases accepted for the presets.
STYLE_ALIASES: dict[str, str] = {
    "happy": "开心", "sad": "悲伤", "angry": "生气", "gentle": "温柔", "whisper": "耳语",
    "cantonese": "粤语", "sichuanese": "四川话", "shanghainese": "上海话",
    "tianjinese": "天津话", "wuhanese": "武汉话",
}

AudioFormat = Literal["ogg", "mp3", "wav"]


@dataclass(frozen=True, slots=True)
class TTSSettings:
    """Fully resolved settings for one synthesis."""

    voice: str = DEFAULT_VOICE
    speed: float = 1.0
    gain: float = 0.0
    language: str = "auto"
    style: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsPatch:
    """A partial layer of settings (user, chat/guild, character, one-off override).

    ``None`` means "not set here": the next layer down decides.
    """

    voice: str | None = None
    speed: float | None = None
    gain: float | None = None
    language: str | None = None
    style: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}

    @classmethod
    def from_mapping(cls, data: dict[str, object] | None) -> SettingsPatch:
        if not data:
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


def resolve_settings(*layers: SettingsPatch | None, base: TTSSettings | None = None) -> TTSSettings:
    """Resolve layers, highest priority first, over ``base`` (the operator defaults)."""
    result = dataclasses.asdict(base or TTSSettings())
    for layer in reversed([layer for layer in layers if layer is not None]):
        result.update(layer.as_dict())
    return TTSSettings(**result)


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who is asking, and where.

    ``platform`` is the chat platform's id (``<platform>``) or ``cli``; ``scope_id`` is the platform's id of
    the chat or server where chat/guild settings and characters live (None in a private chat);
    ``language_hint`` is the platform's language code for the UI.
    """

    platform: str
    user_id: str
    scope_id: str | None = None
    language_hint: str | None = None
    display_name: str | None = None
    is_private: bool = True

    @property
    def scope(self) -> str | None:
        return f"{self.platform}:{self.scope_id}" if self.scope_id else None


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice a user can pick: a preset, or a clone owned by a user."""

    name: str
    kind: Literal["preset", "clone"]
    provider_id: str | None = None  # the clone's ``speech:…`` URI; None for presets
    owner_id: int | None = None
    key_fingerprint: str | None = None
    transcript: str | None = None
    consent_at: datetime | None = None
    created_at: datetime | None = None
    id: int | None = None
    label: str | None = None
    #: whether others may speak with this clone (through a character); None: the default, which is yes when
    #: the operator's key pays and no when the owner's own key does
    shared: bool | None = None


@dataclass(frozen=True, slots=True)
class Pronunciation:
    """One entry of a pronunciation dictionary: read ``word`` as ``spoken``."""

    word: str
    spoken: str


@dataclass(frozen=True, slots=True)
class Character:
    """A named voice with its own settings, scoped to a guild or chat."""

    scope: str
    name: str
    settings: SettingsPatch
    owner_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None
    #: a talking character's persona (core.characters): its system prompt, what it says first, the language it
    #: answers in (zh, ja, en; None: the speaker's) and its chat model (None: the operator's default)
    persona: str | None = None
    greeting: str | None = None
    reply_language: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class PCMChunk:
    """Signed 16-bit little-endian mono PCM at ``sample_rate``."""

    data: bytes
    sample_rate: int

    @property
    def samples(self) -> int:
        return len(self.data) // 2

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True, slots=True)
class Reference:
    """A recording to speak like, for one request only (a "dynamic voice"): its audio and what it says."""

    audio: bytes
    text: str
    mime_type: str = "audio/mpeg"

    def __repr__(self) -> str:  # the recording is personal data: never in a log line
        return f"Reference(audio=<{len(self.audio)} bytes>, mime_type={self.mime_type!r})"


@dataclass(frozen=True, slots=True)
class SynthesisRequest:
    """What a provider is asked to say. ``voice`` is a preset name or a clone's provider id; with a
    ``reference`` (an engine whose ``supports_references`` is True) the voice is the recording's instead."""

    text: str
    voice: str
    speed: float = 1.0
    gain: float = 0.0
    language: str = "auto"
    instruction: str | None = None  # style/dialect; the provider places it before <|endofprompt|>
    sample_rate: int = 24000
    reference: Reference | None = None


@dataclass(frozen=True, slots=True)
class EncodedAudio:
    """A finished clip: bytes in ``format``, the exact duration and a waveform for voice messages."""

    data: bytes
    format: AudioFormat
    duration: float
    waveform: bytes = b""
    sample_count: int = 0

    @property
    def mime_type(self) -> str:
        return {"ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav"}[self.format]


@dataclass(frozen=True, slots=True)
class VoiceNote:
    """One voice note of a reply; long text becomes several, ``index`` of ``total``."""

    audio: EncodedAudio
    text: str
    index: int = 0
    total: int = 1
    cached: bool = False


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """Mono PCM (s16le) decoded from an upload."""

    pcm: bytes
    sample_rate: int
    source_format: str = ""

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True, slots=True)
class RemoteVoice:
    """A voice as the provider lists it."""

    name: str
    uri: str
    model: str | None = None
    transcript: str | None = None


@dataclass(slots=True)
class UsageReport:
    today_bytes: int = 0
    today_requests: int = 0
    total_bytes: int = 0
    total_requests: int = 0
    daily_limit: int | None = None
    quota_used: int = 0  # today's bytes on the operator's key, which the daily limit counts
    estimated_cost: float = 0.0
    currency: str = "USD"
    #: of the bytes above, those others spoke through the user's clones on the user's own key (today, in total)
    lent_today: int = 0
    lent_total: int = 0
    #: chat-model tokens of talking characters (today, in total), today's part on the operator's key, its limit
    tokens_today: int = 0
    tokens_total: int = 0
    tokens_quota_used: int = 0
    token_limit: int | None = None


@dataclass(frozen=True, slots=True)
class CloneRequest:
    """A clone waiting for its owner's consent: what to clone and where the audio is on the platform."""

    token: str
    name: str
    transcript: str | None
    file_ref: str  # the chat platform's id of the uploaded audio (e.g. its file id)
    filename: str | None = None
    chat_id: str | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class ForgetReport:
    deleted_rows: int = 0
    deleted_cache_entries: int = 0
    deleted_remote_voices: list[str] = field(default_factory=list)
    failed_remote_voices: list[str] = field(default_factory=list)  # names we could not delete there
    #: clones deleted here although the provider still has them: (name, why, the provider's voice id).
    #: ``why`` is ``key_gone`` (the key that made it is no longer stored) or ``key_rejected`` (the provider
    #: refused that key). The owner can delete them in their provider account by the id.
    abandoned_remote_voices: list[tuple[str, str, str]] = field(default_factory=list)

"""Voices: the presets, users' clones and their life cycle (sharing, the key that speaks them, deletion).

Making a clone is :mod:`core.cloning`; this module knows what exists and who may use it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from core import keys
from core.cache import AudioCache
from core.config import Config
from core.engines import Engines
from core.errors import (
    CloningUnsupported,
    InvalidName,
    NameTaken,
    ProviderError,
    UnknownVoice,
    VoiceKeyMismatch,
    VoiceNotShared,
)
from core.identity import Identities
from core.models import PRESET_LABELS, PRESET_VOICES, Character, UserRef, Voice
from core.voice_errors import (
    InvalidVoiceId,
    VoiceIdAlreadyAdded,
    VoiceIdNeedsOwnKey,
    VoiceIdNotOnKey,
    VoiceIdTaken,
)

log = logging.getLogger(__name__)

#: A provider voice ID as SiliconFlow makes them: ``speech:<customName>:<id>:<id>`` (printable, no spaces).
VOICE_ID = re.compile(r"speech:[A-Za-z0-9_-]+(?::[A-Za-z0-9]+)+")
VOICE_ID_MAX_CHARS = 512
#: How a clone is stored as a setting: ``clone:<id>``; a preset is stored by its name.
CLONE_PREFIX = "clone:"
NAME_MAX_CHARS = 32


class VoiceRepository(Protocol):
    """What :class:`Voices` needs stored."""

    async def list_voices(self, owner_id: int) -> list[Voice]: ...
    async def get_voice(self, owner_id: int, name: str) -> Voice | None: ...
    async def get_voice_by_id(self, voice_id: int) -> Voice | None: ...
    async def get_voice_by_provider_id(self, provider_id: str) -> Voice | None: ...
    async def delete_voice(self, owner_id: int, name: str) -> Voice | None: ...
    async def set_voice_shared(self, owner_id: int, name: str, shared: bool | None) -> Voice | None: ...
    async def list_characters(self, scope: str) -> list[Character]: ...
    async def get_api_key(self, user_id: int) -> str | None: ...
    async def add_voice(self, owner_id: int, name: str, *, provider: str, provider_id: str,
                        key_fingerprint: str | None, transcript: str | None, consent_at: datetime) -> Voice: ...


@dataclass(frozen=True, slots=True)
class VoiceList:
    """What /voices shows: presets, the user's own clones, and clones used by this scope's characters."""

    presets: list[Voice]
    clones: list[Voice]
    shared: list[Voice] = field(default_factory=list)
    current: str | None = None


class Voices:
    """Presets and clones: listing, naming, sharing, the key each clone is spoken with, and deletion."""

    def __init__(self, repo: VoiceRepository, identities: Identities, engines: Engines, cache: AudioCache,
                 config: Config, *, legacy_secret: bytes | None = None) -> None:
        self.store = repo
        self.identities = identities
        self.engines = engines
        self.cache = cache
        self.config = config
        self._legacy_secret = legacy_secret

    def presets(self) -> list[Voice]:
        """The preset voices, with their English labels."""
        return [Voice(name=n, kind="preset", label=PRESET_LABELS[n]["en"]) for n in PRESET_VOICES]

    async def listing(self, user: UserRef, *, current: str | None) -> VoiceList:
        """Presets, the user's clones, and clones that this chat's or guild's characters use."""
        uid = await self.identities.user_id(user)
        clones = await self.store.list_voices(uid)
        shared: list[Voice] = []
        if user.scope:
            seen = {v.id for v in clones}
            for ch in await self.store.list_characters(user.scope):
                vid = clone_id(ch.settings.voice)
                if vid is not None and vid not in seen:
                    v = await self.store.get_voice_by_id(vid)
                    if v is not None:
                        shared.append(v)
                        seen.add(vid)
        return VoiceList(presets=self.presets(), clones=clones, shared=shared, current=current)

    async def resolve_name(self, uid: int, name: str) -> str:
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

    async def display(self, stored: str) -> str:
        """What people see for a stored voice setting: the preset's or the clone's name."""
        vid = clone_id(stored)
        if vid is None:
            return stored
        voice = await self.store.get_voice_by_id(vid)
        return voice.name if voice else "?"

    async def share(self, user: UserRef, name: str, shared: bool | None) -> Voice:
        """Let others speak with one of the user's clones (through a character), or not; None: the default
        (shared when the operator's key pays for it, not when the user's own key does)."""
        uid = await self.identities.user_id(user)
        voice = await self.store.set_voice_shared(uid, name, shared)
        if voice is None:
            raise UnknownVoice(name=name[:64])
        return voice

    def made_with(self, voice: Voice, key: str | None) -> bool:
        """Whether ``voice`` was cloned on ``key``."""
        return keys.matches(voice.key_fingerprint, key, legacy_secret=self._legacy_secret)

    async def key_for(self, uid: int, voice: Voice) -> tuple[str, int | None]:
        """The key that speaks a clone (its owner's, the speaker's or the operator's) and whose it is
        (an account id, or None for the operator's); :class:`VoiceKeyMismatch` if none of them made it."""
        candidates: list[tuple[str, int | None]] = []
        if voice.owner_id is not None:
            own = await self.store.get_api_key(voice.owner_id)
            if own:
                candidates.append((own, voice.owner_id))
        if uid != voice.owner_id:
            mine = await self.store.get_api_key(uid)
            if mine:
                candidates.append((mine, uid))
        operator = self.config.operator_key()
        if operator:
            candidates.append((operator, None))
        for key, owner in candidates:
            if self.made_with(voice, key):
                return key, owner
        raise VoiceKeyMismatch(name=voice.name)

    async def key_for_voice(self, uid: int, voice: Voice) -> str:
        """The key of the account that owns a clone: its owner's key or the operator's."""
        return (await self.key_for(uid, voice))[0]

    async def lender(self, uid: int, voice: Voice, key: str | None) -> int | None:
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

    async def stranded_by(self, uid: int, key: str) -> list[str]:
        """The user's clones that only ``key`` can speak (made with it, not with the operator's key)."""
        operator = self.config.operator_key()
        return [v.name for v in await self.store.list_voices(uid)
                if self.made_with(v, key) and not self.made_with(v, operator)]

    async def delete(self, user: UserRef, name: str) -> Voice:
        """Delete one of the user's clones, at the provider too."""
        uid = await self.identities.user_id(user)
        voice = await self.store.get_voice(uid, name)
        if voice is None:
            raise UnknownVoice(name=name[:64])
        remote = self.engines.remote
        if remote is not None and voice.provider_id:
            key = await self.key_for_voice(uid, voice)
            await remote.delete_voice(voice.provider_id, api_key=key)
        await self.store.delete_voice(uid, voice.name)
        await self.purge_audio(voice)
        await self.cache.purge_tag(f"user:{uid}")  # audio cached before it was tagged by voice
        return voice

    async def adopt(self, user: UserRef, voice_id: str, name: str) -> Voice:
        """Store a ``speech:…`` voice made elsewhere (the provider's console, another tool) as the user's clone
        ``name``: only with the user's own key, and only if the provider lists that ID for that key (an ID works
        only with the key that made it). Raises :class:`InvalidVoiceId`, :class:`VoiceIdNeedsOwnKey`,
        :class:`VoiceIdNotOnKey`, :class:`VoiceIdAlreadyAdded` (:class:`VoiceIdTaken` by someone else),
        ``InvalidName``/``NameTaken``, or
        ``CloningUnsupported`` when this bot has no engine with voices to list."""
        wanted = (voice_id or "").strip()
        if len(wanted) > VOICE_ID_MAX_CHARS or not VOICE_ID.fullmatch(wanted):
            raise InvalidVoiceId(value=shorten_id(wanted))
        display = validate_name(name)
        if display.lower() in PRESET_VOICES:
            raise InvalidName(name=display, rule="rule_name_is_preset")
        remote = self.engines.remote
        if remote is None or not remote.supports_cloning:
            raise CloningUnsupported()
        uid = await self.identities.user_id(user)
        if await self.store.get_voice(uid, display) is not None:
            raise NameTaken(name=display)
        stored = await self.store.get_voice_by_provider_id(wanted)
        if stored is not None and stored.owner_id == uid:
            raise VoiceIdAlreadyAdded(name=stored.name)
        if stored is not None:
            raise VoiceIdTaken()
        key = await self.store.get_api_key(uid)
        if not key:
            raise VoiceIdNeedsOwnKey()
        listed = {found.uri: found for found in await remote.list_voices(api_key=key)}
        found = listed.get(wanted)
        if found is None:
            raise VoiceIdNotOnKey(value=shorten_id(wanted))
        return await self.store.add_voice(uid, display, provider=remote.name, provider_id=wanted,
                                          key_fingerprint=keys.fingerprint(key),
                                          transcript=(found.transcript or "")[:1000] or None,
                                          consent_at=datetime.now(UTC))

    async def purge_audio(self, voice: Voice) -> int:
        """Remove cached audio spoken in ``voice``."""
        return await self.cache.purge_tag(voice_tag(voice.id)) if voice.id is not None else 0

    async def delete_orphans(self, uid: int, key: str, wanted: Callable[[str], bool]) -> list[str]:
        """Delete the provider voices on ``key`` made for ``uid`` (names ``wanted``) that no stored clone
        points to: left by a crash between the provider's upload and our row. Best effort; returns their ids."""
        remote = self.engines.remote
        if remote is None:
            return []
        try:
            listed = await remote.list_voices(api_key=key)
        except ProviderError as exc:
            log.info("could not list provider voices to find orphans: %s", type(exc).__name__)
            return []
        prefix = f"vb{uid}-"
        removed: list[str] = []
        for found in listed:
            if not (found.name.startswith(prefix) and wanted(found.name)):
                continue
            if await self.store.get_voice_by_provider_id(found.uri) is not None:
                continue
            await quietly(remote.delete_voice(found.uri, api_key=key))
            removed.append(found.uri)
        return removed


def clone_id(stored: object) -> int | None:
    """The clone id in a stored voice setting (``clone:<id>``), or None for a preset."""
    if isinstance(stored, str) and stored.startswith(CLONE_PREFIX):
        try:
            return int(stored[len(CLONE_PREFIX):])
        except ValueError:
            return None
    return None


def shorten_id(voice_id: str, limit: int = 80) -> str:
    """A voice ID as an error message shows it: printable, at most ``limit`` characters."""
    shown = "".join(c for c in voice_id if c.isprintable())
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def voice_tag(voice_id: int | None) -> str:
    """The cache tag of audio spoken in clone ``voice_id``."""
    return f"voice:{voice_id}"


def validate_name(name: str) -> str:
    """A display name for a voice or character: 1–32 printable characters, no line breaks."""
    cleaned = unicodedata.normalize("NFC", (name or "").strip())
    if not cleaned:
        raise InvalidName(name="", rule="rule_name_required")
    if len(cleaned) > NAME_MAX_CHARS:
        raise InvalidName(name=cleaned[:NAME_MAX_CHARS] + "…", rule="rule_name_max_chars", limit=NAME_MAX_CHARS)
    if any(unicodedata.category(c)[0] == "C" for c in cleaned) or re.search(r"[<>@#`]", cleaned):
        raise InvalidName(name=cleaned, rule="rule_name_characters")
    return cleaned


def provider_name(display: str, uid: int) -> str:
    """The provider's ``customName``: letters, digits, ``_`` and ``-`` only (no Chinese)."""
    ascii_part = re.sub(r"[^A-Za-z0-9_-]+", "-", unicodedata.normalize("NFKD", display)).strip("-")[:24]
    digest = hashlib.sha256(f"{uid}:{display}".encode()).hexdigest()[:8]
    return f"vb{uid}-{ascii_part}-{digest}" if ascii_part else f"vb{uid}-{digest}"


async def quietly(coro) -> None:
    """Await cleanup after a failure; its own failure is logged, not raised (the first error matters)."""
    try:
        await coro
    except Exception as exc:
        log.warning("cleanup failed: %s", type(exc).__name__)

"""Cloning a voice: checking the request and the reference audio, consent, and the clone itself."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from core import audio, keys, text as textmod
from core.config import Config
from core.engines import Engines
from core.errors import (
    AudioEmpty,
    AudioTooLong,
    AudioTooShort,
    CloningUnsupported,
    ConsentRequired,
    InvalidName,
    NameTaken,
)
from core.identity import Identities
from core.metrics import Metrics, outcome
from core.models import PRESET_VOICES, CloneRequest, UserRef, Voice
from core.settings import Settings
from core.uploads import CloneUploads, UploadSlot
from core.voices import Voices, provider_name, quietly, validate_name

CLONE_MIN_SECONDS = 3.0
CLONE_MAX_SECONDS = 30.0
#: Raw uploads may carry silence around the speech; trimmed speech must be 3–30 s.
CLONE_UPLOAD_MAX_SECONDS = 90.0
CLONE_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
#: How long a clone request waits for its owner's consent, and how many one user may have waiting.
CLONE_REQUEST_TTL = 900.0
CLONE_REQUESTS_PER_USER = 3
#: The rate reference audio is decoded at (CosyVoice2's own).
REFERENCE_RATE = 24000


class CloneRepository(Protocol):
    """What :class:`Cloning` needs stored."""

    async def get_voice(self, owner_id: int, name: str) -> Voice | None: ...
    async def get_api_key(self, user_id: int) -> str | None: ...
    async def add_voice(self, owner_id: int, name: str, *, provider: str, provider_id: str,
                        key_fingerprint: str | None, transcript: str | None, consent_at: datetime) -> Voice: ...
    async def add_clone_request(self, user_id: int, request: CloneRequest, *, max_per_user: int,
                                max_age: float) -> None: ...
    async def take_clone_request(self, user_id: int, token: str, *, max_age: float) -> CloneRequest | None: ...


@dataclass(frozen=True, slots=True)
class CloneCheck:
    """The result of checking reference audio before asking for consent."""

    duration: float
    speech_duration: float


@dataclass(frozen=True, slots=True)
class CloneUpload:
    """A clone request that passed its checks: its display name, and the slot its recording goes into."""

    name: str
    slot: UploadSlot


class Cloning:
    """The clone flow, the same on every platform. An adapter:

    1. opens :meth:`upload` (the name and the right to clone are checked, then the user's turn and the
       recording's declared bytes are taken from the process's upload budget);
    2. downloads the recording into ``upload.slot`` and has it checked with :meth:`check_audio`;
    3. asks for consent, and on a yes calls :meth:`complete` (clone, then make it the user's voice).
    """

    def __init__(self, repo: CloneRepository, identities: Identities, voices: Voices, settings: Settings,
                 engines: Engines, config: Config, metrics: Metrics, uploads: Callable[[], CloneUploads]) -> None:
        self.store = repo
        self.identities = identities
        self.voices = voices
        self.settings = settings
        self.engines = engines
        self.config = config
        self.metrics = metrics
        self.uploads = uploads

    @contextlib.asynccontextmanager
    async def upload(self, user: UserRef, name: str, *, declared_bytes: int,
                     check_file: Callable[[], None] | None = None) -> AsyncIterator[CloneUpload]:
        """Step 1 of the flow: ``check_file`` (the platform's own check of the file's declared size and
        type) runs after the name's check and before anything is reserved. The slot is freed on exit."""
        display = await self.check_request(user, name)
        if check_file is not None:
            check_file()
        async with self.uploads().slot(user, declared_bytes) as slot:
            yield CloneUpload(name=display, slot=slot)

    async def complete(self, user: UserRef, data: bytes, name: str, *, filename: str | None = None,
                       transcript: str | None = None) -> Voice:
        """The user consented: clone ``data`` as ``name`` and make it their voice."""
        voice = await self.clone(user, data, name, filename=filename, transcript=transcript, consent=True)
        await self.settings.update(user, voice=voice.name)
        return voice

    @property
    def can_clone(self) -> bool:
        """Whether this process can clone voices at all."""
        return self.engines.can_clone

    async def _reference_speech(self, data: bytes, filename: str | None) -> tuple[float, bytes, int]:
        """Decode reference audio and trim its silence; (upload seconds, speech PCM, rate).

        Raises the typed audio errors: undecodable, silent, under 3 s or over 30 s of speech.
        """
        decoded = await audio.decode_upload(data, max_bytes=CLONE_UPLOAD_MAX_BYTES,
                                            max_seconds=CLONE_UPLOAD_MAX_SECONDS, sample_rate=REFERENCE_RATE,
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

    async def reference_speech(self, data: bytes, filename: str | None = None) -> tuple[bytes, int]:
        """The speech of a reference recording (silence trimmed, 3–30 s, mono s16le) and its rate: the same
        checks as a clone's, for a one-off "dynamic voice" too. Raises the typed audio errors."""
        _, speech, rate = await self._reference_speech(data, filename)
        return speech, rate

    async def check_audio(self, data: bytes, filename: str | None = None) -> CloneCheck:
        """Check reference audio (decodable, 3–30 s of speech, not silent) before asking for consent."""
        duration, speech, rate = await self._reference_speech(data, filename)
        return CloneCheck(duration=duration, speech_duration=audio.pcm_duration(speech, rate))

    async def _target(self, user: UserRef, name: str) -> tuple[str, str]:
        display = validate_name(name)
        if display.lower() in PRESET_VOICES:
            raise InvalidName(name=display, rule="rule_name_is_preset")
        uid = await self.identities.user_id(user)
        if await self.store.get_voice(uid, display) is not None:
            raise NameTaken(name=display)
        key = await self.store.get_api_key(uid) or self.config.operator_key()
        if not self.can_clone or not key:
            raise CloningUnsupported()
        return display, key

    async def check_request(self, user: UserRef, name: str) -> str:
        """Check a clone's name and that this user can clone at all, before any download or consent.

        Returns the cleaned display name; raises InvalidName, NameTaken or CloningUnsupported.
        """
        display, _ = await self._target(user, name)
        return display

    async def hold_request(self, user: UserRef, *, name: str, transcript: str | None, file_ref: str,
                           filename: str | None = None, chat_id: str | None = None) -> CloneRequest:
        """Keep a checked clone request until its owner presses the consent button.

        Stored, so a restart (or another instance behind the same webhook) can still complete it; the
        audio stays on the platform under ``file_ref``. At most 3 per user, for 15 minutes.
        """
        uid = await self.identities.user_id(user)
        request = CloneRequest(token=secrets.token_urlsafe(9), name=name, transcript=transcript,
                               file_ref=file_ref, filename=filename, chat_id=chat_id)
        await self.store.add_clone_request(uid, request, max_per_user=CLONE_REQUESTS_PER_USER,
                                           max_age=CLONE_REQUEST_TTL)
        return request

    async def take_request(self, user: UserRef, token: str) -> CloneRequest | None:
        """The user's waiting request ``token``, removed; None if expired, already used or not theirs."""
        return await self.store.take_clone_request(await self.identities.user_id(user), token,
                                                   max_age=CLONE_REQUEST_TTL)

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
            self.metrics.clones.labels(outcome(exc)).inc()
            raise
        self.metrics.clones.labels("ok").inc()
        return voice

    async def _clone(self, user: UserRef, data: bytes, name: str, *, filename: str | None,
                     transcript: str | None, consent: bool) -> Voice:
        if not consent:
            raise ConsentRequired()
        display, key = await self._target(user, name)
        remote = self.engines.remote
        assert remote is not None  # _target checked that this process can clone
        uid = await self.identities.user_id(user)
        _, speech, rate = await self._reference_speech(data, filename)
        wav = await audio.encode(speech, rate, "wav")
        text = textmod.strip_control_tokens(textmod.normalize_input(transcript or "")).strip()
        if not text:
            text = (await remote.transcribe(wav.data, "reference.wav", api_key=key)).strip()
            if not text:
                raise AudioEmpty()
        custom_name = provider_name(display, uid)
        # An earlier attempt killed between the provider's upload and our row left a voice nobody can
        # reach: remove it first, so a retry never leaves two.
        await self.voices.delete_orphans(uid, key, lambda name: name == custom_name)
        made = await remote.clone(wav.data, "reference.wav", custom_name, text[:1000], api_key=key)
        try:
            return await self.store.add_voice(uid, display, provider=remote.name, provider_id=made.uri,
                                              key_fingerprint=keys.fingerprint(key), transcript=text[:1000],
                                              consent_at=datetime.now(UTC))
        except Exception:
            await quietly(remote.delete_voice(made.uri, api_key=key))
            raise

"""One request to speak, decided and not yet spoken: data only (no engine object, no key)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core import lexicon
from core.models import TTSSettings, UserRef, VoiceNote


@dataclass(slots=True)
class Utterance:
    """Everything needed to synthesize one request; made by :meth:`core.speech.Speech.prepare`.

    It names the engine and whose key pays, never the key itself: the key is looked up when the audio
    is made, so an utterance can be logged, queued or passed around without carrying a secret.
    """

    user: UserRef
    user_id: int
    text: str
    settings: TTSSettings
    voice_id: str  # what the engine gets: a preset name or a clone's provider id
    voice_name: str  # what people see
    instruction: str | None
    engine: str  # the engine's name (core.engines)
    key_owner: int | None  # the account whose own key pays; None: the operator's key (if billed) or none
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
    #: for a clone, the fingerprint (not a secret) of the key it was accepted with: a key replaced before the
    #: audio is made could not speak it
    key_fingerprint: str | None = None
    _released: bool = False

    def pronounce(self, text: str) -> str:
        """``text`` with this utterance's pronunciation dictionary applied (e.g. a speaker's name)."""
        return lexicon.apply(text, self.dictionary)


@dataclass(frozen=True, slots=True)
class SpeakResult:
    """Finished voice notes, the notices to show once, and the engine that spoke."""

    notes: list[VoiceNote]
    notices: list[str]
    engine: str

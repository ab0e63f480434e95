"""Characters: named voices with their own settings in a chat or guild, or a user's own; and a talking character's
persona (its system prompt, greeting, reply language and chat model: :data:`PERSONA_FIELDS`).

A character belongs to a scope: a chat's or server's (``UserRef.scope``), or, for a user's own characters (made in a
private chat), :func:`personal_scope` of their account. :meth:`Characters.find` looks a name up where the user is
(the chat's first, then their own).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from core import text as textmod
from core.errors import InputError, InvalidValue, NotFound, PermissionDenied, TextTooLong
from core.i18n import OFF_WORDS
from core.identity import Identities
from core.models import Character, SettingsPatch, TTSSettings, UserRef
from core.settings import Settings
from core.voice_errors import InvalidVoiceId
from core.voices import VOICE_ID, VOICE_ID_MAX_CHARS, Voices, shorten_id, validate_name

#: The persona fields of a character, stored beside its settings.
PERSONA_FIELDS = ("persona", "greeting", "reply_language", "model")
#: The languages a character may answer in (as the seed's configuration page offers).
REPLY_LANGUAGES = ("zh", "ja", "en")
PERSONA_MAX_CHARS = 2000
GREETING_MAX_CHARS = 300
MODEL_MAX_CHARS = 100
_MODEL_ID = re.compile(r"[\w.:/@+-]{1,100}")


class VoiceIdNotYours(InputError):
    """A character's voice given as a ``speech:…`` ID that is none of the user's own clones. params: value."""

    code = "character_voice_id_not_yours"


def personal_scope(uid: int) -> str:
    """The scope of a user's own characters (by account, so linked platforms share them)."""
    return f"user:{uid}"


def validated_persona(fields: dict[str, object]) -> dict[str, object]:
    """Persona fields checked and cleaned (an off word or an empty text clears one); raises on a bad one."""
    out: dict[str, object] = {}
    for name, value in fields.items():
        if name not in PERSONA_FIELDS:
            raise ValueError(f"not a persona field: {name}")
        text = textmod.normalize_input(str(value)).strip() if value is not None else ""
        if not text or text.lower() in OFF_WORDS:
            out[name] = None
            continue
        if name in ("persona", "greeting"):
            limit = PERSONA_MAX_CHARS if name == "persona" else GREETING_MAX_CHARS
            if len(text) > limit:
                raise TextTooLong(length=len(text), limit=limit, unit="unit_characters")
        elif name == "reply_language":
            text = text.lower()
            if text not in REPLY_LANGUAGES:
                raise InvalidValue(name="language", value=text[:16], allowed=", ".join(REPLY_LANGUAGES))
        elif not _MODEL_ID.fullmatch(text):
            raise InvalidValue(name="model", value=text[:MODEL_MAX_CHARS], allowed="allowed_model_id")
        out[name] = text
    return out


class CharacterRepository(Protocol):
    """What :class:`Characters` needs stored."""

    async def create_character(self, scope: str, name: str, settings: SettingsPatch,
                               owner_id: int | None) -> Character: ...
    async def get_character(self, scope: str, name: str) -> Character | None: ...
    async def list_characters(self, scope: str) -> list[Character]: ...
    async def update_character(self, scope: str, name: str, **fields: Any) -> Character: ...
    async def delete_character(self, scope: str, name: str) -> bool: ...


class Characters:
    """Creating, listing, changing and deleting characters; their creator or a manager may change them."""

    def __init__(self, repo: CharacterRepository, identities: Identities, settings: Settings,
                 voices: Voices) -> None:
        self.store = repo
        self.identities = identities
        self.settings = settings
        self.voices = voices

    async def create(self, user: UserRef, name: str, *, voice: str | None = None, speed: float | None = None,
                     gain: float | None = None, language: str | None = None,
                     style: str | None = None, personal: bool = False, **persona: object) -> Character:
        """Create a named voice with its own settings in this guild or chat (``personal``: the user's own), with
        optional persona fields (``persona=``, ``greeting=``, ``reply_language=``, ``model=``)."""
        if not user.scope and not personal:
            raise PermissionDenied(action="action_create_character_private")
        display = validate_name(name)
        uid = await self.identities.user_id(user)
        fields = {k: v for k, v in dict(voice=voice, speed=speed, gain=gain, language=language,
                                         style=style).items() if v is not None}
        clean = await self.settings.validated(uid, await self._voice_by_id(uid, fields))
        about = validated_persona(persona)
        clean.setdefault("voice", (await self.settings.view(user)).effective.voice)
        scope = personal_scope(uid) if personal else user.scope
        assert scope is not None
        char = await self.store.create_character(scope, display, SettingsPatch(**clean), uid)
        if any(v is not None for v in about.values()):
            char = await self.store.update_character(scope, char.name, **about)
        return char

    async def scope_for(self, user: UserRef, *, personal: bool) -> str | None:
        """The scope the user's ``/character`` commands act on: their own characters, or this chat's."""
        return personal_scope(await self.identities.user_id(user)) if personal else user.scope

    async def find(self, user: UserRef, name: str) -> Character:
        """The character ``name`` where ``user`` is: this chat's or server's, else the user's own."""
        char = await self.store.get_character(user.scope, name) if user.scope else None
        if char is None:
            char = await self.store.get_character(personal_scope(await self.identities.user_id(user)), name)
        if char is None:
            raise NotFound(what="what_character", name=name[:32])
        return char

    async def get(self, scope: str | None, name: str) -> Character:
        """The character ``name`` of ``scope``; :class:`NotFound` if there is none."""
        char = await self.store.get_character(scope, name) if scope else None
        if char is None:
            raise NotFound(what="what_character", name=name[:32])
        return char

    async def list(self, scope: str) -> list[Character]:
        """Characters of a guild or chat."""
        return await self.store.list_characters(scope)

    async def voice_name(self, character: Character) -> str:
        """The name of the voice a character speaks with."""
        return await self.voices.display(character.settings.voice or TTSSettings().voice)

    async def _own(self, user: UserRef, name: str, is_admin: bool, personal: bool = False) -> Character:
        char = await self.get(await self.scope_for(user, personal=personal), name)
        if not is_admin and char.owner_id != await self.identities.user_id(user):
            raise PermissionDenied(action="action_character_of_others")
        return char

    async def update(self, user: UserRef, name: str, *, is_admin: bool, personal: bool = False,
                     **fields: object) -> Character:
        """Change a character's settings and persona fields (its creator or a server manager; ``personal``: one of
        the user's own)."""
        char = await self._own(user, name, is_admin, personal)
        about = validated_persona({k: v for k, v in fields.items() if k in PERSONA_FIELDS})
        rest = {k: v for k, v in fields.items() if k not in PERSONA_FIELDS}
        uid = await self.identities.user_id(user)
        clean = await self.settings.validated(uid, await self._voice_by_id(uid, rest)) if rest else {}
        return await self.store.update_character(char.scope, char.name, **clean, **about)

    async def delete(self, user: UserRef, name: str, *, is_admin: bool, personal: bool = False) -> Character:
        """Delete a character (its creator or a server manager; ``personal``: one of the user's own)."""
        char = await self._own(user, name, is_admin, personal)
        await self.store.delete_character(char.scope, char.name)
        return char

    async def _voice_by_id(self, uid: int, fields: dict[str, Any]) -> dict[str, Any]:
        """``fields`` with a voice given as a ``speech:…`` ID made the name of the clone it is: one of the user's own
        (cloned here or adopted with /adopt_voice), as a voice's name must be. Any other ID is refused
        (:class:`VoiceIdNotYours`; a malformed one :class:`~core.voice_errors.InvalidVoiceId`)."""
        voice = fields.get("voice")
        if not isinstance(voice, str) or not voice.strip().lower().startswith("speech:"):
            return fields
        wanted = voice.strip()
        if len(wanted) > VOICE_ID_MAX_CHARS or not VOICE_ID.fullmatch(wanted):
            raise InvalidVoiceId(value=shorten_id(wanted))
        found = await self.voices.store.get_voice_by_provider_id(wanted)
        if found is None or found.owner_id != uid:  # someone else's looks the same as none: nothing is told
            raise VoiceIdNotYours(value=shorten_id(wanted))
        return {**fields, "voice": found.name}

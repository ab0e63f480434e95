"""Characters: named voices with their own settings in a chat or guild."""

from __future__ import annotations

from typing import Any, Protocol

from core.errors import NotFound, PermissionDenied
from core.identity import Identities
from core.models import Character, SettingsPatch, TTSSettings, UserRef
from core.settings import Settings
from core.voices import Voices, validate_name


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
                     style: str | None = None) -> Character:
        """Create a named voice with its own settings in this guild or chat."""
        if not user.scope:
            raise PermissionDenied(action="action_create_character_private")
        display = validate_name(name)
        uid = await self.identities.user_id(user)
        fields = {k: v for k, v in dict(voice=voice, speed=speed, gain=gain, language=language,
                                         style=style).items() if v is not None}
        clean = await self.settings.validated(uid, fields)
        clean.setdefault("voice", (await self.settings.view(user)).effective.voice)
        return await self.store.create_character(user.scope, display, SettingsPatch(**clean), uid)

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

    async def _own(self, user: UserRef, name: str, is_admin: bool) -> Character:
        char = await self.get(user.scope, name)
        if not is_admin and char.owner_id != await self.identities.user_id(user):
            raise PermissionDenied(action="action_character_of_others")
        return char

    async def update(self, user: UserRef, name: str, *, is_admin: bool, **fields: object) -> Character:
        """Change a character's settings (its creator or a server manager)."""
        char = await self._own(user, name, is_admin)
        clean = await self.settings.validated(await self.identities.user_id(user), fields)
        return await self.store.update_character(char.scope, char.name, **clean)

    async def delete(self, user: UserRef, name: str, *, is_admin: bool) -> Character:
        """Delete a character (its creator or a server manager)."""
        char = await self._own(user, name, is_admin)
        await self.store.delete_character(char.scope, char.name)
        return char

"""Pronunciation dictionaries: a user's own and a chat's or guild's (the text rules are in :mod:`core.lexicon`)."""

from __future__ import annotations

from typing import Protocol

from core import lexicon
from core.errors import NoPronunciation, PermissionDenied
from core.identity import Identities
from core.models import Pronunciation, UserRef


class DictionaryRepository(Protocol):
    """What :class:`Dictionary` needs stored."""

    async def list_pronunciations(self, owner: str) -> list[Pronunciation]: ...
    async def pronunciation_layers(self, *owners: str) -> list[list[Pronunciation]]: ...
    async def set_pronunciation(self, owner: str, word: str, spoken: str, *, limit: int) -> Pronunciation: ...
    async def delete_pronunciation(self, owner: str, word: str) -> Pronunciation | None: ...


class Dictionary:
    """How words are said: entries by owner, and the merged entries that apply to a speaker."""

    def __init__(self, repo: DictionaryRepository, identities: Identities) -> None:
        self.store = repo
        self.identities = identities

    async def applying(self, uid: int, scope: str | None) -> dict[str, tuple[str, str]]:
        """The entries that apply to ``uid`` speaking in ``scope``: the server's, then the user's own."""
        owners = ([scope] if scope else []) + [lexicon.user_owner(uid)]
        layers = await self.store.pronunciation_layers(*owners)
        return lexicon.merge(*([(p.word, p.spoken) for p in layer] for layer in layers))

    async def _owner(self, user: UserRef, server: bool, *, change: bool, is_admin: bool) -> str:
        if not server:
            return lexicon.user_owner(await self.identities.user_id(user))
        if not user.scope:
            raise PermissionDenied(action="action_scope_settings_private")
        if change and not is_admin:
            raise PermissionDenied(action="action_scope_pronunciations")
        return user.scope

    async def entries(self, user: UserRef, *, server: bool = False) -> list[Pronunciation]:
        """The user's own pronunciation dictionary, or (``server=True``) the chat's or guild's."""
        if server and not user.scope:
            return []
        return await self.store.list_pronunciations(await self._owner(user, server, change=False, is_admin=False))

    async def set(self, user: UserRef, word: str, spoken: str, *, server: bool = False,
                  is_admin: bool = False) -> Pronunciation:
        """Read ``word`` as ``spoken`` from now on, for this user or (``server=True``, admins only)
        for everyone in the chat or guild. A user's own entry wins over the server's."""
        word, spoken = lexicon.normalize_entry(word, spoken)
        owner = await self._owner(user, server, change=True, is_admin=is_admin)
        return await self.store.set_pronunciation(owner, word, spoken, limit=lexicon.MAX_ENTRIES)

    async def remove(self, user: UserRef, word: str, *, server: bool = False,
                     is_admin: bool = False) -> Pronunciation:
        """Forget how to say ``word`` (raises :class:`NoPronunciation` if there is no entry)."""
        owner = await self._owner(user, server, change=True, is_admin=is_admin)
        removed = await self.store.delete_pronunciation(owner, word)
        if removed is None:
            raise NoPronunciation(word=" ".join((word or "").split())[:lexicon.MAX_WORD_CHARS])
        return removed

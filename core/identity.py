"""Who is speaking: platform users, their accounts, and one identity across the chat platforms.

:class:`Identities` gives the account id of a platform user and links two accounts of one person with a
one-time code typed on the other platform.
"""

from __future__ import annotations

import collections
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.errors import (
    AlreadyLinked,
    LinkCodeInvalid,
    LinkKeyClash,
    LinkNameClash,
    LinkPrivateOnly,
    LinkSamePlatform,
    NameTaken,
)
from core import keys
from core.lexicon import user_owner
from core.models import Pronunciation, UserRef, Voice

#: How long a platform user's account id is trusted without asking the store again, and how many are kept.
USER_ID_TTL = 10.0
USER_ID_CACHE_SIZE = 50_000
#: Link codes: how long one is valid, and its alphabet (no 0/O, 1/I/L to misread).
LINK_CODE_TTL = 600.0
LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8


def link_code(typed: str | None) -> str:
    """A link code as typed (spaces, dashes, lower case, any length) in its stored form."""
    return re.sub(r"[\s-]", "", typed or "").upper()[:32]


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """What a link by code would share with the account that showed the code (see ``link_preview``)."""

    platform: str  # where the code was shown
    voices: list[str]  # this account's clones, which the other side may use from then on
    key_hint: str | None  # this account's API key (last 4 characters) if it moves over, else None
    key_kept_apart: bool  # this account has a key but the other's is used (this one is kept for /unlink)
    words: int  # pronunciation entries this account brings


class IdCache:
    """Platform user → account id, for ``USER_ID_TTL`` seconds and at most ``max_size`` entries.

    Short-lived on purpose: with several instances (webhook mode) another one may link, unlink or
    forget an account, and this one must notice soon.
    """

    def __init__(self, ttl: float, max_size: int, clock: Callable[[], float]) -> None:
        self.ttl, self.max_size, self._clock = ttl, max_size, clock
        self._items: collections.OrderedDict[tuple[str, str], tuple[float, int]] = collections.OrderedDict()

    def get(self, key: tuple[str, str]) -> int | None:
        item = self._items.get(key)
        if item is None or self._clock() - item[0] > self.ttl:
            return None
        return item[1]

    def put(self, key: tuple[str, str], uid: int) -> None:
        self._items[key] = (self._clock(), uid)
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def drop(self, *uids: int) -> None:
        for key in [k for k, (_, v) in self._items.items() if v in uids]:
            del self._items[key]

    def pop(self, key: tuple[str, str]) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


class IdentityRepository(Protocol):
    """What :class:`Identities` needs stored: accounts, their platform identities and link codes."""

    async def get_or_create_user(self, platform: str, platform_user_id: str) -> int: ...
    async def identity_id(self, platform: str, platform_user_id: str) -> int | None: ...
    async def is_linked(self, identity_id: int) -> bool: ...
    async def linked_identities(self, account_id: int) -> list[tuple[str, str]]: ...
    async def create_link_code(self, user_id: int, code: str, *, max_age: float) -> None: ...
    async def take_link_code(self, code: str, *, max_age: float) -> int | None: ...
    async def peek_link_code(self, code: str, *, max_age: float) -> int | None: ...
    async def link_identity(self, identity_id: int, account_id: int, *, code: str | None = None) -> None: ...
    async def unlink(self, user_id: int) -> int: ...
    # what a link would share, shown before it is made
    async def list_voices(self, owner_id: int) -> list[Voice]: ...
    async def get_api_key(self, user_id: int) -> str | None: ...
    async def get_api_key_info(self, user_id: int) -> tuple[str, str] | None: ...
    async def list_pronunciations(self, owner: str) -> list[Pronunciation]: ...


class Identities:
    """Platform users and the accounts behind them."""

    def __init__(self, repo: IdentityRepository, *, clock: Callable[[], float],
                 legacy_secret: bytes | None = None) -> None:
        self.store = repo
        self._legacy_secret = legacy_secret  # for key fingerprints made before k2 (core.keys)
        self._user_ids = IdCache(USER_ID_TTL, USER_ID_CACHE_SIZE, clock)

    async def user_id(self, user: UserRef) -> int:
        """The internal id of a platform user, created on first sight."""
        key = (user.platform, user.user_id)
        uid = self._user_ids.get(key)
        if uid is None:
            uid = await self.store.get_or_create_user(user.platform, user.user_id)
            self._user_ids.put(key, uid)
        return uid

    def forget(self, user: UserRef, uid: int) -> None:
        """Drop what is cached about a forgotten account."""
        self._user_ids.drop(uid)
        self._user_ids.pop((user.platform, user.user_id))

    def forget_cached(self, uid: int | None = None) -> None:
        """Drop the cached account ids (those of ``uid``; None: all): another process linked, unlinked or forgot."""
        if uid is None:
            self._user_ids.clear()
        else:
            self._user_ids.drop(uid)

    # --- one person on several chat platforms ---------------------------------------------------

    async def start_link(self, user: UserRef) -> str:
        """A one-time code (valid 10 minutes) that the user types on their other platform with
        :meth:`complete_link`, so both accounts share one identity: voices, settings, key, dictionary.

        Only where nobody else sees it (a private chat, an ephemeral reply): whoever types the code
        gets the use of this account's voices.
        """
        if not user.is_private:
            raise LinkPrivateOnly()
        uid = await self.user_id(user)
        code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
        await self.store.create_link_code(uid, code, max_age=LINK_CODE_TTL)
        return code

    async def link_preview(self, user: UserRef, code: str) -> LinkPreview:
        """What typing ``code`` would do, checked as :meth:`complete_link` checks it, without linking or
        using up the code: shown to the user to confirm, because whoever showed the code gets the use
        of everything listed (a code passed on by someone else is how accounts get taken over)."""
        identity, account, platform = await self._link_target(user, code)
        voices = [v.name for v in await self.store.list_voices(identity)]
        mine, theirs = await self.store.get_api_key_info(identity), await self.store.get_api_key_info(account)
        words = len(await self.store.list_pronunciations(user_owner(identity)))
        return LinkPreview(platform=platform, voices=voices, key_hint=mine[1] if mine and not theirs else None,
                           key_kept_apart=bool(mine and theirs), words=words)

    async def complete_link(self, user: UserRef, code: str) -> str:
        """Join this account to the one that issued ``code``; returns that account's platform.

        What this account had moves over where the other has nothing in its place (see
        ``Store.link_identity``); the other account's settings, key and voices win. Adapters show
        :meth:`link_preview` and ask first.
        """
        identity, account, platform = await self._link_target(user, code)
        try:  # the code is used up inside the link's own transaction
            await self.store.link_identity(identity, account, code=link_code(code))
        except NameTaken as exc:
            raise LinkNameClash(name=exc.params.get("name", "")) from None
        self._user_ids.drop(identity)
        self._user_ids.put((user.platform, user.user_id), account)
        return platform

    async def _link_target(self, user: UserRef, code: str) -> tuple[int, int, str]:
        """``(identity, account, the account's platform)`` for a link by ``code``, or the error to show."""
        wanted = link_code(code)
        if not user.is_private:
            if wanted:  # others have seen it: nobody may use it now
                await self.store.take_link_code(wanted, max_age=LINK_CODE_TTL)
            raise LinkPrivateOnly()
        identity = await self.store.get_or_create_user(user.platform, user.user_id)
        raw = await self.store.identity_id(user.platform, user.user_id)
        if raw != identity or await self.store.is_linked(identity):
            raise AlreadyLinked()
        if not wanted:
            raise LinkCodeInvalid()
        account = await self.store.peek_link_code(wanted, max_age=LINK_CODE_TTL)
        if account is None:
            raise LinkCodeInvalid()
        platforms = [platform for platform, _ in await self.store.linked_identities(account)]
        refusal: Exception | None = None
        if not platforms:
            refusal = LinkCodeInvalid()
        elif platforms[0] == user.platform:
            refusal = LinkSamePlatform()
        elif user.platform in platforms:  # the account already has an identity on this platform
            refusal = AlreadyLinked()
        if refusal is not None:  # typed by the wrong account: used up, its owner asks for a new one
            await self.store.take_link_code(wanted, max_age=LINK_CODE_TTL)
            raise refusal
        await self._check_keys_for_link(identity, account)
        return identity, account, platforms[0]

    async def _check_keys_for_link(self, identity: int, account: int) -> None:
        """Linking keeps one API key, the account's. Refuse if that would strand clones made with the
        joining identity's own, different key."""
        mine, theirs = await self.store.get_api_key_info(identity), await self.store.get_api_key_info(account)
        if mine is None or theirs is None or mine[0] == theirs[0]:
            return
        # Fingerprints of two schemes (core.keys) can't be compared as text: compare the keys themselves.
        my_key, their_key = await self.store.get_api_key(identity), await self.store.get_api_key(account)
        if my_key is not None and their_key is not None and keys.fingerprint(my_key) == keys.fingerprint(their_key):
            return
        legacy_secret = self._legacy_secret

        def made_with_mine(fingerprint: str | None) -> bool:
            if my_key is not None:
                return keys.matches(fingerprint, my_key, legacy_secret=legacy_secret)
            return fingerprint == mine[0]  # the key no longer decrypts: only its own fingerprint tells

        stranded = [v.name for v in await self.store.list_voices(identity) if made_with_mine(v.key_fingerprint)]
        if stranded:
            raise LinkKeyClash(names=", ".join(f"“{name}”" for name in stranded[:5]))

    async def linked_platforms(self, user: UserRef) -> list[str]:
        """The platforms whose accounts share this user's identity (besides this one)."""
        uid = await self.user_id(user)
        return [platform for platform, pid in await self.store.linked_identities(uid)
                if (platform, pid) != (user.platform, user.user_id)]

    async def unlink(self, user: UserRef) -> bool:
        """Separate this account from its other-platform account. Everything stays with the account
        that issued the code; an account that typed the code starts afresh. False if not linked."""
        raw = await self.store.identity_id(user.platform, user.user_id)
        if raw is None:
            return False
        account = await self.user_id(user)
        undone = await self.store.unlink(raw)
        self._user_ids.drop(raw, account)
        return undone > 0


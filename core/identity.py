"""Who is speaking: platform users, their accounts, and one identity across Telegram and Discord.

:class:`Identities` holds the :class:`~core.service.VoiceService` methods about identity (it is one of
its bases, so adapters call them on the service): the account id of a platform user, and linking two
accounts of one person with a one-time code.
"""

from __future__ import annotations

import collections
import re
import secrets
from collections.abc import Callable
from typing import Any

from core.errors import (
    AlreadyLinked,
    LinkCodeInvalid,
    LinkKeyClash,
    LinkNameClash,
    LinkPrivateOnly,
    LinkSamePlatform,
    NameTaken,
)
from core.models import UserRef

#: How long a platform user's account id is trusted without asking the store again, and how many are kept.
USER_ID_TTL = 10.0
USER_ID_CACHE_SIZE = 50_000
#: Link codes: how long one is valid, and its alphabet (no 0/O, 1/I/L to misread).
LINK_CODE_TTL = 600.0
LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8


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


class Identities:
    """Identity methods of the service; needs ``self.store`` and ``self._user_ids`` (an :class:`IdCache`)."""

    store: Any  # storage.Store (core does not import storage)
    _user_ids: IdCache

    async def user_id(self, user: UserRef) -> int:
        """The internal id of a platform user, created on first sight."""
        key = (user.platform, user.user_id)
        uid = self._user_ids.get(key)
        if uid is None:
            uid = await self.store.get_or_create_user(user.platform, user.user_id)
            self._user_ids.put(key, uid)
        return uid

    # --- one person on Telegram and Discord -----------------------------------------------------

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

    async def complete_link(self, user: UserRef, code: str) -> str:
        """Join this account to the one that issued ``code``; returns that account's platform.

        What this account had moves over where the other has nothing in its place (see
        ``Store.link_identity``); the other account's settings, key and voices win.
        """
        wanted = re.sub(r"[\s-]", "", code or "").upper()
        if not user.is_private:
            if wanted:  # others have seen it: nobody may use it now
                await self.store.take_link_code(wanted, max_age=LINK_CODE_TTL)
            raise LinkPrivateOnly()
        identity = await self.store.get_or_create_user(user.platform, user.user_id)
        raw = await self.store.identity_id(user.platform, user.user_id)
        if raw != identity or await self.store.is_linked(identity):
            raise AlreadyLinked()
        account = await self.store.take_link_code(wanted, max_age=LINK_CODE_TTL) if wanted else None
        if account is None:
            raise LinkCodeInvalid()
        platforms = [platform for platform, _ in await self.store.linked_identities(account)]
        if not platforms:
            raise LinkCodeInvalid()
        if platforms[0] == user.platform:
            raise LinkSamePlatform()
        if user.platform in platforms:  # the account already has an identity on this platform
            raise AlreadyLinked()
        await self._check_keys_for_link(identity, account)
        try:
            await self.store.link_identity(identity, account)
        except NameTaken as exc:
            raise LinkNameClash(name=exc.params.get("name", "")) from None
        self._user_ids.drop(identity)
        self._user_ids.put((user.platform, user.user_id), account)
        return platforms[0]

    async def _check_keys_for_link(self, identity: int, account: int) -> None:
        """Linking keeps one API key, the account's. Refuse if that would strand clones made with the
        joining identity's own, different key."""
        mine, theirs = await self.store.get_api_key_info(identity), await self.store.get_api_key_info(account)
        if mine is None or theirs is None or mine[0] == theirs[0]:
            return
        stranded = [v.name for v in await self.store.list_voices(identity) if v.key_fingerprint == mine[0]]
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


"""Accounts: a user's own API key, their usage and quota, and forgetting everything about them."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from core import keys
from core.cache import AudioCache
from core.config import Config
from core.engines import Engines
from core.errors import (
    InvalidApiKey,
    PrivateChatOnly,
    ProviderAuthError,
    ProviderError,
    ProviderForbidden,
    VoiceKeyMismatch,
)
from core.identity import Identities
from core.limits import Limits
from core.models import ForgetReport, UsageReport, UserRef, Voice
from core.voices import Voices

log = logging.getLogger(__name__)


class AccountRepository(Protocol):
    """What :class:`Accounts` needs stored."""

    async def find_user(self, platform: str, platform_user_id: str) -> int | None: ...
    async def set_api_key(self, user_id: int, plaintext: str, fingerprint: str) -> None: ...
    async def get_api_key(self, user_id: int) -> str | None: ...
    async def clear_api_key(self, user_id: int) -> bool: ...
    async def get_usage(self, user_id: int, *, day: date | None = None) -> tuple[int, int, int, int]: ...
    async def get_lent_bytes(self, user_id: int, *, day: date | None = None) -> tuple[int, int]: ...
    async def get_operator_bytes(self, user_id: int, *, day: date | None = None) -> int: ...
    async def get_tokens(self, user_id: int, *, day: date | None = None) -> tuple[int, int, int]: ...
    async def list_voices(self, owner_id: int) -> list[Voice]: ...
    async def delete_voice(self, owner_id: int, name: str) -> Voice | None: ...
    async def forget_user(self, user_id: int) -> int: ...


@dataclass(frozen=True, slots=True)
class KeyRemoval:
    """What ``/key clear`` did: whether there was a key, and the clones that depended on it."""

    removed: bool
    stranded: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.removed


class Accounts:
    """A user's key, usage and right to be forgotten."""

    def __init__(self, repo: AccountRepository, identities: Identities, voices: Voices, engines: Engines,
                 cache: AudioCache, limits: Limits, config: Config) -> None:
        self.store = repo
        self.identities = identities
        self.voices = voices
        self.engines = engines
        self.cache = cache
        self.limits = limits
        self.config = config

    async def set_api_key(self, user: UserRef, api_key: str) -> str:
        """Store the user's own SiliconFlow key (private chats only); returns the masked key."""
        if not user.is_private:
            raise PrivateChatOnly()
        key = api_key.strip()
        if not re.fullmatch(r"[A-Za-z0-9_\-.]{8,200}", key):
            raise InvalidApiKey()
        remote = self.engines.remote
        if remote is not None:
            try:
                await remote.list_voices(api_key=key)
            except ProviderAuthError:
                raise InvalidApiKey() from None
            except ProviderError as exc:  # can't verify now; keep it, the next call will tell
                log.info("could not verify a user's key: %s", type(exc).__name__)
        uid = await self.identities.user_id(user)
        await self.store.set_api_key(uid, key, keys.fingerprint(key))
        return mask_key(key)

    async def clear_api_key(self, user: UserRef) -> KeyRemoval:
        """Remove the user's own key. The result is true if there was one, and names the user's clones
        that were made with it: they can't be spoken or deleted at the provider until it is set again."""
        uid = await self.identities.user_id(user)
        own = await self.store.get_api_key(uid)
        stranded = await self.voices.stranded_by(uid, own) if own is not None else []
        removed = await self.store.clear_api_key(uid)
        return KeyRemoval(removed=removed, stranded=stranded if removed else [])

    async def usage(self, user: UserRef) -> UsageReport:
        """UTF-8 bytes billed (today and in total), the estimated cost, and chat-model tokens."""
        uid = await self.identities.user_id(user)
        today_b, today_r, total_b, total_r = await self.store.get_usage(uid)
        lent_today, lent_total = await self.store.get_lent_bytes(uid)
        tokens_today, tokens_total, tokens_operator = await self.store.get_tokens(uid)
        return UsageReport(
            today_bytes=today_b, today_requests=today_r, total_bytes=total_b, total_requests=total_r,
            daily_limit=self.config.daily_byte_quota or None, quota_used=await self.store.get_operator_bytes(uid),
            estimated_cost=round(total_b * self.config.price_per_million_bytes / 1_000_000, 4),
            currency=self.config.currency, lent_today=lent_today, lent_total=lent_total,
            tokens_today=tokens_today, tokens_total=tokens_total, tokens_quota_used=tokens_operator,
            token_limit=self.config.daily_token_quota or None,
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
        remote = self.engines.remote
        for voice in await self.store.list_voices(uid):
            if remote is None or not voice.provider_id:
                continue
            try:
                key = await self.voices.key_for_voice(uid, voice)
                await remote.delete_voice(voice.provider_id, api_key=key)
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
            report.deleted_cache_entries += await self.voices.purge_audio(voice)
        if report.failed_remote_voices:
            return report
        if self.engines.can_clone:  # clones a crash left without a row
            own = await self.store.get_api_key(uid)
            for key in dict.fromkeys(k for k in (own, self.config.operator_key()) if k):
                await self.voices.delete_orphans(uid, key, lambda name: True)
        report.deleted_cache_entries += await self.cache.purge_tag(f"user:{uid}")
        report.deleted_rows = await self.store.forget_user(uid)
        self.identities.forget(user, uid)
        self.limits.forget(uid)
        return report


def mask_key(key: str) -> str:
    """Show a key as ``…abcd``: never more than its last four characters (the store keeps only those)."""
    return f"…{key[-4:]}" if len(key) > 8 else "…"

"""Who may use the web console: one-time sign-in links and browser sessions, for accounts (not platforms).

A chat user asks for a link (``/web``, privately); the link opens a session for their *account*, the one
:mod:`core.identity` resolves (``/link`` included), so the console shows and changes what the bots use.

* A link is ``<nonce>.<signature>``: a random nonce and an HMAC over it with a key derived from the secret
  key. The signature is checked first (a forged link costs no database read); then the nonce's SHA-256 is
  taken out of the store, so a link works once, for :data:`LINK_TTL` seconds, and a copy of the database
  holds no usable link.
* A session is a random token (the cookie) whose SHA-256 is stored with the account and its expiry:
  signing out or forgetting the account deletes the row, which ends the session at once.
* The CSRF token of a session is an HMAC of its token: nothing more to store, and useless without the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from core.errors import InputError
from core.identity import Identities
from core.models import Character, UserRef

#: How long a sign-in link works, and how long a session lasts.
LINK_TTL = 600.0
SESSION_TTL = 7 * 24 * 3600.0
#: The account of the console's local owner (no bot at all): the same one ``voicebridge speak`` uses.
OWNER = UserRef(platform="cli", user_id="operator", is_private=True)


class WebLinkPrivateOnly(InputError):
    """A sign-in link is handed out only where nobody else can see it."""

    code = "web_private_only"


class WebConsoleOff(InputError):
    """The operator turned the web console off (``VOICEBRIDGE_WEB=off``)."""

    code = "web_console_off"


class WebRepository(Protocol):
    """What :class:`WebAccess` needs stored."""

    async def add_web_link(self, nonce_hash: str, user_id: int, *, expires_at: datetime) -> None: ...
    async def take_web_link(self, nonce_hash: str) -> tuple[int, datetime] | None: ...
    async def add_web_session(self, token_hash: str, user_id: int, *, expires_at: datetime) -> None: ...
    async def get_web_session(self, token_hash: str) -> tuple[int, datetime] | None: ...
    async def delete_web_session(self, token_hash: str) -> bool: ...
    async def delete_web_sessions(self, user_id: int) -> int: ...
    async def get_user(self, user_id: int) -> tuple[str, str] | None: ...
    async def daily_usage(self, user_id: int, *, since: date) -> list[tuple[date, int]]: ...
    async def owned_characters(self, owner_id: int) -> list[Character]: ...


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser. ``token`` goes in the cookie; ``csrf`` in every form of its pages."""

    token: str = field(repr=False)
    csrf: str = field(repr=False)
    account_id: int
    user: UserRef  # the account's own identity: what the console passes to the service
    expires_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebAccess:
    """Issue and redeem sign-in links; find, check and end sessions."""

    def __init__(self, repo: WebRepository, identities: Identities, *, secret_key: bytes | None,
                 enabled: bool = True, base_url: str = "", clock: Callable[[], datetime] | None = None) -> None:
        self.store = repo
        self.identities = identities
        self.enabled = enabled
        #: Where links point (``VOICEBRIDGE_PUBLIC_URL``, else the console's own address: set when it listens).
        self.base_url = base_url
        self._key = hmac.new(secret_key or secrets.token_bytes(32), b"voicebridge web console", "sha256").digest()
        self._now = clock or (lambda: datetime.now(UTC))

    def _sign(self, purpose: str, value: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}:{value}".encode(), "sha256").digest()[:18])

    # --- links -------------------------------------------------------------------------------

    async def issue_link(self, user: UserRef) -> str:
        """A one-time sign-in URL for ``user``'s account, valid :data:`LINK_TTL` seconds.

        Only privately (a private chat, an ephemeral reply): whoever opens it acts as this account.
        Raises :class:`WebConsoleOff` or :class:`WebLinkPrivateOnly`."""
        if not self.enabled:
            raise WebConsoleOff()
        if not user.is_private:
            raise WebLinkPrivateOnly()
        account = await self.identities.user_id(user)
        nonce = secrets.token_urlsafe(24)
        await self.store.add_web_link(_hash(nonce), account, expires_at=self._now() + timedelta(seconds=LINK_TTL))
        return f"{self.base_url}/signin/{nonce}.{self._sign('link', nonce)}"

    async def redeem_link(self, token: str) -> WebSession | None:
        """A new session for the account a link opens, using the link up; None if the link is forged,
        unknown, already used or expired."""
        nonce, _, signature = token.partition(".")
        if not nonce or not hmac.compare_digest(signature.encode(), self._sign("link", nonce).encode()):
            return None
        found = await self.store.take_web_link(_hash(nonce))
        if found is None or found[1] <= self._now():
            return None
        user = await self._account_user(found[0])
        if user is None:
            return None
        session_token = secrets.token_urlsafe(32)
        expires = self._now() + timedelta(seconds=SESSION_TTL)
        await self.store.add_web_session(_hash(session_token), found[0], expires_at=expires)
        return WebSession(token=session_token, csrf=self.csrf_for(session_token), account_id=found[0], user=user,
                          expires_at=expires)

    # --- sessions ------------------------------------------------------------------------------

    def csrf_for(self, session_token: str) -> str:
        """The CSRF token of a session (an HMAC of its cookie's token)."""
        return self._sign("csrf", session_token)

    async def session(self, token: str | None) -> WebSession | None:
        """The live session whose cookie is ``token``; None if there is none (or it expired, or the
        account was forgotten)."""
        if not token or len(token) > 200:
            return None
        found = await self.store.get_web_session(_hash(token))
        if found is None:
            return None
        if found[1] <= self._now():
            await self.store.delete_web_session(_hash(token))
            return None
        user = await self._account_user(found[0])
        if user is None:
            return None
        return WebSession(token=token, csrf=self.csrf_for(token), account_id=found[0], user=user,
                          expires_at=found[1])

    async def end_session(self, token: str) -> None:
        """Sign out: the session stops working now."""
        await self.store.delete_web_session(_hash(token))

    async def end_all(self, account_id: int) -> int:
        """End every session and unused link of an account (after ``forget``: the rows go with it anyway)."""
        return await self.store.delete_web_sessions(account_id)

    async def _account_user(self, account_id: int) -> UserRef | None:
        """The account's own identity, or None if the account no longer exists."""
        found = await self.store.get_user(account_id)
        if found is None:
            return None
        return UserRef(platform=found[0], user_id=found[1], is_private=True)

    # --- what the pages show that the rest of the core does not offer ---------------------------------

    async def daily_usage(self, user: UserRef, days: int = 30) -> list[tuple[date, int]]:
        """Bytes billed per UTC day for the last ``days`` days, every day present (zero when silent)."""
        today = self._now().date()
        since = today - timedelta(days=days - 1)
        spoken = dict(await self.store.daily_usage(await self.identities.user_id(user), since=since))
        return [(since + timedelta(days=i), spoken.get(since + timedelta(days=i), 0)) for i in range(days)]

    async def characters(self, user: UserRef) -> list[Character]:
        """The characters the account created, wherever they live."""
        return await self.store.owned_characters(await self.identities.user_id(user))

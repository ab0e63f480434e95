"""Sign-in links and sessions (core/web_access.py) on the real store: signed, single use, expiring; sessions
that end; an account, not a platform user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.identity import Identities
from core.models import UserRef
from core.web_access import WebAccess, WebConsoleOff, WebLinkPrivateOnly

ME = UserRef(platform="telegram", user_id="10", is_private=True)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def access(store, clock: Clock, secret_key: bytes) -> WebAccess:
    return WebAccess(store, Identities(store, clock=lambda: 0.0), secret_key=secret_key, base_url="http://x",
                     clock=clock)


def token_of(link: str) -> str:
    return link.rsplit("/signin/", 1)[1]


async def test_a_link_works_once(access: WebAccess) -> None:
    link = await access.issue_link(ME)
    assert link.startswith("http://x/signin/")
    session = await access.redeem_link(token_of(link))
    assert session is not None and session.user.platform == "telegram" and session.user.user_id == "10"
    assert session.token not in repr(session) and session.csrf not in repr(session)
    assert await access.redeem_link(token_of(link)) is None
    found = await access.session(session.token)
    assert found is not None and found.csrf == session.csrf and found.account_id == session.account_id
    await access.end_session(session.token)
    assert await access.session(session.token) is None


async def test_forged_expired_and_public_links_get_nothing(access: WebAccess, clock: Clock, store,
                                                           secret_key: bytes) -> None:
    nonce, _, signature = token_of(await access.issue_link(ME)).partition(".")
    assert await access.redeem_link(f"{nonce}.{signature[::-1]}") is None
    other_key = WebAccess(store, access.identities, secret_key=b"another secret", clock=clock)
    assert await other_key.redeem_link(f"{nonce}.{signature}") is None  # signed with another key
    clock.now += timedelta(minutes=10, seconds=1)
    assert await access.redeem_link(f"{nonce}.{signature}") is None  # expired (and used up)
    with pytest.raises(WebLinkPrivateOnly):
        await access.issue_link(UserRef(platform="telegram", user_id="10", scope_id="-5", is_private=False))
    access.enabled = False
    with pytest.raises(WebConsoleOff):
        await access.issue_link(ME)


async def test_a_session_expires(access: WebAccess, clock: Clock) -> None:
    session = await access.redeem_link(token_of(await access.issue_link(ME)))
    assert session is not None
    clock.now += timedelta(days=7, seconds=1)
    assert await access.session(session.token) is None


async def test_daily_usage_has_every_day(access: WebAccess, store) -> None:
    uid = await access.identities.user_id(ME)
    today = datetime.now(UTC).date()
    await store.add_usage(uid, 30, day=today - timedelta(days=1))
    days = await access.daily_usage(ME, days=7)
    assert len(days) == 7 and days[-1][0] == today and days[-2] == (today - timedelta(days=1), 30)
    assert sum(n for _, n in days) == 30

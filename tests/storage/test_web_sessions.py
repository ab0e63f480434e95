"""The web console's links and sessions on SQLite and PostgreSQL: single use under concurrency, forgotten
with their account."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import schema


async def test_a_link_is_taken_once_even_by_concurrent_opens(store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    expires = datetime.now(UTC) + timedelta(minutes=10)
    await store.add_web_link("h1", uid, expires_at=expires)
    results = await asyncio.gather(*(store.take_web_link("h1") for _ in range(5)))
    assert [r[0] for r in results if r is not None] == [uid]
    assert await store.take_web_link("h1") is None


async def test_sessions_end_by_token_by_account_and_with_the_account(store) -> None:
    uid = await store.get_or_create_user("telegram", "2")
    other = await store.get_or_create_user("telegram", "3")
    later = schema.utcnow() + timedelta(days=1)
    for token, owner in (("a", uid), ("b", uid), ("c", other)):
        await store.add_web_session(token, owner, expires_at=later)
    assert (await store.get_web_session("a"))[0] == uid
    assert await store.delete_web_session("a") and await store.get_web_session("a") is None
    assert await store.delete_web_sessions(uid) == 1 and await store.get_web_session("b") is None
    await store.add_web_link("l", other, expires_at=later)
    await store.forget_user(other)  # the rows go with the account (ON DELETE CASCADE)
    assert await store.get_web_session("c") is None and await store.take_web_link("l") is None


async def test_usage_per_day_and_owned_characters(store) -> None:
    uid = await store.get_or_create_user("telegram", "4")
    today = datetime.now(UTC).date()
    await store.add_usage(uid, 100, day=today - timedelta(days=2))
    await store.add_usage(uid, 50, day=today)
    await store.add_usage(uid, 7, day=today - timedelta(days=40))
    assert await store.daily_usage(uid, since=today - timedelta(days=29)) == [
        (today - timedelta(days=2), 100), (today, 50)]
    assert await store.owned_characters(uid) == []

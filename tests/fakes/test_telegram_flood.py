"""The fake Bot API's opt-in flood limits (tests/fakes/telegram.py: ``FakeTelegram.limit_flood``)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.fakes.telegram import FakeTelegram, FloodLimits


async def call(client: httpx.AsyncClient, tg: FakeTelegram, method: str, **params: Any) -> httpx.Response:
    return await client.post(f"{tg.base_url}{tg.token}/{method}", json=params)


async def test_no_limits_unless_asked() -> None:
    async with FakeTelegram() as tg, httpx.AsyncClient() as client:
        answers = [await call(client, tg, "sendMessage", chat_id=7, text="hi") for _ in range(40)]
    assert [a.status_code for a in answers] == [200] * 40
    assert tg.flood_refusals() == []


async def test_overall_limit_answers_429_with_retry_after() -> None:
    async with FakeTelegram() as tg, httpx.AsyncClient() as client:
        tg.limit_flood(FloodLimits(per_second=5, burst=5, chat_per_second=100, chat_burst=100))
        answers = [await call(client, tg, "sendMessage", chat_id=10 + i, text="hi") for i in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        body = answers[-1].json()
        assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}}
        # chat actions count toward the overall limit; getMe names no chat and does not
        assert (await call(client, tg, "sendChatAction", chat_id=99, action="typing")).status_code == 429
        assert (await call(client, tg, "getMe")).status_code == 200
        await asyncio.sleep(0.25)  # 5 tokens a second: one is back
        assert (await call(client, tg, "sendChatAction", chat_id=99, action="typing")).status_code == 200
        assert len(tg.flood_refusals()) == 2


async def test_per_chat_limit_counts_new_messages_only() -> None:
    async with FakeTelegram() as tg, httpx.AsyncClient() as client:
        tg.limit_flood()  # Telegram's: 30/s overall, 1/s in one chat
        assert (await call(client, tg, "sendMessage", chat_id=5, text="one")).status_code == 200
        refused = await call(client, tg, "sendMessage", chat_id=5, text="two")
        assert refused.status_code == 429 and refused.json()["parameters"] == {"retry_after": 1}
        # another chat, and a chat action in the same chat, are not held back by chat 5's limit
        assert (await call(client, tg, "sendMessage", chat_id=6, text="one")).status_code == 200
        assert (await call(client, tg, "sendChatAction", chat_id=5, action="record_voice")).status_code == 200
        await asyncio.sleep(1.05)
        assert (await call(client, tg, "sendMessage", chat_id=5, text="two")).status_code == 200
    assert [c.params["text"] for c in tg.sent(5)] == ["one", "two"]


def test_buckets_refill_continuously() -> None:
    limits = FloodLimits(per_second=2, burst=2, chat_per_second=1, chat_burst=1)
    assert limits.take("sendVoice", 1, 0.0) is None
    assert limits.take("sendVoice", 2, 0.0) is None
    assert limits.take("sendVoice", 3, 0.0) == 1  # 0.5 s to the next token, rounded up
    assert limits.take("sendVoice", 3, 0.5) is None
    assert limits.take("sendVoice", 3, 1.2) == 1  # chat 3's own bucket is empty until 1.5 s
    assert limits.take("sendVoice", 3, 1.5) is None
    assert limits.take("getUpdates", None, 1.5) is None  # no chat: not counted

"""Flow control (bots/telegram/limits.py): Telegram's flood control waited out, one busy answer to a flooding
user, the per-chat pacer, the per-user gate, and chat actions outside a group's message budget.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bots.telegram.context import TelegramOptions
from bots.telegram.limits import ChatPacer
from core.errors import Busy
from tests.bots.telegram.conftest import CHAT, GROUP, USER, Harness


# PTB itself reads RetryAfter.retry_after while building the error (PTB_TIMEDELTA unset).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_flood_control_on_send_voice_is_waited_out(bot: Harness) -> None:
    bot.tg.fail("sendVoice", error_code=429, retry_after=1)
    await bot.send("/speak flood control")
    calls = bot.tg.calls_to("sendVoice")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9


async def test_a_user_flooding_requests_gets_one_busy_answer(make_bot) -> None:
    bot = await make_bot(options=TelegramOptions(max_user_requests=1, busy_notice_interval=60.0,
                                                 private_per_second=100.0))
    bot.sf.slow_first_byte(0.5, endpoint="speech")
    updates = [bot.updates.message(CHAT, USER, f"/speak number {i}") for i in range(5)]
    other = bot.updates.message(2222, 2222, "/speak someone else")
    await asyncio.gather(*(bot.feed(u) for u in updates), bot.feed(other))
    assert len(bot.voices_sent(CHAT)) == 1
    assert len(bot.voices_sent(2222)) == 1
    busy = [t for t in bot.tg.texts(CHAT) if "requests waiting" in t]
    assert busy == ["You already have 1 requests waiting. Try again when they are done."]


async def test_the_pacer_keeps_order_and_rate_per_chat() -> None:
    pacer = ChatPacer(private_per_second=20.0, private_burst=1, group_per_minute=60.0, group_burst=1)
    order: list[tuple[int, int, float]] = []

    async def send(chat: int, n: int) -> None:
        async with pacer.slot(chat):
            order.append((chat, n, time.monotonic()))

    start = time.monotonic()
    await asyncio.gather(*(send(CHAT, n) for n in range(5)), send(GROUP, 0), send(4242, 0))
    mine = [(n, at) for chat, n, at in order if chat == CHAT]
    assert [n for n, _ in mine] == list(range(5))
    assert mine[-1][1] - start >= 0.19  # 4 waits of 1/20 s
    others = [at for chat, _, at in order if chat != CHAT]
    assert all(at - start < 0.05 for at in others)  # other chats are not held up


async def test_user_gate_refuses_beyond_the_limit() -> None:
    from bots.telegram.limits import UserGate

    gate = UserGate(2)
    async with gate.enter(1), gate.enter(1):
        with pytest.raises(Busy):
            async with gate.enter(1):
                pass
        async with gate.enter(2):
            assert gate.active(2) == 1
    assert gate.active(1) == 0


def _through(limiter, chat_id: int):
    """``(sent, call)``: ``call(endpoint)`` goes through ``limiter`` to a Bot API that records it in ``sent``."""
    sent: list[str] = []

    async def post(endpoint: str, data: dict) -> bool:
        sent.append(endpoint)
        return True

    async def call(endpoint: str) -> object:
        data = {"chat_id": chat_id}
        return await limiter.process_request(callback=post, args=(endpoint, data), kwargs={}, endpoint=endpoint,
                                             data=data, rate_limit_args=None)

    return sent, call


async def test_chat_actions_do_not_use_up_a_groups_message_budget() -> None:
    from bots.telegram.limits import RateLimiter

    limiter = RateLimiter(group_max_rate=1, group_time_period=60)
    await limiter.initialize()
    sent, call = _through(limiter, GROUP)

    start = time.monotonic()
    for _ in range(3):
        await call("sendChatAction")
    await asyncio.wait_for(call("sendMessage"), 1.0)  # the one message a minute is still free
    assert sent == ["sendChatAction"] * 3 + ["sendMessage"] and time.monotonic() - start < 1.0
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(call("sendMessage"), 0.3)  # and the group limit still holds
    await limiter.shutdown()


async def test_a_chat_action_never_waits_ahead_of_a_message_for_the_overall_budget() -> None:
    from bots.telegram.limits import RateLimiter

    limiter = RateLimiter(overall_max_rate=3, overall_time_period=1)
    await limiter.initialize()
    sent, call = _through(limiter, CHAT)

    assert await call("sendChatAction") is True  # room to spare: sent
    await call("sendVoice")
    await call("sendVoice")  # the budget of 3 a second is now used up
    start = time.monotonic()
    assert await call("sendChatAction") is True  # answered at once, but not sent
    assert time.monotonic() - start < 0.1
    assert sent == ["sendChatAction", "sendVoice", "sendVoice"] and limiter.skipped_chat_actions == 1
    await limiter.shutdown()


async def test_no_chat_action_while_the_voice_notes_owed_would_need_the_budget() -> None:
    """With more speaking requests in progress than a third of a second's budget, a chat action is skipped even
    though the limiter has room this instant: each one sent would delay every later voice note."""
    from bots.telegram.limits import RateLimiter

    backlog = [0]
    limiter = RateLimiter(overall_max_rate=3, overall_time_period=3 / 27, backlog=lambda: backlog[0])
    await limiter.initialize()
    sent, call = _through(limiter, CHAT)
    assert await call("sendChatAction") is True
    backlog[0] = 10  # > 27 / 3
    assert await call("sendChatAction") is True  # answered, not sent
    await call("sendVoice")  # messages are never held back by it
    assert sent == ["sendChatAction", "sendVoice"] and limiter.skipped_chat_actions == 1
    backlog[0] = 9
    await asyncio.sleep(0.12)  # the bucket drains
    await call("sendChatAction")
    assert sent[-1] == "sendChatAction"
    await limiter.shutdown()


async def test_the_bot_spaces_its_calls_evenly_instead_of_a_seconds_worth_at_once(make_bot) -> None:
    """Telegram's own bucket answers a clump of 27 calls with 429s: the bot's limiter saves up at most
    OVERALL_BURST calls, at OVERALL_MESSAGES_PER_SECOND, and knows how many speaking requests are in progress."""
    from bots.telegram.limits import OVERALL_BURST, OVERALL_MESSAGES_PER_SECOND

    bot = await make_bot()
    limiter = bot.application.bot.rate_limiter
    base = limiter._base_limiter
    assert base.max_rate == OVERALL_BURST
    assert base.max_rate / base.time_period == pytest.approx(OVERALL_MESSAGES_PER_SECOND)
    assert limiter._backlog() == 0
    start = time.monotonic()
    for _ in range(OVERALL_BURST + 6):
        async with base:
            pass
    assert time.monotonic() - start >= 6 / OVERALL_MESSAGES_PER_SECOND * 0.9  # never sooner than the rate

"""Provider faults, Telegram refusals and flood control, unexpected errors, busy users, pacing."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bots.telegram.context import TelegramOptions
from bots.telegram.limits import ChatPacer
from core.errors import Busy

from .conftest import CHAT, GROUP, USER, Harness, decode_ogg, ogg_voice


async def test_provider_429_is_retried_and_still_answered(bot: Harness) -> None:
    bot.sf.fail(429, retry_after=1, endpoint="speech")
    await bot.send("/speak rate limited once")
    assert len(bot.voices_sent()) == 1
    statuses = [r.status for r in bot.sf.requests_for("speech")]
    assert statuses == [429, 200]


async def test_repeated_500_falls_back_for_presets_and_is_reported_for_clones(make_bot) -> None:
    # The provider still retries 3 times; only its backoff pauses are shortened, to keep the suite quick.
    bot = await make_bot(provider_backoff=0.01)
    # A preset voice: the service speaks with the offline engine and says so.
    bot.sf.fail(500, times=None, endpoint="speech")
    await bot.send("/speak the service is down")
    voice = bot.last("sendVoice")
    assert [r.status for r in bot.sf.requests_for("speech")] == [500] * 4
    assert "offline engine" in voice.params["caption"]
    assert decode_ogg(voice.upload("voice").data)[1] == "opus"

    # A cloned voice can't fall back: the user is told plainly, and the bot keeps working.
    bot.sf.clear_faults()
    f = bot.tg.add_file(ogg_voice(6.0))
    await bot.send(None, voice=f.as_voice(6), caption="/clone mine")
    prompt = bot.last("sendMessage")
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    bot.sf.fail(500, times=None, endpoint="speech")
    before = len(bot.voices_sent())
    await bot.send("/speak in my cloned voice")
    assert bot.last_text() == "The speech service is unavailable right now. Please try again shortly."
    assert len(bot.voices_sent()) == before
    bot.sf.clear_faults()
    await bot.send("/speak and now it works again")
    assert len(bot.voices_sent()) == before + 1
    await bot.send("/usage")
    assert "Usage" in bot.last_text()


async def test_voice_messages_forbidden_falls_back_to_send_audio(bot: Harness) -> None:
    bot.tg.fail("sendVoice", description="Bad Request: VOICE_MESSAGES_FORBIDDEN")
    await bot.send("/speak I do not take voice messages")
    audio = bot.last("sendAudio")
    upload = audio.upload("audio")
    container, codec, _ = decode_ogg(upload.data)
    assert container == "mp3" and codec.startswith("mp3") and upload.filename.endswith(".mp3")
    assert audio.params["duration"] >= 1 and "voice messages turned off" in audio.params["caption"]
    # Remembered: the next note goes straight to sendAudio.
    await bot.send("/speak again")
    assert len(bot.tg.calls_to("sendVoice")) == 1 and len(bot.tg.calls_to("sendAudio")) == 2


# PTB itself reads RetryAfter.retry_after while building the error (PTB_TIMEDELTA unset).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_flood_control_on_send_voice_is_waited_out(bot: Harness) -> None:
    bot.tg.fail("sendVoice", error_code=429, retry_after=1)
    await bot.send("/speak flood control")
    calls = bot.tg.calls_to("sendVoice")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9


async def test_an_unexpected_error_is_logged_once_and_the_user_gets_an_apology(
        bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.service, "usage", broken)
    with caplog.at_level(logging.INFO):
        await bot.send("/usage")
    assert bot.last_text() == "Something went wrong on our side. Please try again."
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info and "boom" in str(errors[0].exc_info[1])
    await bot.send("/speak still alive")
    assert bot.voices_sent()


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


async def test_chat_actions_do_not_use_up_a_groups_message_budget() -> None:
    from bots.telegram.limits import RateLimiter

    limiter = RateLimiter(group_max_rate=1, group_time_period=60)
    await limiter.initialize()
    sent: list[str] = []

    async def post(endpoint: str, data: dict) -> bool:
        sent.append(endpoint)
        return True

    async def call(endpoint: str) -> None:
        data = {"chat_id": GROUP}
        await limiter.process_request(callback=post, args=(endpoint, data), kwargs={}, endpoint=endpoint,
                                      data=data, rate_limit_args=None)

    start = time.monotonic()
    for _ in range(3):
        await call("sendChatAction")
    await asyncio.wait_for(call("sendMessage"), 1.0)  # the one message a minute is still free
    assert sent == ["sendChatAction"] * 3 + ["sendMessage"] and time.monotonic() - start < 1.0
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(call("sendMessage"), 0.3)  # and the group limit still holds
    await limiter.shutdown()

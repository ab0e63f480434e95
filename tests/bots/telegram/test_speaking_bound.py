"""No more speaking requests in flight than TELEGRAM_MAX_SPEAKING: past it a request is refused at once, in the
user's language and at most once per notice interval, never queued; buttons and /help are still answered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bots.telegram.context import DEPS_KEY, TelegramOptions
from bots.telegram.limits import CHEAP_UPDATE_HEADROOM
from bots.telegram.runner import build_application
from bots.telegram.settings import TelegramSettings
from core.i18n import t
from tests.bots.telegram.conftest import Harness, bot_settings, close

#: Pacing off (tests send quickly), but the busy notice keeps its interval.
OPTIONS = TelegramOptions(busy_notice_interval=30.0, private_per_second=100.0, group_per_minute=6000.0)
HOLD = 2.0  # seconds the fake provider holds each of the first two speech requests
A, B, C, D = 1001, 1002, 1003, 1004


async def _until(predicate: Callable[[], Any], timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture
async def full_bot(make_app, tg, fake_siliconflow) -> Any:
    """A bot allowed two speaking requests at once, with two of them held by a slow provider."""
    app = await make_app("siliconflow")
    application = build_application(app, bot_settings(tg, max_speaking=2), options=OPTIONS, with_updater=False)
    await application.initialize()
    harness = Harness(app, application, tg, fake_siliconflow)
    fake_siliconflow.slow_first_byte(HOLD, times=2, endpoint="speech")
    held = [asyncio.create_task(harness.send("First speaker, please read this.", chat=user, user=user))
            for user in (A, B)]
    try:
        await _until(lambda: len(fake_siliconflow.requests_for("speech")) >= 2)
        yield harness
        await asyncio.wait_for(asyncio.gather(*held), 30)
    finally:
        for task in held:
            task.cancel()
        await close(harness)


async def test_past_the_bound_a_speaking_request_is_refused_politely_and_once(full_bot: Harness) -> None:
    bot = full_bot
    slots = bot.application.bot_data[DEPS_KEY].speaking
    assert slots.limit == 2 and slots.active == 2
    await asyncio.wait_for(bot.send("Please read this too.", chat=C, user=C), 5)  # answered at once, not queued
    assert bot.tg.texts(C) == [t("speaking_busy", "en")]
    await asyncio.wait_for(bot.send("And this?", chat=C, user=C), 5)  # refused again, told once per interval
    assert bot.tg.texts(C) == [t("speaking_busy", "en")]
    await asyncio.wait_for(bot.send("请读这个。", chat=D, user=D, lang="zh"), 5)  # in the user's language
    assert bot.tg.texts(D) == [t("speaking_busy", "zh")]
    assert slots.refused == 3
    assert len(bot.speech_requests()) <= 2 and not bot.voices_sent(C)  # nothing of theirs reached the provider
    # cheap updates are still handled while every slot is taken
    await asyncio.wait_for(bot.send("/help", chat=C, user=C), 5)
    assert len(bot.tg.texts(C)) == 2 and bot.tg.texts(C)[-1] != t("speaking_busy", "en")
    # once the held requests end, the same user is served
    await _until(lambda: slots.active == 0, timeout=30)
    await asyncio.wait_for(bot.send("Now it is my turn.", chat=C, user=C), 30)
    assert len(bot.voices_sent(C)) == 1


def test_ptb_takes_every_speaking_slot_and_room_for_cheap_updates(tg) -> None:
    settings = TelegramSettings.load(bot_token=tg.token, max_speaking=300)
    assert settings.max_speaking == 300
    assert TelegramSettings.load().max_speaking == 500  # the measured default (bench burst)
    assert CHEAP_UPDATE_HEADROOM > 0


async def test_the_update_processor_is_sized_from_the_bound(make_app, tg) -> None:
    app = await make_app("local")
    application = build_application(app, bot_settings(tg, max_speaking=300), options=OPTIONS, with_updater=False)
    assert application.update_processor.max_concurrent_updates == 300 + CHEAP_UPDATE_HEADROOM
    assert application.bot_data[DEPS_KEY].speaking.limit == 300


async def test_accepted_requests_take_turns_to_make_audio_and_none_is_refused() -> None:
    import asyncio

    from bots.telegram.limits import SpeakingSlots

    slots = SpeakingSlots(limit=3, working=1)
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def request(name: str, hold: bool) -> None:
        async with slots.enter(), slots.working():
            order.append(name)
            if hold:
                first_in.set()
                await release.wait()

    first = asyncio.create_task(request("first", True))
    await asyncio.wait_for(first_in.wait(), 5)
    second = asyncio.create_task(request("second", False))
    await asyncio.sleep(0.05)
    assert order == ["first"] and slots.active == 2 and slots.refused == 0  # accepted, waiting its turn
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert order == ["first", "second"] and slots.active == 0

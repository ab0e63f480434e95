"""The Telegram adapter end to end: the real PTB Application (built by ``build_application``) talking
to the fake Bot API (tests/fakes/telegram.py) over loopback, and the real App (``bots.app.build_app``)
on a temporary SQLite data dir and the fake SiliconFlow.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bots.app import App, build_app
from bots.telegram.context import TelegramOptions
from bots.telegram.runner import build_application
from bots.telegram.settings import TelegramSettings
from core import audio
from core.config import load_config
from core.models import UserRef
from core.uploads import clone_uploads
from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY
from tests.fakes.telegram import FakeTelegram, Updates, button_data

USER = 1001
CHAT = USER  # a private chat's id is the user's id
GROUP = -100200300
MB = 1024 * 1024


def speech_pcm(seconds: float, rate: int = 24000, *, seed: int = 7) -> bytes:
    """Speech-like mono s16le: a voiced tone (120–220 Hz + harmonics) in syllables of ~0.25 s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = 160 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 6))
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2
    signal = 0.3 * voice * syllables + 0.01 * rng.standard_normal(n)
    return (np.clip(signal, -1, 1) * 32767 * 0.6).astype("<i2").tobytes()


def ogg_voice(seconds: float = 6.0, *, silent: bool = False) -> bytes:
    """An OGG/Opus voice note like Telegram's (encoded by core.audio, i.e. PyAV)."""
    rate = 24000
    pcm = bytes(int(seconds * rate) * 2) if silent else speech_pcm(seconds, rate)
    return audio.encode_sync(pcm, rate, "ogg").data


def decode_ogg(data: bytes) -> tuple[str, str, float]:
    """(container, codec, seconds) of an upload, decoded with PyAV."""
    with av.open(io.BytesIO(data)) as src:
        stream = src.streams.audio[0]
        samples, rate = 0, 0
        for frame in src.decode(stream):
            samples += frame.samples
            rate = frame.sample_rate
        return src.format.name, stream.codec_context.name, samples / rate


class Harness:
    """One bot under test: feed updates, press buttons, inspect the fakes."""

    def __init__(self, app: App, application: Application, tg: FakeTelegram, sf: FakeSiliconFlow | None) -> None:
        self.app = app
        self.application = application
        self.tg = tg
        self.sf = sf
        self.updates = Updates(tg)

    @property
    def service(self):
        return self.app.service

    async def feed(self, update: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def send(self, text: str | None = None, *, chat: int = CHAT, user: int = USER,
                   **kwargs: Any) -> dict[str, Any]:
        """A user's message; returns the message dict (to reply to it later)."""
        update = self.updates.message(chat, user, text, **kwargs)
        await self.feed(update)
        return update["message"]

    async def press(self, data: str, message: dict[str, Any], *, user: int = USER, lang: str = "en") -> None:
        await self.feed(self.updates.callback(user, data, message, lang=lang))

    def last(self, method: str, chat: int | None = None):
        calls = [c for c in self.tg.calls_to(method, chat) if c.status == 200]
        assert calls, f"no successful {method} call; calls: {[c.method for c in self.tg.calls]}"
        return calls[-1]

    def last_text(self, chat: int | None = CHAT) -> str:
        texts = self.tg.texts(chat)
        assert texts, f"nothing was said; calls: {[(c.method, c.status) for c in self.tg.calls]}"
        return texts[-1]

    def button(self, call, label: str) -> str:
        return button_data(call.params.get("reply_markup"), label)

    def voices_sent(self, chat: int | None = None) -> list:
        return [c for c in self.tg.calls_to("sendVoice", chat) if c.status == 200]

    def speech_requests(self) -> list:
        assert self.sf is not None
        return [r for r in self.sf.requests_for("speech") if r.status == 200]


#: Tests send many messages to one chat in a row: pace generously (one test checks the real pacing).
FAST = TelegramOptions(busy_notice_interval=0.0, private_per_second=100.0, group_per_minute=6000.0)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


MakeBot = Callable[..., Awaitable[Harness]]
MakeApp = Callable[..., Awaitable[App]]


def bot_settings(tg: FakeTelegram, **fields: Any) -> TelegramSettings:
    """The adapter's settings with the bot pointed at the fake Bot API (``fields`` by field name)."""
    return TelegramSettings.load(**{"bot_token": tg.token, "base_url": tg.base_url,
                                    "base_file_url": tg.base_file_url, "webhook_url": None, **fields})


@pytest.fixture
def make_app(make_app: MakeApp, tg: FakeTelegram) -> MakeApp:
    """The shared ``make_app`` (tests/app_fixtures.py) with Telegram's defaults; the bot's own settings
    (pointed at the fake Bot API) are :func:`bot_settings`.

    ``await make_app(provider="siliconflow"|"local", data_dir=None, **config)``.
    """

    async def make(provider: str = "siliconflow", **overrides: Any) -> App:
        settings: dict[str, Any] = {
            # Telegram's tests keep the operator defaults for the user rate limit.
            "requests_per_minute": 20,
        }
        settings.update(overrides)
        return await make_app(provider, **settings)

    return make


@pytest.fixture
async def make_bot(make_app: MakeApp, tg: FakeTelegram,
                   fake_siliconflow: FakeSiliconFlow) -> AsyncIterator[MakeBot]:
    """``await make_bot(provider=..., data_dir=None, options=None, **config)``: App + Application, initialized.

    Several bots may be built (e.g. a restart on the same data dir); all are closed at the end.
    """
    built: list[Harness] = []

    async def make(provider: str = "siliconflow", *, options: TelegramOptions | None = None,
                   **overrides: Any) -> Harness:
        app = await make_app(provider, **overrides)
        application = build_application(app, bot_settings(tg), options=options or FAST, with_updater=False)
        await application.initialize()
        harness = Harness(app, application, tg, fake_siliconflow if provider == "siliconflow" else None)
        built.append(harness)
        return harness

    yield make
    for harness in reversed(built):
        await close(harness)


async def close(harness: Harness) -> None:
    """Shut a bot down and close its App (idempotent)."""
    if harness.application._initialized:
        await harness.application.shutdown()
    await harness.app.aclose()


@pytest.fixture
async def bot(make_bot: MakeBot) -> Harness:
    """A bot on the fake SiliconFlow with the operator's key."""
    return await make_bot()


def ceil_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds - 1e-6))


@pytest.fixture(scope="module")
def voice_6s() -> bytes:
    return ogg_voice(6.0)


async def confirm_prompt(bot: Harness, chat: int = CHAT):
    """The clone's consent prompt, the last message in ``chat``."""
    prompt = bot.last("sendMessage", chat)
    assert "Only confirm if this is your own voice" in prompt.params["text"]
    return prompt


def idle(bot: Harness) -> bool:
    """No clone upload in flight: every user's turn and every reserved byte given back."""
    uploads = clone_uploads(bot.service)
    return uploads.users_in_flight == 0 and uploads.reserved_bytes == 0 and uploads.parked == 0


async def settings_of(bot: Harness, user: int = USER):
    """The user's settings, read from the service."""
    return await bot.service.settings(UserRef(platform="telegram", user_id=str(user)))


@asynccontextmanager
async def running_bot(data_dir: Path, sf: FakeSiliconFlow, tg: FakeTelegram, *,
                      unpaced: bool = False) -> AsyncIterator[Harness]:
    """A bot for a whole module (the authorization matrix, the fuzzing): the real App on SQLite in ``data_dir``
    with the operator's key on ``sf``, no user rate limit and quick provider retries, and the Application on
    ``tg``, initialized; both are shut down on the way out.

    ``unpaced`` lifts PTB's own pacing to Telegram's global 30 messages/s and a group's 20/min, for a module
    that sends thousands of answers in a minute (the adapter's own per-chat pacer stays, at FAST's rates).
    """
    app = await build_app(load_config(
        data_dir=data_dir, provider="siliconflow", siliconflow_base_url=sf.base_url,
        siliconflow_api_key=OPERATOR_KEY, requests_per_minute=0, provider_backoff=0.01))
    application = build_application(app, bot_settings(tg), options=FAST, with_updater=False)
    if unpaced:
        limiter = application.bot.rate_limiter
        limiter._base_limiter = None  # type: ignore[union-attr]
        limiter._group_max_rate = 0  # type: ignore[union-attr]
    await application.initialize()
    try:
        yield Harness(app, application, tg, sf)
    finally:
        await application.shutdown()
        await app.aclose()


def handler_names(handlers: Iterable[Any]) -> tuple[set[str], set[str]]:
    """(command names, callback kinds) of a list of PTB handlers: what the bot answers to."""
    commands: set[str] = set()
    kinds: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            commands |= set(handler.commands)
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            m = re.fullmatch(r"\^vb:(\w+):", handler.pattern.pattern)
            if m:
                kinds.add(m.group(1))
    return commands, kinds

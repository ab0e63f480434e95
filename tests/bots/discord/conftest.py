"""Fixtures for the Discord text-side tests: the real app on the fake SiliconFlow, and a bot on the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.app import App, build_app
from bots.discord.bot import COGS
from core.config import load_config
from tests.fakes.discord import close_bot, make_bot
from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import FAST_PROVIDER_SETTINGS, OPERATOR_KEY

#: The voice-side extensions, tested with the bot ``vbot`` (tests/bots/discord/cogs/conftest.py).
VOICE_SIDE = ("bots.discord.cogs.voice_channel", "bots.discord.cogs.characters")
#: The text-side extensions: every cog the bot loads but the voice-channel ones.
TEXT_COGS = [name for name in COGS if name not in VOICE_SIDE]


def make_config(data_dir: Path, fake: FakeSiliconFlow | None, **overrides):
    settings = {"data_dir": data_dir, "requests_per_minute": 0}
    if fake is not None:
        settings.update(siliconflow_api_key=OPERATOR_KEY, siliconflow_base_url=fake.base_url, provider="siliconflow")
    else:
        settings.update(provider="local")
    settings.update(overrides)
    return load_config(**settings)


def speed_up(app: App) -> App:
    """Quick retries on the fake provider (the defaults back off for seconds)."""
    remote = app.remote
    if remote is not None:
        for name, value in FAST_PROVIDER_SETTINGS.items():
            if hasattr(remote, name):
                setattr(remote, name, value)
        if hasattr(remote, "retry_after_max"):
            remote.retry_after_max = FAST_PROVIDER_SETTINGS["retry_after_max"]
    return app


@pytest.fixture
async def app(tmp_path: Path, fake_siliconflow: FakeSiliconFlow) -> AsyncIterator[App]:
    application = speed_up(await build_app(make_config(tmp_path / "data", fake_siliconflow)))
    try:
        yield application
    finally:
        await application.aclose()


@pytest.fixture
async def bot(app: App):
    instance = await make_bot(app, cogs=TEXT_COGS)
    try:
        yield instance
    finally:
        await close_bot(instance)

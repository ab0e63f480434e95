"""The chat platforms ``voicebridge run`` can serve: one :class:`Platform` line each in :data:`PLATFORMS`.

A platform is a package under ``bots/`` with a settings module (an :class:`core.config.EnvSettings` class that
imports nothing but pydantic, so that every command can check it) and a runner module whose run function is
``run(app, stop, settings)``: it serves until ``stop`` is set. The runner module, and with it the platform's
library, is imported only when the platform is started, so a missing optional library breaks no other one.
Adding a platform is its package and one line below.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from core.config import EnvSettings
from core.errors import ConfigError

if TYPE_CHECKING:
    from bots.app import App

#: ``run(app, stop, settings)``: serve until ``stop`` is set.
Runner = Callable[["App", asyncio.Event, Any], Awaitable[None]]


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


@dataclass(frozen=True)
class Platform:
    """One chat platform: its id, its name for people, and where its settings and run function live
    (``"module:name"``, imported on use)."""

    id: str
    label: str
    settings: str
    run: str
    #: The settings field whose presence means "serve this platform".
    token_field: str = "bot_token"

    def settings_class(self) -> type[EnvSettings]:
        return _resolve(self.settings)

    def load_settings(self) -> EnvSettings:
        """Read this platform's settings from the environment (ConfigError on a bad value)."""
        return self.settings_class().load()

    def token_env(self) -> str:
        """The variable that turns this platform on (e.g. ``<PLATFORM>_BOT_TOKEN``)."""
        return self.settings_class().env_name(self.token_field)

    def configured(self, settings: EnvSettings) -> bool:
        """Whether ``settings`` say to serve this platform (its token is set)."""
        return getattr(settings, self.token_field) is not None

    def runner(self) -> Runner:
        """The run function (importing the platform's adapter, and its library, now)."""
        return _resolve(self.run)


PLATFORMS: tuple[Platform, ...] = (
    Platform("telegram", "Telegram", "bots.telegram.settings:TelegramSettings", "bots.telegram.runner:run_telegram"),
    Platform("discord", "Discord", "bots.discord.settings:DiscordSettings", "bots.discord.runner:run_discord"),
)


#: Which platforms this process serves, comma-separated ids (unset: every one with a token). Several processes
#: share a bot (Discord shards) but only one may poll a Telegram bot: the others say ``discord`` here.
PLATFORMS_ENV = "VOICEBRIDGE_PLATFORMS"


def selected() -> set[str] | None:
    """The platform ids ``VOICEBRIDGE_PLATFORMS`` names (None: unset, all); ConfigError on an unknown one."""
    raw = os.environ.get(PLATFORMS_ENV, "").strip()
    if not raw:
        return None
    ids = {part.strip().lower() for part in raw.split(",") if part.strip()}
    known = [platform.id for platform in PLATFORMS]
    if not ids or not ids <= set(known):
        raise ConfigError(name=PLATFORMS_ENV, allowed=f"comma-separated platforms among {', '.join(known)}")
    return ids


def load_all() -> list[tuple[Platform, EnvSettings]]:
    """Every registered platform with its settings read from the environment (ConfigError on a bad value)."""
    selected()  # a bad VOICEBRIDGE_PLATFORMS stops every command too
    return [(platform, platform.load_settings()) for platform in PLATFORMS]


def configured() -> list[tuple[Platform, EnvSettings]]:
    """The platforms whose token is set, and that ``VOICEBRIDGE_PLATFORMS`` selects (when set), with their
    settings: what ``voicebridge run`` starts."""
    chosen = selected()
    return [(platform, settings) for platform, settings in load_all()
            if platform.configured(settings) and (chosen is None or platform.id in chosen)]

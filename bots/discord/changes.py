"""The Discord adapter's caches follow other processes' changes (see :mod:`core.changes`).

Two things are kept in memory here: each user's clone names (autocomplete, the ``Voices`` cog) and each
guild's voice options (``VoiceChannelManager``, consulted synchronously when someone speaks). A change to
clones anywhere drops every user's names (the notice names an account, not a Discord user); a change to a
guild's options reloads them if this process serves that guild. A feed that reconnected does both for all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.changes import ALL, FORGET, IDENTITY, SCOPE, VOICES, Background, Change

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord")

_CLONE_TOPICS = (VOICES, FORGET, IDENTITY, ALL)


def watch_changes(bot: VoiceBridgeBot) -> Callable[[], None]:
    """Subscribe the bot's caches to the service's change feed; returns the unsubscribe function."""
    jobs = Background()

    def refresh(guild_id: int) -> None:
        manager = bot.voice_manager
        if manager is None:
            return
        if manager.cached_options(guild_id) is None and bot.get_guild(guild_id) is None:
            return  # neither cached nor served here
        jobs.start(manager.options(guild_id, refresh=True), "a guild's voice options")

    def on_change(change: Change) -> None:
        if change.topic in _CLONE_TOPICS:
            cog: Any = bot.get_cog("Voices")
            names = getattr(cog, "clone_names", None)
            if names is not None:
                names.clear()
        if change.topic == SCOPE:
            platform, _, guild = change.key.partition(":")
            if platform == "discord" and guild.isdigit():
                refresh(int(guild))
        elif change.everything and bot.voice_manager is not None:
            for guild in bot.guilds:
                if bot.voice_manager.cached_options(guild.id) is not None:
                    refresh(guild.id)

    return bot.service.changes.subscribe(on_change)


__all__ = ["watch_changes"]

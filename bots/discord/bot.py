"""The Discord bot: a ``commands.Bot`` holding the shared :class:`~bots.app.App`, with app commands in cogs.

Contract with the voice-channel half (issue 6):

* ``VoiceBridgeBot(app, **kwargs)`` has ``self.app``, ``self.service`` and ``self.voice_manager``
  (``None`` until the voice-channel cog sets it to its
  :class:`~bots.discord.voice_channel.manager.VoiceChannelManager`; ``/speak`` calls its
  ``shares_channel(member)`` and ``enqueue_speech(interaction, user, text, *, character=None)``);
* :data:`COGS` lists the extensions :meth:`VoiceBridgeBot.setup_hook` loads, read when the hook runs, so
  a module may append to it before the bot starts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.changes import watch_changes
from bots.discord.common import VoiceBridgeTree
from bots.discord.sharding import IDENTIFY_INTERVAL, identify_turn
from bots.discord.strings import command_description
from core.i18n import t

if TYPE_CHECKING:
    from bots.app import App
    from bots.discord.voice_channel.manager import VoiceChannelManager

log = logging.getLogger("bots.discord")

#: Extensions loaded in ``setup_hook``, in order.
COGS: list[str] = [
    "bots.discord.cogs.voices",
    "bots.discord.cogs.speak",
    "bots.discord.cogs.settings",
    "bots.discord.cogs.clone",
    "bots.discord.cogs.server",
    "bots.discord.cogs.pronounce",
    "bots.discord.cogs.link",
    "bots.discord.cogs.help",
    "bots.discord.cogs.voice_channel", "bots.discord.cogs.characters",
    "bots.discord.cogs.web",
    "bots.discord.cogs.talk",  # talking characters (issue 12)
]


class DescriptionTranslator(app_commands.Translator):
    """Chinese and Japanese command descriptions from the ``command_help_<name>`` sentences (English: the docstring),
    and message-menu entry names from ``message_menu_<name>``.

    Discord shows them to users whose client is set to those languages; applied when commands are synced.
    """

    LOCALES: ClassVar[dict[discord.Locale, str]] = {discord.Locale.chinese: "zh", discord.Locale.taiwan_chinese: "zh", discord.Locale.japanese: "ja"}

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContext) -> str | None:
        lang = self.LOCALES.get(locale)
        command = context.data
        if lang is None or command is None:
            return None
        if context.location is app_commands.TranslationContextLocation.command_name:
            if isinstance(command, app_commands.ContextMenu):  # menu entries show their name only
                key = "message_menu_" + command.name.lower().replace(" ", "_")
                text = t(key, lang)
                return None if text == key else text
            return None
        if context.location not in (app_commands.TranslationContextLocation.command_description,
                                    app_commands.TranslationContextLocation.group_description):
            return None
        return command_description(command.qualified_name, lang)


def default_intents() -> discord.Intents:
    """Guilds, voice states, guild messages and Message Content (auto-read needs the text)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.voice_states = True
    intents.guild_messages = True
    intents.message_content = True
    return intents


class VoiceBridgeBot(commands.AutoShardedBot):
    """The bot. Build with :func:`bots.discord.runner.run_discord`, or directly in tests.

    Sharded (``shard_count``, ``shard_ids``: see :mod:`bots.discord.sharding`); with neither, it runs every
    shard Discord recommends, one for a small bot.
    """

    #: Seconds between two identifies of one bucket (Discord's rule); ``max_concurrency`` comes from
    #: ``/gateway/bot`` (set by the runner when this process runs only some shards).
    identify_interval: float = IDENTIFY_INTERVAL
    max_concurrency: int = 1

    def __init__(self, app: App, *, cogs: list[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("command_prefix", commands.when_mentioned)
        kwargs.setdefault("intents", default_intents())
        kwargs.setdefault("tree_cls", VoiceBridgeTree)
        kwargs.setdefault("help_command", None)
        kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
        kwargs.setdefault("max_messages", 200)
        super().__init__(**kwargs)
        self.app = app
        self.service = app.service
        self.voice_manager: VoiceChannelManager | None = None
        self._cogs_override = list(cogs) if cogs is not None else None
        self._unwatch_changes: Any = None
        self._identified: set[int] = set()
        self._identify_start: float | None = None

    @property
    def extensions_to_load(self) -> list[str]:
        return list(self._cogs_override if self._cogs_override is not None else COGS)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(DescriptionTranslator())
        for name in self.extensions_to_load:
            await self.load_extension(name)
        log.info("loaded %d extensions, %d app commands", len(self.extensions),
                 len(self.tree.get_commands()))
        if self._unwatch_changes is None:
            self._unwatch_changes = watch_changes(self)

    async def close(self) -> None:
        if self._unwatch_changes is not None:
            self._unwatch_changes()
            self._unwatch_changes = None
        if not hasattr(self, "_AutoShardedClient__queue"):
            # discord.py 2.7.1 can't close a sharded client that never logged in (its event queue is made at
            # login; fixed upstream by checking for it): give it the queue close() puts its last event in
            self._AutoShardedClient__queue = asyncio.PriorityQueue()
        await super().close()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """A shard's first identify waits for its turn (:func:`~bots.discord.sharding.identify_turn`, counted
        from this process's first identify), so processes started together keep to Discord's rate; later
        identifies (after a lost session) wait as discord.py does."""
        if shard_id is None or shard_id in self._identified:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        self._identified.add(shard_id)
        loop = asyncio.get_running_loop()
        if self._identify_start is None:
            self._identify_start = loop.time()
        turn = self._identify_start + identify_turn(shard_id, self.max_concurrency, self.identify_interval)
        if (wait := turn - loop.time()) > 0:
            await asyncio.sleep(wait)

    async def on_ready(self) -> None:
        log.info("Discord: logged in as %s (%s) in %d guilds", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))

"""The bot itself (bots/discord/bot.py): its tree, intents and extensions, and the translator of descriptions."""

from __future__ import annotations

from bots.discord.bot import COGS, VoiceBridgeBot, default_intents
from bots.discord.common import VoiceBridgeTree


async def test_bot_contract(app) -> None:
    bot = VoiceBridgeBot(app)
    try:
        assert bot.app is app and bot.service is app.service and bot.voice_manager is None
        assert isinstance(bot.tree, VoiceBridgeTree)
        intents = default_intents()
        assert intents.guilds and intents.voice_states and intents.guild_messages and intents.message_content
        assert not intents.members and not intents.presences
        assert {"bots.discord.cogs.speak", "bots.discord.cogs.settings", "bots.discord.cogs.clone",
                "bots.discord.cogs.server"} <= set(COGS)
    finally:
        await bot.close()

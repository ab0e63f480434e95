"""The bot itself (bots/discord/bot.py): its tree, intents and extensions, and the translator of descriptions."""

from __future__ import annotations

import discord
from discord import app_commands

from bots.discord.bot import COGS, DescriptionTranslator, VoiceBridgeBot, default_intents
from bots.discord.common import VoiceBridgeTree
from bots.discord.strings import command_description
from core.i18n import t


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


def context(location: app_commands.TranslationContextLocation, command) -> app_commands.TranslationContext:
    return app_commands.TranslationContext(location=location, data=command)


async def test_descriptions_and_menu_names_are_translated_for_chinese_and_japanese(bot) -> None:
    translator = DescriptionTranslator()
    speak = bot.tree.get_command("speak")
    [menu] = bot.tree.get_commands(type=discord.AppCommandType.message)
    where = app_commands.TranslationContextLocation
    text = app_commands.locale_str(speak.description)

    async def say(locale, location, command):
        return await translator.translate(text, locale, context(location, command))

    for locale, lang in ((discord.Locale.chinese, "zh"), (discord.Locale.taiwan_chinese, "zh"),
                         (discord.Locale.japanese, "ja")):
        assert await say(locale, where.command_description, speak) == command_description("speak", lang)
        assert await say(locale, where.command_name, menu) == t("message_menu_read_aloud", lang)
    assert await say(discord.Locale.chinese, where.command_description, speak) != speak.description
    # English is the docstring itself; names of slash commands and their parameters stay as they are
    assert await say(discord.Locale.american_english, where.command_description, speak) is None
    assert await say(discord.Locale.chinese, where.command_name, speak) is None
    assert await say(discord.Locale.chinese, where.parameter_description, speak) is None
    assert await say(discord.Locale.chinese, where.command_description, None) is None


async def test_the_extensions_to_load(app) -> None:
    everything, some = VoiceBridgeBot(app), VoiceBridgeBot(app, cogs=["bots.discord.cogs.help"])
    try:
        assert everything.extensions_to_load == list(COGS)
        assert some.extensions_to_load == ["bots.discord.cogs.help"]
    finally:
        await everything.close()
        await some.close()

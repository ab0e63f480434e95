"""``/web``: a one-time sign-in link to the web console, answered ephemerally (only the invoker sees it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.common import reply, ui_lang, user_ref
from bots.web import strings as _web_strings  # noqa: F401  (the console's sentences, /web's among them)
from core.i18n import t

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot


class Web(commands.Cog):
    """The web console."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @app_commands.command(name="web")
    async def web(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """A private one-time link to the web console for your account (works once, for 10 minutes)."""
        lang = await ui_lang(self.bot.service, interaction)
        url = await self.bot.service.web_link(user_ref(interaction, is_private=True))  # ephemeral: only you
        await reply(interaction, t("web_link_sent", lang, url=url))


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Web(bot))

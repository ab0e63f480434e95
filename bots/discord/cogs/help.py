"""``/help``: what the bot does and every command, in the user's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.common import reply, ui_lang
from bots.discord.strings import command_description
from core.i18n import t

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

#: Commands of the voice-channel half, listed in their own section.
VOICE_COMMANDS = frozenset({"join", "leave", "skip", "clear", "autoread", "voiceconfig", "character", "characters",
                            "say"})
#: Discord's limits: 6000 characters per embed, 1024 per field value, 25 fields.
EMBED_BUDGET = 5800


def command_help(command: app_commands.Command | app_commands.Group, lang: str) -> list[tuple[str, str]]:
    """``(usage, description)`` lines for a command or each subcommand of a group.

    The description is the command's own (its docstring), translated when a ``command_help_<name>`` sentence exists.
    """
    if isinstance(command, app_commands.Group):
        lines: list[tuple[str, str]] = []
        for sub in command.commands:
            lines.extend(command_help(sub, lang))
        return lines
    usage = "/" + command.qualified_name
    for param in command.parameters:
        usage += f" {param.display_name}" if param.required else f" [{param.display_name}]"
    return [(usage, translated_description(command, lang))]


def translated_description(command: app_commands.Command | app_commands.Group, lang: str) -> str:
    return command_description(command.qualified_name, lang) or command.description


class Help(commands.Cog):
    """Help."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """What I do and how to use me."""
        lang = await ui_lang(self.bot.service, interaction)
        embed = discord.Embed(title=t("help_title", lang), description=t("help_intro", lang),
                              colour=discord.Colour.blurple())
        sections: dict[str, list[str]] = {"main": [], "voice": [], "server": []}
        guild = discord.Object(interaction.guild_id) if interaction.guild_id else None
        commands_ = {c.name: c for c in self.bot.tree.get_commands()}
        if guild is not None:
            commands_.update({c.name: c for c in self.bot.tree.get_commands(guild=guild)})
        for name in sorted(commands_):
            command = commands_[name]
            if isinstance(command, app_commands.ContextMenu):
                continue
            section = "server" if name == "server" else "voice" if name in VOICE_COMMANDS else "main"
            for usage, desc in command_help(command, lang):
                sections[section].append(f"`{usage}` — {desc}")
        fields: list[tuple[str, str]] = []
        for key, title in (("main", "help_heading_commands"), ("voice", "help_heading_voice_channel"),
                           ("server", "help_heading_server")):
            chunk: list[str] = []
            for line in sections[key]:
                if sum(len(x) + 1 for x in chunk) + len(line) > 1000:
                    fields.append((t(title, lang), "\n".join(chunk)))
                    chunk = []
                chunk.append(line[:1000])
            if chunk:
                fields.append((t(title, lang), "\n".join(chunk)))
        used = len(embed.title or "") + len(embed.description or "") + 100
        for name, value in fields[:24]:
            if used + len(name) + len(value) > EMBED_BUDGET:
                break
            embed.add_field(name=name, value=value, inline=False)
            used += len(name) + len(value)
        embed.set_footer(text=t("help_engine", lang, engine=self.bot.service.engine))
        await reply(interaction, embed=embed)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Help(bot))

"""``/pronounce set|remove|list``: how words are read — the member's own dictionary, or the server's.

A member's own entries apply wherever they speak on Discord (and win over the server's); the server's
apply to everyone speaking in it (voice notes, ``/speak`` in a voice channel, auto-read). Changing the
server's dictionary needs Manage Server.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.common import is_manager, reply, ui_lang, user_ref
from core.errors import PermissionDenied
from core.i18n import t
from core.lexicon import MAX_SPOKEN_CHARS, MAX_WORD_CHARS
from core.models import Pronunciation

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.pronounce")

#: Discord's limit for one embed field's value.
FIELD_LIMIT = 1024
#: An autocomplete must be answered within 3 s.
LOAD_TIMEOUT = 1.5


def _check_server(interaction: discord.Interaction[VoiceBridgeBot], server: bool) -> None:
    if not server:
        return
    if interaction.guild_id is None:
        raise PermissionDenied(action="action_outside_server")
    if not is_manager(interaction):
        raise PermissionDenied(action="action_server_settings")


def format_entries(entries: list[Pronunciation], lang: str, limit: int = FIELD_LIMIT) -> str:
    """``word → spoken`` lines that fit one embed field, with "… +N" for the rest."""
    if not entries:
        return t("pronunciations_none_yet", lang)
    lines: list[str] = []
    used = 0
    for shown, entry in enumerate(entries):
        line = discord.utils.escape_markdown(f"{entry.word} → {entry.spoken}")
        more = f"… +{len(entries) - shown}"
        if used + len(line) + 1 + len(more) > limit:
            lines.append(more)
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


class Pronounce(commands.Cog):
    """Pronunciation dictionaries."""

    pronounce = app_commands.Group(name="pronounce",
                                   description="How words are read aloud: your own dictionary or the server's")

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.service

    @pronounce.command(name="set")
    @app_commands.describe(word="The word or phrase as people write it",
                           say_as="How to say it: spell it the way it sounds",
                           server="For everyone in this server (needs Manage Server)")
    async def set_entry(self, interaction: discord.Interaction[VoiceBridgeBot],
                        word: app_commands.Range[str, 1, MAX_WORD_CHARS],
                        say_as: app_commands.Range[str, 1, MAX_SPOKEN_CHARS], server: bool = False) -> None:
        """Read a word or phrase the way you spell it here."""
        _check_server(interaction, server)
        entry = await self.service.set_pronunciation(user_ref(interaction), word, say_as, server=server,
                                                     is_admin=server)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("pronunciation_set_for_all" if server else "pronunciation_set_for_you", lang,
                                   word=discord.utils.escape_markdown(entry.word),
                                   spoken=discord.utils.escape_markdown(entry.spoken), place="place_server"))

    @pronounce.command(name="remove")
    @app_commands.describe(word="The word to read as written again",
                           server="From the server's dictionary (needs Manage Server)")
    async def remove_entry(self, interaction: discord.Interaction[VoiceBridgeBot],
                           word: app_commands.Range[str, 1, MAX_WORD_CHARS], server: bool = False) -> None:
        """Read a word as written again."""
        _check_server(interaction, server)
        removed = await self.service.remove_pronunciation(user_ref(interaction), word, server=server,
                                                          is_admin=server)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("pronunciation_removed", lang, word=discord.utils.escape_markdown(removed.word)))

    @remove_entry.autocomplete("word")
    async def _word_choices(self, interaction: discord.Interaction[VoiceBridgeBot],
                            current: str) -> list[app_commands.Choice[str]]:
        server = bool(getattr(interaction.namespace, "server", False))
        try:
            entries = await asyncio.wait_for(
                self.service.pronunciations(user_ref(interaction), server=server), LOAD_TIMEOUT)
        except Exception:  # an autocomplete that can't load offers nothing rather than failing
            log.warning("could not load pronunciations for autocomplete", exc_info=True)
            return []
        typed = (current or "").casefold()
        return [app_commands.Choice(name=f"{e.word} → {e.spoken}"[:100], value=e.word)
                for e in entries if typed in e.word.casefold()][:25]

    @pronounce.command(name="list")
    async def list_entries(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Your pronunciations and this server's."""
        ref = user_ref(interaction)
        lang = await ui_lang(self.service, interaction)
        embed = discord.Embed(title=t("field_pronunciations", lang), description=t("pronunciations_hint", lang),
                              colour=discord.Colour.blurple())
        embed.add_field(name=t("pronunciations_field_mine", lang),
                        value=format_entries(await self.service.pronunciations(ref), lang), inline=False)
        if interaction.guild_id is not None:
            embed.add_field(name=t("pronunciations_field_server", lang),
                            value=format_entries(await self.service.pronunciations(ref, server=True), lang),
                            inline=False)
        await reply(interaction, embed=embed)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Pronounce(bot))

"""``/link [code]`` and ``/unlink``: one identity on Discord and Telegram (voices, settings, dictionary, key).

Every answer is ephemeral, so a code shown here is seen by the invoker only (the service refuses to show
or take codes anywhere public).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.cogs.voices import invalidate_clones
from bots.discord.common import ask_confirmation, clip, reply, ui_lang, user_ref
from core.i18n import link_preview_text, platform_names, t

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot


class Link(commands.Cog):
    """Linking accounts across platforms."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.service

    @app_commands.command(name="link")
    @app_commands.describe(code="The code /link gave you on Telegram; leave empty to get a code to type there")
    async def link(self, interaction: discord.Interaction[VoiceBridgeBot],
                   code: app_commands.Range[str, 1, 20] | None = None) -> None:
        """Use the same voices, settings, dictionary and key as your Telegram account."""
        ref = user_ref(interaction, is_private=True)  # only the invoker sees these answers
        lang = await ui_lang(self.service, interaction)
        if code:  # say what would be shared, and link only when confirmed
            preview = await self.service.link_preview(ref, code)
            pressed = await ask_confirmation(interaction, clip(link_preview_text(preview, lang)), lang=lang,
                                             confirm_label=t("button_link_accounts", lang))
            if pressed is None:
                return
            await pressed.response.edit_message(content="…", view=None)
            platform = await self.service.complete_link(ref, code)
            invalidate_clones(self.bot, interaction.user.id)  # /voice now offers the shared clones
            await interaction.edit_original_response(
                content=t("link_done", lang, platform=platform_names([platform])), view=None)
            return
        linked = await self.service.linked_platforms(ref)
        if linked:
            await reply(interaction, t("link_status", lang, platforms=platform_names(linked), command="`/unlink`"))
            return
        code = await self.service.start_link(ref)
        await reply(interaction, t("link_code_shown", lang, code=f"`{code}`", command=f"`/link {code}`",
                                   platform="Telegram"))

    @app_commands.command(name="unlink")
    async def unlink(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Separate this account from your Telegram account."""
        undone = await self.service.unlink(user_ref(interaction, is_private=True))
        invalidate_clones(self.bot, interaction.user.id)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("unlink_done" if undone else "not_linked", lang, command="`/link`",
                                   platform="Telegram"))


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Link(bot))

"""``/server voice|speed|lang|show``: the guild's defaults, set by members with Manage Server.

Members' own settings override these (the service resolves the layers). Discord hides the group from
members without Manage Server (``default_permissions``) and each setter checks again at run time,
since server admins can change who sees a command.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.cogs.settings import LANGUAGE_CHOICES, LANGUAGE_LABELS, format_value
from bots.discord.common import is_manager, reply, ui_lang, user_ref
from core.errors import PermissionDenied
from core.i18n import t
from core.models import PRESET_VOICES, SPEED_RANGE
from core.settings import SETTING_NAMES

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.server")

VOICE_CHOICES = [app_commands.Choice(name=name, value=name) for name in PRESET_VOICES]


def _require_manager(interaction: discord.Interaction[VoiceBridgeBot]) -> None:
    if not is_manager(interaction):
        raise PermissionDenied(action="action_server_settings")


class Server(commands.Cog):
    """Server defaults (Manage Server)."""

    server = app_commands.Group(
        name="server", description="Server defaults for voice, speed and language (Manage Server)",
        guild_only=True, default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.service

    async def _set(self, interaction: discord.Interaction[VoiceBridgeBot],
                   field: str, value: object, shown: str) -> None:
        _require_manager(interaction)
        await self.service.update_scope_settings(user_ref(interaction), is_admin=True, **{field: value})
        lang = await ui_lang(self.service, interaction)
        label = t(f"field_{field}", lang).lower() if lang == "en" else t(f"field_{field}", lang)
        if value is None:
            await reply(interaction, t("server_default_cleared", lang, field=label))
        else:
            await reply(interaction, t("server_default_set", lang, field=label, value=shown))

    @server.command(name="voice")
    @app_commands.describe(voice="A preset voice; leave empty to clear the server default")
    @app_commands.choices(voice=VOICE_CHOICES)
    async def voice(self, interaction: discord.Interaction[VoiceBridgeBot],
                    voice: app_commands.Choice[str] | None = None) -> None:
        """Set the server's default voice (a preset), or clear it."""
        await self._set(interaction, "voice", voice.value if voice else None, voice.name if voice else "")

    @server.command(name="speed")
    @app_commands.describe(value="0.25 to 4.0; leave empty to clear the server default")
    async def speed(self, interaction: discord.Interaction[VoiceBridgeBot],
                    value: app_commands.Range[float, SPEED_RANGE[0], SPEED_RANGE[1]] | None = None) -> None:
        """Set the server's default speed (0.25–4.0), or clear it."""
        await self._set(interaction, "speed", value, f"{value:g}×" if value is not None else "")

    @server.command(name="lang")
    @app_commands.describe(language="Speech language; leave empty to clear the server default")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def lang(self, interaction: discord.Interaction[VoiceBridgeBot],
                   language: app_commands.Choice[str] | None = None) -> None:
        """Set the server's default speech language, or clear it."""
        await self._set(interaction, "language", language.value if language else None,
                        LANGUAGE_LABELS.get(language.value, language.value) if language else "")

    @server.command(name="show")
    async def show(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Show the server's defaults."""
        view = await self.service.settings(user_ref(interaction))
        lang = await ui_lang(self.service, interaction)
        embed = discord.Embed(title=t("server_defaults_title", lang), description=t("server_defaults_hint", lang),
                              colour=discord.Colour.blurple())
        for field in SETTING_NAMES:
            value = getattr(view.scope, field)
            embed.add_field(name=t(f"field_{field}", lang),
                            value=format_value(field, value, lang) if value is not None else t("value_unset", lang))
        await reply(interaction, embed=embed)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Server(bot))

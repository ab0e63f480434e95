"""``/server voice|speed|lang|emoji|show``: the guild's defaults, set by members with Manage Server.

Members' own settings override these (the service resolves the layers). Discord hides the group from
members without Manage Server (``default_permissions``) and each setter checks again at run time,
since server admins can change who sees a command.

The default voice is a preset or the invoker's own clone: its owner lends it to the server after a confirmation
that says who will speak with it and whose key pays (:func:`lend_voice`, also used by ``/voiceconfig
channel_voice``). ``/server emoji`` turns reading emoji by name on or off (:mod:`core.readaloud`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord import readaloud_strings as _readaloud_strings  # noqa: F401  (registers its sentences)
from bots.discord.cogs.settings import LANGUAGE_CHOICES, LANGUAGE_LABELS, format_value
from bots.discord.common import ask_confirmation, is_manager, reply, ui_lang, user_ref
from core.errors import PermissionDenied
from core.i18n import t
from core.readaloud import READ_EMOJI
from core.models import SPEED_RANGE
from core.settings import SETTING_NAMES
from core.voices import clone_id

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.server")



def _require_manager(interaction: discord.Interaction[VoiceBridgeBot]) -> None:
    if not is_manager(interaction):
        raise PermissionDenied(action="action_server_settings")


async def lend_voice(interaction: discord.Interaction[VoiceBridgeBot], name: str, *,
                     where: str) -> tuple[str, discord.Interaction | None]:
    """``name`` checked as a voice for this server (``where``: "the server" or a channel mention); for one of the
    invoker's clones, ask them first and lend it (share it) when they confirm. Returns the stored voice and the
    confirming button's interaction to answer (None for a preset); after Cancel or the timeout the stored voice is
    ``""`` and the prompt already says so."""
    service = interaction.client.service
    user = user_ref(interaction)
    stored = await service.scope_voice(user, name, is_admin=is_manager(interaction))
    if clone_id(stored) is None:
        return stored, None
    lang = await ui_lang(service, interaction)
    pressed = await ask_confirmation(interaction, t("server_voice_lend_confirm", lang, name=name.strip(), where=where),
                                     lang=lang, confirm_label=t("server_voice_lend_button", lang))
    if pressed is None:
        return "", None
    await service.share_voice(user, name.strip(), True)
    return stored, pressed


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
    @app_commands.describe(voice="A preset, or your own clone (you lend it to the server); empty to clear")
    async def voice(self, interaction: discord.Interaction[VoiceBridgeBot],
                    voice: app_commands.Range[str, 1, 100] | None = None) -> None:
        """Set the server's default voice (a preset, or your own clone), or clear it."""
        _require_manager(interaction)
        if voice is None:
            await self._set(interaction, "voice", None, "")
            return
        lang = await ui_lang(self.service, interaction)
        stored, pressed = await lend_voice(interaction, voice, where=t("server_voice_where_server", lang))
        if not stored:
            return
        if pressed is None:
            await self._set(interaction, "voice", stored, stored)
            return
        await self.service.update_scope_settings(user_ref(interaction), is_admin=True, lend=True, voice=voice.strip())
        label = t("field_voice", lang).lower() if lang == "en" else t("field_voice", lang)
        await pressed.response.edit_message(content=t("server_default_set", lang, field=label, value=voice.strip()),
                                            view=None)

    @voice.autocomplete("voice")
    async def voice_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                 current: str) -> list[app_commands.Choice[str]]:
        return await own_voice_choices(self.bot, interaction, current)

    @server.command(name="emoji")
    @app_commands.describe(enabled="On: read emoji by name; off: skip them")
    async def emoji(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Read emoji by name (on) or skip them (off) in this server."""
        _require_manager(interaction)
        await self.service.update_scope_options(f"discord:{interaction.guild_id}", **{READ_EMOJI: enabled})
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("server_emoji_on" if enabled else "server_emoji_off", lang))

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


async def own_voice_choices(bot: VoiceBridgeBot, interaction: discord.Interaction[VoiceBridgeBot],
                            current: str) -> list[app_commands.Choice[str]]:
    """The invoker's clones and the presets, for a server's or channel's voice."""
    from bots.discord.cogs.voices import COG_NAME, Voices, voice_choices
    from core.i18n import normalize_language

    cog = bot.get_cog(COG_NAME)
    clones = await cog.clones_of(str(interaction.user.id), interaction) if isinstance(cog, Voices) else []
    return voice_choices(clones, current, normalize_language(str(interaction.locale) if interaction.locale else None))


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Server(bot))

"""``/character create|speak|list|edit|delete``: guild-scoped named voices with their own settings.

A character is a voice (a preset, or one of its creator's clones) plus speed, gain, language and
style. ``/character speak NAME TEXT`` plays in the voice channel when the invoker shares it with the
bot (or the server turned on join-on-speak), else posts voice messages. ``/autoread on character:NAME``
reads a channel "as" the character. Its creator or a member with Manage Server may edit or delete it
(the service enforces this with ``is_admin``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.cogs.settings import LANGUAGE_CHOICES, LANGUAGE_LABELS
from bots.discord.common import clip, is_manager, reply, ui_lang, user_ref
from bots.discord.voice_channel import strings as _strings  # noqa: F401  (registers the voice channel's sentences)
from core.errors import VoiceBridgeError
from core.i18n import OFF_WORDS, normalize_language, t
from core.models import GAIN_RANGE, SPEED_RANGE, Character

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.characters")

MAX_CHOICES = 25
#: An autocomplete must answer within 3 s.
LOAD_TIMEOUT = 1.5


async def character_choices(service: Any, interaction: discord.Interaction[VoiceBridgeBot],
                            current: str) -> list[app_commands.Choice[str]]:
    """Characters of the guild whose name contains what was typed (at most 25)."""
    if interaction.guild_id is None:
        return []
    try:
        chars = await asyncio.wait_for(service.characters(f"discord:{interaction.guild_id}"), LOAD_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - autocomplete must answer
        log.warning("could not load characters for autocomplete: %s", type(exc).__name__)
        return []
    typed = (current or "").strip().casefold()
    names = sorted((c.name for c in chars), key=lambda n: (not n.casefold().startswith(typed), n.casefold()))
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names if typed in n.casefold()][:MAX_CHOICES]


def _details(char: Character, lang: str) -> str:
    s = char.settings
    parts = []
    if s.speed is not None:
        parts.append(f"{s.speed:g}×")
    if s.gain is not None:
        parts.append(f"{s.gain:+g} dB")
    if s.language:
        parts.append(LANGUAGE_LABELS.get(s.language, s.language))
    if s.style:
        parts.append(s.style)
    return (", " + ", ".join(parts)) if parts else ""


class Characters(commands.Cog):
    """Characters: named voices of a server."""

    character = app_commands.Group(name="character", description="Named voices of this server",
                                   guild_only=True)

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @property
    def service(self) -> Any:
        return self.bot.service

    @character.command(name="create")
    @app_commands.describe(name="The character's name", voice="A preset or one of your clones",
                           speed="0.25 to 4.0", gain="-10 to 10 dB", language="Speech language",
                           style="How to speak (e.g. 开心 / happy, 粤语), optional")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def create(self, interaction: discord.Interaction[VoiceBridgeBot], name: app_commands.Range[str, 1, 32],
                     voice: str | None = None,
                     speed: app_commands.Range[float, SPEED_RANGE[0], SPEED_RANGE[1]] | None = None,
                     gain: app_commands.Range[float, GAIN_RANGE[0], GAIN_RANGE[1]] | None = None,
                     language: app_commands.Choice[str] | None = None, style: str | None = None) -> None:
        """Create a character: a named voice with its own speed, gain, language and style."""
        user = user_ref(interaction)
        char = await self.service.create_character(user, name, voice=voice, speed=speed, gain=gain,
                                                   language=language.value if language else None, style=style)
        lang = await ui_lang(self.service, interaction)
        voice_name = await self.service.character_voice_name(char)
        await reply(interaction, t("character_created", lang, name=char.name, voice=voice_name))

    @character.command(name="speak")
    @app_commands.describe(name="Which character", text="What the character says")
    async def speak(self, interaction: discord.Interaction[VoiceBridgeBot], name: str,
                    text: app_commands.Range[str, 1, 2000]) -> None:
        """Say TEXT as a character: in the voice channel we share, else as a voice message here."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = user_ref(interaction)
        manager = getattr(self.bot, "voice_manager", None)
        member = interaction.user
        if manager is not None and isinstance(member, discord.Member) and manager.shares_channel(member):
            status = await manager.enqueue_speech(interaction, user, text, character=name)
            await reply(interaction, clip(status))
            return
        from bots.discord.cogs.speak import speak_as_voice_messages

        await speak_as_voice_messages(interaction, user, text, character=name)

    @character.command(name="list")
    async def list_(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """List this server's characters."""
        lang = await ui_lang(self.service, interaction)
        chars = await self.service.characters(f"discord:{interaction.guild_id}")
        if not chars:
            await reply(interaction, t("characters_none", lang))
            return
        lines = [f"**{t('characters_title', lang)}**"]
        for char in sorted(chars, key=lambda c: c.name.casefold()):
            voice_name = await self.service.character_voice_name(char)
            lines.append(t("character_line", lang, name=char.name, voice=voice_name,
                           details=_details(char, lang)))
        await reply(interaction, clip("\n".join(lines)))

    @character.command(name="edit")
    @app_commands.describe(name="Which character", voice="A preset or one of your clones",
                           speed="0.25 to 4.0", gain="-10 to 10 dB", language="Speech language",
                           style="How to speak; 'off' to clear")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def edit(self, interaction: discord.Interaction[VoiceBridgeBot], name: str, voice: str | None = None,
                   speed: app_commands.Range[float, SPEED_RANGE[0], SPEED_RANGE[1]] | None = None,
                   gain: app_commands.Range[float, GAIN_RANGE[0], GAIN_RANGE[1]] | None = None,
                   language: app_commands.Choice[str] | None = None, style: str | None = None) -> None:
        """Change a character's voice or settings (its creator, or Manage Server)."""
        lang = await ui_lang(self.service, interaction)
        fields: dict[str, object] = {}
        if voice is not None:
            fields["voice"] = voice
        if speed is not None:
            fields["speed"] = speed
        if gain is not None:
            fields["gain"] = gain
        if language is not None:
            fields["language"] = language.value
        if style is not None:
            fields["style"] = None if not style.strip() or style.strip().lower() in OFF_WORDS else style
        if not fields:
            await reply(interaction, t("character_nothing_to_change", lang))
            return
        char = await self.service.update_character(user_ref(interaction), name, is_admin=is_manager(interaction),
                                                   **fields)
        await reply(interaction, t("character_updated", lang, name=char.name))

    @character.command(name="delete")
    @app_commands.describe(name="Which character")
    async def delete(self, interaction: discord.Interaction[VoiceBridgeBot], name: str) -> None:
        """Delete a character (its creator, or Manage Server)."""
        char = await self.service.delete_character(user_ref(interaction), name, is_admin=is_manager(interaction))
        await self._forget_autoread(interaction.guild_id, char.name)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("character_deleted", lang, name=char.name))

    async def _forget_autoread(self, guild_id: int | None, name: str) -> None:
        """Channels that were read as the deleted character go back to each person's own voice."""
        manager = getattr(self.bot, "voice_manager", None)
        if manager is None or guild_id is None:
            return
        try:
            await manager.edit_options(guild_id, lambda opts: dataclasses.replace(opts, autoread_characters={
                k: v for k, v in opts.autoread_characters.items() if v != name}))
        except VoiceBridgeError:
            log.info("could not update auto-read after deleting a character")

    # --- autocomplete -------------------------------------------------------------------------------

    @speak.autocomplete("name")
    @edit.autocomplete("name")
    @delete.autocomplete("name")
    async def name_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                current: str) -> list[app_commands.Choice[str]]:
        return await character_choices(self.service, interaction, current)

    @create.autocomplete("voice")
    @edit.autocomplete("voice")
    async def voice_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                 current: str) -> list[app_commands.Choice[str]]:
        from bots.discord.cogs.voices import COG_NAME, Voices, voice_choices

        cog = self.bot.get_cog(COG_NAME)
        clones = await cog.clones_of(str(interaction.user.id), interaction) if isinstance(cog, Voices) else []
        lang = normalize_language(str(interaction.locale) if interaction.locale else None)
        return voice_choices(clones, current, lang)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Characters(bot))


__all__ = ["Characters", "character_choices"]

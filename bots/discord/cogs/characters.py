"""``/character create|speak|list|edit|delete|persona|show``: guild-scoped named voices with their own settings,
and the persona of a talking character (``/talk``).

A character is a voice (a preset, or one of its creator's clones) plus speed, gain, language and
style. ``/character speak NAME TEXT`` plays in the voice channel when the invoker shares it with the
bot (or the server turned on join-on-speak), else posts voice messages. ``/autoread on character:NAME``
reads a channel "as" the character. Its creator or a member with Manage Server may edit or delete it
(the service enforces this with ``is_admin``).

Persona (core.characters): ``/character persona NAME`` opens a form for the long parts, who it is (its system
prompt) and its greeting; ``answer_language`` (zh, ja, en; "auto": the speaker's) and ``model`` (a chat model id;
"off": the bot's default) are options of ``create`` and ``edit``, beside the voice and style. ``/character show NAME``
shows them all.
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
from bots.discord.common import clip, handle_error, is_manager, reply, ui_lang, user_ref
from bots.discord import talk_strings as _talk_strings  # noqa: F401  (registers the persona sentences)
from bots.discord.voice_channel import strings as _strings  # noqa: F401  (registers the voice channel's sentences)
from core.characters import GREETING_MAX_CHARS, PERSONA_MAX_CHARS
from core.errors import PermissionDenied, VoiceBridgeError
from core.i18n import OFF_WORDS, normalize_language, t
from core.models import GAIN_RANGE, SPEED_RANGE, Character

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.characters")

MAX_CHOICES = 25
#: An autocomplete must answer within 3 s.
LOAD_TIMEOUT = 1.5
#: The languages a character may answer in ("auto": the speaker's).
ANSWER_LANGUAGE_CHOICES = [app_commands.Choice(name=label, value=code) for code, label in
                           (("zh", "中文"), ("ja", "日本語"), ("en", "English"))]
AUTO = "auto"


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
                           style="How to speak (e.g. 开心 / happy, 粤语), optional",
                           answer_language="The language it answers in when talking (default: the speaker's)",
                           model="The chat model it talks with (default: the bot's)")
    @app_commands.choices(language=LANGUAGE_CHOICES, answer_language=ANSWER_LANGUAGE_CHOICES)
    async def create(self, interaction: discord.Interaction[VoiceBridgeBot], name: app_commands.Range[str, 1, 32],
                     voice: str | None = None,
                     speed: app_commands.Range[float, SPEED_RANGE[0], SPEED_RANGE[1]] | None = None,
                     gain: app_commands.Range[float, GAIN_RANGE[0], GAIN_RANGE[1]] | None = None,
                     language: app_commands.Choice[str] | None = None, style: str | None = None,
                     answer_language: app_commands.Choice[str] | None = None,
                     model: app_commands.Range[str, 1, 100] | None = None) -> None:
        """Create a character: a named voice with its own speed, gain, language and style."""
        user = user_ref(interaction)
        persona = {k: v for k, v in (("reply_language", answer_language.value if answer_language else None),
                                     ("model", model)) if v is not None}
        char = await self.service.create_character(user, name, voice=voice, speed=speed, gain=gain,
                                                   language=language.value if language else None, style=style,
                                                   **persona)
        self._names_changed(interaction.guild_id)
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
                           style="How to speak; 'off' to clear",
                           answer_language="The language it answers in when talking; auto: the speaker's",
                           model="The chat model it talks with; 'off': the bot's default")
    @app_commands.choices(language=LANGUAGE_CHOICES,
                          answer_language=[*ANSWER_LANGUAGE_CHOICES, app_commands.Choice(name="auto", value=AUTO)])
    async def edit(self, interaction: discord.Interaction[VoiceBridgeBot], name: str, voice: str | None = None,
                   speed: app_commands.Range[float, SPEED_RANGE[0], SPEED_RANGE[1]] | None = None,
                   gain: app_commands.Range[float, GAIN_RANGE[0], GAIN_RANGE[1]] | None = None,
                   language: app_commands.Choice[str] | None = None, style: str | None = None,
                   answer_language: app_commands.Choice[str] | None = None,
                   model: app_commands.Range[str, 1, 100] | None = None) -> None:
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
        if answer_language is not None:
            fields["reply_language"] = None if answer_language.value == AUTO else answer_language.value
        if model is not None:
            fields["model"] = model  # an off word clears it (core.characters.validated_persona)
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
        self._names_changed(interaction.guild_id)
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

    # --- persona -------------------------------------------------------------------------------------

    @character.command(name="persona")
    @app_commands.describe(name="Which character")
    async def persona(self, interaction: discord.Interaction[VoiceBridgeBot], name: str) -> None:
        """Write a character's persona and greeting (a form)."""
        lang = await ui_lang(self.service, interaction)
        user = user_ref(interaction)
        char = await self.service.find_character(user, name)
        if not is_manager(interaction) and char.owner_id != await self.service.user_id(user):
            raise PermissionDenied(action="action_character_of_others")
        await interaction.response.send_modal(PersonaForm(self, char, lang))

    async def save_persona(self, interaction: discord.Interaction[VoiceBridgeBot], name: str, persona: str,
                           greeting: str) -> None:
        """The form was sent: store both texts (empty clears one)."""
        char = await self.service.update_character(user_ref(interaction), name, is_admin=is_manager(interaction),
                                                   persona=persona, greeting=greeting)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("persona_saved", lang, name=char.name))

    @character.command(name="show")
    @app_commands.describe(name="Which character")
    async def show(self, interaction: discord.Interaction[VoiceBridgeBot], name: str) -> None:
        """Show a character: voice, settings and persona."""
        lang = await ui_lang(self.service, interaction)
        char = await self.service.find_character(user_ref(interaction), name)
        none = t("persona_none", lang)
        persona = (char.persona or "").strip()
        await reply(interaction, clip(t(
            "persona_details", lang, name=char.name, voice=await self.service.character_voice_name(char),
            details=_details(char, lang),
            language=LANGUAGE_LABELS.get(char.reply_language or "", "") or t("persona_language_speaker", lang),
            model=char.model or t("persona_model_default", lang), greeting=char.greeting or none,
            persona=(persona[:1200] + "…" if len(persona) > 1200 else persona) or none)))

    def _names_changed(self, guild_id: int | None) -> None:
        """Tell the talk cog to read the server's character names again (messages are matched against them)."""
        cog = self.bot.get_cog("Talk")
        if cog is not None and guild_id is not None and hasattr(cog, "forget_names"):
            cog.forget_names(guild_id)

    # --- autocomplete -------------------------------------------------------------------------------

    @persona.autocomplete("name")
    @show.autocomplete("name")
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


class PersonaForm(discord.ui.Modal):
    """The form of ``/character persona``: who the character is, and its greeting (prefilled with today's)."""

    def __init__(self, cog: Characters, char: Character, lang: str) -> None:
        super().__init__(title=t("persona_form_title", lang, name=char.name)[:45], timeout=900)
        self.cog = cog
        self.name = char.name
        self.prompt: discord.ui.TextInput = discord.ui.TextInput(
            label=t("persona_form_prompt", lang)[:45], style=discord.TextStyle.paragraph, required=False,
            max_length=PERSONA_MAX_CHARS, default=char.persona or None,
            placeholder=t("persona_form_prompt_hint", lang)[:100])
        self.greeting: discord.ui.TextInput = discord.ui.TextInput(
            label=t("persona_form_greeting", lang)[:45], style=discord.TextStyle.paragraph, required=False,
            max_length=GREETING_MAX_CHARS, default=char.greeting or None)
        self.add_item(self.prompt)
        self.add_item(self.greeting)

    async def on_submit(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:  # type: ignore[override]
        await self.cog.save_persona(interaction, self.name, self.prompt.value, self.greeting.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await handle_error(interaction, error)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Characters(bot))


__all__ = ["Characters", "character_choices"]

"""``/speak``: a voice message in the channel, or speech in the voice channel the user shares with the bot.

Also the message menu's **Read aloud** (right-click a message → Apps): the message in the invoker's voice,
aloud in the voice channel they share with the bot, else as audio only they receive.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord import markup
from bots.discord.common import clip, mention_names, reply, ui_lang, user_ref
from bots.discord.cogs.speak_extras import FileFormat, FileRate, speak_extras
from bots.discord.voice_message import Delivery, Target, deliver_notes, private_files
from core.i18n import t
from core.models import UserRef

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.speak")

#: The message menu entry (Discord allows up to 32 characters, any case and spaces).
READ_ALOUD = "Read aloud"


def delivery_text(delivery: Delivery, notices: list[str], lang: str) -> str:
    """The ephemeral status after the notes went out."""
    if delivery.private and not (delivery.voice or delivery.files):
        lines = [t("sent_privately", lang)]
    elif delivery.total > 1:
        lines = [t("sent_many", lang, count=delivery.total)]
    else:
        lines = [t("sent", lang)]
    if delivery.files:
        lines.append(t("sent_as_audio_channel_forbids", lang))
    if delivery.private and (delivery.voice or delivery.files):
        lines.append(t("sent_privately", lang))
    lines.extend(t(n, lang) for n in notices)
    return clip("\n".join(lines))


async def speak_as_voice_messages(interaction: discord.Interaction[VoiceBridgeBot], user: UserRef, text: str, *,
                                  character: str | None = None, private: bool = False,
                                  names: dict[str, str] | None = None) -> None:
    """Render ``text`` and post each note as a voice message; then edit the deferred reply.

    The interaction must already be deferred (ephemerally). ``private`` hands the audio to the invoker
    only, in the ephemeral reply. Used by ``/speak`` and available to other cogs (e.g. a character
    speaking outside a voice channel).
    """
    service = interaction.client.service
    lang = await ui_lang(service, interaction)
    if names is None:
        names = mention_names(interaction.guild, text, {
            interaction.user.id: getattr(interaction.user, "display_name", interaction.user.name)})
    target = Target.of(interaction)
    if private:
        target.can_post = target.voice_ok = False
    async with (service.session(user, text, character=character, markup=markup.to_plain(names)) as utt,
                contextlib.aclosing(service.render_notes(utt)) as notes):
        delivery = await deliver_notes(interaction, notes, target=target)
    files = private_files(delivery.private)
    if files:
        await interaction.edit_original_response(content=delivery_text(delivery, utt.notices, lang),
                                                 attachments=files)
    else:
        await reply(interaction, delivery_text(delivery, utt.notices, lang))


class Speak(commands.Cog):
    """Speaking text aloud."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot
        self.read_aloud_menu = app_commands.ContextMenu(name=READ_ALOUD, callback=self.read_aloud)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.read_aloud_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.read_aloud_menu.name, type=self.read_aloud_menu.type)

    @app_commands.command(name="speak")
    @app_commands.describe(text="What to say (up to 2000 characters)",
                           file="Instead, an audio file to download: MP3 (44.1 kHz) or WAV",
                           rate="The WAV file's sample rate in Hz (default 24000)",
                           voice_of="Speak once in the voice of this recording (yours, or one you may use; asks first)")
    async def speak(self, interaction: discord.Interaction[VoiceBridgeBot],
                    text: app_commands.Range[str, 1, 2000], file: FileFormat | None = None,
                    rate: FileRate | None = None, voice_of: discord.Attachment | None = None) -> None:
        """Say TEXT in your voice: a voice message here, or aloud in the voice channel we share.

        Long text becomes several voice messages, sent in order. With ``file``, an MP3 or WAV file to download
        (only you get it); with ``voice_of``, TEXT once in the voice of that recording (nothing is stored).
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = user_ref(interaction)
        if voice_of is not None or file is not None or rate is not None:
            await speak_extras(interaction, user, text, fmt=file or ("wav" if rate else None), rate=rate,
                               recording=voice_of)
            return
        manager = getattr(self.bot, "voice_manager", None)
        member = interaction.user
        if manager is not None and isinstance(member, discord.Member) and manager.shares_channel(member):
            status = await manager.enqueue_speech(interaction, user, text)
            await reply(interaction, clip(status or t("sent", await ui_lang(self.bot.service, interaction))))
            return
        await speak_as_voice_messages(interaction, user, text)

    async def read_aloud(self, interaction: discord.Interaction[VoiceBridgeBot], message: discord.Message) -> None:
        """Read this message aloud in your voice (in our voice channel, or as audio only you get)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = user_ref(interaction)
        text = message.content or ""
        extra = {m.id: m.display_name for m in message.mentions}
        names = mention_names(interaction.guild, text, extra)
        manager = getattr(self.bot, "voice_manager", None)
        member = interaction.user
        if manager is not None and isinstance(member, discord.Member) and manager.shares_channel(member):
            status = await manager.enqueue_speech(interaction, user, text, names=names)
            await reply(interaction, clip(status or t("sent", await ui_lang(self.bot.service, interaction))))
            return
        await speak_as_voice_messages(interaction, user, text, private=True, names=names)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Speak(bot))

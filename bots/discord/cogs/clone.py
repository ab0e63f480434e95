"""``/clone NAME audio [transcript]``: clone a voice from an attached recording, after a consent button."""

from __future__ import annotations

import logging
import os

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.cogs.voices import invalidate_clones
from bots.discord.common import ask_confirmation, clip, ui_lang, user_ref
from core.errors import AudioTooLarge, UnsupportedAudio
from core.i18n import t
from core.service import CLONE_UPLOAD_MAX_BYTES

log = logging.getLogger("bots.discord.clone")

AUDIO_EXTENSIONS = frozenset({".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".wav", ".wave", ".webm",
                              ".flac", ".mp4", ".mka", ".weba", ".caf", ".aif", ".aiff", ".amr", ".3gp"})
#: Video containers often hold a plain recording (phones, screen recorders): the decoder takes the audio.
AUDIO_VIDEO_TYPES = frozenset({"video/mp4", "video/webm", "video/ogg", "video/quicktime", "video/3gpp"})
CONSENT_TIMEOUT = 180.0


def looks_like_audio(attachment: discord.Attachment) -> bool:
    """By Discord's content type (``audio/*`` or a known container) or, failing that, the file extension."""
    ctype = (attachment.content_type or "").split(";")[0].strip().lower()
    if ctype.startswith("audio/") or ctype in AUDIO_VIDEO_TYPES:
        return True
    ext = os.path.splitext(attachment.filename or "")[1].lower()
    return ext in AUDIO_EXTENSIONS and (not ctype or ctype == "application/octet-stream")


def check_attachment(attachment: discord.Attachment) -> None:
    """Refuse before downloading: too large (by Discord's ``size``) or not audio."""
    if attachment.size > CLONE_UPLOAD_MAX_BYTES:
        raise AudioTooLarge(size=attachment.size, limit=CLONE_UPLOAD_MAX_BYTES,
                            size_mb=round(attachment.size / 1048576, 1),
                            limit_mb=round(CLONE_UPLOAD_MAX_BYTES / 1048576))
    if attachment.size == 0:
        raise UnsupportedAudio(reason="empty file")
    if not looks_like_audio(attachment):
        raise UnsupportedAudio(reason=f"content type {attachment.content_type or 'unknown'}")


class Clone(commands.Cog):
    """Cloning voices from attachments."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.service  # type: ignore[attr-defined]

    @app_commands.command(name="clone")
    @app_commands.describe(name="What to call the voice (you pick it later with /voice)",
                           audio="A 10–30 s recording of one person speaking clearly (OGG, MP3, M4A, WAV…)",
                           transcript="What is said in the recording (optional: it is transcribed otherwise)")
    async def clone(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 32],
                    audio: discord.Attachment,
                    transcript: app_commands.Range[str, 1, 1000] | None = None) -> None:
        """Clone a voice from a recording (yours, or one you may use); asks you to confirm first.

        The recording should hold 8–15 s (at most 30 s) of one clean speaker. Without a transcript the
        recording is transcribed. Nothing is uploaded until you press the consent button.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await ui_lang(self.service, interaction)
        display = await self.service.check_clone_request(user_ref(interaction), name)  # before any download
        check_attachment(audio)
        data = await audio.read()
        check = await self.service.check_clone_audio(data, audio.filename)
        prompt = t("dc_clone_consent", lang, name=display, seconds=f"{check.speech_duration:.1f}",
                   filename=(audio.filename or "audio")[:64].replace("`", "'"))
        pressed = await ask_confirmation(interaction, prompt, lang=lang,
                                         confirm_label=t("dc_button_consent", lang), timeout=CONSENT_TIMEOUT)
        if pressed is None:
            return
        await pressed.response.edit_message(content=t("dc_cloning", lang, name=display), view=None)
        user = user_ref(interaction)
        try:
            voice = await self.service.clone(user, data, display, filename=audio.filename,
                                             transcript=transcript, consent=True)
        finally:
            invalidate_clones(self.bot, user.user_id)
        await self.service.set_voice(user, voice.name)
        await interaction.edit_original_response(
            content=clip(t("dc_cloned", lang, name=voice.name, transcript=clip(voice.transcript or "", 300))),
            view=None)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Clone(bot))


__all__ = ["Clone", "check_attachment", "looks_like_audio"]

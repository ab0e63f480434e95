"""``/clone NAME audio [transcript]``: clone a voice from an attached recording, after a consent button.

Memory: the attachment's declared ``size`` is checked against the 20 MiB limit before anything is
downloaded; then the user's turn and that many bytes are taken from the process's clone uploads
(:mod:`core.uploads`, shared with Telegram: one clone upload per user, one byte budget), and the download
is read as a stream that stops past the limit whatever the declared size said. The bytes stay in memory
while the consent button waits (at most ``hold_seconds``, 3 minutes) and are released when the command
ends, however it ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.cogs.voices import invalidate_clones
from bots.discord.common import ask_confirmation, clip, ui_lang, user_ref
from core.errors import UnsupportedAudio
from core.i18n import t
from core.cloning import CLONE_UPLOAD_MAX_BYTES
from core.uploads import UploadSlot, clone_uploads, too_large

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.clone")

AUDIO_EXTENSIONS = frozenset({".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".wav", ".wave", ".webm",
                              ".flac", ".mp4", ".mka", ".weba", ".caf", ".aif", ".aiff", ".amr", ".3gp"})
#: Video containers often hold a plain recording (phones, screen recorders): the decoder takes the audio.
AUDIO_VIDEO_TYPES = frozenset({"video/mp4", "video/webm", "video/ogg", "video/quicktime", "video/3gpp"})
#: The longest wait for the consent button (the checked bytes are held meanwhile); see also ``hold_seconds``.
CONSENT_TIMEOUT = 180.0
#: Bytes read at a time from Discord's CDN.
DOWNLOAD_CHUNK = 64 * 1024


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
        raise too_large(attachment.size, CLONE_UPLOAD_MAX_BYTES)
    if attachment.size == 0:
        raise UnsupportedAudio(reason="empty file")
    if not looks_like_audio(attachment):
        raise UnsupportedAudio(reason=f"content type {attachment.content_type or 'unknown'}")


def cdn_session(attachment: discord.Attachment) -> aiohttp.ClientSession | None:
    """The aiohttp session discord.py downloads attachments with, or None for another transport.

    ``Attachment.read()`` reads the whole file into memory whatever its size; streaming from the same
    session (with the same proxy settings) lets :func:`read_attachment` stop early.
    """
    session = getattr(getattr(attachment, "_http", None), "_HTTPClient__session", None)
    return session if isinstance(session, aiohttp.ClientSession) and not session.closed else None


async def read_attachment(attachment: discord.Attachment, slot: UploadSlot, *, max_bytes: int) -> bytes:
    """Download ``attachment`` into ``slot``: at most ``max_bytes`` read, whatever ``size`` declared.

    Raises :class:`~core.errors.AudioTooLarge` past the limit (:class:`~core.uploads.UploadsBusy` if the
    budget cannot take more bytes than declared), and :class:`discord.HTTPException` subclasses as
    ``Attachment.read()`` would.
    """
    session = cdn_session(attachment)
    if session is None:  # some other transport (a test double, a custom client): read, then check
        return await slot.collect(_once(await attachment.read()), limit=max_bytes)
    return await slot.collect(_cdn_chunks(session, attachment), limit=max_bytes)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _cdn_chunks(session: aiohttp.ClientSession, attachment: discord.Attachment) -> AsyncIterator[bytes]:
    http = attachment._http
    kwargs: dict[str, Any] = {}
    if getattr(http, "proxy", None) is not None:
        kwargs["proxy"] = http.proxy
    if getattr(http, "proxy_auth", None) is not None:
        kwargs["proxy_auth"] = http.proxy_auth
    async with session.get(attachment.url, **kwargs) as resp:
        if resp.status == 404:
            raise discord.NotFound(resp, "asset not found")
        if resp.status == 403:
            raise discord.Forbidden(resp, "cannot retrieve asset")
        if resp.status != 200:
            raise discord.HTTPException(resp, "failed to get asset")
        async for chunk in resp.content.iter_chunked(DOWNLOAD_CHUNK):
            yield chunk


class Clone(commands.Cog):
    """Cloning voices from attachments."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.service

    @app_commands.command(name="clone")
    @app_commands.describe(name="What to call the voice (you pick it later with /voice)",
                           audio="A 10–30 s recording of one person speaking clearly (OGG, MP3, M4A, WAV…)",
                           transcript="What is said in the recording (optional: it is transcribed otherwise)")
    async def clone(self, interaction: discord.Interaction[VoiceBridgeBot], name: app_commands.Range[str, 1, 32],
                    audio: discord.Attachment,
                    transcript: app_commands.Range[str, 1, 1000] | None = None) -> None:
        """Clone a voice from a recording (yours, or one you may use); asks you to confirm first.

        The recording should hold 8–15 s (at most 30 s) of one clean speaker. Without a transcript the
        recording is transcribed. Nothing is uploaded until you press the consent button.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await ui_lang(self.service, interaction)
        user = user_ref(interaction)
        # The name, then the declared size and type; one clone upload per user, the declared bytes reserved
        # in the budget: all before any download.
        async with self.service.clone_upload(user, name, declared_bytes=audio.size,
                                             check_file=lambda: check_attachment(audio)) as upload:
            display = upload.name
            data = await read_attachment(audio, upload.slot, max_bytes=CLONE_UPLOAD_MAX_BYTES)
            check = await self.service.check_clone_audio(data, audio.filename)
            prompt = t("clone_consent_prompt_attachment", lang, name=display, seconds=f"{check.speech_duration:.1f}",
                       filename=(audio.filename or "audio")[:64].replace("`", "'"))
            pressed = await ask_confirmation(interaction, prompt, lang=lang, confirm_label=t("button_consent", lang),
                                             timeout=min(CONSENT_TIMEOUT, clone_uploads(self.service).hold_seconds))
            if pressed is None:
                return
            await pressed.response.edit_message(content=t("clone_working", lang, name=f"**{display}**"), view=None)
            try:
                voice = await self.service.complete_clone(user, data, display, filename=audio.filename,
                                                          transcript=transcript)
            finally:
                invalidate_clones(self.bot, user.user_id)
        done = t("clone_done", lang, name=voice.name, transcript=clip(voice.transcript or "", 300))
        if voice.provider_id:  # the reply is ephemeral: the ID is shown to its owner only
            done += "\n" + t("voice_id_of", lang, name=voice.name, voice_id=f"`{voice.provider_id}`")
        await interaction.edit_original_response(content=clip(done), view=None)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Clone(bot))


__all__ = ["Clone", "check_attachment", "looks_like_audio"]

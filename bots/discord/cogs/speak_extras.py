"""``/speak`` with ``file`` (an MP3 or WAV file to download, at one of the provider's sample rates) or with
``voice_of`` (TEXT once in the voice of an attached recording, after the same consent as cloning; nothing is
stored). Used by :mod:`bots.discord.cogs.speak`."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Literal

import discord

from bots.discord import markup, seed_strings  # noqa: F401 - seed_strings registers the sentences used here
from bots.discord.cogs.clone import CONSENT_TIMEOUT, check_attachment, read_attachment
from bots.discord.common import ask_confirmation, clip, mention_names, reply, ui_lang
from bots.discord.voice_message import Target, deliver_notes, private_files
from core.cloning import CLONE_UPLOAD_MAX_BYTES
from core.exports import check_export
from core.i18n import t
from core.models import UserRef
from core.uploads import clone_uploads
from core.voice_errors import DynamicVoiceUnsupported

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

FileFormat = Literal["mp3", "wav"]
FileRate = Literal[8000, 16000, 24000, 32000, 44100]


async def speak_extras(interaction: discord.Interaction[VoiceBridgeBot], user: UserRef, text: str, *,
                       fmt: str | None, rate: int | None, recording: discord.Attachment | None) -> None:
    """The deferred ``/speak`` with a file format or a recording (not both)."""
    lang = await ui_lang(interaction.client.service, interaction)
    if recording is not None and fmt is not None:
        await reply(interaction, t("speak_recording_and_file", lang))
        return
    names = mention_names(interaction.guild, text, {
        interaction.user.id: getattr(interaction.user, "display_name", interaction.user.name)})
    if recording is not None:
        await speak_in_voice_of(interaction, user, text, recording, lang=lang, names=names)
    else:
        await send_file(interaction, user, text, fmt or "mp3", rate, lang=lang, names=names)


async def send_file(interaction: discord.Interaction[VoiceBridgeBot], user: UserRef, text: str, fmt: str,
                    rate: int | None, *, lang: str, names: dict[str, str]) -> None:
    """TEXT as one MP3/WAV file, handed to the invoker in the ephemeral reply (within the upload limit)."""
    fmt, rate = check_export(fmt, rate)
    limit = Target.of(interaction).filesize_limit
    encoded = await interaction.client.service.speak_file(user, text, fmt, rate, max_bytes=limit,
                                                          markup=markup.to_plain(names))
    await interaction.edit_original_response(
        content=t("speak_file_caption", lang, format=fmt.upper(), rate=rate),
        attachments=[discord.File(io.BytesIO(encoded.data), filename=f"speech-{rate}.{fmt}")])


async def speak_in_voice_of(interaction: discord.Interaction[VoiceBridgeBot], user: UserRef, text: str,
                            recording: discord.Attachment, *, lang: str, names: dict[str, str]) -> None:
    """Checks (the attachment's size and type, that this bot can), consent, then the download and the notes,
    posted like ``/speak``'s; the recording is kept in memory only while it is used."""
    service = interaction.client.service
    check_attachment(recording)
    if not service.dynamic_voice.available:
        raise DynamicVoiceUnsupported()
    pressed = await ask_confirmation(interaction, t("dynamic_consent_prompt", lang), lang=lang,
                                     confirm_label=t("button_speak_once", lang), timeout=CONSENT_TIMEOUT)
    if pressed is None:
        return
    await pressed.response.edit_message(content=t("dynamic_working", lang), view=None)
    async with clone_uploads(service).slot(user, recording.size) as slot:
        data = await read_attachment(recording, slot, max_bytes=CLONE_UPLOAD_MAX_BYTES)
        notes = service.dynamic_notes(user, text, data, filename=recording.filename, markup=markup.to_plain(names))
        del data
        async with contextlib.aclosing(notes):
            delivery = await deliver_notes(interaction, notes, target=Target.of(interaction))
    files = private_files(delivery.private)
    content = clip(t("dynamic_done", lang))
    if files:
        await interaction.edit_original_response(content=content, attachments=files, view=None)
    else:
        await interaction.edit_original_response(content=content, view=None)

"""Native Discord voice messages, which discord.py 2.7 cannot send by itself.

A voice message is a Create Message request with flag ``IS_VOICE_MESSAGE`` (8192), exactly one attachment
whose part is sent as ``audio/ogg`` and whose metadata carries ``duration_secs`` and a ``waveform``
(base64, at most 256 one-byte points, at most one per 100 ms), and no content. We build that multipart
request ourselves and send it through discord.py's HTTP client (so its rate limiter and retries apply).

Where voice messages aren't allowed (no ``send_voice_messages`` permission, or Discord refuses with
50173 / 50161 / 50160 / 50159 or another 400) the note goes out as a normal audio attachment with the
text as caption; where the bot can't post at all it is handed back to the invoker privately.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.http import Route

from core.errors import InputError
from core.models import EncodedAudio, VoiceNote

log = logging.getLogger("bots.discord.voice_message")

#: MessageFlags.IS_VOICE_MESSAGE
VOICE_MESSAGE_FLAG = 1 << 13
FILENAME = "voice-message.ogg"
MAX_WAVEFORM_POINTS = 256
#: Discord error codes meaning "not as a voice message here": not allowed in this channel (50173),
#: missing metadata (50161), not exactly one audio attachment (50160), extra content (50159).
VOICE_REFUSED_CODES = frozenset({50173, 50161, 50160, 50159})
CAPTION_LIMIT = 1900
DEFAULT_FILESIZE_LIMIT = 10 * 1024 * 1024


class NoteTooLarge(InputError):
    """A finished note is larger than the channel's upload limit. params: size_mb, limit_mb."""

    code = "voice_message_too_large"


# --- the request ----------------------------------------------------------------------------------


def normalize_waveform(waveform: bytes, duration: float) -> bytes:
    """A waveform Discord accepts: 1..256 points, no more than one per 100 ms.

    Longer waveforms are reduced by taking the peak of each bucket; an empty one becomes a flat line.
    """
    limit = max(1, min(MAX_WAVEFORM_POINTS, int(duration * 10) if duration > 0 else 1))
    points = bytes(waveform or b"")
    if not points:
        return bytes(limit)
    if len(points) <= limit:
        return points
    out = bytearray()
    step = len(points) / limit
    for i in range(limit):
        start, end = int(i * step), max(int((i + 1) * step), int(i * step) + 1)
        out.append(max(points[start:end]))
    return bytes(out)


def voice_message_payload(audio: EncodedAudio, filename: str = FILENAME) -> dict[str, Any]:
    """``payload_json`` of a voice message: the flag and the single attachment's metadata, no content."""
    waveform = normalize_waveform(audio.waveform, audio.duration)
    return {
        "flags": VOICE_MESSAGE_FLAG,
        "attachments": [{
            "id": 0,
            "filename": filename,
            "duration_secs": round(float(audio.duration), 3),
            "waveform": base64.b64encode(waveform).decode("ascii"),
        }],
    }


def voice_message_form(audio: EncodedAudio, fp: io.IOBase,
                       filename: str = FILENAME) -> list[dict[str, Any]]:
    """The multipart form (``aiohttp.FormData.add_field`` kwargs) of a voice message."""
    return [
        {"name": "payload_json", "value": json.dumps(voice_message_payload(audio, filename)),
         "content_type": "application/json"},
        {"name": "files[0]", "value": fp, "filename": filename, "content_type": "audio/ogg"},
    ]


def audio_file_form(audio: EncodedAudio, fp: io.IOBase, filename: str,
                    caption: str | None) -> list[dict[str, Any]]:
    """The multipart form of a normal message with the audio as an attachment and a caption."""
    payload: dict[str, Any] = {
        "attachments": [{"id": 0, "filename": filename}],
        "allowed_mentions": {"parse": []},
    }
    if caption:
        payload["content"] = clip_caption(caption)
    return [
        {"name": "payload_json", "value": json.dumps(payload), "content_type": "application/json"},
        {"name": "files[0]", "value": fp, "filename": filename, "content_type": audio.mime_type},
    ]


def clip_caption(text: str, limit: int = CAPTION_LIMIT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _file(audio: EncodedAudio, filename: str) -> discord.File:
    return discord.File(io.BytesIO(audio.data), filename=filename)


async def post_voice_message(http: discord.http.HTTPClient, channel_id: int, audio: EncodedAudio,
                             filename: str = FILENAME) -> dict[str, Any]:
    """POST a native voice message to a channel; returns the created message."""
    file = _file(audio, filename)
    try:
        return await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id),
            form=voice_message_form(audio, file.fp, filename),
            files=[file],
        )
    finally:
        file.close()


async def post_audio_file(http: discord.http.HTTPClient, channel_id: int, audio: EncodedAudio, *,
                          caption: str | None, filename: str | None = None) -> dict[str, Any]:
    """POST the audio as a normal attachment (``audio/ogg``) with ``caption``; returns the message."""
    filename = filename or f"speech.{audio.format}"
    file = _file(audio, filename)
    try:
        return await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id),
            form=audio_file_form(audio, file.fp, filename, caption),
            files=[file],
        )
    finally:
        file.close()


def voice_refused(exc: discord.HTTPException) -> bool:
    """Whether Discord refused the note *as a voice message* (so a plain attachment may still work)."""
    return exc.code in VOICE_REFUSED_CODES or (exc.status == 400 and not isinstance(exc, discord.Forbidden))


@dataclass(slots=True)
class Posted:
    message_id: int | None
    as_voice: bool


async def post_note(http: discord.http.HTTPClient, channel_id: int, audio: EncodedAudio, *,
                    caption: str | None, voice_allowed: bool) -> Posted:
    """Post one note: as a voice message when allowed, else (or when refused) as an audio attachment.

    ``discord.Forbidden`` other than a voice-message refusal propagates: the bot can't post here at all.
    """
    if voice_allowed:
        try:
            data = await post_voice_message(http, channel_id, audio)
            return Posted(_id(data), True)
        except discord.HTTPException as exc:
            if not voice_refused(exc):
                raise
            log.info("voice message refused in channel %s (%s %s); sending an audio file", channel_id,
                     exc.status, exc.code)
    data = await post_audio_file(http, channel_id, audio, caption=caption)
    return Posted(_id(data), False)


def _id(data: Any) -> int | None:
    try:
        return int(data["id"])
    except (TypeError, KeyError, ValueError):
        return None


# --- where and how to post ----------------------------------------------------------------------


@dataclass(slots=True)
class Target:
    """What the bot may do in the interaction's channel."""

    channel_id: int | None
    can_post: bool
    voice_ok: bool
    filesize_limit: int

    @classmethod
    def of(cls, interaction: discord.Interaction) -> Target:
        perms = interaction.app_permissions
        channel = interaction.channel
        limit = int(getattr(interaction, "filesize_limit", 0) or 0) or DEFAULT_FILESIZE_LIMIT
        if interaction.guild_id is None and perms.value == 0:
            # A DM without app_permissions in the payload: try, and fall back on refusal.
            return cls(interaction.channel_id, interaction.channel_id is not None, True, limit)
        in_thread = isinstance(channel, discord.Thread) or (
            getattr(channel, "type", None) in (discord.ChannelType.public_thread,
                                               discord.ChannelType.private_thread,
                                               discord.ChannelType.news_thread))
        may_send = perms.send_messages_in_threads if in_thread else perms.send_messages
        can_post = bool(interaction.channel_id is not None and may_send and perms.attach_files)
        voice_ok = can_post and perms.send_voice_messages
        return cls(interaction.channel_id, can_post, voice_ok, limit)


@dataclass(slots=True)
class Delivery:
    """What happened to the notes of one reply."""

    voice: int = 0
    files: int = 0
    private: list[VoiceNote] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.voice + self.files + len(self.private)


async def deliver_notes(interaction: discord.Interaction, notes: AsyncIterator[VoiceNote], *,
                        target: Target | None = None) -> Delivery:
    """Post each note to the interaction's channel as it is rendered, in order.

    Notes that can't be posted in the channel (no permission, or Discord answers 403) are collected in
    :attr:`Delivery.private` for the caller to hand to the invoker in the ephemeral reply.
    """
    target = target or Target.of(interaction)
    http = interaction.client.http
    report = Delivery()
    async for note in notes:
        size = len(note.audio.data)
        if size > target.filesize_limit:
            raise NoteTooLarge(size_mb=round(size / 1048576, 1), limit_mb=round(target.filesize_limit / 1048576, 1))
        if target.can_post and target.channel_id is not None:
            try:
                posted = await post_note(http, target.channel_id, note.audio, caption=note.text,
                                         voice_allowed=target.voice_ok)
            except discord.Forbidden as exc:
                log.info("can't post in channel %s (%s); answering privately", target.channel_id, exc.code)
                target.can_post = False
            else:
                if posted.as_voice:
                    report.voice += 1
                else:
                    report.files += 1
                    target.voice_ok = False  # don't ask again for the rest of this reply
                if posted.message_id is not None:
                    report.message_ids.append(posted.message_id)
                continue
        report.private.append(note)
    return report


def private_files(notes: list[VoiceNote], limit: int = 10) -> list[discord.File]:
    """Attachments for the ephemeral reply (at most ``limit``, Discord's per-message maximum)."""
    files = []
    for note in notes[:limit]:
        suffix = f"-{note.index + 1}" if note.total > 1 else ""
        files.append(discord.File(io.BytesIO(note.audio.data), filename=f"speech{suffix}.{note.audio.format}"))
    return files


"""Files that users send: audio to clone (find it in a message, refuse what can't work before
downloading, download), and text files to read aloud.

Accepted: voice notes, audio files, and documents whose MIME type (or, for
``application/octet-stream``, whose file name) says audio. Refused before any getFile call: files
over Telegram's 20 MB download limit (by the message's ``file_size``) and clips whose stated duration
is over the upload limit. Everything else (decodable? silent? 3–30 s of speech?) is checked by
``service.check_clone_audio`` on the downloaded bytes.

Audio to clone is downloaded into a :class:`core.uploads.UploadSlot` (the user's turn and the bytes
reserved in the process's budget, shared with Discord): :func:`download_file` reserves the size getFile
reports before reading, and reads the file as a stream that stops past the limit, whatever size was
declared.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from telegram import File, Message
from telegram.error import NetworkError

from core.errors import AudioTooLong, InvalidValue, TextTooLong, UnsupportedAudio
from core.cloning import CLONE_MAX_SECONDS, CLONE_UPLOAD_MAX_SECONDS
from core.uploads import UploadSlot, too_large

from .compat import attr_seconds

AUDIO_EXTENSIONS = frozenset({".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".wav", ".flac", ".webm", ".mka"})
AUDIO_MIME_EXTRA = frozenset({"application/ogg", "video/ogg", "video/webm", "audio/webm"})
MIME_EXTENSIONS = {
    "audio/ogg": ".ogg", "audio/opus": ".opus", "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a", "audio/m4a": ".m4a", "audio/aac": ".aac", "audio/wav": ".wav", "audio/x-wav": ".wav",
    "audio/wave": ".wav", "audio/flac": ".flac", "audio/x-flac": ".flac", "audio/webm": ".webm",
    "application/ogg": ".ogg", "video/ogg": ".ogg", "video/webm": ".webm",
}


def media_duration(media: object) -> float | None:
    """``media.duration`` in seconds (PTB_TIMEDELTA on or off)."""
    return attr_seconds(media, "duration")


@dataclass(frozen=True, slots=True)
class AudioUpload:
    """A piece of audio in a message, before download."""

    file_id: str
    file_size: int | None
    duration: float | None
    filename: str
    mime_type: str | None
    message_id: int
    kind: str  # voice, audio, document


def _is_audio_document(mime: str | None, name: str | None) -> bool:
    mime = (mime or "").lower()
    if mime.startswith("audio/") or mime in AUDIO_MIME_EXTRA:
        return True
    if mime in ("", "application/octet-stream") and name:
        return PurePosixPath(name.lower()).suffix in AUDIO_EXTENSIONS
    return False


def find_audio(message: Message | None) -> AudioUpload | None:
    """The audio in ``message``; None if it has no media at all.

    Raises :class:`UnsupportedAudio` for media that isn't audio (a photo, a PDF, a sticker …).
    """
    if message is None:
        return None
    if message.voice is not None:
        v = message.voice
        return AudioUpload(v.file_id, v.file_size, media_duration(v), "voice.ogg", v.mime_type or "audio/ogg",
                           message.message_id, "voice")
    if message.audio is not None:
        a = message.audio
        name = a.file_name or "audio" + MIME_EXTENSIONS.get((a.mime_type or "").lower(), "")
        return AudioUpload(a.file_id, a.file_size, media_duration(a), name, a.mime_type, message.message_id, "audio")
    if message.document is not None:
        d = message.document
        if not _is_audio_document(d.mime_type, d.file_name):
            raise UnsupportedAudio(reason="not an audio file")
        name = d.file_name or "audio" + MIME_EXTENSIONS.get((d.mime_type or "").lower(), "")
        return AudioUpload(d.file_id, d.file_size, None, name, d.mime_type, message.message_id, "document")
    if any(getattr(message, kind, None) for kind in ("photo", "video", "video_note", "sticker", "animation")):
        raise UnsupportedAudio(reason="not an audio file")
    return None


def check_before_download(upload: AudioUpload, *, max_bytes: int) -> None:
    """Refuse what cannot work, from the message alone (no getFile, no download)."""
    if upload.file_size is not None and upload.file_size > max_bytes:
        raise too_large(upload.file_size, max_bytes)
    if upload.duration is not None and upload.duration > CLONE_UPLOAD_MAX_SECONDS:
        raise AudioTooLong(limit=int(CLONE_MAX_SECONDS))


async def download_file(bot, http: httpx.AsyncClient, file_id: str, *, slot: UploadSlot, max_bytes: int) -> bytes:
    """getFile, then download into ``slot``: the size Telegram reports is reserved before reading, and
    the download stops as soon as it passes ``max_bytes`` (or the budget), whatever that size said."""
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > max_bytes:
        raise too_large(file.file_size, max_bytes)
    slot.reserve(file.file_size if file.file_size is not None else max_bytes)
    return await slot.collect(_file_chunks(http, file), limit=max_bytes)


async def download(bot, http: httpx.AsyncClient, upload: AudioUpload, *, slot: UploadSlot, max_bytes: int) -> bytes:
    """Download an upload that passed :func:`check_before_download` (see :func:`download_file`)."""
    return await download_file(bot, http, upload.file_id, slot=slot, max_bytes=max_bytes)


#: Bytes read at a time from a file a local Bot API server left on this machine.
_LOCAL_CHUNK = 1024 * 1024


async def _file_chunks(http: httpx.AsyncClient, file: File) -> AsyncIterator[bytes]:
    """The file's bytes as they arrive: streamed over HTTP, or read from disk for a local Bot API server.

    Failures are :class:`telegram.error.NetworkError`, as PTB's own download would raise.
    """
    path = file.file_path
    if not path:
        raise NetworkError("getFile gave no file path")
    if not path.startswith(("http://", "https://")):  # a local Bot API server (--local) hands out paths
        with Path(path).open("rb") as fh:
            while chunk := await asyncio.to_thread(fh.read, _LOCAL_CHUNK):
                yield chunk
        return
    parts = urlsplit(path)
    url = urlunsplit(parts._replace(path=quote(parts.path)))  # as PTB encodes it
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise NetworkError(f"file download failed with HTTP {response.status_code}")
            async for chunk in response.aiter_bytes():
                yield chunk
    except httpx.HTTPError as exc:  # never the URL: it holds the bot token
        raise NetworkError(f"file download failed: {type(exc).__name__}") from None


#: A text file sent to read aloud: more than this is far beyond any text limit anyway.
TEXT_FILE_MAX_BYTES = 256 * 1024


def decode_text_file(data: bytes, filename: str | None) -> str:
    """The text of a .txt/.md file: UTF-8 (with or without a BOM), or UTF-16 with its BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InvalidValue(name="file", value=(filename or "")[:64], allowed="allowed_utf8_text") from None


TEXT_FILE_EXTENSIONS = frozenset({".txt", ".md"})


def is_text_file(document: object) -> bool:
    """A document that is plain text (.txt/.md, or ``text/plain``)."""
    if document is None:
        return False
    mime = (getattr(document, "mime_type", None) or "").lower()
    suffix = PurePosixPath(getattr(document, "file_name", None) or "").suffix.lower()
    return mime == "text/plain" or suffix in TEXT_FILE_EXTENSIONS


async def download_text_file(bot, file_id: str, file_size: int | None, filename: str | None) -> str:
    """Download and decode a text file, refusing one over :data:`TEXT_FILE_MAX_BYTES` before and after."""
    if file_size is not None and file_size > TEXT_FILE_MAX_BYTES:
        raise TextTooLong(length=file_size, limit=TEXT_FILE_MAX_BYTES, unit="unit_bytes")
    file = await bot.get_file(file_id)
    data = bytes(await file.download_as_bytearray())
    if len(data) > TEXT_FILE_MAX_BYTES:
        raise TextTooLong(length=len(data), limit=TEXT_FILE_MAX_BYTES, unit="unit_bytes")
    return decode_text_file(data, filename)

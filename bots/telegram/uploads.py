"""Files that users send: audio to clone (find it in a message, refuse what can't work before
downloading, download), and text files to read aloud.

Accepted: voice notes, audio files, and documents whose MIME type (or, for
``application/octet-stream``, whose file name) says audio. Refused before any getFile call: files
over Telegram's 20 MB download limit (by the message's ``file_size``) and clips whose stated duration
is over the upload limit. Everything else (decodable? silent? 3–30 s of speech?) is checked by
``service.check_clone_audio`` on the downloaded bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from telegram import Message

from core.errors import AudioTooLarge, AudioTooLong, InvalidValue, TextTooLong, UnsupportedAudio
from core.service import CLONE_MAX_SECONDS, CLONE_UPLOAD_MAX_SECONDS

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
        raise _too_large(upload.file_size, max_bytes)
    if upload.duration is not None and upload.duration > CLONE_UPLOAD_MAX_SECONDS:
        raise AudioTooLong(limit=int(CLONE_MAX_SECONDS))


async def download_file(bot, file_id: str, *, max_bytes: int) -> bytes:
    """getFile + download, re-checking the size Telegram reports and the bytes received."""
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > max_bytes:
        raise _too_large(file.file_size, max_bytes)
    data = bytes(await file.download_as_bytearray())
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    return data


async def download(bot, upload: AudioUpload, *, max_bytes: int) -> bytes:
    """Download an upload that passed :func:`check_before_download`."""
    return await download_file(bot, upload.file_id, max_bytes=max_bytes)


def _too_large(size: int, limit: int) -> AudioTooLarge:
    return AudioTooLarge(size=size, limit=limit, size_mb=round(size / 2**20, 1), limit_mb=round(limit / 2**20))


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
        raise InvalidValue(name="file", value=(filename or "")[:64], allowed="UTF-8 text") from None


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
        raise TextTooLong(length=file_size, limit=TEXT_FILE_MAX_BYTES, unit="bytes")
    file = await bot.get_file(file_id)
    data = bytes(await file.download_as_bytearray())
    if len(data) > TEXT_FILE_MAX_BYTES:
        raise TextTooLong(length=len(data), limit=TEXT_FILE_MAX_BYTES, unit="bytes")
    return decode_text_file(data, filename)

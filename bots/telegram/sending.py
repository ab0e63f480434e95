"""Turning text into voice notes in a chat.

:func:`speak` is the whole flow of one request: the per-user gate, ``service.session``, the
``record_voice`` chat action repeated every few seconds while synthesis runs, and each voice note sent
as soon as ``service.render_notes`` yields it (in order, each replying to the user's message).
:func:`send_note` sends one note with ``send_voice`` (OGG/Opus, integer ``duration``) and falls back to
``send_audio`` when the user forbids voice messages.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from contextlib import aclosing, suppress
from typing import TYPE_CHECKING, Self

from telegram import Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from core import audio
from core.i18n import t
from core.models import VoiceNote

if TYPE_CHECKING:
    from .context import Ctx, Deps

log = logging.getLogger(__name__)

#: Telegram's old note: voice notes above 1 MB may arrive as files. 1 MB is ~2 min of a note encoded here (~62 kbps).
CAPTION_LIMIT = 1024

#: sendVoice takes no waveform (Telegram draws its own), so notes are rendered without one: a note passed through
#: from the engine's Opus is then never decoded (half the CPU of a 200-chat burst went to that decoding).
NOTE_WAVEFORM = False


class VoiceForbiddenChats:
    """Chats that refused a voice message recently (Premium users may forbid them)."""

    def __init__(self, ttl: float = 3600.0) -> None:
        self.ttl = ttl
        self._until: dict[int, float] = {}

    def add(self, chat_id: int) -> None:
        if len(self._until) > 50_000:
            self._until.clear()
        self._until[chat_id] = time.monotonic() + self.ttl

    def __contains__(self, chat_id: object) -> bool:
        until = self._until.get(chat_id)  # type: ignore[arg-type]
        if until is None:
            return False
        if until < time.monotonic():
            del self._until[chat_id]  # type: ignore[arg-type]
            return False
        return True


class ChatActionLoop:
    """Send a chat action now and every ``interval`` seconds until closed; :meth:`poke` resends at once.

    One loop per chat (and topic) and action at a time: requests that overlap in one chat share the loop that
    is already running, which stops when the last of them ends.
    """

    _running: dict[tuple[int, int, int | None, str], _SharedAction] = {}

    def __init__(self, bot, chat_id: int, action: str = ChatAction.RECORD_VOICE, *, interval: float = 4.0,
                 thread_id: int | None = None) -> None:
        self._bot = bot
        self._key = (id(bot), chat_id, thread_id, str(action))
        self._action = action
        self._interval = interval
        self._thread_id = thread_id
        self._shared: _SharedAction | None = None

    def poke(self) -> None:
        """The status was cleared by a sent message, and more is coming: show it again now."""
        if self._shared is not None:
            self._shared.poke.set()

    async def __aenter__(self) -> Self:
        shared = self._running.get(self._key)
        if shared is None:
            shared = self._running[self._key] = _SharedAction()
            shared.task = asyncio.create_task(
                _repeat_action(self._bot, self._key[1], self._action, self._thread_id, self._interval, shared),
                name=f"chat-action-{self._key[1]}")
        shared.users += 1
        self._shared = shared
        return self

    async def __aexit__(self, *exc: object) -> None:
        shared, self._shared = self._shared, None
        if shared is None:
            return
        shared.users -= 1
        if shared.users > 0:
            return
        if self._running.get(self._key) is shared:
            del self._running[self._key]
        shared.stopped = True  # a cancel that lands as a poke wakes the wait can be swallowed on 3.11
        shared.poke.set()
        if shared.task is not None:
            shared.task.cancel()
            with suppress(asyncio.CancelledError):
                await shared.task


class _SharedAction:
    """The one chat-action loop of a chat, and how many requests use it."""

    def __init__(self) -> None:
        self.poke = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.users = 0
        self.stopped = False


async def _repeat_action(bot, chat_id: int, action: str, thread_id: int | None, interval: float,
                         shared: _SharedAction) -> None:
    poke = shared.poke
    while not shared.stopped:
        try:
            await bot.send_chat_action(chat_id, action, message_thread_id=thread_id)
        except TelegramError as exc:  # cosmetic: never fail a request over it
            log.debug("chat action failed: %s", type(exc).__name__)
        except Exception:  # nor end the loop that other requests in this chat share
            log.warning("chat action failed", exc_info=True)
        with suppress(TimeoutError):  # not wait_for: on 3.11 it can swallow a cancel that meets a poke
            async with asyncio.timeout(interval):
                await poke.wait()
        poke.clear()


def note_seconds(note: VoiceNote) -> int:
    """Telegram's ``duration``: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(note.audio.duration - 1e-6))


def _voice_refused(exc: BadRequest) -> bool:
    text = exc.message.upper()
    return "VOICE_MESSAGES_FORBIDDEN" in text or "NOT ENOUGH RIGHTS TO SEND VOICE" in text


async def _as_audio_file(note: VoiceNote) -> tuple[bytes, str]:
    """The note as an MP3 for send_audio (Telegram plays MP3/M4A as audio); the OGG if that fails."""
    if note.audio.format == "mp3":
        return note.audio.data, "speech.mp3"
    try:
        decoded = await audio.decode_upload(note.audio.data, max_bytes=len(note.audio.data) + 1,
                                            max_seconds=max(1.0, note.audio.duration + 5.0),
                                            sample_rate=48000, filename="note.ogg")
        mp3 = await audio.encode(decoded.pcm, decoded.sample_rate, "mp3")
        return mp3.data, "speech.mp3"
    except Exception:  # keep going with the original: Telegram sends it as a file
        log.warning("could not convert a voice note to MP3", exc_info=True)
        return note.audio.data, "speech.ogg"


async def send_note(deps: Deps, bot, chat_id: int, note: VoiceNote, *, reply_to: int | None,
                    thread_id: int | None, caption: str | None, lang: str) -> Message:
    """One voice note: send_voice, or send_audio if this chat refuses voice messages."""
    reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
    seconds = note_seconds(note)
    caption = caption[:CAPTION_LIMIT] if caption else None
    if chat_id not in deps.voice_forbidden:
        try:
            async with deps.pacer.slot(chat_id):
                return await bot.send_voice(
                    chat_id, voice=note.audio.data, filename=f"voice-{note.index + 1}.ogg", duration=seconds,
                    caption=caption, parse_mode=ParseMode.HTML if caption else None,
                    reply_parameters=reply, message_thread_id=thread_id,
                )
        except BadRequest as exc:
            if not _voice_refused(exc):
                raise
            log.info("chat refuses voice messages; sending audio instead")
            deps.voice_forbidden.add(chat_id)
    data, filename = await _as_audio_file(note)
    fallback = t("sent_as_audio_voice_notes_off", lang)
    caption = f"{caption}\n{fallback}" if caption else fallback
    async with deps.pacer.slot(chat_id):
        return await bot.send_audio(
            chat_id, audio=data, filename=filename, duration=seconds, title=(note.text[:60] or None),
            performer="voicebridge", caption=caption[:CAPTION_LIMIT], parse_mode=ParseMode.HTML,
            reply_parameters=reply, message_thread_id=thread_id,
        )


async def speak(ctx: Ctx, text: str) -> list[Message]:
    """Speak ``text`` for the user of ``ctx``: one or more voice notes, in order, as each is ready."""
    from .context import tr

    deps, service = ctx.deps, ctx.service
    sent: list[Message] = []
    async with deps.gate.enter(ctx.user.id), deps.speaking.enter():
        async with service.session(ctx.ref, text) as utt:
            told: set[str] = set()
            reply_to = ctx.message.message_id if ctx.message else None
            async with (ChatActionLoop(ctx.context.bot, ctx.chat.id, ChatAction.RECORD_VOICE,
                                       interval=deps.options.chat_action_interval,
                                       thread_id=ctx.thread_id()) as action,
                        deps.speaking.working(),
                        aclosing(service.render_notes(utt, waveform=NOTE_WAVEFORM)) as notes):
                async for note in notes:
                    lines = []
                    if note.total > 1:
                        lines.append(tr("note_part", ctx.lang, index=note.index + 1, total=note.total))
                    for key in utt.notices:  # the service may add one while rendering (a fallback)
                        if key not in told:
                            told.add(key)
                            lines.append(tr(key, ctx.lang))
                    sent.append(await send_note(deps, ctx.context.bot, ctx.chat.id, note, reply_to=reply_to,
                                                thread_id=ctx.thread_id(), caption="\n".join(lines) or None,
                                                lang=ctx.lang))
                    if note.index + 1 < note.total:
                        action.poke()
    return sent

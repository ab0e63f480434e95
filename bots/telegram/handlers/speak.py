"""/speak TEXT, and /speak as a reply: speaks the replied message's text (or caption, or .txt/.md file); a message
that is not only text is described ("Anna sent an image", "the caption (with a file)": bots/telegram/readaloud.py).

/speak TEXT as a reply to the user's own voice note (or audio file) speaks TEXT once in the voice of that
recording (a "dynamic voice", :mod:`core.dynamic`), after the same consent as cloning; nothing is stored.
/format voice|mp3|wav [RATE] chooses, per chat, whether speech comes as voice notes or as audio files.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode

from core.errors import NotYourRecording, VoiceBridgeError
from core.exports import check_export
from core.i18n import error_text
from core.uploads import clone_uploads
from core.voice_errors import DynamicVoiceUnsupported, InvalidAudioFormat

from .. import keyboards, readaloud
from ..context import Ctx, edit_text, handler, remove_keyboard, tr
from ..keyboards import Callback
from ..sending import ChatActionLoop, send_note, speak
from ..uploads import AudioUpload, check_before_download, download_file, download_text_file, find_audio, is_text_file
from .common import answer, callback, is_chat_admin

#: How long a dynamic-voice request waits for its consent button, and how many the process keeps.
PENDING_TTL = 900.0
PENDING_MAX = 1000
#: The chat option holding the audio-file format (absent: voice notes).
FORMAT_OPTION = "audio_file"
#: What a bot may upload to Telegram.
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
VOICE_WORDS = frozenset({"voice", "ogg", "note", "off", "default"})


@dataclass(frozen=True, slots=True)
class PendingDynamic:
    """A /speak in the voice of a recording, waiting for its owner's consent."""

    user_id: int
    text: str
    upload: AudioUpload
    made_at: float


class PendingDynamics:
    """In memory (a restart forgets them: the button then says it expired), at most ``PENDING_MAX``."""

    def __init__(self) -> None:
        self._items: dict[str, PendingDynamic] = {}

    def hold(self, pending: PendingDynamic) -> str:
        now = time.monotonic()
        for token in [t for t, p in self._items.items() if now - p.made_at > PENDING_TTL]:
            del self._items[token]
        while len(self._items) >= PENDING_MAX:
            del self._items[next(iter(self._items))]
        token = secrets.token_urlsafe(9)
        self._items[token] = pending
        return token

    def take(self, token: str, user_id: int) -> PendingDynamic | None:
        pending = self._items.get(token)
        if pending is None or pending.user_id != user_id:
            return None
        del self._items[token]
        return pending if time.monotonic() - pending.made_at <= PENDING_TTL else None


def pending_dynamics(ctx: Ctx) -> PendingDynamics:
    return ctx.context.application.bot_data.setdefault("voicebridge_dynamic", PendingDynamics())


@handler
async def speak_command(ctx: Ctx) -> None:
    """/speak TEXT; as a reply, the replied message; as a reply to your own voice note, TEXT in its voice."""
    text = ctx.text_after_command()
    replied = ctx.message.reply_to_message if ctx.message else None
    if replied is not None and replied.forum_topic_created is not None:
        replied = None  # in a forum topic every message "replies" to the topic's first message
    if text and replied is not None and has_recording(replied):
        await ask_dynamic(ctx, replied, text)
        return
    if not text and replied is not None:
        text = (replied.text or replied.caption or "").strip()
        if not text and is_text_file(replied.document):
            doc = replied.document
            text = (await download_text_file(ctx.context.bot, doc.file_id, doc.file_size, doc.file_name)).strip()
        elif said := readaloud.reading(replied, text, listener=ctx.lang):  # a photo, sticker, poll … (issue 14)
            text = said.text
        if not text:
            hint = "dynamic_reply_hint" if has_recording(replied) else None
            await ctx.reply(ctx.tr("speak_no_text") + ("\n" + ctx.tr(hint) if hint else ""))
            return
    if not text:
        await ctx.reply(ctx.tr("speak_usage"))
        return
    await speak_in_chat(ctx, text)


def has_recording(message: Message) -> bool:
    """Whether ``message`` is a voice note or an audio file (what a dynamic voice can be taken from)."""
    return message.voice is not None or message.audio is not None


# --- speaking as voice notes or as files (/format) ----------------------------------------------


def chat_scope(ctx: Ctx) -> str:
    return f"telegram:{ctx.chat.id}"


async def chat_format(ctx: Ctx) -> tuple[str, int] | None:
    """This chat's audio-file format and rate, or None for voice notes."""
    chosen = (await ctx.service.scope_options(chat_scope(ctx))).get(FORMAT_OPTION)
    if not isinstance(chosen, dict):
        return None
    try:
        return check_export(str(chosen.get("format")), chosen.get("rate"))
    except InvalidAudioFormat:
        return None


def describe_format(ctx: Ctx, chosen: tuple[str, int] | None) -> str:
    if chosen is None:
        return ctx.tr("format_voice_notes")
    return ctx.tr("format_audio_file", format=chosen[0].upper(), rate=chosen[1])


async def speak_in_chat(ctx: Ctx, text: str) -> None:
    """Speak ``text`` here as this chat wants it: voice notes (default) or one MP3/WAV file (/format)."""
    chosen = await chat_format(ctx)
    if chosen is None:
        await speak(ctx, text)
        return
    fmt, rate = chosen
    deps = ctx.deps
    async with (deps.gate.enter(ctx.user.id),
                ChatActionLoop(ctx.context.bot, ctx.chat.id, ChatAction.UPLOAD_DOCUMENT,
                               interval=deps.options.chat_action_interval, thread_id=ctx.thread_id())):
        encoded = await ctx.service.speak_file(ctx.ref, text, fmt, rate, max_bytes=UPLOAD_MAX_BYTES)
    reply = (ReplyParameters(message_id=ctx.message.message_id, allow_sending_without_reply=True)
             if ctx.message else None)
    caption = ctx.tr("speak_file_caption", format=fmt.upper(), rate=rate)
    async with deps.pacer.slot(ctx.chat.id):
        if fmt == "mp3":
            await ctx.context.bot.send_audio(ctx.chat.id, audio=encoded.data, filename="speech.mp3",
                                             duration=max(1, round(encoded.duration)), title=text[:60],
                                             performer="voicebridge", caption=caption, parse_mode=ParseMode.HTML,
                                             reply_parameters=reply, message_thread_id=ctx.thread_id())
        else:
            await ctx.context.bot.send_document(ctx.chat.id, document=encoded.data, filename=f"speech-{rate}.wav",
                                                caption=caption, parse_mode=ParseMode.HTML, reply_parameters=reply,
                                                message_thread_id=ctx.thread_id())


@handler
async def format_command(ctx: Ctx) -> None:
    """/format voice|mp3|wav [RATE]: how speech is sent in this chat (voice notes, or MP3/WAV files at one of
    the provider's sample rates); in a group, admins only."""
    args = ctx.args
    if not args:
        await ctx.reply(ctx.tr("format_usage", current=describe_format(ctx, await chat_format(ctx))))
        return
    if not ctx.is_private and not await is_chat_admin(ctx):
        await ctx.reply(ctx.tr("format_admins_only"))
        return
    word = args[0].lower()
    if word in VOICE_WORDS:
        chosen = None
    else:
        rate = None
        if len(args) > 1:
            try:
                rate = int(args[1].lower().removesuffix("hz"))
            except ValueError:
                raise InvalidAudioFormat(value=args[1][:16], allowed="8000, 16000, 24000, 32000, 44100") from None
        chosen = check_export(word, rate)
    await ctx.service.update_scope_options(
        chat_scope(ctx), **{FORMAT_OPTION: {"format": chosen[0], "rate": chosen[1]} if chosen else None})
    await ctx.reply(ctx.tr("format_set", current=describe_format(ctx, chosen)))


# --- a dynamic voice: /speak TEXT as a reply to your own recording ------------------------------


async def ask_dynamic(ctx: Ctx, replied: Message, text: str) -> None:
    """Check what can be checked (it is the user's own recording, its declared size, that this bot can do it),
    then ask for consent; nothing is downloaded or sent before the button."""
    sender = replied.from_user
    if sender is None or sender.id != ctx.user.id:
        raise NotYourRecording()  # someone else's voice: only they may use it (and consent)
    upload = find_audio(replied)
    assert upload is not None
    check_before_download(upload, max_bytes=ctx.deps.options.max_download_bytes)
    if not ctx.service.dynamic_voice.available:
        raise DynamicVoiceUnsupported()
    token = pending_dynamics(ctx).hold(PendingDynamic(ctx.user.id, text, upload, time.monotonic()))
    owner = ctx.user.id
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton("✅ " + ctx.plain("button_speak_in_this_voice"),
                              callback_data=keyboards.data("x", owner, "ok", token))],
        [InlineKeyboardButton(ctx.plain("button_cancel"), callback_data=keyboards.data("x", owner, "no", token))],
    ])
    await ctx.reply(ctx.tr("dynamic_consent_prompt"), reply_markup=markup)


@callback
async def on_dynamic_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:x:<owner>:ok|no:<token>``: speak once in the voice of the recording (consent given) or cancel."""
    if len(cb.args) != 2:
        await answer(query)
        return
    decision, token = cb.args
    pending = pending_dynamics(ctx).take(token, ctx.user.id)
    if pending is None:
        await answer(query, ctx.plain("pending_expired"), alert=True)
        await remove_keyboard(query.message)
        return
    await answer(query)
    if decision != "ok":
        await edit_text(query.message, ctx.tr("dynamic_cancelled"))
        return
    await edit_text(query.message, ctx.tr("dynamic_working"))
    try:
        await _speak_dynamic(ctx, pending)
    except VoiceBridgeError as exc:
        await edit_text(query.message, tr("dynamic_failed", ctx.lang, error=error_text(exc, ctx.lang)))
        return
    await edit_text(query.message, ctx.tr("dynamic_done"))


async def _speak_dynamic(ctx: Ctx, pending: PendingDynamic) -> None:
    deps, upload = ctx.deps, pending.upload
    max_bytes = deps.options.max_download_bytes
    declared = max_bytes if upload.file_size is None else upload.file_size
    async with (clone_uploads(ctx.service).slot(ctx.ref, declared) as slot,
                deps.gate.enter(ctx.user.id),
                ChatActionLoop(ctx.context.bot, ctx.chat.id, ChatAction.RECORD_VOICE,
                               interval=deps.options.chat_action_interval) as action):
        data = await download_file(ctx.context.bot, deps.app.http, upload.file_id, slot=slot, max_bytes=max_bytes)
        notes = ctx.service.dynamic_notes(ctx.ref, pending.text, data, filename=upload.filename)
        async with contextlib.aclosing(notes):
            async for note in notes:
                part = tr("note_part", ctx.lang, index=note.index + 1, total=note.total) if note.total > 1 else None
                await send_note(deps, ctx.context.bot, ctx.chat.id, note, reply_to=upload.message_id,
                                thread_id=None, caption=part, lang=ctx.lang)
                if note.index + 1 < note.total:  # more is coming (never poke a loop that is about to stop)
                    action.poke()

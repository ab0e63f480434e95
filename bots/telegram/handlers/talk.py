"""/talk NAME, /talk off, /talk reset, /talk captions on|off, and the messages a talking character answers.

While a character talks in a chat (:meth:`core.service.VoiceService.talk_current`), text and voice notes sent to the
bot in a private chat, and in a group replies to the bot's messages (or messages naming the bot), go to the
character instead of being read aloud: :func:`talk_message` runs in handler group -1 and stops the update there
when it answered; otherwise the usual handlers see it. The answer comes as voice notes in the character's voice,
the first as soon as its first sentence is spoken (core.talk_turn), each with its text as caption unless the user
chose ``/talk captions off``.
"""

from __future__ import annotations

import logging
from contextlib import aclosing

from telegram import Chat, Message, Update
from telegram.constants import ChatAction
from telegram.ext import ApplicationHandlerStop, ContextTypes

from core.errors import AudioEmpty, AudioTooLarge
from core.i18n import NO_WORDS, OFF_WORDS, ON_WORDS

from .. import talk_strings  # noqa: F401 - registers the sentences
from ..context import Ctx, esc, get_deps, handler, user_ref
from ..sending import NOTE_WAVEFORM, ChatActionLoop, send_note
from ..uploads import _file_chunks as file_chunks

log = logging.getLogger(__name__)

#: The user's choice of captions under the character's voice notes (an option of their personal scope).
CAPTIONS_OPTION = "talk_captions"
CAPTION_WORDS = frozenset({"captions", "caption", "text", "字幕", "文字", "キャプション"})
RESET_WORDS = frozenset({"reset", "forget", "重置", "忘记", "リセット"})
#: The largest voice note transcribed to talk (60 s at Telegram's ~32 kbps is ~250 KB).
MAX_VOICE_BYTES = 2 * 1024 * 1024


def _where(ctx: Ctx) -> str:
    return str(ctx.chat.id)


async def captions_on(ctx: Ctx) -> bool:
    """Whether this user wants the answer's text under its voice notes (default: yes)."""
    scope = await ctx.service.character_scope(ctx.ref, personal=True)
    assert scope is not None
    return bool((await ctx.service.scope_options(scope)).get(CAPTIONS_OPTION, True))


@handler
async def talk_command(ctx: Ctx) -> None:
    """/talk NAME — talk with a character here (text or voice notes in, its voice out); /talk off — stop;
    /talk reset — make it forget this conversation; /talk captions on|off — the answer's text under its voice."""
    where, args = _where(ctx), ctx.args
    if not args:
        current = await ctx.service.talk_current(ctx.ref, where)
        await ctx.reply(ctx.tr("talk_status", name=current.name) if current else ctx.tr("talk_usage"))
        return
    word = args[0].lower()
    if word in NO_WORDS and len(args) == 1:
        ended = await ctx.service.talk_end(ctx.ref, where)
        await ctx.reply(ctx.tr("talk_ended", name=ended.name) if ended else ctx.tr("talk_not_active"))
        return
    if word in RESET_WORDS and len(args) == 1:
        char, _ = await ctx.service.talk_reset(ctx.ref, where)
        await ctx.reply(ctx.tr("talk_forgotten", name=char.name))
        return
    if word in CAPTION_WORDS and len(args) <= 2:
        on = len(args) == 1 or args[1].lower() in ON_WORDS
        if len(args) == 2 and not on and args[1].lower() not in OFF_WORDS:
            await ctx.reply(ctx.tr("talk_usage"))
            return
        scope = await ctx.service.character_scope(ctx.ref, personal=True)
        assert scope is not None
        await ctx.service.update_scope_options(scope, **{CAPTIONS_OPTION: on})
        await ctx.reply(ctx.tr("talk_captions_on" if on else "talk_captions_off"))
        return
    start = await ctx.service.talk_start(ctx.ref, where, ctx.text_after_command())
    name = start.character.name
    await ctx.reply(ctx.tr("talk_started" if ctx.is_private else "talk_started_group", name=name))
    if start.greeting:
        await speak_greeting(ctx, start.greeting, name)


async def speak_greeting(ctx: Ctx, text: str, character: str) -> None:
    """The character's greeting, in its voice."""
    deps, service = ctx.deps, ctx.service
    caption = esc(text) if await captions_on(ctx) else None
    async with (deps.gate.enter(ctx.user.id), service.session(ctx.ref, text, character=character) as utt,
                aclosing(service.render_notes(utt, waveform=NOTE_WAVEFORM)) as notes):
        async for note in notes:
            await send_note(deps, ctx.context.bot, ctx.chat.id, note, reply_to=None, thread_id=ctx.thread_id(),
                            caption=caption if note.total == 1 else None, lang=ctx.lang)


def _addressed_to_bot(bot, msg: Message) -> bool:
    """In a group: a reply to one of the bot's messages, or a message that names the bot."""
    replied = msg.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    text = msg.text or msg.caption or ""
    return bool(bot.username) and f"@{bot.username}".lower() in text.lower()


async def _heard(ctx: Ctx, msg: Message) -> str | None:
    """The words of the message: its text, or its voice note transcribed (None: nothing to answer)."""
    text = (msg.text or msg.caption or "").strip()
    media = msg.voice or msg.audio
    if media is None:
        username = ctx.context.bot.username
        return text.replace(f"@{username}", "").strip() if username else text
    if media.file_size is not None and media.file_size > MAX_VOICE_BYTES:
        raise AudioTooLarge(size=media.file_size, limit=MAX_VOICE_BYTES)
    async with ChatActionLoop(ctx.context.bot, ctx.chat.id, ChatAction.TYPING,
                              interval=ctx.deps.options.chat_action_interval, thread_id=ctx.thread_id()):
        file = await ctx.context.bot.get_file(media.file_id)
        if file.file_size is not None and file.file_size > MAX_VOICE_BYTES:
            raise AudioTooLarge(size=file.file_size, limit=MAX_VOICE_BYTES)
        data = b""
        async for chunk in file_chunks(ctx.deps.app.http, file):  # bounded, whatever the size said
            data += chunk
            if len(data) > MAX_VOICE_BYTES:
                raise AudioTooLarge(size=len(data), limit=MAX_VOICE_BYTES)
        try:
            return await ctx.service.talk_transcribe(ctx.ref, data, "voice.ogg" if msg.voice else None)
        except AudioEmpty:
            await ctx.reply(ctx.tr("talk_no_speech"))
            return None


async def talk_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message to the character talking in this chat (see the module's docstring); others pass through untouched
    (decided before anything is read or written about the sender)."""
    msg, chat, user = update.effective_message, update.effective_chat, update.effective_user
    service = get_deps(context).service
    if msg is None or chat is None or user is None or not service.talk_enabled:
        return
    if (msg.text or msg.caption or "").lstrip().startswith("/"):
        return  # a command (a captioned /clone …): its own handler takes it
    if chat.type != Chat.PRIVATE and not _addressed_to_bot(context.bot, msg):
        return
    if await service.talk_current(user_ref(user, chat), str(chat.id)) is None:
        return
    ctx = await Ctx.build(update, context)
    if ctx is None or ctx.on_behalf_of is not None:
        return
    try:
        text = await _heard(ctx, msg)
        if text:
            await answer(ctx, text, msg)
    except Exception as exc:  # reported by the bot's error handler; the update stops here either way
        await context.application.process_error(update, exc)
    raise ApplicationHandlerStop


async def answer(ctx: Ctx, text: str, msg: Message) -> None:
    """The character's answer to ``text``: voice notes as each is ready, replying to the user's message."""
    deps, service = ctx.deps, ctx.service
    captions = await captions_on(ctx)
    bot = ctx.context.bot
    async with deps.gate.enter(ctx.user.id), service.talk_turn(ctx.ref, _where(ctx), text) as turn:
        async with (ChatActionLoop(bot, ctx.chat.id, ChatAction.RECORD_VOICE,
                                   interval=deps.options.chat_action_interval, thread_id=ctx.thread_id()) as action,
                    aclosing(turn.notes()) as notes):
            async for spoken in notes:
                await send_note(deps, bot, ctx.chat.id, spoken.note, reply_to=msg.message_id,
                                thread_id=ctx.thread_id(), caption=esc(spoken.caption) if captions else None,
                                lang=ctx.lang)
                action.poke()

"""/clone NAME [transcript]: as the caption of a voice note/audio file, or as a reply to one.

Everything that can be checked is checked before the user is asked for consent (the name, whether
cloning is possible at all, the file's size and stated length, then the audio itself after download),
and nothing goes to the provider until they press the consent button.

Memory: the download goes into a :class:`core.uploads.UploadSlot` — one clone upload per user at a
time, its bytes reserved in the process's budget (shared with Discord) before downloading. The checked
bytes then wait for the button parked under the request's token (the user's turn and the bytes stay
held) for at most ``hold_seconds`` (3 minutes); a press after that, or after a restart, downloads the
file again by its file id (the button itself works for 15 minutes). Every path releases the slot.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message
from telegram.constants import ChatAction

from core.errors import NotYourRecording, VoiceBridgeError
from core.i18n import error_text, quoted, t
from core.text import truncate_for_speech
from core.uploads import clone_uploads

from .. import keyboards
from ..context import Ctx, edit_text, esc, handler, remove_keyboard, send_text, tr
from ..keyboards import Callback
from ..sending import ChatActionLoop
from ..uploads import check_before_download, download, download_file, find_audio
from .common import answer, callback, num

log = logging.getLogger(__name__)


def parse_args(text: str) -> tuple[str, str | None]:
    """``NAME [transcript]``; a name with spaces can be quoted: ``"Kurisu M" hello there``."""
    text = text.strip()
    if not text:
        return "", None
    for open_q, close_q in (('"', '"'), ("“", "”"), ("'", "'"), ("「", "」")):
        if text.startswith(open_q):
            end = text.find(close_q, 1)
            if end > 0:
                return text[1:end].strip(), (text[end + 1:].strip() or None)
    parts = text.split(maxsplit=1)
    return parts[0], (parts[1].strip() if len(parts) > 1 else None)


def _audio_message(ctx: Ctx) -> Message | None:
    """The message holding the audio: this one (a captioned upload) or the one it replies to."""
    msg = ctx.message
    if msg is None:
        return None
    if msg.voice or msg.audio or msg.document:
        return msg
    replied = msg.reply_to_message
    if replied is not None and replied.forum_topic_created is None:
        sender = replied.from_user
        if find_audio(replied) is not None and (sender is None or sender.id != ctx.user.id):
            raise NotYourRecording()  # someone else's voice: only they may clone it (and consent)
        return replied
    return None


@handler
async def clone_command(ctx: Ctx) -> None:
    name, transcript = parse_args(ctx.text_after_command())
    target = _audio_message(ctx)
    upload = find_audio(target) if target is not None else None
    if not name or upload is None:
        await ctx.reply(ctx.tr("clone_usage"))
        return
    options = ctx.deps.options
    max_bytes = options.max_download_bytes
    uploads = clone_uploads(ctx.service)
    # The name, whether it is taken, whether cloning is possible, the file's declared size; then the user's
    # turn and that size (the limit when unknown), before getFile and the download.
    async with ctx.service.clone_upload(
            ctx.ref, name, declared_bytes=max_bytes if upload.file_size is None else upload.file_size,
            check_file=lambda: check_before_download(upload, max_bytes=max_bytes)) as clone:
        display, slot = clone.name, clone.slot
        async with (ctx.deps.gate.enter(ctx.user.id),
                    ChatActionLoop(ctx.context.bot, ctx.chat.id, ChatAction.TYPING,
                                   interval=options.chat_action_interval, thread_id=ctx.thread_id())):
            data = await download(ctx.context.bot, ctx.deps.app.http, upload, slot=slot, max_bytes=max_bytes)
            check = await ctx.service.check_clone_audio(data, upload.filename)
        request = await ctx.service.hold_clone_request(ctx.ref, name=display, transcript=transcript,
                                                       file_ref=upload.file_id, filename=upload.filename,
                                                       chat_id=str(ctx.chat.id))
        uploads.park(request.token, slot, data)  # the bytes and the user's turn now wait for the button
        del data
        text = ctx.tr("clone_consent_prompt", name=display, speech=num(round(check.speech_duration, 1)),
                      # shown in part: the consent sentence after it must fit the message
                      transcript=truncate_for_speech(transcript, 500) if transcript else ctx.tr("transcript_auto"))
        try:
            await send_text(ctx.deps, ctx.context.bot, ctx.chat.id, text, reply_to=upload.message_id,
                            thread_id=ctx.thread_id(),
                            reply_markup=keyboards.clone_consent(ctx.user.id, request.token, ctx.lang))
        except BaseException:  # no button to press: don't keep the bytes for one
            uploads.discard(request.token)
            raise


@callback
async def on_consent(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:c:<owner>:ok|no:<token>``: clone (consent given) or cancel."""
    if len(cb.args) != 2:
        await answer(query)
        return
    decision, token = cb.args
    uploads = clone_uploads(ctx.service)
    slot = uploads.take(token, ctx.ref)  # the checked bytes, if they are still in memory
    try:
        if slot is None and decision == "ok":
            # Bytes gone (kept 3 minutes at most, or a restart): take the user's turn before the request
            # is used up, so a refusal (another clone in progress, budget full) leaves the button working.
            slot = uploads.open(ctx.ref)
        pending = await ctx.service.take_clone_request(ctx.ref, token)
        if pending is None:  # expired, or already used (a double tap)
            await answer(query, ctx.plain("pending_expired"), alert=True)
            await remove_keyboard(query.message)
            return
        if decision != "ok":
            await answer(query)
            await edit_text(query.message, ctx.tr("clone_cancelled"))
            return
        await answer(query)
        await edit_text(query.message, ctx.tr("clone_working", name=quoted(pending.name, ctx.lang)))
        await _clone_confirmed(ctx, query, pending, slot)
    finally:
        if slot is not None:
            slot.release()


async def _clone_confirmed(ctx: Ctx, query: CallbackQuery, pending, slot) -> None:
    options = ctx.deps.options
    try:
        async with (ctx.deps.gate.enter(ctx.user.id),
                    ChatActionLoop(ctx.context.bot, ctx.chat.id, ChatAction.TYPING,
                                   interval=options.chat_action_interval)):
            data = slot.data
            if data is None:  # no longer in memory: download again by the file id
                data = await download_file(ctx.context.bot, ctx.deps.app.http, pending.file_ref, slot=slot,
                                           max_bytes=options.max_download_bytes)
            voice = await ctx.service.complete_clone(ctx.ref, data, pending.name, filename=pending.filename,
                                                     transcript=pending.transcript)
    except VoiceBridgeError as exc:
        log.info("cloning refused: %s", exc.code)
        await edit_text(query.message, tr("clone_failed", ctx.lang, error=error_text(exc, ctx.lang)))
        return
    except Exception:
        await edit_text(query.message, tr("clone_failed", ctx.lang, error=error_text(VoiceBridgeError(), ctx.lang)))
        raise
    done = ctx.tr("clone_done_try_it", name=voice.name)
    if voice.provider_id:  # its ID, for use elsewhere with the same key: shown to its owner only
        done += "\n\n" + (voice_id_line(ctx, voice.name, voice.provider_id) if ctx.is_private
                           else ctx.tr("voice_ids_private_hint"))
    await edit_text(query.message, done)


def voice_id_line(ctx: Ctx, name: str, voice_id: str) -> str:
    """“Voice ID of NAME: <code>speech:…</code>” (HTML)."""
    return t("voice_id_of", ctx.lang, name=esc(name), voice_id=f"<code>{esc(voice_id)}</code>")

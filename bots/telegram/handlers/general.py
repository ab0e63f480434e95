"""/start, /help, and what a private chat does with plain text, text files and stray audio."""

from __future__ import annotations

from ..context import Ctx, handler
from .speak import speak_in_chat as speak  # voice notes, or the files this chat chose with /format
from ..uploads import download_text_file, find_audio


@handler
async def start(ctx: Ctx) -> None:
    await ctx.reply(ctx.tr("start_intro", name=ctx.user.first_name or ""), quote=False)


@handler
async def help_command(ctx: Ctx) -> None:
    await ctx.reply(ctx.tr("help_overview") + "\n\n" + ctx.tr("help_talk"), quote=False)


@handler
async def private_text(ctx: Ctx) -> None:
    """In a private chat, any text (typed or forwarded) is read aloud, like /speak."""
    if ctx.message is None:
        return
    text = ctx.message.text or ctx.message.caption or ""
    if text.strip():
        await speak(ctx, text)


@handler
async def private_text_file(ctx: Ctx) -> None:
    """A .txt or .md file in a private chat is read aloud (within the usual text limit)."""
    document = ctx.message.document if ctx.message else None
    if document is None:
        return
    text = await download_text_file(ctx.context.bot, document.file_id, document.file_size, document.file_name)
    if not text.strip():
        await ctx.reply(ctx.tr("speak_no_text"))
        return
    await speak(ctx, text)


@handler
async def private_audio(ctx: Ctx) -> None:
    """A voice note or audio file without /clone in a private chat: say how to clone it."""
    if find_audio(ctx.message) is not None:
        await ctx.reply(ctx.tr("clone_reply_hint"))

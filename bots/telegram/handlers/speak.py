"""/speak TEXT, and /speak as a reply: speaks the replied message's text (or caption, or .txt/.md file); a message
that is not only text is described ("Anna sent an image", "the caption (with a file)": bots/telegram/readaloud.py)."""

from __future__ import annotations

from .. import readaloud
from ..context import Ctx, handler
from ..sending import speak
from ..uploads import download_text_file, is_text_file


@handler
async def speak_command(ctx: Ctx) -> None:
    text = ctx.text_after_command()
    replied = ctx.message.reply_to_message if ctx.message else None
    if replied is not None and replied.forum_topic_created is not None:
        replied = None  # in a forum topic every message "replies" to the topic's first message
    if not text and replied is not None:
        text = (replied.text or replied.caption or "").strip()
        if not text and is_text_file(replied.document):
            doc = replied.document
            text = (await download_text_file(ctx.context.bot, doc.file_id, doc.file_size, doc.file_name)).strip()
        elif said := readaloud.reading(replied, text, listener=ctx.lang):  # a photo, sticker, poll … (issue 14)
            text = said.text
        if not text:
            await ctx.reply(ctx.tr("speak_no_text"))
            return
    if not text:
        await ctx.reply(ctx.tr("speak_usage"))
        return
    await speak(ctx, text)

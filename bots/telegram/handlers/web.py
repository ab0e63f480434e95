"""/web: a one-time sign-in link to the web console, only in a private chat (whoever opens it acts as you)."""

from __future__ import annotations

from telegram import LinkPreviewOptions

from bots.web import strings as _web_strings  # noqa: F401  (the console's sentences, /web's among them)

from ..context import Ctx, handler


@handler
async def web_command(ctx: Ctx) -> None:
    """/web: a private link that signs you in to the web console (works once, for 10 minutes)."""
    url = await ctx.service.web_link(ctx.ref)  # WebLinkPrivateOnly in a group: nothing is issued there
    # no link preview: Telegram's preview fetch must not be the one to open it (it only shows a button, but
    # the link still stays out of any preview card)
    await ctx.reply(ctx.tr("web_link_sent", url=url), link_preview_options=LinkPreviewOptions(is_disabled=True))

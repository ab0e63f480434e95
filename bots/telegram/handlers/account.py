"""/key (private chats only), /usage, /forget (with a confirmation button), /link and /unlink.

The key itself is never logged, never echoed (only ``…abcd``), and never passed on from a group:
there the message is deleted (when the bot may) and the sender warned.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.error import TelegramError

from core.errors import PrivateChatOnly
from core.i18n import OFF_WORDS, error_text, forget_abandoned_text, link_preview_text, listing, platform_names, t
from core.identity import link_code
from core.uploads import clone_uploads

from .. import keyboards
from ..context import Ctx, edit_text, esc, group_handler, handler, key_hint, shown_key_hint
from ..keyboards import Callback
from .common import answer, callback

log = logging.getLogger(__name__)

CLEAR_WORDS = OFF_WORDS


async def _delete_message(ctx: Ctx) -> bool:
    if ctx.message is None:
        return False
    try:
        return bool(await ctx.context.bot.delete_message(ctx.chat.id, ctx.message.message_id))
    except TelegramError as exc:
        log.info("could not delete a message holding a key: %s", type(exc).__name__)
        return False


@group_handler
async def key_command(ctx: Ctx) -> None:
    args = ctx.args
    if not ctx.is_private:
        if args and args[0].lower() not in CLEAR_WORDS:  # a key where others see it, whoever posted it
            deleted = await _delete_message(ctx)
            warning = esc(error_text(PrivateChatOnly(), ctx.lang))
            extra = ctx.tr("key_group_message_deleted" if deleted else "key_group_message_not_deleted")
            mention = ("" if ctx.on_behalf_of else
                       f'<a href="tg://user?id={ctx.user.id}">{esc(ctx.user.first_name or "")}</a> ')
            await ctx.reply(f"{mention}{warning} {extra}", quote=False)
        elif ctx.on_behalf_of is None:
            await ctx.reply(ctx.tr("key_private_only"))
        return
    if not args:
        view = await ctx.service.settings(ctx.ref)
        hint = key_hint(view)
        if hint is not None:
            await ctx.reply(ctx.tr("key_status", hint=hint))
        else:
            await ctx.reply(ctx.tr("key_status_none"))
        return
    if args[0].lower() in CLEAR_WORDS:
        cleared = await ctx.service.clear_api_key(ctx.ref)
        text = ctx.tr("key_removed" if cleared else "key_none_to_clear")
        if cleared.stranded:
            text += ctx.tr("key_stranded_voices", names=listing([f"“{n}”" for n in cleared.stranded], ctx.lang))
        await ctx.reply(text)
        return
    # Take the key out of the chat first, whatever happens next.
    deleted = await _delete_message(ctx)
    ctx.message = None  # don't reply to (or quote) a message that holds a key
    masked = await ctx.service.set_api_key(ctx.ref, args[0])
    note = ctx.tr("key_message_deleted" if deleted else "key_message_delete_it")
    await ctx.reply(ctx.tr("key_saved", masked=masked) + " " + note, quote=False)


@group_handler
async def link_command(ctx: Ctx) -> None:
    """/link: a code to type on Discord; /link CODE: join the account that showed that code."""
    args = ctx.args
    if ctx.on_behalf_of is not None and not args:
        return
    if not ctx.is_private:
        if args:  # a code posted where others can see it: out of the chat, and the service burns it
            await _delete_message(ctx)
            ctx.message = None
        await ctx.service.complete_link(ctx.ref, "".join(args))  # raises LinkPrivateOnly here
    if args:  # say what would be shared, and link only on the button
        preview = await ctx.service.link_preview(ctx.ref, "".join(args))
        code = link_code("".join(args))
        await ctx.reply(esc(link_preview_text(preview, ctx.lang)),
                        reply_markup=keyboards.link(ctx.user.id, code, ctx.lang))
        return
    linked = await ctx.service.linked_platforms(ctx.ref)
    if linked:
        await ctx.reply(ctx.tr("link_status", platforms=platform_names(linked), command="/unlink"))
        return
    code = await ctx.service.start_link(ctx.ref)
    await ctx.reply(t("link_code_shown", ctx.lang, code=f"<code>{code}</code>", command=f"<code>/link {code}</code>",
                      platform="Discord"))


@callback
async def on_link_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:k:<owner>:<code>|no``: the answer to the question /link CODE asked."""
    await answer(query)
    if not cb.args or cb.args[0] == "no":
        await edit_text(query.message, ctx.tr("link_cancelled"))
        return
    platform = await ctx.service.complete_link(ctx.ref, cb.args[0])
    await edit_text(query.message, ctx.tr("link_done", platform=platform_names([platform])))


@handler
async def unlink_command(ctx: Ctx) -> None:
    """/unlink: separate this account from its Discord account."""
    undone = await ctx.service.unlink(ctx.ref)
    await ctx.reply(ctx.tr("unlink_done" if undone else "not_linked", command="/link", platform="Discord"))


@handler
async def usage_command(ctx: Ctx) -> None:
    report = await ctx.service.usage(ctx.ref)
    view = await ctx.service.settings(ctx.ref)
    limit = ctx.tr("usage_daily_limit", used=report.quota_used, limit=report.daily_limit) if report.daily_limit else ""
    # Numbers only, plus the operator's currency code: t() (not tr()) so ``limit`` keeps its markup.
    text = t("usage_report", ctx.lang, today_bytes=report.today_bytes, today_requests=report.today_requests,
             limit=limit, total_bytes=report.total_bytes, total_requests=report.total_requests,
             cost=f"{report.estimated_cost:.4f}".rstrip("0").rstrip(".") or "0",
             currency=esc(report.currency))
    hint = shown_key_hint(ctx, view)
    if hint is not None:
        text += ctx.tr("usage_own_key", hint=hint)
    if report.lent_total:
        text += ctx.tr("usage_lent", today=report.lent_today, total=report.lent_total)
    if report.tokens_total:  # talking characters
        text += ctx.tr("usage_tokens", today=report.tokens_today, total=report.tokens_total)
        if report.token_limit:
            text += ctx.tr("usage_tokens_limit", used=report.tokens_quota_used, limit=report.token_limit)
    await ctx.reply(text)


@handler
async def forget_command(ctx: Ctx) -> None:
    await ctx.reply(ctx.tr("forget_confirm"), reply_markup=keyboards.forget(ctx.user.id, ctx.lang))


@callback
async def on_forget_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:f:<owner>:ok|no``."""
    if not cb.args or cb.args[0] != "ok":
        await answer(query)
        await edit_text(query.message, ctx.tr("forget_cancelled"))
        return
    await answer(query)
    clone_uploads(ctx.service).drop_user(ctx.ref)  # audio held for a clone waiting for consent
    report = await ctx.service.forget(ctx.ref)
    if report.failed_remote_voices:
        await edit_text(query.message, ctx.tr("forget_partial", names=", ".join(report.failed_remote_voices)))
        return
    text = ctx.tr("forget_done")
    if report.deleted_remote_voices:
        text += ctx.tr("forget_deleted_voices", names=", ".join(report.deleted_remote_voices))
    if report.abandoned_remote_voices:
        text += "\n" + esc(forget_abandoned_text(report.abandoned_remote_voices, ctx.lang))
    await edit_text(query.message, text)

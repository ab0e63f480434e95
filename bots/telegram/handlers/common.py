"""Helpers shared by the handler modules: callback wrapper, number formatting, admin check."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps

from telegram import CallbackQuery, ChatMember, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from ..context import Ctx
from ..keyboards import Callback, parse

log = logging.getLogger(__name__)

CallbackFn = Callable[[Ctx, CallbackQuery, Callback], Awaitable[None]]


def callback(fn: CallbackFn) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """Wrap ``fn(ctx, query, cb)``: parses the data and refuses presses by anyone but the owner."""

    @wraps(fn)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        ctx = await Ctx.build(update, context)
        cb = parse(query.data)
        if ctx is None or cb is None:
            await answer(query)
            return
        if cb.owner != ctx.user.id:
            await answer(query, ctx.plain("not_yours"), alert=True)
            return
        await fn(ctx, query, cb)

    return wrapper


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """answerCallbackQuery; a query that is too old to answer is not an error."""
    try:
        await query.answer(text[:200] if text else None, show_alert=alert or None)
    except BadRequest as exc:
        log.debug("could not answer a callback query: %s", exc.message)


def num(value: float) -> str:
    """1.0 → "1", 1.25 → "1.25"."""
    return f"{value:g}"


def signed(value: float) -> str:
    return f"{value:+g}" if value else "0"


async def is_chat_admin(ctx: Ctx) -> bool:
    """Whether the sender administers this group (an anonymous admin posting as the group counts)."""
    if ctx.is_private:
        return False
    msg = ctx.message
    if msg is not None and msg.sender_chat is not None and msg.sender_chat.id == ctx.chat.id:
        return True
    try:
        member = await ctx.context.bot.get_chat_member(ctx.chat.id, ctx.user.id)
    except TelegramError as exc:
        log.info("could not check chat admin status: %s", type(exc).__name__)
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)

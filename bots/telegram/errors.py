"""The one error handler: a user's mistake gets its sentence, a bug gets logged once and an apology.

* :class:`core.errors.VoiceBridgeError` → its sentence in the user's language (``error_text``);
  "busy"/"slow down" answers are sent at most once per few seconds per user.
* Telegram refusing us (the user blocked the bot, the chat is gone) or the network → logged, no reply.
* Anything else → logged with its traceback (never with the message text) and a short apology.

For a button press the answer is an alert on the button; otherwise a reply in the chat.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ContextTypes

from core.errors import Busy, ProviderError, TooManyRequests, VoiceBridgeError
from core.i18n import error_text, normalize_language, t

from .compat import attr_seconds
from .context import DEPS_KEY, Deps, esc, send_text, user_ref

log = logging.getLogger(__name__)


async def _language(deps: Deps | None, update: Update) -> str:
    user = update.effective_user
    if user is None:
        return "en"
    if deps is not None and not user.is_bot:  # the stand-in of anonymous admins and channels has no account
        try:
            return await deps.service.ui_language(user_ref(user, update.effective_chat))
        except Exception:
            log.debug("could not read the reply language", exc_info=True)
    return normalize_language(user.language_code)


def _where(update: object) -> str:
    if isinstance(update, Update):
        chat = update.effective_chat
        return f"update {update.update_id} (chat type {chat.type if chat else '?'})"
    return "no update"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    err = context.error
    deps: Deps | None = context.application.bot_data.get(DEPS_KEY)

    if isinstance(err, VoiceBridgeError):
        if isinstance(err, ProviderError):
            log.warning("provider error in %s: %s", _where(update), err.code)
        else:
            log.info("user error in %s: %s", _where(update), err.code)
        user = update.effective_user if isinstance(update, Update) else None
        if isinstance(err, (Busy, TooManyRequests)) and deps is not None and user is not None \
                and not deps.should_tell_busy(user.id):
            return
    elif isinstance(err, Forbidden):
        log.info("Telegram refused to deliver to a chat (%s)", _where(update))
        return
    elif isinstance(err, RetryAfter):
        log.warning("Telegram flood control in %s: retry after %s s", _where(update), attr_seconds(err, "retry_after"))
        return
    elif isinstance(err, NetworkError) and not isinstance(err, BadRequest):
        log.warning("network problem talking to Telegram in %s: %s", _where(update), type(err).__name__)
        return
    else:
        log.error("unexpected error in %s", _where(update), exc_info=err)

    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = await _language(deps, update)
    text = error_text(err, lang) if isinstance(err, VoiceBridgeError) else t("internal", lang)
    try:
        query = update.callback_query
        if query is not None:
            try:
                await query.answer(text[:200], show_alert=True)
                return
            except BadRequest:  # already answered or too old: say it in the chat instead
                pass
        message = update.effective_message
        if deps is not None:
            await send_text(deps, context.bot, update.effective_chat.id, esc(text),
                            reply_to=message.message_id if message is not None and query is None else None,
                            thread_id=message.message_thread_id if message is not None and message.is_topic_message
                            else None)
    except TelegramError as exc:
        log.info("could not tell the user about an error: %s", type(exc).__name__)

"""What every handler needs: the shared adapter state (:class:`Deps`) and a per-update :class:`Ctx`.

``Deps`` is built once by :func:`bots.telegram.runner.build_application` and lives in
``application.bot_data``. ``Ctx`` is made for each update: who is asking (a :class:`UserRef`), in which
language to answer, and helpers that send through the per-chat pacer.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from telegram import Chat, Message, ReplyParameters, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bots.app import App
from core.i18n import normalize_language, set_locale, t
from core.models import UserRef
from core.text import normalize_input
from core.service import VoiceService
from core.settings import SettingsView

from .limits import ChatPacer, SpeakingSlots, UserGate
from .settings import DEFAULT_MAX_SPEAKING
from .sending import VoiceForbiddenChats

log = logging.getLogger(__name__)

DEPS_KEY = "voicebridge"
PLATFORM = "telegram"


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """Tunables of the adapter (defaults suit production; tests may shorten them)."""

    #: Per-chat pacing on top of PTB's AIORateLimiter: ~1 msg/s in a private chat, 20/min in a group.
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 3
    #: record_voice lasts ≤ 5 s on the client: repeat it this often while synthesizing.
    chat_action_interval: float = 4.0
    #: Requests one user may have in progress at once (speak + clone); None: the service's limit.
    max_user_requests: int | None = None
    #: Tell a flooding user "busy" at most once per this many seconds.
    busy_notice_interval: float = 10.0
    #: Telegram's getFile limit.
    max_download_bytes: int = 20 * 1024 * 1024
    #: How long we remember that a chat refuses voice messages.
    voice_forbidden_ttl: float = 3600.0
    #: Updates processed at once (PTB concurrent_updates) and the HTTP pool for Bot API calls.
    concurrent_updates: int = 128
    connection_pool_size: int = 64
    #: First pause before retrying start-up when Telegram is unreachable (doubles up to 60 s).
    startup_retry_delay: float = 1.0


@dataclass
class Deps:
    """Adapter-wide state shared by all handlers."""

    app: App
    options: TelegramOptions
    pacer: ChatPacer
    gate: UserGate
    voice_forbidden: VoiceForbiddenChats
    #: The process's speaking requests in progress (``TELEGRAM_MAX_SPEAKING``; the runner sets it).
    speaking: SpeakingSlots = field(default_factory=lambda: SpeakingSlots(DEFAULT_MAX_SPEAKING))
    busy_told: dict[int, float] = field(default_factory=dict)

    @property
    def service(self) -> VoiceService:
        return self.app.service

    def should_tell_busy(self, user_id: int) -> bool:
        """Rate-limit "busy"/"slow down" answers so a flood does not get a flood of replies."""
        now = time.monotonic()
        last = self.busy_told.get(user_id)
        if last is not None and now - last < self.options.busy_notice_interval:
            return False
        if len(self.busy_told) > 10_000:
            self.busy_told.clear()
        self.busy_told[user_id] = now
        return True


def get_deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.application.bot_data[DEPS_KEY]


def user_ref(user: User, chat: Chat | None) -> UserRef:
    private = chat is None or chat.type == Chat.PRIVATE
    return UserRef(
        platform=PLATFORM,
        user_id=str(user.id),
        scope_id=None if private else str(chat.id),  # type: ignore[union-attr]
        language_hint=user.language_code,
        display_name=user.full_name,
        is_private=private,
    )


def key_hint(view: SettingsView) -> str | None:
    """The user's own key as shown to them (``…abcd``), or None when they have none."""
    hint = view.api_key_hint
    if hint is None:
        return None
    return hint if "…" in hint else f"…{hint}"


def shown_key_hint(ctx: Ctx, view: SettingsView) -> str | None:
    """:func:`key_hint` where only the user reads it (a private chat); in a group, just that there is one."""
    hint = key_hint(view)
    if hint is None or ctx.is_private:
        return hint
    return ctx.tr("key_own_hidden")


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def tr(key: str, lang: str, /, **params: Any) -> str:
    """:func:`core.i18n.t` for HTML messages: every parameter is escaped."""
    return t(key, lang, **{k: esc(str(v)) for k, v in params.items()})


@dataclass
class Ctx:
    """One update, resolved: who, where, which language, and paced replies."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    deps: Deps
    user: User
    chat: Chat
    message: Message | None
    ref: UserRef
    lang: str
    #: "group" when an admin posts anonymously (as the group), "channel" when someone posts as a channel;
    #: then ``user`` is Telegram's stand-in bot, shared by everyone who does so: no personal command applies
    on_behalf_of: str | None = None

    @classmethod
    async def build(cls, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ctx | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        on_behalf_of = None
        if user.is_bot:
            message = update.effective_message if update.callback_query is None else None
            sender = message.sender_chat if message is not None else None
            if sender is None:
                return None
            on_behalf_of = "group" if sender.id == chat.id else "channel"
        deps = get_deps(context)
        ref = user_ref(user, chat)
        try:
            # nobody's choice for the shared stand-in of anonymous admins and channels (and no row for it)
            lang = (normalize_language(user.language_code) if on_behalf_of
                    else await deps.service.ui_language(ref))
        except Exception:  # the store is down: still answer, in the platform's language
            log.warning("could not read the reply language", exc_info=True)
            lang = normalize_language(user.language_code)
        set_locale(lang)  # this update is answered in it: t() without a language uses it
        return cls(update=update, context=context, deps=deps, user=user, chat=chat,
                   message=update.effective_message, ref=ref, lang=lang, on_behalf_of=on_behalf_of)

    @property
    def service(self) -> VoiceService:
        return self.deps.service

    @property
    def args(self) -> list[str]:
        return [normalize_input(arg) for arg in self.context.args or []]

    @property
    def is_private(self) -> bool:
        return self.chat.type == Chat.PRIVATE

    def text_after_command(self) -> str:
        """The message text (or caption) after ``/command`` — whitespace and line breaks kept."""
        if self.message is None:
            return ""
        raw = normalize_input(self.message.text or self.message.caption or "")
        if not raw.startswith("/"):
            return raw.strip()
        parts = raw.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""

    def tr(self, key: str, /, **params: Any) -> str:
        """A sentence for an HTML message (parameters escaped)."""
        return tr(key, self.lang, **params)

    def plain(self, key: str, /, **params: Any) -> str:
        """A sentence for plain text (callback answers)."""
        return t(key, self.lang, **params)

    def thread_id(self) -> int | None:
        msg = self.message
        return msg.message_thread_id if msg is not None and msg.is_topic_message else None

    async def reply(self, text: str, *, quote: bool = True, **kwargs: Any) -> Message:
        """Send an HTML message to this chat (replying to the user's message), through the pacer."""
        return await send_text(self.deps, self.context.bot, self.chat.id, text,
                               reply_to=self.message.message_id if quote and self.message else None,
                               thread_id=self.thread_id(), **kwargs)


async def send_text(deps: Deps, bot, chat_id: int, text: str, *, reply_to: int | None = None,
                    thread_id: int | None = None, **kwargs: Any) -> Message:
    """sendMessage in HTML, paced per chat; a reply that can't find its message is sent plainly."""
    reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
    async with deps.pacer.slot(chat_id):
        return await bot.send_message(chat_id, normalize_input(text)[:4096], parse_mode=ParseMode.HTML,
                                      reply_parameters=reply,
                                      message_thread_id=thread_id, **kwargs)


async def edit_text(query_message: object, text: str, **kwargs: Any) -> None:
    """Edit a bot message; "message is not modified" is not an error, an inaccessible one is skipped."""
    if not isinstance(query_message, Message):  # None, or an InaccessibleMessage (too old)
        return
    try:
        await query_message.edit_text(normalize_input(text)[:4096], parse_mode=ParseMode.HTML, **kwargs)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def remove_keyboard(query_message: object) -> None:
    """Take the buttons off a bot message (if it still has them)."""
    if not isinstance(query_message, Message) or query_message.reply_markup is None:
        return
    try:
        await query_message.edit_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


Handler = Callable[[Ctx], Awaitable[None]]


def handler(fn: Handler, *, on_behalf: bool = False) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """Wrap ``fn(ctx)`` as a PTB callback; updates without a human sender are ignored, and so are
    messages posted as the group or as a channel unless ``on_behalf`` (see :func:`group_handler`)."""

    @wraps(fn)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        ctx = await Ctx.build(update, context)
        if ctx is not None and (ctx.on_behalf_of is None or on_behalf):
            await fn(ctx)

    return wrapper


def group_handler(fn: Handler) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """:func:`handler` for commands that also act on messages posted as the group (an anonymous admin) or
    as a channel: the group's own settings, and taking a posted secret out of the chat. ``fn`` checks
    ``ctx.on_behalf_of`` and does nothing personal then."""
    return handler(fn, on_behalf=True)

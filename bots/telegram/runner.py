"""Building and running the Telegram bot.

* :func:`build_application` — the PTB ``Application`` for an :class:`bots.app.App`: token and
  ``TELEGRAM_BASE_URL``/``TELEGRAM_BASE_FILE_URL`` from :class:`~bots.telegram.settings.TelegramSettings`,
  concurrent updates, PTB's AIORateLimiter, a sized connection pool and timeouts, every handler and the
  error handler.
* :func:`run_telegram` — initialize, register the command menu, then long polling (default) or
  PTB's webhook server when ``TELEGRAM_WEBHOOK_URL`` is set, until ``stop`` is set; then shut down.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bots.app import App
from core.errors import ConfigError
from core.i18n import t

from . import logsafety
from .context import DEPS_KEY, Deps, TelegramOptions
from .errors import on_error
from .handlers import register_handlers
from .limits import (
    CHEAP_UPDATE_HEADROOM,
    OVERALL_BURST,
    OVERALL_MESSAGES_PER_SECOND,
    ChatPacer,
    RateLimiter,
    SpeakingSlots,
    UserGate,
)
from .sending import VoiceForbiddenChats
from .settings import TelegramSettings
from .strings import register_strings

log = logging.getLogger(__name__)

#: The command menu, in this order (the public command names; descriptions are ``command_menu_<name>``).
COMMANDS = ("speak", "voices", "voice", "clone", "adopt_voice", "delete_voice", "talk", "character", "settings", "speed", "gain", "lang",
            "style", "format", "pronounce", "key", "usage", "link", "web", "forget", "help", "start")
#: Languages the menu is registered in besides the default (English).
MENU_LANGUAGES = ("zh", "ja")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def build_application(app: App, settings: TelegramSettings | None = None, *, options: TelegramOptions | None = None,
                      with_updater: bool = True) -> Application:
    """The bot for ``app`` (``settings``: default, from the environment). ``with_updater=False`` builds it
    without an updater (updates are fed by hand)."""
    options = options or TelegramOptions()
    settings = settings or TelegramSettings.load()
    if settings.bot_token is None:
        raise ConfigError(name="TELEGRAM_BOT_TOKEN", allowed="a bot token from @BotFather")
    register_strings()
    logsafety.install()

    speaking = SpeakingSlots(settings.max_speaking)
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        # every speaking slot and room for cheap updates beside them: PTB never holds an update back unseen
        .concurrent_updates(max(options.concurrent_updates, settings.max_speaking + CHEAP_UPDATE_HEADROOM))
        .rate_limiter(RateLimiter(max_retries=3, overall_max_rate=OVERALL_BURST,
                                  overall_time_period=OVERALL_BURST / OVERALL_MESSAGES_PER_SECOND,
                                  backlog=lambda: speaking.active))
        .connection_pool_size(options.connection_pool_size)
        .pool_timeout(20.0)
        .connect_timeout(10.0)
        .read_timeout(20.0)
        .write_timeout(20.0)
        .media_write_timeout(60.0)
        .get_updates_read_timeout(30.0)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    if not with_updater:
        builder = builder.updater(None)
    application = builder.build()

    limit = options.max_user_requests or app.config.max_queued_per_user
    application.bot_data[DEPS_KEY] = Deps(
        app=app,
        options=options,
        pacer=ChatPacer(private_per_second=options.private_per_second, private_burst=options.private_burst,
                        group_per_minute=options.group_per_minute, group_burst=options.group_burst),
        gate=UserGate(limit),
        voice_forbidden=VoiceForbiddenChats(options.voice_forbidden_ttl),
        speaking=speaking,
    )
    register_handlers(application)
    application.add_error_handler(on_error)
    return application


async def setup_commands(application: Application) -> None:
    """setMyCommands in English (the default) and in Chinese and Japanese; failures are only logged."""
    for lang in (None, *MENU_LANGUAGES):
        commands = [BotCommand(name, t(f"command_menu_{name}", lang or "en")) for name in COMMANDS]
        try:
            await application.bot.set_my_commands(commands, language_code=lang)
        except TelegramError as exc:
            log.warning("could not register the command menu (%s): %s", lang or "default", type(exc).__name__)


def webhook_secret(settings: TelegramSettings) -> str:
    """``TELEGRAM_WEBHOOK_SECRET``, or one derived from the token (the same on every instance)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    return hashlib.sha256(f"voicebridge-webhook:{token}".encode()).hexdigest()


async def _initialize(application: Application, stop: asyncio.Event, first_delay: float) -> bool:
    """initialize() (getMe), retried with backoff while Telegram is unreachable; False if stopped first.

    A refused token is a configuration error and is not retried.
    """
    delay = first_delay
    while True:
        try:
            await application.initialize()
            return True
        except InvalidToken:
            raise ConfigError(name="TELEGRAM_BOT_TOKEN",
                              allowed="the token @BotFather gave you (Telegram refused this one)") from None
        except (NetworkError, RetryAfter) as exc:
            log.warning("Telegram is not reachable (%s); trying again in %.0f s", type(exc).__name__, delay)
        try:
            await asyncio.wait_for(stop.wait(), delay)
            return False
        except TimeoutError:
            delay = min(delay * 2, 60.0)


async def run_telegram(app: App, stop: asyncio.Event, settings: TelegramSettings | None = None, *,
                       options: TelegramOptions | None = None) -> None:
    """Serve the bot until ``stop`` is set: long polling, or a webhook when ``TELEGRAM_WEBHOOK_URL`` is set.

    ``settings``: default, from the environment."""
    options = options or TelegramOptions()
    settings = settings or TelegramSettings.load()
    application = build_application(app, settings, options=options)
    updater = application.updater
    assert updater is not None
    if not await _initialize(application, stop, options.startup_retry_delay):
        await application.shutdown()
        return
    try:
        await setup_commands(application)
        await application.start()
        try:
            if settings.webhook_url:
                url_path = urlsplit(settings.webhook_url).path.lstrip("/")
                await updater.start_webhook(
                    listen=settings.webhook_listen, port=settings.webhook_port, url_path=url_path,
                    webhook_url=settings.webhook_url, secret_token=webhook_secret(settings),
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, bootstrap_retries=3,
                )
                log.info("Telegram: webhook server on %s:%s", settings.webhook_listen, settings.webhook_port)
            else:
                await updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
                                            bootstrap_retries=3)
                log.info("Telegram: long polling")
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
    finally:
        await application.shutdown()
    log.info("Telegram: stopped")

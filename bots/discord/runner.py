"""Run the Discord bot inside ``voicebridge run``: log in, sync commands, connect, stop on ``stop``.

``DISCORD_API_BASE_URL`` (a rate-limit proxy, or a fake in tests) is honoured for every REST call by setting
``discord.http.Route.BASE`` before logging in — every Route, including interaction callbacks and webhooks,
builds its URL from it. A plain ``commands.Bot`` connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` without
asking the API, so when the base is not Discord's we fetch ``GET /gateway/bot`` through the bot's own HTTP
client (hence through the custom base) and point ``DEFAULT_GATEWAY`` at the URL it returns. Resumes use the
``resume_gateway_url`` of READY, as usual.

The bot is an ``AutoShardedBot``: ``DISCORD_SHARD_COUNT`` / ``DISCORD_SHARD_IDS`` choose the shards this process
runs (:mod:`bots.discord.sharding`; checked against the database before anything connects).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.app import App
from bots.discord.bot import VoiceBridgeBot
from bots.discord.settings import DEFAULT_DISCORD_API_BASE_URL, DiscordSettings
from bots.discord.sharding import ShardPlan, check_database

log = logging.getLogger("bots.discord")


def configure_api_base(base_url: str) -> bool:
    """Point every discord.py REST route at ``base_url``; True when it differs from Discord's."""
    base = (base_url or DEFAULT_DISCORD_API_BASE_URL).rstrip("/")
    Route.BASE = base
    return base != DEFAULT_DISCORD_API_BASE_URL


async def use_gateway_from_api(bot: discord.Client) -> str:
    """Ask the configured API for the gateway address (``GET /gateway/bot``) and connect there."""
    _shards, url, _limits = await bot.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("Discord gateway from %s/gateway/bot: %s", Route.BASE, url)
    return url


async def sync_commands(bot: discord.Client, guild_ids: Iterable[int]) -> dict[int | None, int]:
    """Sync app commands: to each guild in ``guild_ids`` (instant; the global commands are copied there),
    else globally (Discord may take a while to show changes). Returns ``{guild_id or None: count}``."""
    tree = bot.tree  # type: ignore[attr-defined]
    synced: dict[int | None, int] = {}
    ids = list(guild_ids)
    if not ids:
        synced[None] = len(await tree.sync())
        log.info("synced %d global commands", synced[None])
        return synced
    for gid in ids:
        guild = discord.Object(id=gid)
        tree.copy_global_to(guild=guild)
        try:
            synced[gid] = len(await tree.sync(guild=guild))
            log.info("synced %d commands to guild %s", synced[gid], gid)
        except discord.HTTPException as exc:  # not in that guild, or missing applications.commands scope
            log.error("could not sync commands to guild %s: %s %s", gid, exc.status, exc.code)
    return synced


class _RedactInteractions(logging.Filter):
    """At DEBUG level discord.py logs every gateway event in full; interaction payloads carry command
    options (a ``/key`` value among them), so their data is replaced before the record is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            cleaned = tuple(_redact(a) for a in args)
            if cleaned != args:
                record.args = cleaned
        return True


def _redact(value: Any) -> Any:
    if isinstance(value, dict) and value.get("t") == "INTERACTION_CREATE":
        data = value.get("d") or {}
        return {"t": "INTERACTION_CREATE", "op": value.get("op"), "s": value.get("s"),
                "d": {"id": data.get("id"), "type": data.get("type"), "data": "<redacted>"}}
    return value


_FILTER = _RedactInteractions()


def install_log_redaction() -> None:
    for name in ("discord.gateway", "discord.client", "discord.state"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


async def run_discord(app: App, stop: asyncio.Event, settings: DiscordSettings | None = None, *,
                      bot: VoiceBridgeBot | None = None) -> None:
    """Run the bot until ``stop`` is set (or the connection fails for good), then close it cleanly.

    ``settings``: default, from the environment."""
    settings = settings or DiscordSettings.load()
    if settings.bot_token is None:
        raise RuntimeError("DISCORD_BOT_TOKEN is not set")
    token = settings.bot_token.get_secret_value()
    plan = ShardPlan.from_settings(settings)
    check_database(plan, app.config)
    custom_base = configure_api_base(settings.api_base_url)
    install_log_redaction()
    bot = bot or VoiceBridgeBot(app, **plan.bot_options())
    connect_task: asyncio.Task[None] | None = None
    stop_task = asyncio.create_task(stop.wait(), name="discord-stop")
    try:
        async with bot:
            await bot.login(token)  # runs setup_hook: the cogs are loaded here
            await sync_commands(bot, settings.guild_ids)
            if custom_base:
                await use_gateway_from_api(bot)
            if plan.partial:  # identify in turn with the other processes (bots.discord.sharding)
                bot.max_concurrency = max(1, (await bot.fetch_session_start_limits()).max_concurrency)
            connect_task = asyncio.create_task(bot.connect(reconnect=True), name="discord-gateway")
            done, _ = await asyncio.wait({connect_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            if connect_task in done:
                try:
                    connect_task.result()  # raises if the connection failed for good
                except discord.PrivilegedIntentsRequired:
                    log.error("Discord refused the Message Content intent: enable it for the bot in the "
                              "Developer Portal (Bot → Privileged Gateway Intents); auto-read needs it")
                    raise
                log.info("Discord connection closed")
            else:
                log.info("stopping the Discord bot")
    finally:
        stop_task.cancel()
        if not bot.is_closed():
            await bot.close()
        if connect_task is not None and not connect_task.done():
            connect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connect_task

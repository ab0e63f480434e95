"""``run_discord`` against a fake Discord on loopback: REST base, /gateway/bot, command sync, clean stop."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import discord
import pytest
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.app import build_app
from bots.discord.bot import VoiceBridgeBot
from bots.discord.runner import _redact, configure_api_base, run_discord
from bots.discord.settings import DiscordSettings
from tests.bots.discord.conftest import TEXT_COGS, make_config
from tests.fakes.discord import APP_ID, BOT_USER_ID, user_payload

GUILDS = (111111111111111111, 222222222222222222)


def _json(obj: object, status: int = 200) -> web.Response:
    # exactly "application/json", as Discord sends it (discord.py compares the header verbatim)
    return web.Response(body=json.dumps(obj).encode(), status=status, headers={"Content-Type": "application/json"})


class FakeDiscord:
    """REST under /api/v10 and a gateway at /gateway, both on one aiohttp server."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.commands: dict[str, list[dict]] = {}
        self.identify: dict | None = None
        self.identified = asyncio.Event()
        self.gateway_queries: list[str] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest)
        app.router.add_get("/gateway", self.gateway)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        self.requests.append((request.method, path))
        assert request.headers.get("Authorization") == "Bot test-token"
        if path == "/users/@me":
            return _json(user_payload(BOT_USER_ID, "voicebridge", bot=True))
        if path == "/oauth2/applications/@me":
            return _json({"id": str(APP_ID), "name": "voicebridge", "description": "", "icon": None,
                                      "bot_public": True, "bot_require_code_grant": False,
                                      "owner": user_payload(1, "owner"), "verify_key": "00", "flags": 0})
        if path == "/gateway/bot":
            return _json({"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                                      "session_start_limit": {"total": 1000, "remaining": 999,
                                                              "reset_after": 0, "max_concurrency": 1}})
        if request.method == "PUT" and path.endswith("/commands"):
            body = await request.json()
            self.commands[path] = body
            # like Discord, the answer gives a menu entry (type 2/3, sent without one) an empty description
            return _json([dict({"description": ""}, **c, id=str(i + 1), application_id=str(APP_ID), version="1")
                          for i, c in enumerate(body)])
        return _json({"message": "Unknown", "code": 0}, status=404)

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        self.gateway_queries.append(request.query_string)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data.get("op") == 2:
                self.identify = data["d"]
                await ws.send_str(json.dumps({"op": 0, "s": 1, "t": "READY", "d": {
                    "v": 10, "user": user_payload(BOT_USER_ID, "voicebridge", bot=True), "guilds": [],
                    "session_id": "session", "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                    "application": {"id": str(APP_ID), "flags": 0}}}))
                self.identified.set()
        return ws


@pytest.fixture
def restore_discord_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)


async def test_run_discord_uses_the_configured_api_and_its_gateway(tmp_path: Path, restore_discord_globals,
                                                                  caplog) -> None:
    caplog.set_level(logging.INFO)
    fake = FakeDiscord()
    await fake.start()
    try:
        config = make_config(tmp_path / "data", None)
        settings = DiscordSettings.load(bot_token="test-token", api_base_url=fake.base,
                                        guild_ids=",".join(map(str, GUILDS)))
        async with await build_app(config) as app:
            stop = asyncio.Event()
            bot = VoiceBridgeBot(app, cogs=TEXT_COGS)
            task = asyncio.create_task(run_discord(app, stop, settings, bot=bot))
            await asyncio.wait_for(fake.identified.wait(), 15)
            stop.set()
            await asyncio.wait_for(task, 15)
            assert bot.is_closed()
    finally:
        await fake.stop()
    paths = [p for _, p in fake.requests]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]
    assert "/gateway/bot" in paths
    # commands synced to each development guild, global ones copied there, nothing global touched
    for gid in GUILDS:
        names = {c["name"] for c in fake.commands[f"/applications/{APP_ID}/guilds/{gid}/commands"]}
        assert {"speak", "voice", "clone", "server", "key", "help"} <= names
    assert f"/applications/{APP_ID}/commands" not in fake.commands
    speak = next(c for c in fake.commands[f"/applications/{APP_ID}/guilds/{GUILDS[0]}/commands"]
                 if c["name"] == "speak")
    assert speak["description"].startswith("Say TEXT in your voice")
    menu = next(c for c in fake.commands[f"/applications/{APP_ID}/guilds/{GUILDS[0]}/commands"] if c["type"] == 3)
    assert menu["name"] == "Read aloud" and menu["name_localizations"]["zh-CN"] == "朗读"
    assert set(speak["description_localizations"]) >= {"zh-CN", "zh-TW", "ja"}
    # the gateway address came from the API, and the intents are the ones auto-read needs
    assert "v=10" in fake.gateway_queries[0]
    intents = discord.Intents._from_value(fake.identify["intents"])
    assert intents.guilds and intents.voice_states and intents.guild_messages and intents.message_content
    assert "test-token" not in caplog.text


def test_configure_api_base() -> None:
    original = Route.BASE
    try:
        assert configure_api_base("http://proxy.local:8080/api/v10/") is True
        assert Route("GET", "/users/@me").url == "http://proxy.local:8080/api/v10/users/@me"
        # interaction callbacks use the same Route class
        from discord.webhook.async_ import Route as WebhookRoute

        assert WebhookRoute("POST", "/interactions/1/t/callback").url.startswith("http://proxy.local:8080/")
        assert configure_api_base("https://discord.com/api/v10") is False
    finally:
        Route.BASE = original


def test_interaction_payloads_are_redacted_in_debug_logs() -> None:
    event = {"op": 0, "s": 5, "t": "INTERACTION_CREATE",
             "d": {"id": "1", "type": 2, "data": {"name": "key", "options": [{"name": "key", "value": "sk-secret"}]}}}
    assert "sk-secret" not in json.dumps(_redact(event))
    other = {"op": 0, "t": "MESSAGE_CREATE", "d": {}}
    assert _redact(other) is other

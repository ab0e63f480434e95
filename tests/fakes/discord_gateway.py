"""A fake Discord with a sharded gateway, on loopback: REST under ``/api/v10`` and a websocket at ``/gateway``.

It keeps the real gateway's contract for shards (Discord's developer docs, "Gateway" → "Sharding"):

* ``GET /gateway/bot`` answers ``url``, the recommended ``shards`` and ``session_start_limit`` (with
  ``max_concurrency``);
* a session sends HELLO (op 10); the bot IDENTIFYs (op 2) with ``shard: [shard_id, num_shards]``;
  a shard id outside ``0 … num_shards-1`` closes the socket with 4010 (Invalid Shard), fewer shards than
  the guilds need (``max_guilds_per_shard``) with 4011 (Sharding Required), a second IDENTIFY on one socket
  with 4005; heartbeats (op 1) get ACKs (op 11);
* READY lists the shard's guilds as unavailable and carries ``shard``; a GUILD_CREATE follows for each;
* a guild belongs to shard ``(guild_id >> 22) % num_shards``, and :meth:`FakeShardedDiscord.dispatch` sends
  a guild's event to that shard's session only.

Each IDENTIFY is recorded (:attr:`FakeShardedDiscord.identifies`), so tests can check what every process sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord import APP_ID, BOT_USER_ID, MEMBER_PERMISSIONS, channel_payload, member_payload, user_payload

TOKEN = "test-token"


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


def guild_payload(guild_id: int, name: str = "Server") -> dict[str, Any]:
    """A GUILD_CREATE body with one text channel and the bot as a member."""
    return {
        "id": str(guild_id), "name": name, "owner_id": "1", "icon": None, "splash": None, "discovery_splash": None,
        "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0,
        "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS.value),
                   "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
        "emojis": [], "features": [], "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
        "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0, "stickers": [],
        "premium_progress_bar_enabled": False, "member_count": 1,
        "channels": [channel_payload(guild_id + 1, guild_id)],
        "members": [member_payload(BOT_USER_ID, name="voicebridge")], "voice_states": [], "threads": [],
        "presences": [], "large": False, "unavailable": False, "stage_instances": [],
        "guild_scheduled_events": [], "soundboard_sounds": [], "joined_at": "2025-01-01T00:00:00+00:00",
    }


@dataclass
class Session:
    """One gateway connection, once identified: its shard and its sequence number."""

    ws: web.WebSocketResponse
    shard: tuple[int, int] | None = None
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        payload: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
        if op == 0:
            self.seq += 1
            payload["s"] = self.seq
        self.sent.append(payload)
        await self.ws.send_str(json.dumps(payload))


class FakeShardedDiscord:
    """REST and a sharded gateway on one aiohttp server. ``guilds``: the bot's guild ids."""

    def __init__(self, guilds: list[int], *, recommended_shards: int = 1, max_concurrency: int = 1,
                 max_guilds_per_shard: int = 2500) -> None:
        self.guilds = list(guilds)
        self.recommended_shards = recommended_shards
        self.max_concurrency = max_concurrency
        self.max_guilds_per_shard = max_guilds_per_shard
        self.identifies: list[dict[str, Any]] = []
        self.closes: list[int] = []  # close codes the gateway sent
        self.sessions: dict[int, Session] = {}  # shard id -> its live session
        self.requests: list[tuple[str, str]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- life cycle -----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        """The REST base (``DISCORD_API_BASE_URL``)."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for session in list(self.sessions.values()):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeShardedDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- what tests use -------------------------------------------------------------------------

    def guilds_of(self, shard_id: int, shard_count: int) -> list[int]:
        return [g for g in self.guilds if shard_of(g, shard_count) == shard_id]

    async def wait_for_shards(self, *shard_ids: int, timeout: float = 20.0) -> None:
        """Until every one of ``shard_ids`` has a live, identified session (TimeoutError otherwise)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: all(s in self.sessions for s in shard_ids)),
                                   timeout)

    async def dispatch(self, guild_id: int, event: str, data: dict[str, Any]) -> int:
        """Send a guild's event to the session of the shard that owns the guild; returns that shard id."""
        counts = {s.shard[1] for s in self.sessions.values() if s.shard}
        assert len(counts) == 1, f"sessions disagree on the shard count: {counts}"
        shard_id = shard_of(guild_id, counts.pop())
        await self.sessions[shard_id].send(0, data, event)
        return shard_id

    # --- REST -----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        self.requests.append((request.method, path))
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        if path == "/users/@me":
            return _json(user_payload(BOT_USER_ID, "voicebridge", bot=True))
        if path == "/oauth2/applications/@me":
            return _json({"id": str(APP_ID), "name": "voicebridge", "description": "", "icon": None,
                          "bot_public": True, "bot_require_code_grant": False, "owner": user_payload(1, "owner"),
                          "verify_key": "00", "flags": 0})
        if path == "/gateway/bot":
            return _json({"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": self.recommended_shards,
                          "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                                  "max_concurrency": self.max_concurrency}})
        if request.method == "PUT" and path.endswith("/commands"):
            body = await request.json()
            return _json([dict({"description": ""}, **c, id=str(i + 1), application_id=str(APP_ID), version="1")
                          for i, c in enumerate(body)])
        return _json({"message": "Unknown", "code": 0}, 404)

    # --- the gateway ----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = Session(ws)
        await session.send(10, {"heartbeat_interval": 41250})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data.get("op") == 1:
                    await session.send(11, None)
                elif data.get("op") == 2:
                    if not await self._identify(session, data.get("d") or {}):
                        break
        finally:
            if session.shard is not None and self.sessions.get(session.shard[0]) is session:
                del self.sessions[session.shard[0]]
        return ws

    async def _identify(self, session: Session, data: dict[str, Any]) -> bool:
        self.identifies.append(data)
        if session.shard is not None:
            return await self._close(session, 4005)  # Already Authenticated
        if data.get("token") not in (TOKEN, f"Bot {TOKEN}"):
            return await self._close(session, 4004)  # Authentication Failed
        shard = data.get("shard", [0, 1])
        if (not isinstance(shard, list) or len(shard) != 2 or not all(isinstance(v, int) for v in shard)
                or shard[1] < 1 or not 0 <= shard[0] < shard[1]):
            return await self._close(session, 4010)  # Invalid Shard
        shard_id, count = shard
        if len(self.guilds_of(shard_id, count)) > self.max_guilds_per_shard:
            return await self._close(session, 4011)  # Sharding Required
        session.shard = (shard_id, count)
        guilds = self.guilds_of(shard_id, count)
        await session.send(0, {
            "v": 10, "user": user_payload(BOT_USER_ID, "voicebridge", bot=True),
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": f"session-{shard_id}", "shard": [shard_id, count],
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": str(APP_ID), "flags": 0}}, "READY")
        for gid in guilds:
            await session.send(0, guild_payload(gid), "GUILD_CREATE")
        async with self._changed:
            self.sessions[shard_id] = session
            self._changed.notify_all()
        return True

    async def _close(self, session: Session, code: int) -> bool:
        self.closes.append(code)
        await session.ws.close(code=code)
        return False


def _json(obj: object, status: int = 200) -> web.Response:
    # exactly "application/json", as Discord sends it (discord.py compares the header verbatim)
    return web.Response(body=json.dumps(obj).encode(), status=status, headers={"Content-Type": "application/json"})

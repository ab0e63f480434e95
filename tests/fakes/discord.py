"""A fake of Discord for driving the bot's app commands offline, at the HTTP request level.

What is real: discord.py's ``CommandTree``, ``Interaction`` parsing, ``InteractionResponse``/``Webhook``
request building, views and the bot's cogs. What is fake: the two places discord.py sends requests —

* ``HTTPClient.request(route, **kwargs)`` (bot-token REST: messages, commands, gateway), replaced on the
  bot's ``http`` instance;
* ``AsyncWebhookAdapter.request(route, session, ...)`` (interaction callbacks, followups, ``@original``
  edits), routed to the fake when the session is the bot's :class:`FakeSession`;

plus ``HTTPClient.get_from_cdn`` (attachment downloads). Every request is recorded as a :class:`Call`
(method, path template, URL, JSON payload, multipart form with file bytes) and answered with canned JSON,
or with an error queued by :meth:`FakeDiscordHTTP.fail`.

Typical use::

    bot = await make_bot(app)                      # bot.fake is the FakeDiscordHTTP
    inter = make_interaction(bot, "speak", {"text": "hello"}, guild_id=GUILD_ID)
    await invoke(bot, inter)                       # runs bot.tree._call(inter)
    [post] = bot.fake.channel_messages()
    ...
    await close_bot(bot)

Interactions are built from raw payloads, ``discord.Interaction(data=..., state=bot._connection)``, as
discord.py's own tests do.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter

APP_ID = 900000000000000001
BOT_USER_ID = 900000000000000002
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
DM_CHANNEL_ID = 700000000000000099
USER_ID = 600000000000000001
OTHER_USER_ID = 600000000000000002
DEFAULT_FILESIZE_LIMIT = 10 * 1024 * 1024

#: Everything a member could need in a text channel, minus Manage Server and Administrator.
MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, attach_files=True, read_message_history=True,
    send_voice_messages=True, connect=True, speak=True, use_application_commands=True,
    send_messages_in_threads=True, embed_links=True)
MANAGER_PERMISSIONS = discord.Permissions(MEMBER_PERMISSIONS.value | discord.Permissions(manage_guild=True).value)
#: What the bot may do in the channel (``app_permissions``).
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, attach_files=True, send_voice_messages=True,
    read_message_history=True, embed_links=True, connect=True, speak=True, send_messages_in_threads=True)

_seq = itertools.count(1)


def snowflake() -> int:
    """A fresh id whose timestamp is now (``Interaction.is_expired()`` reads it from the id)."""
    millis = int(time.time() * 1000) - discord.utils.DISCORD_EPOCH
    return (millis << 22) | (next(_seq) & 0x3FFFFF)


# --- recorded calls -----------------------------------------------------------------------------


@dataclass
class FormPart:
    """One multipart field as sent: name, the value (file bytes read out), filename, content type."""

    name: str
    value: Any
    filename: str | None = None
    content_type: str | None = None

    @property
    def data(self) -> bytes:
        return self.value if isinstance(self.value, bytes) else str(self.value).encode()


@dataclass
class Call:
    """One request the bot made."""

    kind: str  # "rest" (bot token), "webhook" (interaction callback/followup/edit) or "cdn"
    method: str
    path: str  # the route template, e.g. /channels/{channel_id}/messages
    url: str
    route_params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    form: list[FormPart] = field(default_factory=list)
    query: dict[str, Any] | None = None
    status: int = 200

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON body: ``json=``, or the multipart ``payload_json`` field."""
        if self.json is not None:
            return self.json
        for part in self.form:
            if part.name == "payload_json":
                return json.loads(part.data)
        return {}

    @property
    def files(self) -> list[FormPart]:
        return [p for p in self.form if p.name != "payload_json"]

    def part(self, name: str) -> FormPart:
        for p in self.form:
            if p.name == name:
                return p
        raise KeyError(name)

    def text(self) -> str:
        """Everything sent, as text (to check that a secret never appears in any request)."""
        chunks = [self.url, json.dumps(self.json, default=str) if self.json is not None else ""]
        for p in self.form:
            chunks.append(p.name)
            chunks.append(p.data.decode("utf-8", "replace"))
        return "\n".join(chunks)

    # interaction callbacks -----------------------------------------------------------------------
    @property
    def callback_type(self) -> int | None:
        """For ``POST /interactions/{id}/{token}/callback``: the response type (4 message, 5 deferred …)."""
        return self.payload.get("type") if self.path.endswith("/callback") else None

    @property
    def message(self) -> dict[str, Any]:
        """The message part: ``data`` of a callback, else the payload itself."""
        if self.path.endswith("/callback"):
            return self.payload.get("data") or {}
        return self.payload

    @property
    def content(self) -> str | None:
        return self.message.get("content")

    @property
    def flags(self) -> int:
        return int(self.message.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.get("components") or []

    def custom_ids(self) -> list[str]:
        out: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for c in items:
                if "custom_id" in c:
                    out.append(c["custom_id"])
                walk(c.get("components") or [])

        walk(self.components)
        return out

    def __repr__(self) -> str:
        return f"<Call {self.kind} {self.method} {self.path} status={self.status}>"


class _Response:
    """Enough of an aiohttp response for ``discord.HTTPException``."""

    def __init__(self, status: int, reason: str = "") -> None:
        self.status = status
        self.reason = reason or {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                                 429: "Too Many Requests", 500: "Internal Server Error"}.get(status, "Error")


def http_error(status: int, code: int = 0, message: str = "") -> discord.HTTPException:
    """The exception discord.py raises for an error answer."""
    resp = _Response(status)
    body = {"code": code, "message": message or resp.reason}
    if status == 403:
        return discord.Forbidden(resp, body)  # type: ignore[arg-type]
    if status == 404:
        return discord.NotFound(resp, body)  # type: ignore[arg-type]
    if status >= 500:
        return discord.DiscordServerError(resp, body)  # type: ignore[arg-type]
    return discord.HTTPException(resp, body)  # type: ignore[arg-type]


@dataclass
class _Failure:
    method: str
    path: str
    status: int
    code: int
    message: str
    times: int
    match: Callable[[Call], bool] | None = None


class FakeSession:
    """Stands in for the bot's aiohttp session: interactions take it as their ``_session``."""

    closed = False

    def __init__(self, fake: FakeDiscordHTTP) -> None:
        self.fake = fake

    async def close(self) -> None:
        self.closed = True


# --- message payloads ---------------------------------------------------------------------------


def user_payload(user_id: int = USER_ID, name: str | None = None, *, bot: bool = False) -> dict[str, Any]:
    name = name or f"user{str(user_id)[-4:]}"
    return {"id": str(user_id), "username": name, "global_name": name.title(), "discriminator": "0",
            "avatar": None, "bot": bot, "public_flags": 0}


def member_payload(user_id: int = USER_ID, *, permissions: discord.Permissions | int | None = None,
                   name: str | None = None, roles: list[int] | None = None) -> dict[str, Any]:
    perms = MEMBER_PERMISSIONS if permissions is None else permissions
    value = perms.value if isinstance(perms, discord.Permissions) else int(perms)
    return {"user": user_payload(user_id, name), "roles": [str(r) for r in roles or []], "nick": None,
            "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
            "pending": False, "permissions": str(value)}


def channel_payload(channel_id: int = CHANNEL_ID, guild_id: int | None = GUILD_ID, *, type: int = 0,
                    name: str = "general", user_id: int = USER_ID) -> dict[str, Any]:
    if guild_id is None:
        return {"id": str(channel_id), "type": 1, "recipients": [user_payload(user_id)], "last_message_id": None,
                "flags": 0}
    return {"id": str(channel_id), "type": type, "guild_id": str(guild_id), "name": name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "flags": 0,
            "rate_limit_per_user": 0, "last_message_id": None}


def message_payload(*, message_id: int | None = None, channel_id: int = CHANNEL_ID, content: str = "",
                    author: dict[str, Any] | None = None, flags: int = 0, attachments: list[dict] | None = None,
                    embeds: list[dict] | None = None, components: list[dict] | None = None,
                    interaction_id: int | None = None, guild_id: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(message_id or snowflake()), "channel_id": str(channel_id), "type": 0, "content": content or "",
        "author": author or user_payload(BOT_USER_ID, "voicebridge", bot=True),
        "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None, "tts": False,
        "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": attachments or [],
        "embeds": embeds or [], "pinned": False, "flags": flags, "components": components or [],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if interaction_id is not None:
        data["webhook_id"] = str(APP_ID)
    return data


def attachment_payload(*, attachment_id: int | None = None, filename: str = "voice.ogg", size: int = 1000,
                       content_type: str | None = "audio/ogg", url: str | None = None,
                       duration_secs: float | None = None) -> dict[str, Any]:
    aid = attachment_id or snowflake()
    url = url or f"https://cdn.discordapp.com/attachments/{CHANNEL_ID}/{aid}/{filename}"
    data: dict[str, Any] = {"id": str(aid), "filename": filename, "size": size, "url": url, "proxy_url": url}
    if content_type is not None:
        data["content_type"] = content_type
    if duration_secs is not None:
        data["duration_secs"] = duration_secs
    return data


# --- the fake -----------------------------------------------------------------------------------


class FakeDiscordHTTP:
    """Records every request and answers with canned JSON (or a queued error)."""

    def __init__(self, *, application_id: int = APP_ID, gateway_url: str = "wss://gateway.fake.test") -> None:
        self.application_id = application_id
        self.gateway_url = gateway_url
        self.calls: list[Call] = []
        self.cdn: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self._failures: list[_Failure] = []
        self._originals: dict[str, int] = {}  # interaction token -> original response message id
        self._handlers: list[tuple[str, str, Callable[[Call], Any]]] = []
        self.session = FakeSession(self)
        self.changed = asyncio.Event()

    # configuring -------------------------------------------------------------------------------
    def fail(self, method: str, path: str, *, status: int = 400, code: int = 0, message: str = "",
             times: int = 1, match: Callable[[Call], bool] | None = None) -> None:
        """Answer the next ``times`` matching requests (method + route template) with an error."""
        self._failures.append(_Failure(method.upper(), path, status, code, message, times, match))

    def on(self, method: str, path: str, handler: Callable[[Call], Any]) -> None:
        """Answer matching requests with ``handler(call)`` (its return value is the JSON answer)."""
        self._handlers.insert(0, (method.upper(), path, handler))

    def add_file(self, url: str, data: bytes) -> None:
        """Serve ``data`` at an attachment URL (``Attachment.read()`` downloads it from here)."""
        self.cdn[url] = data

    # queries -----------------------------------------------------------------------------------
    def find(self, method: str | None = None, path: str | None = None, kind: str | None = None) -> list[Call]:
        return [c for c in self.calls if (method is None or c.method == method.upper())
                and (path is None or c.path == path) and (kind is None or c.kind == kind)]

    def channel_messages(self, channel_id: int | None = None, *, ok_only: bool = True) -> list[Call]:
        """``POST /channels/{id}/messages`` made with the bot token (voice messages and files)."""
        return [c for c in self.find("POST", "/channels/{channel_id}/messages")
                if (channel_id is None or int(c.route_params["channel_id"]) == channel_id)
                and (not ok_only or c.status < 300)]

    def interaction_calls(self, token: str | None = None) -> list[Call]:
        """Callbacks, ``@original`` edits and followups, in order (optionally of one interaction)."""
        return [c for c in self.calls if c.kind == "webhook"
                and (token is None or c.route_params.get("webhook_token") == token)]

    def replies(self, token: str | None = None) -> list[Call]:
        """Interaction answers that carry a message (not deferrals), in order."""
        return [c for c in self.interaction_calls(token) if c.callback_type not in (5, 6, 8)
                and c.method in ("POST", "PATCH")]

    def last_reply(self, token: str | None = None) -> Call:
        answers = self.replies(token)
        if not answers:
            raise AssertionError(f"no interaction reply; calls: {self.calls}")
        return answers[-1]

    def everything_sent(self) -> str:
        return "\n".join(c.text() for c in self.calls)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked after each request)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting; calls: {self.calls}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass

    # the two request entry points ----------------------------------------------------------------
    async def request(self, route: Route, *, files: Any = None, form: Any = None, **kwargs: Any) -> Any:
        """Replaces ``HTTPClient.request`` on the bot."""
        call = Call(kind="rest", method=route.method, path=route.path, url=route.url,
                    route_params=_route_params(route), json=kwargs.get("json"), form=_read_form(form),
                    query=kwargs.get("params"))
        return self._answer(call)

    async def webhook_request(self, route: Route, *, payload: Any = None, multipart: Any = None,
                              files: Any = None, params: Any = None, **kwargs: Any) -> Any:
        """Receives ``AsyncWebhookAdapter.request`` calls made with this fake's session."""
        call = Call(kind="webhook", method=route.method, path=route.path, url=route.url,
                    route_params=_route_params(route), json=payload, form=_read_form(multipart), query=params)
        return self._answer(call)

    async def get_from_cdn(self, url: str) -> bytes:
        self.downloads.append(url)
        call = Call(kind="cdn", method="GET", path=url, url=url)
        self.calls.append(call)
        self.changed.set()
        try:
            return self.cdn[url]
        except KeyError:
            call.status = 404
            raise http_error(404, 0, "Not Found") from None

    # answering ---------------------------------------------------------------------------------
    def _answer(self, call: Call) -> Any:
        self.calls.append(call)
        self.changed.set()
        for failure in self._failures:
            if failure.times > 0 and failure.method == call.method and failure.path == call.path \
                    and (failure.match is None or failure.match(call)):
                failure.times -= 1
                call.status = failure.status
                raise http_error(failure.status, failure.code, failure.message)
        for method, path, handler in self._handlers:
            if method == call.method and path == call.path:
                return handler(call)
        return self._default(call)

    def _default(self, call: Call) -> Any:
        p = call.route_params
        if call.path == "/channels/{channel_id}/messages" and call.method == "POST":
            payload = call.payload
            attachments = []
            for i, part in enumerate(call.files):
                meta = (payload.get("attachments") or [{}] * (i + 1))[i] if payload.get("attachments") else {}
                attachments.append(attachment_payload(filename=part.filename or f"file{i}", size=len(part.data),
                                                      content_type=part.content_type,
                                                      duration_secs=meta.get("duration_secs")))
            return message_payload(channel_id=int(p["channel_id"]), content=payload.get("content") or "",
                                   flags=int(payload.get("flags") or 0), attachments=attachments,
                                   embeds=payload.get("embeds"))
        if call.path == "/channels/{channel_id}/messages/{message_id}" and call.method == "PATCH":
            payload = call.payload  # an edit of the bot's own message (a talking character's growing answer)
            return message_payload(message_id=int(p["message_id"]), channel_id=int(p["channel_id"]),
                                   content=payload.get("content") or "", embeds=payload.get("embeds"))
        if call.path == "/interactions/{webhook_id}/{webhook_token}/callback":
            return self._callback(call)
        if call.path == "/webhooks/{webhook_id}/{webhook_token}/messages/@original":
            token = p["webhook_token"]
            mid = self._originals.setdefault(token, snowflake())
            body = call.payload
            return message_payload(message_id=mid, content=body.get("content") or "", flags=int(body.get("flags") or 0),
                                   embeds=body.get("embeds"), components=body.get("components"),
                                   interaction_id=1)
        if call.path == "/webhooks/{webhook_id}/{webhook_token}" and call.method == "POST":
            body = call.payload
            return message_payload(content=body.get("content") or "", flags=int(body.get("flags") or 0),
                                   embeds=body.get("embeds"), components=body.get("components"), interaction_id=1)
        if call.path in ("/gateway/bot",):
            return {"url": self.gateway_url, "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                            "max_concurrency": 1}}
        if call.path == "/gateway":
            return {"url": self.gateway_url}
        if call.method == "PUT" and call.path.endswith("/commands"):
            return [dict(cmd, id=str(snowflake()), application_id=str(self.application_id), version="1")
                    for cmd in call.json or []]
        if call.path == "/users/@me":
            return user_payload(BOT_USER_ID, "voicebridge", bot=True)
        return {}

    def _callback(self, call: Call) -> dict[str, Any]:
        p = call.route_params
        body = call.payload
        rtype = int(body.get("type") or 0)
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        interaction: dict[str, Any] = {"id": str(p["webhook_id"]), "type": 2,
                                       "response_message_loading": rtype == 5,
                                       "response_message_ephemeral": bool(flags & 64)}
        result: dict[str, Any] = {"interaction": interaction}
        if rtype in (4, 5):
            mid = self._originals.setdefault(p["webhook_token"], snowflake())
            interaction["response_message_id"] = str(mid)
            result["resource"] = {"type": rtype, "message": message_payload(
                message_id=mid, content=data.get("content") or "", flags=flags, embeds=data.get("embeds"),
                components=data.get("components"), interaction_id=1)}
        elif rtype == 7:
            result["resource"] = {"type": rtype, "message": message_payload(
                content=data.get("content") or "", flags=flags, embeds=data.get("embeds"),
                components=data.get("components"), interaction_id=1)}
        return result


def _route_params(route: Route) -> dict[str, Any]:
    # Route keeps only the major parameters; recover all of them by matching the template to the URL.
    import re

    pattern = re.escape(route.path)
    names = re.findall(r"\\\{(\w+)\\\}", pattern)
    for name in names:
        pattern = pattern.replace(r"\{" + name + r"\}", f"(?P<{name}>[^/]+)")
    match = re.search(pattern + "$", route.url)
    return dict(match.groupdict()) if match else {}


def _read_form(form: Any) -> list[FormPart]:
    parts: list[FormPart] = []
    for entry in form or []:
        value = entry.get("value")
        if isinstance(value, (io.IOBase, io.BytesIO)) or hasattr(value, "read"):
            pos = value.tell() if hasattr(value, "tell") else 0
            data = value.read()
            if hasattr(value, "seek"):
                value.seek(pos)
            value = data
        parts.append(FormPart(name=entry.get("name"), value=value, filename=entry.get("filename"),
                              content_type=entry.get("content_type")))
    return parts


# --- routing webhook requests to the fake -------------------------------------------------------

_original_webhook_request = AsyncWebhookAdapter.request


async def _webhook_request(self: AsyncWebhookAdapter, route: Route, session: Any, **kwargs: Any) -> Any:
    if isinstance(session, FakeSession):
        return await session.fake.webhook_request(route, **kwargs)
    return await _original_webhook_request(self, route, session, **kwargs)


def install_webhook_routing() -> None:
    """Send interaction requests made with a :class:`FakeSession` to its fake (others are untouched)."""
    if AsyncWebhookAdapter.request is not _webhook_request:
        AsyncWebhookAdapter.request = _webhook_request  # type: ignore[method-assign]


# --- the bot ------------------------------------------------------------------------------------


async def make_bot(app: Any, *, cogs: list[str] | None = None, fake: FakeDiscordHTTP | None = None,
                   bot_cls: type | None = None, **kwargs: Any) -> Any:
    """A :class:`~bots.discord.bot.VoiceBridgeBot` wired to a :class:`FakeDiscordHTTP` (``bot.fake``),
    set up (cogs loaded) but not connected. ``cogs`` replaces the bot's extension list."""
    from bots.discord.bot import VoiceBridgeBot

    install_webhook_routing()
    fake = fake or FakeDiscordHTTP()
    bot = (bot_cls or VoiceBridgeBot)(app, cogs=cogs, **kwargs)
    bot.fake = fake
    http = bot.http
    http.request = fake.request  # type: ignore[method-assign]
    http.get_from_cdn = fake.get_from_cdn  # type: ignore[method-assign]
    http._HTTPClient__session = fake.session  # interactions read it as their session
    http.token = "fake-token"
    await bot._async_setup_hook()
    state = bot._connection
    state.user = discord.ClientUser(state=state, data=user_payload(BOT_USER_ID, "voicebridge", bot=True))
    state.application_id = fake.application_id
    await bot.setup_hook()
    return bot


async def close_bot(bot: Any) -> None:
    """Close the bot, stopping any view still waiting for a press."""
    store = getattr(bot._connection, "_view_store", None)
    if store is not None:
        for items in list(store._views.values()):
            for item in list(items.values()):
                if item.view is not None and not item.view.is_finished():
                    item.view.stop()
    await bot.close()


def add_guild(bot: Any, guild_id: int = GUILD_ID, *, channels: list[dict] | None = None,
              members: list[dict] | None = None, name: str = "Test Server", owner_id: int = OTHER_USER_ID,
              voice_states: list[dict] | None = None, roles: list[dict] | None = None) -> discord.Guild:
    """Put a guild into the bot's cache (as GUILD_CREATE would), so ``interaction.guild`` is a full guild."""
    data = {
        "id": str(guild_id), "name": name, "owner_id": str(owner_id), "icon": None, "splash": None,
        "discovery_splash": None, "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
        "roles": roles or [{"id": str(guild_id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS.value),
                            "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                            "flags": 0}],
        "emojis": [], "features": [], "system_channel_id": None, "system_channel_flags": 0,
        "rules_channel_id": None, "vanity_url_code": None, "description": None, "banner": None,
        "premium_tier": 0, "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
        "stickers": [], "premium_progress_bar_enabled": False, "member_count": len(members or []) + 1,
        "channels": channels if channels is not None else [channel_payload(CHANNEL_ID, guild_id)],
        "members": (members or []) + [member_payload(BOT_USER_ID, name="voicebridge")],
        "voice_states": voice_states or [], "threads": [], "presences": [], "large": False,
        "unavailable": False, "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
    }
    state = bot._connection
    guild = discord.Guild(data=data, state=state)
    state._add_guild(guild)
    return guild


# --- interactions -------------------------------------------------------------------------------


def _find_command(bot: Any, name: str, guild_id: int | None) -> app_commands.Command | None:
    parts = name.split()
    command = None
    if guild_id is not None:
        command = bot.tree.get_command(parts[0], guild=discord.Object(guild_id))
    command = command or bot.tree.get_command(parts[0])
    for part in parts[1:]:
        if isinstance(command, app_commands.Group):
            command = command.get_command(part)
    return command


def _option_type(command: app_commands.Command | None, name: str, value: Any) -> int:
    if command is not None:
        for param in command.parameters:
            if param.name == name:
                return param.type.value
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def make_interaction(bot: Any, command_name: str, options: Mapping[str, Any] | list[dict] | None = None, *,
                     guild_id: int | None = GUILD_ID, channel_id: int | None = None, user_id: int = USER_ID,
                     permissions: discord.Permissions | int | None = None,
                     app_permissions: discord.Permissions | int | None = None,
                     resolved: dict[str, Any] | None = None, locale: str = "en-US",
                     focused: str | None = None, channel_type: int = 0,
                     filesize_limit: int = DEFAULT_FILESIZE_LIMIT, user_name: str | None = None,
                     target_message: dict[str, Any] | None = None) -> discord.Interaction:
    """An application-command (or, with ``focused=``, autocomplete) interaction from a raw payload.

    ``command_name`` may name a subcommand: ``"server voice"``. ``options`` maps option names to values;
    an attachment option takes an :func:`attachment_payload` dict (it is put into ``resolved``).
    ``guild_id=None`` makes a DM. ``permissions`` are the member's, ``app_permissions`` the bot's.
    ``target_message`` (a :func:`message_payload`) makes it the message menu's entry ``command_name``.
    """
    if channel_id is None:
        channel_id = CHANNEL_ID if guild_id is not None else DM_CHANNEL_ID
    parts = command_name.split()
    resolved = dict(resolved or {})
    opts: list[dict[str, Any]]
    if target_message is not None:
        parts, opts = [command_name], []
        resolved.setdefault("messages", {})[target_message["id"]] = target_message
    elif isinstance(options, list):
        opts = options
    else:
        command = _find_command(bot, command_name, guild_id)
        opts = []
        for name, value in (options or {}).items():
            otype = _option_type(command, name, value)
            if isinstance(value, dict) and "filename" in value:  # an attachment
                resolved.setdefault("attachments", {})[value["id"]] = value
                value, otype = value["id"], 11
            opt: dict[str, Any] = {"name": name, "type": otype, "value": value}
            if focused == name:
                opt["focused"] = True
            opts.append(opt)
        if focused is not None and focused not in (options or {}):
            opts.append({"name": focused, "type": _option_type(command, focused, ""), "value": "", "focused": True})
    for sub in reversed(parts[1:]):
        opts = [{"name": sub, "type": 1, "options": opts}]
    data: dict[str, Any] = {"id": str(snowflake()), "name": parts[0], "type": 1, "options": opts}
    if target_message is not None:
        data.update(type=3, target_id=target_message["id"])
    if resolved:
        data["resolved"] = resolved
    app_perms = BOT_PERMISSIONS if app_permissions is None else app_permissions
    payload: dict[str, Any] = {
        "id": str(snowflake()), "application_id": str(bot._connection.application_id or APP_ID),
        "type": 4 if focused is not None else 2, "token": f"tok-{snowflake()}", "version": 1, "data": data,
        "locale": locale, "attachment_size_limit": filesize_limit,
        "app_permissions": str(app_perms.value if isinstance(app_perms, discord.Permissions) else int(app_perms)),
        "channel": channel_payload(channel_id, guild_id, type=channel_type, user_id=user_id),
        "channel_id": str(channel_id), "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0 if guild_id is not None else 1,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = member_payload(user_id, permissions=permissions, name=user_name)
    else:
        payload["user"] = user_payload(user_id, user_name)
    return discord.Interaction(data=payload, state=bot._connection)


def make_component_interaction(bot: Any, custom_id: str, *, message_id: int, guild_id: int | None = GUILD_ID,
                               channel_id: int | None = None, user_id: int = USER_ID, component_type: int = 2,
                               values: list[str] | None = None, locale: str = "en-US",
                               permissions: discord.Permissions | int | None = None) -> discord.Interaction:
    """A button press (or select, ``component_type=3`` with ``values``) on the message ``message_id``."""
    if channel_id is None:
        channel_id = CHANNEL_ID if guild_id is not None else DM_CHANNEL_ID
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    payload: dict[str, Any] = {
        "id": str(snowflake()), "application_id": str(bot._connection.application_id or APP_ID), "type": 3,
        "token": f"tok-{snowflake()}", "version": 1, "data": data, "locale": locale,
        "attachment_size_limit": DEFAULT_FILESIZE_LIMIT, "app_permissions": str(BOT_PERMISSIONS.value),
        "channel": channel_payload(channel_id, guild_id, user_id=user_id), "channel_id": str(channel_id),
        "message": message_payload(message_id=message_id, channel_id=channel_id, flags=64, interaction_id=1),
        "entitlements": [],
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["member"] = member_payload(user_id, permissions=permissions)
    else:
        payload["user"] = user_payload(user_id)
    return discord.Interaction(data=payload, state=bot._connection)


async def invoke(bot: Any, interaction: discord.Interaction) -> discord.Interaction:
    """Run an interaction through the command tree, as the gateway would (and wait for it)."""
    await bot.tree._call(interaction)
    return interaction


async def run_command(bot: Any, command_name: str, options: Mapping[str, Any] | None = None,
                      **kwargs: Any) -> discord.Interaction:
    """``make_interaction`` + ``invoke``."""
    interaction = make_interaction(bot, command_name, options, **kwargs)
    await invoke(bot, interaction)
    return interaction


def start_command(bot: Any, command_name: str, options: Mapping[str, Any] | None = None,
                  **kwargs: Any) -> tuple[discord.Interaction, asyncio.Task[discord.Interaction]]:
    """Start a command that will wait (e.g. for a button) and return it with its task."""
    interaction = make_interaction(bot, command_name, options, **kwargs)
    return interaction, asyncio.create_task(invoke(bot, interaction))


async def autocomplete(bot: Any, command_name: str, options: Mapping[str, Any] | None = None, *,
                       focused: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Run an autocomplete interaction; returns the choices the bot answered with."""
    interaction = make_interaction(bot, command_name, options, focused=focused, **kwargs)
    await invoke(bot, interaction)
    [answer] = [c for c in bot.fake.interaction_calls(interaction.token) if c.callback_type == 8]
    return answer.payload["data"]["choices"]


async def press(bot: Any, interaction: discord.Interaction, label_or_prefix: str, *,
                user_id: int | None = None, timeout: float = 10.0) -> discord.Interaction:
    """Press the button (by custom_id prefix or label) on the latest reply of ``interaction``.

    Waits for that reply to appear; the button's callback runs as a task, as it would from the gateway.
    """
    fake: FakeDiscordHTTP = bot.fake

    def find() -> tuple[Call, str] | None:
        for call in reversed(fake.replies(interaction.token)):
            for comp in _walk(call.components):
                if comp.get("custom_id", "").startswith(label_or_prefix) or comp.get("label") == label_or_prefix:
                    return call, comp["custom_id"]
        return None

    _call, custom_id = await fake.wait_for(find, timeout)
    message_id = fake._originals.get(interaction.token)
    if message_id is None:
        raise AssertionError("the reply has no message id")
    pressed = make_component_interaction(bot, custom_id, message_id=message_id, guild_id=interaction.guild_id,
                                         channel_id=interaction.channel_id,
                                         user_id=user_id if user_id is not None else interaction.user.id)
    bot._connection._view_store.dispatch_view(2, custom_id, pressed)
    await asyncio.sleep(0)
    return pressed


async def select(bot: Any, interaction: discord.Interaction, values: list[str], *,
                 user_id: int | None = None, timeout: float = 10.0) -> discord.Interaction:
    """Choose ``values`` in the select menu on the latest reply of ``interaction``."""
    fake: FakeDiscordHTTP = bot.fake

    def find() -> str | None:
        for call in reversed(fake.replies(interaction.token)):
            for comp in _walk(call.components):
                if comp.get("type") == 3:
                    return comp["custom_id"]
        return None

    custom_id = await fake.wait_for(find, timeout)
    message_id = fake._originals[interaction.token]
    chosen = make_component_interaction(bot, custom_id, message_id=message_id, guild_id=interaction.guild_id,
                                        channel_id=interaction.channel_id, component_type=3, values=values,
                                        user_id=user_id if user_id is not None else interaction.user.id)
    bot._connection._view_store.dispatch_view(3, custom_id, chosen)
    await asyncio.sleep(0)
    return chosen


async def submit_modal(bot: Any, interaction: discord.Interaction, values: list[str], *, user_id: int | None = None,
                       timeout: float = 10.0) -> discord.Interaction:
    """Fill the form (modal) the bot opened in answer to ``interaction`` with ``values`` (its text inputs, in order)
    and send it, as the gateway would deliver the MODAL_SUBMIT interaction (type 5)."""
    fake: FakeDiscordHTTP = bot.fake

    def find() -> Call | None:
        return next((c for c in reversed(fake.interaction_calls(interaction.token)) if c.callback_type == 9), None)

    form = (await fake.wait_for(find, timeout)).payload["data"]
    inputs = [c for c in _walk(form["components"]) if c.get("type") == 4]
    rows: list[dict[str, Any]] = [{"type": 1, "components": [{"type": 4, "custom_id": c["custom_id"], "value": v}]}
                                  for c, v in zip(inputs, values, strict=True)]
    who = user_id if user_id is not None else interaction.user.id
    guild_id = interaction.guild_id
    channel_id = interaction.channel_id or (CHANNEL_ID if guild_id is not None else DM_CHANNEL_ID)
    payload: dict[str, Any] = {
        "id": str(snowflake()), "application_id": str(bot._connection.application_id or APP_ID), "type": 5,
        "token": f"tok-{snowflake()}", "version": 1, "locale": str(interaction.locale),
        "data": {"custom_id": form["custom_id"], "components": rows},
        "attachment_size_limit": DEFAULT_FILESIZE_LIMIT, "app_permissions": str(BOT_PERMISSIONS.value),
        "channel": channel_payload(channel_id, guild_id, user_id=who), "channel_id": str(channel_id),
        "entitlements": [],
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        perms = interaction.permissions.value if isinstance(interaction.user, discord.Member) else None
        payload["member"] = member_payload(who, permissions=perms)
    else:
        payload["user"] = user_payload(who)
    submitted = discord.Interaction(data=payload, state=bot._connection)
    bot._connection._view_store.dispatch_modal(form["custom_id"], submitted, rows, {})
    await asyncio.sleep(0)
    return submitted


def _walk(components: list[dict[str, Any]]):
    for comp in components or []:
        yield comp
        yield from _walk(comp.get("components") or [])


__all__ = [
    "APP_ID",
    "BOT_PERMISSIONS",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DM_CHANNEL_ID",
    "GUILD_ID",
    "MANAGER_PERMISSIONS",
    "MEMBER_PERMISSIONS",
    "OTHER_USER_ID",
    "USER_ID",
    "Call",
    "FakeDiscordHTTP",
    "FakeSession",
    "FormPart",
    "add_guild",
    "attachment_payload",
    "autocomplete",
    "channel_payload",
    "close_bot",
    "http_error",
    "install_webhook_routing",
    "invoke",
    "make_bot",
    "make_component_interaction",
    "make_interaction",
    "member_payload",
    "message_payload",
    "press",
    "run_command",
    "select",
    "snowflake",
    "start_command",
    "submit_modal",
    "user_payload",
]

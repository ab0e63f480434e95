"""A fake Telegram Bot API server on loopback, for driving the real PTB Application in tests.

:class:`FakeTelegram` is an aiohttp server on 127.0.0.1 (in the test's event loop) with Telegram's
two routes:

* ``POST /bot{token}/{method}`` — JSON, urlencoded (PTB's usual encoding: each value JSON-encoded,
  strings as is) and multipart bodies (uploads). Every call is recorded as a :class:`Call` with its
  decoded parameters, its uploaded files and the result it got.
* ``GET /file/bot{token}/{path}`` — files registered with :meth:`FakeTelegram.add_file` (and every
  voice/audio/document the bot uploaded). Downloads are recorded in ``downloads``.

It answers getMe, sendMessage, sendVoice, sendAudio, sendDocument, sendChatAction, getFile,
deleteMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, set/get/deleteMyCommands,
getChatMember, getChat, set/delete/getWebhookInfo, getUpdates (long polling from :meth:`push_update`),
close and logOut with result objects shaped like Telegram's. Unknown methods get Telegram's 404.

Faults: :meth:`fail` makes the next matching calls fail with a Telegram error body — e.g.
``fail("sendVoice", description="Bad Request: VOICE_MESSAGES_FORBIDDEN")`` or
``fail("sendVoice", error_code=429, retry_after=1)``. Realistic refusals are built in: a second
answer to one callback query, getFile of a file over 20 MB ("file is too big"), deleteMessage in a
chat listed in ``cannot_delete``, and editing a message to the same content ("message is not modified").

Flood control (opt-in, off by default): :meth:`FakeTelegram.limit_flood` makes the fake refuse calls over
Telegram's rate limits with 429 and ``parameters.retry_after``, as :class:`FloodLimits` describes.

:class:`Updates` builds update dicts (messages with command entities, voice notes, audio, documents,
replies, callback queries) to feed to ``Application.process_update(Update.de_json(...))``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

DEFAULT_TOKEN = "123456789:AAFakeTokenForVoicebridgeTestsOnly_x1"
DOWNLOAD_LIMIT = 20 * 1024 * 1024
#: Parameters that are strings even when they look like JSON numbers.
_TEXT_PARAMS = frozenset({
    "text", "caption", "title", "performer", "callback_query_id", "file_id", "language_code", "action",
    "parse_mode", "secret_token", "url", "description", "short_description", "name", "query",
})


@dataclass(frozen=True, slots=True)
class UploadedFile:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class Call:
    """One Bot API call as the fake received it."""

    method: str
    token: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    def upload(self, name: str) -> UploadedFile | None:
        return self.files.get(name)


@dataclass(slots=True)
class FakeFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_size: int  # what getFile (and a message built from it) reports

    def as_voice(self, duration: int, mime_type: str = "audio/ogg") -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "duration": duration,
                "mime_type": mime_type, "file_size": self.file_size}

    def as_audio(self, duration: int, *, file_name: str = "clip.mp3", mime_type: str = "audio/mpeg") -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "duration": duration,
                "mime_type": mime_type, "file_size": self.file_size, "file_name": file_name}

    def as_document(self, *, file_name: str, mime_type: str) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_name": file_name,
                "mime_type": mime_type, "file_size": self.file_size}


#: Calls that post a new message in a chat (what the per-chat limit counts).
_NEW_MESSAGE_METHODS = frozenset({"sendMessage", "sendVoice", "sendAudio", "sendDocument"})


@dataclass(slots=True)
class FloodLimits:
    """Telegram's flood limits as the fake models them: two token buckets, refilled continuously.

    * The bot overall: ``per_second`` tokens a second, at most ``burst`` saved up. Every call that names a
      chat (a ``chat_id``: messages, chat actions, edits, deletions…) takes one, which is how PTB's
      AIORateLimiter counts them too; getUpdates, getMe, getFile, answerCallbackQuery… take none.
    * Each chat: ``chat_per_second`` and ``chat_burst``, taken only by calls that post a new message
      (sendMessage, sendVoice, sendAudio, sendDocument); a chat action does not post one.

    A call over either limit is answered 429 ``Too Many Requests: retry after N`` with
    ``parameters.retry_after`` = N, the whole seconds until both buckets hold a token again (at least 1,
    as Telegram sends integers), and takes no token. Groups' 20 messages a minute are not modelled.
    """

    per_second: float = 30.0
    burst: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: float = 1.0
    #: Filled in as the fake runs: [tokens, time of the last refill] for the bot and for each chat.
    _overall: list[float] = field(default_factory=list, init=False, repr=False)
    _chats: dict[Any, list[float]] = field(default_factory=dict, init=False, repr=False)

    def take(self, method: str, chat_id: Any, now: float) -> int | None:
        """Take the call's tokens and return None, or return the seconds to wait (and take nothing)."""
        if chat_id is None:
            return None
        overall = self._refill(self._overall, self.per_second, self.burst, now)
        wait = max(0.0, (1.0 - overall[0]) / self.per_second)
        chat = None
        if method in _NEW_MESSAGE_METHODS:
            chat = self._refill(self._chats.setdefault(chat_id, []), self.chat_per_second, self.chat_burst, now)
            wait = max(wait, (1.0 - chat[0]) / self.chat_per_second)
        if wait > 0:
            return max(1, math.ceil(wait))
        overall[0] -= 1.0
        if chat is not None:
            chat[0] -= 1.0
        return None

    @staticmethod
    def _refill(bucket: list[float], rate: float, burst: float, now: float) -> list[float]:
        if not bucket:
            bucket.extend((burst, now))
        else:
            bucket[0] = min(burst, bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
        return bucket


@dataclass(slots=True)
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int | None
    chat_id: Any = None


class FakeTelegram:
    """The fake Bot API. Use as ``async with FakeTelegram() as tg:``; point PTB at ``base_url``."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "voicebridge_test_bot",
                 host: str = "127.0.0.1") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.host = host
        self.port: int | None = None
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self.files: dict[str, FakeFile] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.admins: dict[int, set[int]] = {}
        self.cannot_delete: set[int] = set()
        self.deleted: list[tuple[int, int]] = []
        self.webhook: dict[str, Any] | None = None
        self._faults: list[_Fault] = []
        self._flood: FloodLimits | None = None
        self._answered: set[str] = set()
        self._ids = itertools.count(100_000)
        self._file_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._update_event = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self._update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """PTB's ``base_url`` (the token is appended by PTB)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # --- test controls ----------------------------------------------------------------------

    def fail(self, method: str, *, description: str | None = None, error_code: int = 400,
             retry_after: int | None = None, times: int | None = 1, chat_id: Any = None) -> None:
        """Fail the next ``times`` calls of ``method`` (None: all), optionally only for ``chat_id``."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if error_code == 429
                           else "Bad Request: something went wrong")
        self._faults.append(_Fault(method, error_code, description, retry_after, times, chat_id))

    def clear_faults(self) -> None:
        self._faults.clear()

    def limit_flood(self, limits: FloodLimits | None = None) -> FloodLimits:
        """Enforce Telegram's flood limits from now on (``limits``: default, 30/s overall and 1/s per chat)."""
        self._flood = limits or FloodLimits()
        return self._flood

    def flood_refusals(self) -> list[Call]:
        """Calls refused with 429 (by the flood limits or an injected fault), oldest first."""
        return [c for c in self.calls if c.status == 429]

    def add_file(self, data: bytes, *, file_path: str | None = None, file_size: int | None = None,
                 file_id: str | None = None) -> FakeFile:
        """Serve ``data``; ``file_size`` overrides the size Telegram reports (to fake huge files)."""
        n = next(self._file_ids)
        fid = file_id or f"FILE{n:04d}_{secrets.token_urlsafe(24)}"
        f = FakeFile(file_id=fid, file_unique_id=f"U{n:04d}", file_path=file_path or f"voice/file_{n}.oga",
                     data=data, file_size=len(data) if file_size is None else file_size)
        self.files[fid] = f
        return f

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        self._updates.append(update)
        self._update_event.set()

    def set_admin(self, chat_id: int, user_id: int) -> None:
        self.admins.setdefault(chat_id, set()).add(user_id)

    def calls_to(self, method: str, chat_id: Any = None) -> list[Call]:
        """Successful and failed calls of ``method`` (optionally to one chat), oldest first."""
        return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def sent(self, chat_id: Any = None) -> list[Call]:
        """Successful message-creating calls (sendMessage/Voice/Audio/Document), oldest first."""
        return [c for c in self.calls
                if c.method in ("sendMessage", "sendVoice", "sendAudio", "sendDocument") and c.status == 200
                and (chat_id is None or c.chat_id == chat_id)]

    def texts(self, chat_id: Any = None) -> list[str]:
        """Texts of successful sendMessage and editMessageText calls (and captions), oldest first."""
        out = []
        for c in self.calls:
            if c.status != 200 or (chat_id is not None and c.chat_id != chat_id):
                continue
            if c.method in ("sendMessage", "editMessageText"):
                out.append(str(c.params.get("text", "")))
            elif c.method in ("sendVoice", "sendAudio") and c.params.get("caption"):
                out.append(str(c.params["caption"]))
            elif c.method == "answerCallbackQuery" and c.params.get("text"):
                out.append(str(c.params["text"]))
        return out

    def reset_calls(self) -> None:
        self.calls.clear()
        self.downloads.clear()

    # --- HTTP -------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.read()
            params = json.loads(body) if body else {}
        elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
                else:
                    params[name] = _decode(name, str(value))
        params.update({k: _decode(k, v) for k, v in request.query.items() if k not in params})
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = Call(method=method, token=token, params=params, files=files)
        self.calls.append(call)
        if token != self.token:
            return self._error(call, 401, "Unauthorized")
        fault = self._take_fault(method, params.get("chat_id"))
        if fault is not None:
            return self._error(call, fault.error_code, fault.description, retry_after=fault.retry_after)
        if self._flood is not None:
            wait = self._flood.take(method, params.get("chat_id"), time.monotonic())
            if wait is not None:
                return self._error(call, 429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return self._error(call, 404, "Not Found: method not found")
        try:
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except _ApiError as exc:
            return self._error(call, exc.code, exc.description)
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        path = request.match_info["path"]
        self.downloads.append(path)
        for f in self.files.values():
            if f.file_path == path:
                return web.Response(body=f.data, content_type="application/octet-stream")
        return web.Response(status=404, text="Not Found")

    def _error(self, call: Call, code: int, description: str, *, retry_after: int | None = None) -> web.Response:
        call.status = code
        call.error = description
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    def _take_fault(self, method: str, chat_id: Any) -> _Fault | None:
        for fault in self._faults:
            if fault.method != method or (fault.chat_id is not None and fault.chat_id != chat_id):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return fault
        return None

    # --- objects ----------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "VoiceBridge", "username": self.bot_username}

    @staticmethod
    def chat(chat_id: Any) -> dict[str, Any]:
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        message_id = next(self._ids)
        msg: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": self.chat(chat_id),
                               "from": self.bot_user(), **content}
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if reply_id is not None:
            replied = self.messages.get((chat_id, reply_id))
            if replied is not None:
                msg["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if params.get("message_thread_id"):
            msg["message_thread_id"] = params["message_thread_id"]
        self.messages[(chat_id, message_id)] = msg
        return msg

    def remember(self, message: dict[str, Any]) -> None:
        """Let the fake know a user's message (so bot replies can carry ``reply_to_message``)."""
        self.messages[(message["chat"]["id"], message["message_id"])] = message

    def _media(self, params: dict[str, Any], files: dict[str, UploadedFile], field_name: str) -> FakeFile:
        if field_name in files:
            up = files[field_name]
            folder = {"voice": "voice", "audio": "music", "document": "documents"}[field_name]
            ext = (up.filename or "file").rsplit(".", 1)[-1]
            n = next(self._file_ids)
            return self.add_file(up.data, file_path=f"{folder}/file_{n}.{ext}")
        value = params.get(field_name)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise _ApiError(400, "Bad Request: wrong remote file identifier specified: Wrong string length")

    # --- methods ----------------------------------------------------------------------------

    def _m_getme(self, params, files):
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def _m_sendmessage(self, params, files):
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return self._new_message(params, text=text)

    def _caption(self, params) -> dict[str, Any]:
        caption = params.get("caption")
        if caption is not None and len(str(caption)) > 1024:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return {"caption": caption} if caption else {}

    def _m_sendvoice(self, params, files):
        f = self._media(params, files, "voice")
        duration = int(params.get("duration") or 0)
        return self._new_message(params, voice=f.as_voice(duration), **self._caption(params))

    def _m_sendaudio(self, params, files):
        f = self._media(params, files, "audio")
        up = files.get("audio")
        mime = up.content_type if up and up.content_type else "audio/mpeg"
        audio = f.as_audio(int(params.get("duration") or 0), file_name=(up.filename if up else None) or "audio",
                           mime_type=mime)
        if params.get("title"):
            audio["title"] = params["title"]
        if params.get("performer"):
            audio["performer"] = params["performer"]
        return self._new_message(params, audio=audio, **self._caption(params))

    def _m_senddocument(self, params, files):
        f = self._media(params, files, "document")
        up = files.get("document")
        doc = f.as_document(file_name=(up.filename if up else None) or "file",
                            mime_type=(up.content_type if up else None) or "application/octet-stream")
        return self._new_message(params, document=doc, **self._caption(params))

    def _m_sendchataction(self, params, files):
        if params.get("action") not in ("typing", "upload_photo", "record_video", "upload_video", "record_voice",
                                        "upload_voice", "upload_document", "choose_sticker", "find_location",
                                        "record_video_note", "upload_video_note"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_getfile(self, params, files):
        f = self.files.get(str(params.get("file_id")))
        if f is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if f.file_size > DOWNLOAD_LIMIT:
            raise _ApiError(400, "Bad Request: file is too big")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.file_size,
                "file_path": f.file_path}

    def _m_deletemessage(self, params, files):
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        if chat_id in self.cannot_delete:
            raise _ApiError(400, "Bad Request: message can't be deleted")
        self.deleted.append((chat_id, message_id))
        self.messages.pop((chat_id, message_id), None)
        return True

    def _edit(self, params, **changes: Any) -> dict[str, Any]:
        key = (params.get("chat_id"), params.get("message_id"))
        msg = self.messages.get(key)
        if msg is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        new = dict(msg)
        new.update(changes)
        if params.get("reply_markup"):
            new["reply_markup"] = params["reply_markup"]
        else:
            new.pop("reply_markup", None)
        if new == msg:
            raise _ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                 "markup are exactly the same as a current content and reply markup of the message")
        new["edit_date"] = int(time.time())
        self.messages[key] = new
        return new

    def _m_editmessagetext(self, params, files):
        return self._edit(params, text=params.get("text"))

    def _m_editmessagereplymarkup(self, params, files):
        return self._edit(params)

    def _m_answercallbackquery(self, params, files):
        qid = str(params.get("callback_query_id"))
        if qid in self._answered:
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._answered.add(qid)
        return True

    def _m_setmycommands(self, params, files):
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands[(scope, params.get("language_code") or "")] = list(params.get("commands") or [])
        return True

    def _m_getmycommands(self, params, files):
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        return self.commands.get((scope, params.get("language_code") or ""), [])

    def _m_deletemycommands(self, params, files):
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands.pop((scope, params.get("language_code") or ""), None)
        return True

    def _m_getchatmember(self, params, files):
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if user_id in self.admins.get(chat_id, set()):
            return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                    "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                    "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                    "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                    "can_delete_stories": False}
        return {"status": "member", "user": user}

    def _m_getchat(self, params, files):
        return {**self.chat(params.get("chat_id")), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False}}

    def _m_setwebhook(self, params, files):
        self.webhook = dict(params)
        return True

    def _m_deletewebhook(self, params, files):
        self.webhook = None
        return True

    def _m_getwebhookinfo(self, params, files):
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    async def _m_getupdates(self, params, files):
        if self.webhook:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._update_event.clear()
            timeout = min(float(params.get("timeout") or 0), 1.0)
            if timeout > 0:
                try:
                    await asyncio.wait_for(self._update_event.wait(), timeout)
                except TimeoutError:
                    pass
        limit = int(params.get("limit") or 100)
        return list(self._updates[:limit])

    def _m_close(self, params, files):
        return True

    def _m_logout(self, params, files):
        return True


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _decode(name: str, value: str) -> Any:
    if name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


# --- building updates ----------------------------------------------------------------------------


def _command_entities(text: str | None) -> list[dict[str, Any]]:
    if not text or not text.startswith("/"):
        return []
    length = len(text.split(maxsplit=1)[0])
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(text[:length])}]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Updates:
    """Builds update dicts the way Telegram sends them."""

    def __init__(self, fake: FakeTelegram | None = None) -> None:
        self.fake = fake
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int, lang: str | None = "en", first_name: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
        if lang:
            user["language_code"] = lang
        return user

    def message_dict(self, chat_id: int, user_id: int, text: str | None = None, *, lang: str | None = "en",
                     reply_to: dict[str, Any] | None = None, voice: dict[str, Any] | None = None,
                     audio: dict[str, Any] | None = None, document: dict[str, Any] | None = None,
                     photo: list[dict[str, Any]] | None = None, caption: str | None = None,
                     forward_origin: dict[str, Any] | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": (FakeTelegram.chat(chat_id) if chat_id < 0
                     else {"id": chat_id, "type": "private", "first_name": f"User{user_id}"}),
            "from": self.user(user_id, lang),
        }
        if text is not None:
            msg["text"] = text
            if entities := _command_entities(text):
                msg["entities"] = entities
        if caption is not None:
            msg["caption"] = caption
            if entities := _command_entities(caption):
                msg["caption_entities"] = entities
        for key, value in (("voice", voice), ("audio", audio), ("document", document), ("photo", photo),
                           ("forward_origin", forward_origin)):
            if value is not None:
                msg[key] = value
        if reply_to is not None:
            msg["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        if self.fake is not None:
            self.fake.remember(msg)
        return msg

    def message(self, chat_id: int, user_id: int, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """A ``message`` update (see :meth:`message_dict` for the arguments)."""
        return {"update_id": next(self._update_ids), "message": self.message_dict(chat_id, user_id, text, **kwargs)}

    def wrap(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), "message": message}

    def callback(self, user_id: int, data: str, message: dict[str, Any], *, lang: str | None = "en") -> dict[str, Any]:
        """A ``callback_query`` update: ``user_id`` pressed a button with ``data`` on the bot's ``message``."""
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._callback_ids) * 7919), "from": self.user(user_id, lang),
            "chat_instance": str(message["chat"]["id"]), "message": message, "data": data,
        }}


def buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every button of an inline keyboard, row by row."""
    if not markup:
        return []
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_data(markup: dict[str, Any] | None, text_contains: str) -> str:
    """The callback data of the first button whose label contains ``text_contains``."""
    for b in buttons(markup):
        if text_contains in b.get("text", ""):
            return b["callback_data"]
    raise LookupError(f"no button with {text_contains!r} in {[b.get('text') for b in buttons(markup)]}")


__all__: Iterable[str] = ["Call", "FakeFile", "FakeTelegram", "FloodLimits", "Updates", "UploadedFile", "button_data",
                          "buttons"]

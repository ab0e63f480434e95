"""The change feed between processes that share one PostgreSQL: ``LISTEN/NOTIFY`` (no other server to run).

:func:`open_changes` gives the :class:`core.changes.ChangeFeed` for a store: :class:`PgChanges` on
PostgreSQL, :class:`core.changes.NoChanges` on SQLite (one process only). :func:`watch_store` makes the
store announce what it changed: each write method listed in :data:`NOTICES` publishes its notices once it
returned (the change committed); the methods in :data:`SILENT` change nothing another process caches.

Publishing is a ``SELECT pg_notify(...)`` through the store's own pool. Listening uses one dedicated
asyncpg connection (a pooled one would be handed to queries); when it is lost (the server restarted, the
backend was terminated, the network dropped) it is opened again with a growing pause, and the listeners
are sent :data:`core.changes.EVERYTHING`, since the notices sent meanwhile are lost. A ``SELECT 1`` every
``ping_interval`` seconds finds a connection that died without a word.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.changes import (
    ALL,
    CHARACTERS,
    DICTIONARY,
    EVERYTHING,
    FORGET,
    IDENTITY,
    KEYS,
    SCOPE,
    SETTINGS,
    TALKS,
    VOICE_DELETED,
    VOICES,
    Change,
    ChangeFeed,
    Listeners,
    NoChanges,
)

log = logging.getLogger("voicebridge.storage.notify")

CHANNEL = "voicebridge_changes"
#: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; ours are tiny, a longer key is cut.
MAX_KEY = 200

Args = Mapping[str, Any]
#: Store method → its notices, from its bound arguments and what it returned.
NOTICES: dict[str, Callable[[Args, Any], list[Change]]] = {
    "set_ui_language": lambda a, r: [Change(SETTINGS, str(a["user_id"]))],
    "update_user_settings": lambda a, r: [Change(SETTINGS, str(a["user_id"]))],
    "set_api_key": lambda a, r: [Change(KEYS, str(a["user_id"]))],
    "clear_api_key": lambda a, r: [Change(KEYS, str(a["user_id"]))],
    "forget_user": lambda a, r: [Change(FORGET, str(a["user_id"])), Change(IDENTITY)],
    "link_identity": lambda a, r: [Change(IDENTITY), Change(VOICES, str(a["account_id"]))],
    "unlink": lambda a, r: [Change(IDENTITY), Change(VOICES, str(a["user_id"]))],
    "update_scope_settings": lambda a, r: [Change(SCOPE, a["scope"])],
    "update_scope_options": lambda a, r: [Change(SCOPE, a["scope"])],
    "edit_scope_options": lambda a, r: [Change(SCOPE, a["scope"])],
    "create_character": lambda a, r: [Change(CHARACTERS, a["scope"])],
    "update_character": lambda a, r: [Change(CHARACTERS, a["scope"])],
    "delete_character": lambda a, r: [Change(CHARACTERS, a["scope"])],
    "set_pronunciation": lambda a, r: [Change(DICTIONARY, a["owner"])],
    "delete_pronunciation": lambda a, r: [Change(DICTIONARY, a["owner"])],
    "add_voice": lambda a, r: [Change(VOICES, str(a["owner_id"]))],
    "set_voice_shared": lambda a, r: [Change(VOICES, str(a["owner_id"]))],
    "delete_voice": lambda a, r: [Change(VOICES, str(a["owner_id"]))] + (
        [Change(VOICE_DELETED, f"{a['owner_id']}:{r.id}")] if r is not None and r.id is not None else []),
    "start_talk": lambda a, r: [Change(TALKS, a["place"])],
    "import_all": lambda a, r: [EVERYTHING],
}
#: Store methods that write, but nothing another process keeps in memory: first sight of a user, usage and
#: tokens, link codes and pending clone requests, conversations and a talk's end, web sign-in links and
#: sessions, and self-hosted clones' reference recordings (all read from the database each time; a recording
#: is immutable under its id and its voice row goes first), and key rotation (an offline operation: every
#: process is restarted with the new key).
SILENT = frozenset({"get_or_create_user", "add_usage", "create_link_code", "take_link_code",
                    "add_clone_request", "take_clone_request", "rotate_secret_key", "open",
                    "add_tokens", "add_turns", "clear_turns", "end_talk",
                    "add_web_link", "take_web_link", "add_web_session", "delete_web_session", "delete_web_sessions",
                    "add_reference", "delete_reference"})

_publishing: contextvars.ContextVar[bool] = contextvars.ContextVar("voicebridge_publishing", default=False)


def watch_store(store: Any, feed: ChangeFeed) -> None:
    """Make ``store`` publish on ``feed`` after each write listed in :data:`NOTICES` (on this instance only).

    A write made inside another one (``update_scope_options`` uses ``edit_scope_options``) publishes once,
    as the outer one. A write that raised publishes nothing.
    """
    for name, notices in NOTICES.items():
        method = getattr(store, name, None)
        if method is None:
            continue
        setattr(store, name, _announcing(method, notices, feed))


def _announcing(method: Callable[..., Awaitable[Any]], notices: Callable[[Args, Any], list[Change]],
                feed: ChangeFeed) -> Callable[..., Awaitable[Any]]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    async def announce(*args: Any, **kwargs: Any) -> Any:
        if _publishing.get():  # inside another announced write: that one publishes
            return await method(*args, **kwargs)
        token = _publishing.set(True)
        try:
            result = await method(*args, **kwargs)
        finally:
            _publishing.reset(token)
        bound = signature.bind(*args, **kwargs)
        await feed.publish(*notices(bound.arguments, result))
        return result

    return announce


def encode(origin: str, change: Change) -> str:
    return json.dumps({"o": origin, "t": change.topic, "k": change.key[:MAX_KEY]}, separators=(",", ":"))


def decode(payload: str) -> tuple[str, Change] | None:
    """``(origin, change)`` of a notice, or None if it is not one of ours."""
    try:
        data = json.loads(payload)
        origin, topic, key = data["o"], data["t"], data["k"]
    except (ValueError, KeyError, TypeError):
        return None
    if not all(isinstance(v, str) for v in (origin, topic, key)):
        return None
    return origin, Change(topic, key)


class PgChanges(Listeners):
    """The feed on PostgreSQL. ``start()`` before use (it returns once listening, or after ``connect_timeout``
    with the connection still being tried in the background); ``aclose()`` at the end."""

    def __init__(self, dsn: str, publish_sql: Callable[[str, str], Awaitable[None]], *, channel: str = CHANNEL,
                 ping_interval: float = 15.0, retry_min: float = 0.2, retry_max: float = 5.0,
                 connect_timeout: float = 5.0) -> None:
        super().__init__()
        self._dsn = dsn
        self._publish_sql = publish_sql
        self.channel = channel
        self.origin = secrets.token_hex(8)  # this process: its own notices come back and are skipped
        self.ping_interval, self.retry_min, self.retry_max = ping_interval, retry_min, retry_max
        self.connect_timeout = connect_timeout
        self.connections = 0  # listening connections opened so far (a test watches it grow after a loss)
        self.listening = asyncio.Event()
        self._conn: Any = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def publish(self, *changes: Change) -> None:
        for change in changes:
            try:
                await self._publish_sql(self.channel, encode(self.origin, change))
            except Exception as exc:  # the change itself is stored: the others catch up when they reconnect
                log.warning("could not tell the other processes about a %s change: %s", change.topic,
                            type(exc).__name__)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="change-feed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), self.connect_timeout)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._close_conn()

    async def _run(self) -> None:
        pause = self.retry_min
        while True:
            try:
                await self._listen_once()
                pause = self.retry_min
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("change feed: the listening connection failed (%s); again in %.1f s",
                            type(exc).__name__, pause)
            self.listening.clear()
            await self._close_conn()
            await asyncio.sleep(pause)
            pause = min(pause * 2, self.retry_max)

    async def _listen_once(self) -> None:
        import asyncpg

        self._lost.clear()
        conn = await asyncpg.connect(self._dsn, timeout=self.connect_timeout)
        self._conn = conn
        conn.add_termination_listener(lambda _c: self._lost.set())
        await conn.add_listener(self.channel, self._on_notify)
        self.connections += 1
        if self.connections > 1:  # notices sent while nobody listened are gone: drop everything
            log.info("change feed: listening again")
            self.dispatch(EVERYTHING)
        self.listening.set()
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.ping_interval)
            if self._lost.is_set() or conn.is_closed():
                break
            await asyncio.wait_for(conn.fetchval("SELECT 1"), self.connect_timeout)
        raise ConnectionError("listening connection closed")

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        decoded = decode(payload)
        if decoded is None:
            log.warning("change feed: ignoring a notice that is not ours")
            return
        origin, change = decoded
        if origin != self.origin:
            self.dispatch(change)

    async def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)


def asyncpg_dsn(url: str) -> str:
    """A ``postgresql+asyncpg://`` SQLAlchemy URL as the plain DSN asyncpg connects with."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def open_changes(store: Any, *, start: bool = True, **options: Any) -> ChangeFeed:
    """The feed for ``store`` (PostgreSQL: listening once started; SQLite: :class:`NoChanges`), with the store
    announcing its writes on it (:func:`watch_store`)."""
    if store.dialect != "postgresql":
        return NoChanges()

    async def publish_sql(channel: str, payload: str) -> None:
        async with store._write() as conn:
            await conn.execute(sa.text("SELECT pg_notify(:channel, :payload)"),
                               {"channel": channel, "payload": payload})

    feed = PgChanges(asyncpg_dsn(store._url), publish_sql, **options)
    watch_store(store, feed)
    if start:
        await feed.start()
    return feed


__all__ = ["ALL", "CHANNEL", "NOTICES", "SILENT", "PgChanges", "asyncpg_dsn", "open_changes", "watch_store"]

"""What other processes changed: a feed of small :class:`Change` notices, for dropping what is cached in memory.

Several ``voicebridge run`` processes may share one database. Each keeps a little state in memory (which
account a platform user is, a server's options, the audio cache on disk…); when one process changes the
stored state, the others hear of it through a :class:`ChangeFeed` and drop or reload what they hold.

The core declares the feed and what its own caches do with a notice (:func:`watch_core`); ``storage``
implements it (PostgreSQL ``LISTEN/NOTIFY``; with SQLite, one process only, nothing is ever sent). A notice
names a topic and a key (a user id, a scope…); the key ``""`` means "any of that topic". A feed that lost
its connection for a while cannot know what it missed: it sends :data:`EVERYTHING`, and every listener drops
all it holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("voicebridge.changes")

#: The topics, and what their key is.
IDENTITY = "identity"  # which account a platform user is (link, unlink): key "" (any)
FORGET = "forget"  # an account was forgotten: key its user id
SETTINGS = "settings"  # a user's settings or interface language: key the user id
KEYS = "keys"  # a user's own API key: key the user id
SCOPE = "scope"  # a chat's or server's settings and options: key the scope ("<platform>:<id>")
CHARACTERS = "characters"  # key the scope
DICTIONARY = "dictionary"  # key the owner of the entries
VOICES = "voices"  # a clone added, shared or deleted: key the owner's user id
VOICE_DELETED = "voice_deleted"  # key "<owner user id>:<voice id>" (the clone's cached audio goes too)
TALKS = "talks"  # a conversation started: key its place ("<platform>:<chat or channel id>")
ALL = "*"  # everything: after an import, or when a feed reconnects and can't know what it missed
TOPICS = (IDENTITY, FORGET, SETTINGS, KEYS, SCOPE, CHARACTERS, DICTIONARY, VOICES, VOICE_DELETED, ALL)


@dataclass(frozen=True, slots=True)
class Change:
    """One thing another process changed: ``topic`` (one of :data:`TOPICS`) and ``key`` (``""``: any)."""

    topic: str
    key: str = ""

    @property
    def everything(self) -> bool:
        """Drop everything (the feed may have missed notices)."""
        return self.topic == ALL


EVERYTHING = Change(ALL)

Listener = Callable[[Change], None]


class ChangeFeed(Protocol):
    """Tells other processes what this one changed, and this one what they changed.

    ``publish`` is called after a change is stored; listeners hear only other processes' changes
    (this process drops its own caches where it makes the change). Listeners are plain functions called
    on the event loop: they must be quick and must not raise (a slow job is started as a task).
    """

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every change another process makes; returns the unsubscribe function."""
        ...

    async def publish(self, *changes: Change) -> None:
        """Tell the other processes (never raises: a change that was stored stays stored)."""
        ...


class Listeners:
    """The listening half every feed shares: subscribe, and dispatch to every listener (one failing
    listener is logged and does not stop the others)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def dispatch(self, change: Change) -> None:
        """Hand ``change`` to every listener."""
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.exception("a change listener failed on %s", change.topic)


class NoChanges(Listeners):
    """The feed of a process that is alone on its database (SQLite): nothing to tell, nothing to hear."""

    async def publish(self, *changes: Change) -> None:
        return None


class Background:
    """Runs the slow part of a listener (disk, database) as a task, keeping it referenced and logging a failure."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, job: Awaitable[Any], what: str) -> None:
        async def run() -> None:
            try:
                await job
            except Exception:
                log.exception("dropping %s after another process's change failed", what)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def watch_core(feed: ChangeFeed, *, forget_ids: Callable[[int | None], None],
               forget_limits: Callable[[int], None], purge_tag: Callable[[str], Awaitable[int]],
               voice_tag: Callable[[int], str],
               forget_talks: Callable[[str | None], None] = lambda place: None) -> Callable[[], None]:
    """Keep the core's in-memory state in step with other processes' changes; returns the unsubscribe function.

    ``forget_ids(uid)``: drop the cached account ids (of ``uid``; None: all); ``forget_limits(uid)``: a
    forgotten user's rate-limit state; ``purge_tag``/``voice_tag``: cached audio of a deleted clone or a
    forgotten user (this process's audio cache is its own directory); ``forget_talks(place)``: a conversation
    started there (None: anywhere), so a place this process knew to be quiet is asked about again.
    """
    jobs = Background()

    def on_change(change: Change) -> None:
        if change.topic == TALKS:
            forget_talks(change.key or None)
        elif change.topic in (IDENTITY, ALL):
            forget_ids(None)
            if change.topic == ALL:
                forget_talks(None)
        elif change.topic == FORGET and change.key.isdigit():
            uid = int(change.key)
            forget_ids(uid)
            forget_limits(uid)
            jobs.start(purge_tag(f"user:{uid}"), "a forgotten user's cached audio")
        elif change.topic == VOICE_DELETED:
            owner, _, voice = change.key.partition(":")
            for tag in ([voice_tag(int(voice))] if voice.isdigit() else []) + ([f"user:{owner}"] if owner.isdigit() else []):
                jobs.start(purge_tag(tag), "a deleted clone's cached audio")

    return feed.subscribe(on_change)

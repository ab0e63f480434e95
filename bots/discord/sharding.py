"""Shards: the part of the bot this process runs (``DISCORD_SHARD_COUNT``, ``DISCORD_SHARD_IDS``).

Several ``voicebridge run`` processes share one bot by each running some of its shards; Discord sends each
shard the events of its guilds (``(guild_id >> 22) % shard_count``). They must share one PostgreSQL, and
hear each other's changes through it (:mod:`storage.notify`): with SQLite a process must run every shard.

Discord lets a bot start (IDENTIFY) one session per 5 s in each of ``max_concurrency`` buckets (bucket
``shard_id % max_concurrency``). Processes started together don't talk to each other, so each waits until
its shard's own turn, ``5 s × (shard_id // max_concurrency)`` after it began: two shards of one bucket
never identify in the same 5 s, whichever process runs them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.config import Config

from core.secret_key import uses_postgres
from core.errors import ConfigError

log = logging.getLogger("bots.discord")

#: Discord's identify rate: one per this many seconds in each bucket.
IDENTIFY_INTERVAL = 5.0


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % shard_count


def identify_turn(shard_id: int, max_concurrency: int, interval: float = IDENTIFY_INTERVAL) -> float:
    """Seconds after start-up at which ``shard_id`` may identify for the first time."""
    return interval * (shard_id // max(1, max_concurrency))


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """``count`` shards in all (None: Discord's recommendation) and the ``ids`` run here (None: all)."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> ShardPlan:
        return cls(getattr(settings, "shard_count", None), getattr(settings, "shard_ids", None))

    @property
    def partial(self) -> bool:
        """This process runs only some of the shards: other processes run the rest."""
        return self.ids is not None and self.count is not None and set(self.ids) != set(range(self.count))

    def bot_options(self) -> dict[str, Any]:
        """``shard_count`` / ``shard_ids`` for ``AutoShardedBot`` (none: ask Discord, run them all)."""
        options: dict[str, Any] = {}
        if self.count is not None:
            options["shard_count"] = self.count
        if self.ids is not None:
            options["shard_ids"] = list(self.ids)
        return options

    def describe(self) -> str:
        if self.count is None:
            return "the shards Discord recommends, all of them"
        ids = ", ".join(map(str, self.ids)) if self.ids is not None else f"0-{self.count - 1}"
        return f"shards {ids} of {self.count}"


def check_database(plan: ShardPlan, config: Config) -> None:
    """Refuse a partial plan on SQLite (ConfigError); say that a SQLite bot is one process only."""
    if uses_postgres(config):
        log.info("Discord: running %s; other processes on this PostgreSQL hear this one's changes", plan.describe())
        return
    if plan.partial:
        raise ConfigError(name="DISCORD_SHARD_IDS", allowed=(
            "running some shards means other processes run the rest, and processes must share one PostgreSQL "
            "(VOICEBRIDGE_DATABASE_URL=postgresql+asyncpg://…); with SQLite leave DISCORD_SHARD_IDS unset "
            "and run a single process"))
    log.warning("Discord: SQLite serves one process only: this process runs %s, and no other voicebridge "
                "process may run this bot (use PostgreSQL to share it between processes)", plan.describe())

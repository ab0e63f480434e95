"""Shards across processes: DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS, the database check, and bots running
disjoint shards against a fake Discord whose gateway routes each guild's events to its shard."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord.bot import VoiceBridgeBot
from bots.discord.runner import run_discord
from bots.discord.settings import DiscordSettings
from bots.discord.sharding import ShardPlan, check_database, identify_turn, shard_of
from core.id_ranges import parse_id_ranges
from core.errors import ConfigError
from tests.bots.discord.conftest import TEXT_COGS, make_config
from tests.fakes.discord import message_payload, user_payload
from tests.fakes.discord_gateway import TOKEN, FakeShardedDiscord

#: Two guilds on each of two shards (shard = (id >> 22) % 2).
GUILDS = [(k << 22) | 7 for k in (10, 11, 12, 13)]


@pytest.fixture(autouse=True)
def restore_discord_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ids"), [("0-3", (0, 1, 2, 3)), ("4,5", (4, 5)), ("0-1,5", (0, 1, 5)),
                                           (" 2 , 0 ", (0, 2)), ("7", (7,))])
def test_shard_ids_are_ranges(text: str, ids: tuple[int, ...]) -> None:
    assert parse_id_ranges(text) == ids


@pytest.mark.parametrize("text", ["", ",", "1,", "a", "-1", "1-", "3-1", "0,0", "0-2,1", "1.5", "１", "0x1",
                                  "1-2-3", "+1"])
def test_bad_shard_ids_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_id_ranges(text)


def test_shard_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "8")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0-1,5")
    settings = DiscordSettings.load()
    assert (settings.shard_count, settings.shard_ids) == (8, (0, 1, 5))
    plan = ShardPlan.from_settings(settings)
    assert plan.partial and plan.bot_options() == {"shard_count": 8, "shard_ids": [0, 1, 5]}
    monkeypatch.delenv("DISCORD_SHARD_COUNT")
    monkeypatch.delenv("DISCORD_SHARD_IDS")
    assert ShardPlan.from_settings(DiscordSettings.load()).bot_options() == {}  # Discord's recommendation, all


@pytest.mark.parametrize(("count", "ids", "says"), [
    ("4", "4,5", "shard ids go from 0 to 3"), (None, "0", "DISCORD_SHARD_COUNT must be set too"),
    ("4", "1-0", "goes backwards"), ("4", "zero", "is not an id or a range"), ("0", None, "1 or more"),
    ("two", None, "1 or more")])
def test_bad_shard_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None,
                                              says: str) -> None:
    for name, value in (("DISCORD_SHARD_COUNT", count), ("DISCORD_SHARD_IDS", ids)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        DiscordSettings.load()
    assert caught.value.params["name"] in ("DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS")
    assert says in str(caught.value)


def test_all_shards_listed_is_not_partial() -> None:
    assert not ShardPlan(4, (0, 1, 2, 3)).partial and not ShardPlan().partial and ShardPlan(4, (1,)).partial


def test_identify_turns_keep_one_identify_per_bucket_per_interval() -> None:
    assert [identify_turn(s, 1) for s in range(4)] == [0.0, 5.0, 10.0, 15.0]
    assert [identify_turn(s, 2) for s in range(4)] == [0.0, 0.0, 5.0, 5.0]  # buckets 0 and 1 in parallel


# --- the database decides how many processes ----------------------------------------------------


def test_sqlite_refuses_a_process_that_runs_some_shards(tmp_path: Path) -> None:
    config = make_config(tmp_path, None)
    with pytest.raises(ConfigError) as caught:
        check_database(ShardPlan(2, (0,)), config)
    assert "PostgreSQL" in str(caught.value) and "DISCORD_SHARD_IDS" in str(caught.value)


def test_sqlite_with_every_shard_says_it_is_one_process(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "bots.discord")
    check_database(ShardPlan(2, (0, 1)), make_config(tmp_path, None))
    check_database(ShardPlan(), make_config(tmp_path, None))
    assert caplog.text.count("SQLite serves one process only") == 2


def test_postgres_allows_some_shards(tmp_path: Path) -> None:
    check_database(ShardPlan(2, (1,)), make_config(tmp_path, None, database_url="postgresql+asyncpg://u@h/db"))


async def test_run_discord_refuses_before_connecting_on_sqlite(tmp_path: Path, make_app) -> None:
    app = await make_app("local")
    async with FakeShardedDiscord(GUILDS) as fake:
        settings = DiscordSettings.load(bot_token=TOKEN, api_base_url=fake.base, shard_count="2", shard_ids="0")
        with pytest.raises(ConfigError):
            await asyncio.wait_for(run_discord(app, asyncio.Event(), settings), 10)
        assert fake.requests == [] and fake.identifies == []


# --- bots on the fake gateway ---------------------------------------------------------------------


async def _until(predicate: Callable[[], Any], timeout: float = 15.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


class Running:
    """``run_discord`` for one bot in the background, stopped (and awaited) at the end."""

    def __init__(self, app: Any, settings: DiscordSettings) -> None:
        self.stop = asyncio.Event()
        self.bot = VoiceBridgeBot(app, cogs=TEXT_COGS, **ShardPlan.from_settings(settings).bot_options())
        self.bot.identify_interval = 0.05  # Discord's 5 s, shortened
        self.messages: list[int] = []

        async def on_message(message: Any) -> None:
            self.messages.append(message.guild.id if message.guild else 0)

        self.bot.add_listener(on_message)
        self.task = asyncio.create_task(run_discord(app, self.stop, settings, bot=self.bot))

    def guild_ids(self) -> set[int]:
        return {g.id for g in self.bot.guilds}

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)


@pytest.fixture
def pg_url(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()


@pytest.mark.postgres
async def test_two_processes_with_disjoint_shards_share_the_guilds(make_app, pg_url: str, tmp_path: Path) -> None:
    apps = [await make_app("local", database_url=pg_url, data_dir=tmp_path / f"p{i}") for i in range(2)]
    async with FakeShardedDiscord(GUILDS) as fake:
        running = [Running(app, DiscordSettings.load(bot_token=TOKEN, api_base_url=fake.base, shard_count="2",
                                                     shard_ids=str(i))) for i, app in enumerate(apps)]
        try:
            await fake.wait_for_shards(0, 1)
            expected = [set(fake.guilds_of(i, 2)) for i in range(2)]
            assert all(expected) and expected[0] | expected[1] == set(GUILDS) and not expected[0] & expected[1]
            await _until(lambda: [r.guild_ids() for r in running] == expected)
            assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
            assert [sorted(r.bot.shards) for r in running] == [[0], [1]]
            # a guild's event reaches the process that runs its shard, and only that one
            for guild in GUILDS:
                shard = await fake.dispatch(guild, "MESSAGE_CREATE", message_payload(
                    channel_id=guild + 1, guild_id=guild, content="hello", author=user_payload(5, "someone")))
                assert shard == shard_of(guild, 2)
            await _until(lambda: sum(len(r.messages) for r in running) == len(GUILDS))
            assert [sorted(r.messages) for r in running] == [sorted(e) for e in expected]
        finally:
            for r in running:
                await r.close()
    assert all(r.bot.is_closed() for r in running)


async def test_unset_shards_run_every_shard_discord_recommends(make_app) -> None:
    app = await make_app("local")
    async with FakeShardedDiscord(GUILDS, recommended_shards=2) as fake:
        run = Running(app, DiscordSettings.load(bot_token=TOKEN, api_base_url=fake.base))
        try:
            await fake.wait_for_shards(0, 1)
            await _until(lambda: run.guild_ids() == set(GUILDS))
            assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
            assert run.bot.shard_count == 2
        finally:
            await run.close()


async def test_the_fake_gateway_refuses_an_invalid_shard() -> None:
    import aiohttp

    async with FakeShardedDiscord(GUILDS) as fake, aiohttp.ClientSession() as session:
        async with session.ws_connect(f"ws://127.0.0.1:{fake.port}/gateway") as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "properties": {}, "shard": [2, 2]}})
            msg = await ws.receive(timeout=5)
            assert ws.closed or msg.type == aiohttp.WSMsgType.CLOSE
        assert fake.closes == [4010]

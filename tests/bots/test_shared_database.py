"""Two processes on one PostgreSQL (two Apps, as two ``voicebridge run`` would build): what one changes, the
other's in-memory state follows within a bounded wait — core caches and the Discord adapter's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.changes import NoChanges
from core.models import UserRef
from core.voices import voice_tag
from storage.notify import PgChanges
from tests.bots.discord.voice_guild import VOICE_COGS, voice_bot
from tests.fakes.discord import GUILD_ID, add_guild, close_bot
from tests.storage.fixtures import make_voice

WAIT = 2.0
USER = UserRef(platform="test", user_id="42", is_private=True)


async def _until(predicate: Callable[[], Any], timeout: float = WAIT) -> None:
    async def poll() -> None:
        while not await _value(predicate()):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def _value(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


@pytest.fixture
def pg_url(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()


@pytest.fixture
async def two(make_app, pg_url: str, tmp_path: Path) -> tuple[Any, Any]:
    a = await make_app("local", database_url=pg_url, data_dir=tmp_path / "a")
    b = await make_app("local", database_url=pg_url, data_dir=tmp_path / "b")
    assert isinstance(a.changes, PgChanges) and a.service.changes is a.changes
    return a, b


@pytest.mark.postgres
async def test_a_forget_in_one_process_reaches_the_other(two) -> None:
    a, b = two
    old = await b.service.user_id(USER)  # B caches the account id (for 10 s without notices)
    assert await a.service.user_id(USER) == old
    voice = await make_voice(a.store, old)
    await b.cache.put("a" * 64, b"audio", tag=voice_tag(voice.id))  # B spoke in that clone
    await b.cache.put("b" * 64, b"audio", tag=f"user:{old}")
    await a.service.forget(USER)
    await _until(lambda: _is_none(b.cache.get("a" * 64)))
    await _until(lambda: _is_none(b.cache.get("b" * 64)))
    assert await b.service.user_id(USER) != old  # a new account: B no longer uses the forgotten one


async def _is_none(result: Any) -> bool:
    return (await result) is None


@pytest.mark.postgres
async def test_server_options_changed_in_one_process_reload_in_the_other(two) -> None:
    a, b = two
    bot = await voice_bot(b, cogs=VOICE_COGS)
    try:
        add_guild(bot, GUILD_ID)
        manager = bot.voice_manager
        assert manager is not None
        assert not (await manager.options(GUILD_ID)).join_on_speak  # cached in B
        await a.service.update_scope_options(manager.scope(GUILD_ID), voice_join_on_speak=True)
        await _until(lambda: (opts := manager.cached_options(GUILD_ID)) is not None and opts.join_on_speak)
        # clone names for autocomplete: a clone made elsewhere drops them
        cog = bot.get_cog("Voices")
        cog.clone_names.put("123", ["old"])
        uid = await a.service.user_id(USER)
        await make_voice(a.store, uid, "Fresh")
        await _until(lambda: cog.clone_names.get("123") is None)
    finally:
        await close_bot(bot)


async def test_a_sqlite_app_has_no_feed(make_app) -> None:
    app = await make_app("local")
    assert isinstance(app.changes, NoChanges) and isinstance(app.service.changes, NoChanges)


@pytest.mark.postgres
async def test_a_conversation_started_in_one_process_is_heard_by_the_other(two) -> None:
    a, b = two
    char = await a.service.create_character(USER, "Kurisu", voice="alex", personal=True)
    assert await b.service.talk_current(USER, "chat-7") is None  # B remembers the place as quiet
    await a.store.start_talk(b.service.cases.talk.place(USER, "chat-7"), char.id, await a.service.user_id(USER))
    await _until(lambda: _is_character(b.service.talk_current(USER, "chat-7")))


async def _is_character(result: Any) -> bool:
    return (await result) is not None

"""A server with voice channels on the fake Discord (tests/fakes/discord.py): the payloads of voice channels,
voice states and roles, the bot with every cog loaded on a fake voice connection, and the few moves a test
makes in it (a member joins or leaves a channel, a message is posted, the bot is asked to join).

Used by the voice-side cog tests (``tests/bots/discord/cogs``), the authorization matrix and the fuzzing.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord

from bots.app import build_app
from bots.discord.bot import COGS
from bots.discord.opus import OPUS_SILENCE
from bots.discord.voice_channel.manager import VoiceChannelManager
from bots.discord.voice_channel.player import PlayerSettings
from tests.bots.discord.conftest import TEXT_COGS, VOICE_SIDE, make_config, speed_up
from tests.bots.discord.voice_channel.fakes import FakeConnector
from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    USER_ID,
    channel_payload,
    close_bot,
    make_bot,
    member_payload,
    message_payload,
    run_command,
    user_payload,
)
from tests.fakes.siliconflow import FakeSiliconFlow

VOICE_ID = 700000000000000050
OTHER_VOICE_ID = 700000000000000051
THIRD_USER_ID = 600000000000000003
ROLE_ID = 500000000000000001
VOICE_COGS = [*TEXT_COGS, *VOICE_SIDE]
#: The player without its waits: no idle timeout, no keep-alive, reconnects at once.
FAST = PlayerSettings(idle_timeout=0, alone_grace=3600, keepalive_interval=3600, prefetch_seconds=0.02,
                      reconnect_delay=0.01, stable_after=0)


def fresh_ids(base: int) -> Callable[[], int]:
    """Snowflakes ``base + 1``, ``base + 2``, …: a module that starts each case in a fresh server with fresh people
    takes its own ``base``, so no case meets another's data."""
    numbers = itertools.count(1)
    return lambda: base + next(numbers)


def voice_channel(channel_id: int, guild_id: int = GUILD_ID, name: str = "Lounge") -> dict:
    return dict(channel_payload(channel_id, guild_id, type=2, name=name), bitrate=64000, user_limit=0,
                rtc_region=None)


def voice_state(user_id: int, channel_id: int | None) -> dict:
    return {"user_id": str(user_id), "channel_id": str(channel_id) if channel_id else None, "session_id": "s",
            "deaf": False, "mute": False, "self_deaf": False, "self_mute": False, "self_video": False,
            "suppress": False, "request_to_speak_timestamp": None}


def role_payload(role_id: int, name: str, *, permissions: int = 0, managed: bool = False, position: int = 1) -> dict:
    return {"id": str(role_id), "name": name, "permissions": str(permissions), "position": position, "color": 0,
            "hoist": False, "managed": managed, "mentionable": False, "flags": 0}


def resolved_member(user_id: int) -> dict:
    """The ``resolved`` data of an interaction whose option names the member ``user_id``."""
    payload = member_payload(user_id)
    user = payload.pop("user")
    return {"members": {str(user_id): payload}, "users": {str(user_id): user}}


def resolved_role(role_id: int, name: str = "a role") -> dict:
    """The ``resolved`` data of an interaction whose option names the role ``role_id``."""
    return {"roles": {str(role_id): role_payload(role_id, name)}}


async def voice_bot(app: Any, *, cogs: list[str] | None = None, delay: float = 0.002,
                    settings: PlayerSettings = FAST) -> Any:
    """A bot on the fake Discord with ``cogs`` (all by default), its voice manager on a :class:`FakeConnector`
    whose player ticks every ``delay`` seconds. Close it with ``tests.fakes.discord.close_bot``."""
    bot = await make_bot(app, cogs=list(COGS) if cogs is None else cogs)
    manager: VoiceChannelManager = bot.voice_manager
    manager.connector = FakeConnector(delay=delay)
    manager.settings = settings
    return bot


@asynccontextmanager
async def running_bot(data_dir: Path, sf: FakeSiliconFlow, *, delay: float) -> AsyncIterator[Any]:
    """The bot with every cog (:func:`voice_bot`) for a whole module (the authorization matrix, the fuzzing): the
    real App on SQLite in ``data_dir`` with the operator's key on ``sf``, quick provider retries. Both are closed
    on the way out."""
    app = speed_up(await build_app(make_config(data_dir, sf)))
    bot = await voice_bot(app, delay=delay)
    try:
        yield bot
    finally:
        await close_bot(bot)
        await app.aclose()


def guild(bot) -> discord.Guild:
    return bot.get_guild(GUILD_ID)


def connection(bot):
    return bot.voice_manager.connector.last


def spoken(bot) -> list[bytes]:
    """Opus packets longer than silence that went out on the fake voice connection."""
    return [p for p in connection(bot).packets() if p != OPUS_SILENCE and len(p) > 8]


def move(bot, user_id: int, channel_id: int | None) -> None:
    """Update the cached voice state, as a VOICE_STATE_UPDATE would."""
    g = guild(bot)
    g._update_voice_state(voice_state(user_id, channel_id), int(channel_id) if channel_id else None)


def message(bot, content: str, *, author_id: int = USER_ID, channel_id: int = CHANNEL_ID, flags: int = 0,
            bot_author: bool = False, webhook: bool = False, roles: list[int] | None = None) -> discord.Message:
    data = message_payload(channel_id=channel_id, content=content, guild_id=GUILD_ID, flags=flags,
                           author=user_payload(author_id, bot=bot_author))
    if not webhook:
        member = member_payload(author_id, roles=roles)
        member.pop("user")
        data["member"] = member
    else:
        data["webhook_id"] = "123"
    return discord.Message(state=bot._connection, channel=guild(bot).get_channel(channel_id), data=data)


async def join(bot) -> None:
    inter = await run_command(bot, "join")
    assert "Joined" in bot.fake.last_reply(inter.token).content

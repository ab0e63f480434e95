"""``vbot``: the bot with the voice side too, in a server with two voice channels (tests/bots/discord/voice_guild.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bots.discord.voice_guild import (
    OTHER_VOICE_ID,
    ROLE_ID,
    THIRD_USER_ID,
    VOICE_COGS,
    VOICE_ID,
    role_payload,
    voice_bot,
    voice_channel,
    voice_state,
)
from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMISSIONS,
    OTHER_USER_ID,
    USER_ID,
    add_guild,
    channel_payload,
    close_bot,
    member_payload,
)


@pytest.fixture
async def vbot(app) -> AsyncIterator:
    bot = await voice_bot(app, cogs=VOICE_COGS)
    add_guild(bot, channels=[channel_payload(CHANNEL_ID, GUILD_ID), voice_channel(VOICE_ID, name="Lounge"),
                             voice_channel(OTHER_VOICE_ID, name="Quiet")],
              members=[member_payload(USER_ID), member_payload(OTHER_USER_ID),
                       member_payload(THIRD_USER_ID, roles=[ROLE_ID])],
              roles=[role_payload(GUILD_ID, "@everyone", permissions=MANAGER_PERMISSIONS.value, position=0),
                     role_payload(ROLE_ID, "muted-reader")],
              voice_states=[voice_state(USER_ID, VOICE_ID), voice_state(THIRD_USER_ID, VOICE_ID)])
    try:
        yield bot
    finally:
        await close_bot(bot)

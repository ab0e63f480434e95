"""``/server``: guild defaults, Manage Server only; members' own settings override them."""

from __future__ import annotations

import discord

from bots.discord.cogs.server import Server
from core.models import UserRef
from tests.fakes.discord import (
    GUILD_ID,
    MANAGER_PERMISSIONS,
    OTHER_USER_ID,
    USER_ID,
    run_command,
)


def member(user_id: int = USER_ID) -> UserRef:
    return UserRef(platform="discord", user_id=str(user_id), scope_id=str(GUILD_ID), is_private=False)


def test_group_is_hidden_from_non_managers_and_guild_only() -> None:
    group = Server.server
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert group.guild_only
    assert {c.name for c in group.commands} == {"voice", "speed", "lang", "emoji", "show"}


async def test_member_without_manage_server_is_refused(bot, app) -> None:
    inter = await run_command(bot, "server voice", {"voice": "bella"})
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral
    assert answer.content == "You don't have permission to change server settings (needs Manage Server)."
    assert (await app.service.settings(member())).scope.voice is None


async def test_manager_sets_defaults_and_members_override(bot, app) -> None:
    inter = await run_command(bot, "server voice", {"voice": "bella"}, permissions=MANAGER_PERMISSIONS)
    assert bot.fake.last_reply(inter.token).content == "Server default voice set to bella."
    await run_command(bot, "server speed", {"value": 1.25}, permissions=MANAGER_PERMISSIONS)
    await run_command(bot, "server lang", {"language": "zh"}, permissions=MANAGER_PERMISSIONS)
    other = await app.service.settings(member(OTHER_USER_ID))
    assert (other.voice_name, other.effective.speed, other.effective.language) == ("bella", 1.25, "zh")
    # a member's own choice wins over the server's
    await run_command(bot, "voice", {"name": "david"}, user_id=OTHER_USER_ID)
    assert (await app.service.settings(member(OTHER_USER_ID))).voice_name == "david"
    # the server default does not leak into DMs
    assert (await app.service.settings(UserRef(platform="discord", user_id=str(USER_ID)))).voice_name == "anna"


async def test_manager_clears_a_default(bot, app) -> None:
    await run_command(bot, "server speed", {"value": 2.0}, permissions=MANAGER_PERMISSIONS)
    inter = await run_command(bot, "server speed", {}, permissions=MANAGER_PERMISSIONS)
    assert bot.fake.last_reply(inter.token).content == "Server default speed cleared."
    assert (await app.service.settings(member())).scope.speed is None


async def test_show_lists_the_defaults(bot, app) -> None:
    await run_command(bot, "server voice", {"voice": "claire"}, permissions=MANAGER_PERMISSIONS)
    inter = await run_command(bot, "server show")
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral
    fields = {f["name"]: f["value"] for f in answer.embeds[0]["fields"]}
    assert fields["Voice"] == "claire" and fields["Speed"] == "not set"


async def test_server_speaks_with_the_server_voice(bot, fake_siliconflow) -> None:
    await run_command(bot, "server voice", {"voice": "diana"}, permissions=MANAGER_PERMISSIONS)
    await run_command(bot, "speak", {"text": "In the server voice."}, user_id=OTHER_USER_ID)
    assert fake_siliconflow.requests_for("speech")[-1].json["voice"].endswith(":diana")


async def test_server_command_in_dm_is_refused(bot) -> None:
    inter = await run_command(bot, "server voice", {"voice": "bella"}, guild_id=None)
    assert "permission" in bot.fake.last_reply(inter.token).content


async def test_refusal_is_fully_translated(bot) -> None:
    inter = await run_command(bot, "server speed", {"value": 2.0}, locale="zh-CN")
    assert bot.fake.last_reply(inter.token).content == "你没有权限执行：修改服务器设置（需要“管理服务器”权限）。"

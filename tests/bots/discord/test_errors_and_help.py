"""The one error handler, and /help."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bots.discord.bot import COGS, VoiceBridgeBot, default_intents
from bots.discord.common import VoiceBridgeTree, is_manager, user_ref
from core.errors import QuotaExceeded
from tests.fakes.discord import (
    GUILD_ID,
    MANAGER_PERMISSIONS,
    USER_ID,
    make_interaction,
    run_command,
)


def errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_unexpected_error_is_logged_once_and_answered_briefly(bot, app, monkeypatch, caplog) -> None:
    async def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.service, "usage", boom)
    inter = await run_command(bot, "usage")
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral and answer.content == "Something went wrong on our side. Please try again."
    [record] = errors(caplog)
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "/usage" in record.getMessage()


async def test_unexpected_error_after_defer_edits_the_reply(bot, app, monkeypatch, caplog) -> None:
    async def boom(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(app.service.cases.speech, "prepare", boom)
    inter = await run_command(bot, "speak", {"text": "hi"})
    answer = bot.fake.last_reply(inter.token)
    assert answer.method == "PATCH" and answer.content == "Something went wrong on our side. Please try again."
    assert len(errors(caplog)) == 1


async def test_core_errors_become_their_sentence_in_the_users_language(bot, app, monkeypatch, caplog) -> None:
    async def over(*args, **kwargs):
        raise QuotaExceeded(used=10, limit=10)

    monkeypatch.setattr(app.service.cases.speech, "prepare", over)
    inter = await run_command(bot, "speak", {"text": "hi"}, locale="zh-CN")
    assert bot.fake.last_reply(inter.token).content.startswith("今日额度已用完（10/10 字节）")
    assert not errors(caplog)


async def test_failing_to_deliver_the_error_does_not_raise(bot, app, monkeypatch, caplog) -> None:
    async def over(*args, **kwargs):
        raise QuotaExceeded(used=10, limit=10)

    monkeypatch.setattr(app.service.cases.speech, "prepare", over)
    bot.fake.fail("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", status=404, code=10015,
                  times=5)
    await run_command(bot, "speak", {"text": "hi"})  # no exception escapes


async def test_help_lists_every_command_with_its_docstring(bot) -> None:
    inter = await run_command(bot, "help")
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral
    text = str(answer.embeds[0])
    for name in ("/speak text", "/voices", "/voice name", "/clone name audio [transcript]", "/settings",
                 "/speed value", "/gain db", "/lang language", "/style style", "/key key", "/usage", "/forget",
                 "/help", "/server voice [voice]", "/server show", "/pronounce set word say_as [server]",
                 "/pronounce list"):
        assert f"`{name}`" in text, name


async def test_help_with_every_cog_fits_in_an_embed(app) -> None:
    from tests.fakes.discord import close_bot, make_bot

    full = await make_bot(app)  # COGS: the text side and the voice side
    try:
        for locale in ("en-US", "zh-CN", "ja"):
            inter = await run_command(full, "help", locale=locale)
            [embed] = full.fake.last_reply(inter.token).embeds
            total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"]) + sum(
                len(f["name"]) + len(f["value"]) for f in embed["fields"])
            assert total <= 6000 and len(embed["fields"]) <= 25
            assert all(len(f["value"]) <= 1024 for f in embed["fields"])
            everything = {c.qualified_name for c in full.tree.walk_commands()
                          if not isinstance(c, app_commands.Group)}
            assert [name for name in sorted(everything) if f"`/{name}" not in str(embed)] == []
    finally:
        await close_bot(full)


async def test_help_in_chinese(bot) -> None:
    inter = await run_command(bot, "help", locale="zh-CN")
    text = str(bot.fake.last_reply(inter.token).embeds[0])
    assert "用你的声音朗读文字" in text and "命令" in text


def test_every_command_has_help_text(bot) -> None:
    def walk(commands):
        for command in commands:
            if isinstance(command, app_commands.Group):
                yield from walk(command.commands)
            else:
                yield command

    for command in walk(bot.tree.get_commands()):
        assert command.callback.__doc__, command.qualified_name
        if isinstance(command, app_commands.ContextMenu):  # a menu entry has a name only
            continue
        assert command.description and command.description != "…", command.qualified_name
        assert len(command.description) <= 100
        for param in command.parameters:
            assert param.description and param.description != "…", (command.qualified_name, param.name)


async def test_bot_contract(app) -> None:
    bot = VoiceBridgeBot(app)
    try:
        assert bot.app is app and bot.service is app.service and bot.voice_manager is None
        assert isinstance(bot.tree, VoiceBridgeTree)
        intents = default_intents()
        assert intents.guilds and intents.voice_states and intents.guild_messages and intents.message_content
        assert not intents.members and not intents.presences
        assert {"bots.discord.cogs.speak", "bots.discord.cogs.settings", "bots.discord.cogs.clone",
                "bots.discord.cogs.server"} <= set(COGS)
    finally:
        await bot.close()


def test_user_ref_and_manager(bot) -> None:
    inter = make_interaction(bot, "settings", locale="ja", permissions=MANAGER_PERMISSIONS)
    ref = user_ref(inter)
    assert (ref.platform, ref.user_id, ref.scope_id, ref.language_hint, ref.is_private) == \
        ("discord", str(USER_ID), str(GUILD_ID), "ja", False)
    assert user_ref(inter, is_private=True).is_private
    assert is_manager(inter)
    dm = make_interaction(bot, "settings", guild_id=None, permissions=discord.Permissions.all())
    assert user_ref(dm).is_private and user_ref(dm).scope_id is None
    assert not is_manager(dm)

"""/help (bots/discord/cogs/help.py): every command with its help text, in one embed that fits, in the user's
language.
"""

from __future__ import annotations

from discord import app_commands

from tests.fakes.discord import run_command


async def test_help_lists_every_command_with_its_docstring(bot) -> None:
    inter = await run_command(bot, "help")
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral
    text = str(answer.embeds[0])
    for name in ("/speak text [file] [rate] [voice_of]", "/voices", "/voice name", "/clone name audio [transcript]", "/settings",
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

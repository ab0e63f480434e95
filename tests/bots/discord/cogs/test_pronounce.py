"""``/pronounce set|remove|list``: a member's own dictionary and the server's (Manage Server)."""

from __future__ import annotations

from bots.discord.cogs.pronounce import format_entries
from core.models import Pronunciation, UserRef
from tests.fakes.discord import GUILD_ID, MANAGER_PERMISSIONS, OTHER_USER_ID, USER_ID, autocomplete, run_command


def member(user_id: int = USER_ID) -> UserRef:
    return UserRef(platform="discord", user_id=str(user_id), scope_id=str(GUILD_ID), is_private=False)


def spoken(fake_siliconflow) -> str:
    return fake_siliconflow.requests_for("speech")[-1].json["input"]


async def test_own_entry_is_set_spoken_listed_and_removed(bot, app, fake_siliconflow) -> None:
    inter = await run_command(bot, "pronounce set", {"word": "gif", "say_as": "jif"})
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral and answer.content == "From now on I read “gif” as “jif” for you."
    await run_command(bot, "speak", {"text": "A GIF for you."})
    assert spoken(fake_siliconflow) == "A jif for you."
    await run_command(bot, "speak", {"text": "A GIF for you."}, user_id=OTHER_USER_ID)
    assert spoken(fake_siliconflow) == "A GIF for you."  # someone else's dictionary is their own

    inter = await run_command(bot, "pronounce list")
    [embed] = bot.fake.last_reply(inter.token).embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {"Yours": "gif → jif", "This server's": "none yet"}

    choices = await autocomplete(bot, "pronounce remove", {"word": "G"}, focused="word")
    assert choices == [{"name": "gif → jif", "value": "gif"}]
    inter = await run_command(bot, "pronounce remove", {"word": "GIF"})
    assert bot.fake.last_reply(inter.token).content == "“gif” is read as written again."
    inter = await run_command(bot, "pronounce remove", {"word": "gif"})
    assert bot.fake.last_reply(inter.token).content == "There is no pronunciation for “gif” in that dictionary."


async def test_server_dictionary_needs_manage_server_and_applies_to_everyone(bot, app, fake_siliconflow) -> None:
    inter = await run_command(bot, "pronounce set", {"word": "sql", "say_as": "sequel", "server": True})
    assert bot.fake.last_reply(inter.token).content == (
        "You don't have permission to change server settings (needs Manage Server).")
    assert await app.service.pronunciations(member(), server=True) == []

    inter = await run_command(bot, "pronounce set", {"word": "sql", "say_as": "sequel", "server": True},
                              permissions=MANAGER_PERMISSIONS)
    assert "for everyone" in bot.fake.last_reply(inter.token).content
    await run_command(bot, "speak", {"text": "I like SQL."}, user_id=OTHER_USER_ID)
    assert spoken(fake_siliconflow) == "I like sequel."
    await run_command(bot, "pronounce set", {"word": "SQL", "say_as": "S Q L"}, user_id=OTHER_USER_ID)
    await run_command(bot, "speak", {"text": "I like SQL."}, user_id=OTHER_USER_ID)
    assert spoken(fake_siliconflow) == "I like S Q L."  # the member's own entry wins

    inter = await run_command(bot, "pronounce remove", {"word": "sql", "server": True}, locale="zh-CN")
    assert bot.fake.last_reply(inter.token).content == "你没有权限执行：修改服务器设置（需要“管理服务器”权限）。"
    await run_command(bot, "pronounce remove", {"word": "sql", "server": True}, permissions=MANAGER_PERMISSIONS)
    assert await app.service.pronunciations(member(), server=True) == []


async def test_server_entries_only_in_a_server_and_bad_entries_change_nothing(bot, app) -> None:
    inter = await run_command(bot, "pronounce set", {"word": "sql", "say_as": "sequel", "server": True},
                              guild_id=None, permissions=MANAGER_PERMISSIONS)
    assert "outside a server" in bot.fake.last_reply(inter.token).content
    inter = await run_command(bot, "pronounce set", {"word": "?!", "say_as": "what"})
    assert "at least one letter" in bot.fake.last_reply(inter.token).content
    inter = await run_command(bot, "pronounce set", {"word": "gif", "say_as": "<|endofprompt|>"})
    assert "1–100 characters" in bot.fake.last_reply(inter.token).content
    assert await app.service.pronunciations(member()) == []


async def test_list_in_chinese_and_markdown_is_escaped(bot, app) -> None:
    await app.service.set_pronunciation(member(), "**bold**", "bold")
    inter = await run_command(bot, "pronounce list", locale="zh-CN")
    [embed] = bot.fake.last_reply(inter.token).embeds
    assert embed["title"] == "读法词典"
    assert embed["fields"][0] == {"name": "你的", "value": "\\*\\*bold\\*\\* → bold", "inline": False}


def test_a_long_dictionary_fits_one_embed_field() -> None:
    entries = [Pronunciation(f"word{i:03d}", "x" * 100) for i in range(100)]
    text = format_entries(entries, "en")
    assert len(text) <= 1024 and text.startswith("word000 → ") and text.splitlines()[-1].startswith("… +")
    shown = len(text.splitlines()) - 1
    assert text.splitlines()[-1] == f"… +{100 - shown}"

"""Every sentence of the voice channel exists in English, Chinese and Japanese, with the same placeholders."""

from __future__ import annotations

import string

from bots.discord.voice_channel.strings import STRINGS
from core.i18n import t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_sentence_in_three_languages_with_the_same_placeholders() -> None:
    for key, entry in STRINGS.items():
        assert not key.startswith(("tg_", "dc_", "dcv_", "ui_")), key  # keys name meanings, not platforms
        assert set(entry) == {"en", "zh", "ja"}, key
        assert _fields(entry["zh"]) == _fields(entry["en"]) == _fields(entry["ja"]), key


def test_registered_with_core_i18n() -> None:
    assert t("voice_skipped", "zh") == "已跳过。"
    assert t("voice_queued", "ja", channel="#vc", ahead=2) == "#vc のキューに追加しました（前に 2 件）。"


async def test_every_voice_command_has_descriptions_that_fit(app) -> None:
    from bots.discord.strings import command_description
    from bots.discord.readaloud_strings import COMMAND_DESCRIPTIONS as READALOUD
    from bots.discord.talk_strings import TALK_STRINGS
    from bots.discord.voice_channel.strings import COMMAND_DESCRIPTIONS as VOICE
    from tests.bots.discord.voice_guild import VOICE_COGS

    from tests.fakes.discord import close_bot, make_bot

    COMMAND_DESCRIPTIONS = {**VOICE, **READALOUD, **TALK_STRINGS}  # noqa: N806  (/character persona|show are talk's)
    bot = await make_bot(app, cogs=VOICE_COGS)
    try:
        for cog in ("VoiceChannel", "Characters"):
            for command in bot.get_cog(cog).walk_app_commands():
                assert 1 <= len(command.description) <= 100, command.qualified_name
                key = "command_help_" + command.qualified_name.replace(" ", "_")
                assert key in COMMAND_DESCRIPTIONS, key
                assert COMMAND_DESCRIPTIONS[key]["en"] == command.description, key
                for lang in ("zh", "ja"):
                    text = command_description(command.qualified_name, lang)
                    assert text and len(text) <= 100, (key, lang)
    finally:
        await close_bot(bot)

"""The descriptions of the Discord commands: one per command that has one, English is its docstring."""

from __future__ import annotations

from bots.discord.strings import COMMAND_DESCRIPTIONS, command_description
from core.i18n import t


def test_every_description_is_a_commands_and_its_english_is_the_docstring(bot) -> None:
    commands = {"command_help_" + c.qualified_name.replace(" ", "_"): c for c in bot.tree.walk_commands()}
    for key, entry in COMMAND_DESCRIPTIONS.items():
        command = commands.get(key)
        assert command is not None, key
        assert entry["en"] == command.description, key
        for lang in ("zh", "ja"):
            assert command_description(command.qualified_name, lang) == entry[lang][:100], (key, lang)
    assert command_description("speak", "en") is None  # English: Discord shows the docstring
    assert command_description("no such command", "zh") is None


def test_the_read_aloud_menu_entry_is_translated() -> None:
    assert t("message_menu_read_aloud", "zh") == "朗读"

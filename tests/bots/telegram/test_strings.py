"""The Telegram adapter's sentences: the command menu has a description for every command."""

from __future__ import annotations

from bots.telegram.runner import COMMANDS
from bots.telegram.strings import STRINGS, UI_NAMES
from bots.telegram.talk_strings import TALK_STRINGS
from core.i18n import LANGUAGE_NAMES, UI_LANGUAGES


def test_the_command_menu_describes_every_command_and_nothing_else() -> None:
    from bots.telegram import seed_strings  # a feature's own sentences (its commands' menu entries too)

    keys = {*STRINGS, *seed_strings.STRINGS, *TALK_STRINGS}
    assert {key for key in keys if key.startswith("command_menu_")} == {f"command_menu_{c}" for c in COMMANDS}


def test_language_names_are_cores() -> None:
    assert UI_NAMES == {code: LANGUAGE_NAMES[code] for code in UI_LANGUAGES}
    assert LANGUAGE_NAMES["yue"] == "粵語"

"""bots.discord.markup: Discord's mentions, timestamps, slash commands and custom emoji as words, then the
core's cleanup (what ``VoiceService.prepare(markup=...)`` does with them)."""

from __future__ import annotations

import pytest
from hypothesis import example, given

from bots.discord.markup import plain_text, to_plain
from core.cleanup import clean_for_speech
from core.text import normalize_input
from tests.core.test_text_fuzz import MANY, assert_speakable, chat


def speak(text: str, names: dict[str, str] | None = None, **options: str) -> str:
    """Markup, then cleanup: what a Discord message becomes before the dictionary."""
    return clean_for_speech(to_plain(names, **options)(text))


def test_discord_mentions_use_names_or_a_generic_word():
    names = {"123": "Alice", "42": "general", "7": "Mods"}
    out = speak("<@123> <@!123> <@999> <@&7> <#42> <#5>", names, mention_word="someone")
    assert out == "Alice Alice someone Mods general someone"


def test_other_discord_markup():
    assert speak("at <t:1700000000:R> ok") == "at ok"
    assert speak("use </speak:123456>") == "use speak"


def test_custom_emoji_become_their_names():
    assert speak("lol <:pepe_laugh:123456> <a:dance:99>") == "lol pepe laugh dance"


def test_markup_alone_leaves_the_rest_to_the_cleanup():
    assert plain_text("**hi** https://x.y <@1>", {"1": "Al"}) == "**hi** https://x.y  Al "
    assert plain_text("a <|x|>b") == "a b"  # tokens go first, as in the cleanup: none can hide a mention
    assert plain_text("<@<|x|>1>", {"1": "Al"}) == " Al "


@pytest.mark.timeout(10)
def test_mentions_in_bulk_are_linear():
    out = speak("<@1><#2><@&3>" * 10000)
    assert out == " ".join(["someone"] * 30000), out[:200]
    assert "<|" not in out and "|>" not in out


@MANY
@given(chat)
@example("<@12><#5>`<@12>`")
@example("say <|zh|> **<**|**> <@12>")
def test_markup_then_cleanup_keeps_the_cleanup_promises(text):
    assert_speakable(speak(normalize_input(text), {"12": "Al"}))

"""core.i18n: the lookup, the locale of the task, parameters named by key, and the helpers."""

from __future__ import annotations

import asyncio

import pytest

from core import i18n
from core.errors import InvalidName, NotFound, PermissionDenied, TextTooLong
from core.i18n import (
    OFF_WORDS,
    ON_WORDS,
    current_locale,
    error_text,
    listing,
    platform_names,
    quoted,
    register,
    set_locale,
    t,
)


def test_lookup_falls_back_to_english_and_never_raises() -> None:
    assert t("value_none", "zh") == "无"
    assert t("value_none", "pt-BR") == "none"
    assert t("no such key", "ja") == "no such key"
    assert t("voice_chosen", "en") == "Your voice is now {name}."


async def test_the_locale_is_the_tasks_own() -> None:
    async def handle(lang: str) -> tuple[str, str]:
        set_locale(lang)
        await asyncio.sleep(0)  # let the other handler run in between
        return current_locale(), t("value_none")

    assert await asyncio.gather(handle("zh-hans"), handle("ja-JP"), handle("xx")) == [
        ("zh", "无"), ("ja", "なし"), ("en", "none")]
    assert current_locale() == "en"  # the handlers' tasks had their own copies


async def test_an_explicit_language_wins_over_the_locale() -> None:
    async def handle() -> tuple[str, str]:
        set_locale("zh")
        return t("value_none", "ja"), listing(["a", "b"])

    assert await asyncio.create_task(handle()) == ("なし", "a、b")


def test_a_parameter_named_by_its_key_is_said_in_the_readers_language() -> None:
    assert t("voices_section_shared", "zh", place="place_server") == "本服务器角色使用的音色"
    assert t("voices_section_shared", "ja", place="place_chat") == "このチャットのキャラクターの声"
    # a value that is a key, but not one named after its parameter, is said as it is
    assert t("voice_chosen", "zh", name="value_none") == "你的音色已改为value_none。"
    assert t("voice_chosen", "zh", name="place_chat") == "你的音色已改为place_chat。"


def test_error_parameters_are_said_in_the_readers_language() -> None:
    err = PermissionDenied(action="action_skip_others")
    assert str(err) == "You don't have permission to skip someone else's message."
    assert error_text(err, "zh") == "你没有权限执行：跳过别人的消息。"
    too_long = InvalidName(name="x" * 32 + "…", rule="rule_name_max_chars", limit=32)
    assert error_text(too_long, "en").endswith("can't be used: at most 32 characters")
    assert error_text(too_long, "ja").endswith("は使えません: 最大 32 文字")
    assert error_text(NotFound(what="what_character", name="Kurisu"), "zh") == "找不到角色“Kurisu”。"
    assert error_text(TextTooLong(length=5000, limit=4000, unit="unit_characters"), "ja") == (
        "テキストが長すぎます（5000 文字、上限は 4000）。")


def test_register_refuses_a_key_defined_differently() -> None:
    register({"value_none": dict(i18n._CATALOG["value_none"])})  # the same entry again: nothing happens
    with pytest.raises(ValueError, match="value_none"):
        register({"value_none": {"en": "nothing", "zh": "无", "ja": "なし"}})
    assert t("value_none", "en") == "none"


def test_helpers() -> None:
    assert quoted("anna", "en") == "“anna”"
    assert quoted("anna", "ja") == "「anna」"
    assert listing(["a", "b"], "en") == "a, b"
    assert listing(["a", "b"], "zh") == "a、b"
    assert platform_names(["telegram", "discord"]) == "Telegram, Discord"


def test_one_set_of_off_words_covers_every_list_it_replaced() -> None:
    replaced = {"off", "none", "关闭", "オフ", "clear", "delete", "remove", "reset", "default", "no", "关"}
    assert replaced <= OFF_WORDS
    assert {"on", "yes", "开", "开启", "オン"} <= ON_WORDS
    assert not OFF_WORDS & ON_WORDS

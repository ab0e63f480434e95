"""Inline keyboards and their callback data (bots/telegram/keyboards.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bots.telegram import keyboards
from bots.telegram.strings import LANGUAGE_NAMES, UI_NAMES
from core.i18n import t
from core.models import LANGUAGES, PRESET_VOICES, STYLE_PRESETS, Voice
from core.voices import VoiceList


def labels(markup) -> list[list[str]]:
    return [[button.text for button in row] for row in markup.inline_keyboard]


def datas(markup) -> list[str]:
    return [button.callback_data for row in markup.inline_keyboard for button in row]


def test_callback_data_names_its_owner_and_parses_back() -> None:
    raw = keyboards.data("v", 1001, "p", "anna")
    assert raw == "vb:v:1001:p:anna"
    assert keyboards.parse(raw) == keyboards.Callback(kind="v", owner=1001, args=("p", "anna"))
    assert keyboards.parse("vb:f:-5") == keyboards.Callback(kind="f", owner=-5, args=())


@pytest.mark.parametrize("raw", [None, "", "vb", "vb:v", "xx:v:1:p", "vb:v:someone:p", "vb:v::p", ":v:1"])
def test_data_that_is_not_ours_parses_to_nothing(raw) -> None:
    assert keyboards.parse(raw) is None


def test_voices_presets_two_a_row_then_clones_one_a_row_with_the_current_ticked() -> None:
    presets = [Voice(name=name, kind="preset") for name in PRESET_VOICES]
    clones = [Voice(name=f"clone{i}", kind="clone", id=i) for i in range(1, 40)] + [Voice(name="unsaved", kind="clone")]
    markup = keyboards.voices(7, VoiceList(presets=presets, clones=clones), "clone:2", "en")
    rows = labels(markup)
    assert rows[0] == ["alex · steady male", "benjamin · deep male"] and all(len(row) == 2 for row in rows[:4])
    assert rows[4:6] == [["🎙 clone1"], ["✓ 🎙 clone2"]]
    assert len(rows) == 4 + keyboards.MAX_CLONE_BUTTONS  # at most 30 clones; one without an id has no button
    assert datas(markup)[:2] == ["vb:v:7:p:alex", "vb:v:7:p:benjamin"] and "vb:v:7:c:2" in datas(markup)
    ticked = keyboards.voices(7, VoiceList(presets=presets, clones=[]), "anna", "zh")
    assert "✓ anna · 沉稳女声" in sum(labels(ticked), [])


def test_settings_steps_languages_reply_languages_and_voices() -> None:
    view = SimpleNamespace(effective=SimpleNamespace(language="ja"), ui_language="zh")
    markup = keyboards.settings(7, view, "en")
    rows = labels(markup)
    assert rows[0] == [t("button_speed_down", "en"), t("button_speed_up", "en")]
    assert rows[1] == [t("button_gain_down", "en"), t("button_gain_up", "en")]
    speech = sum(rows[2:2 + -(-len(LANGUAGES) // 3)], [])
    assert speech == [("✓ " if code == "ja" else "") + LANGUAGE_NAMES[code] for code in LANGUAGES]
    assert rows[-2] == [("✓ " if code == "zh" else "") + "💬 " + name for code, name in UI_NAMES.items()]
    assert rows[-1] == [t("button_voices", "en")]
    assert {"vb:s:7:sp:-", "vb:s:7:sp:+", "vb:s:7:g:-", "vb:s:7:g:+", "vb:s:7:l:ja", "vb:s:7:u:zh",
            "vb:s:7:voices"} <= set(datas(markup))


def test_language_styles_consent_forget_and_link() -> None:
    lang = keyboards.language(7, "auto", "en")
    assert "vb:l:7:l:yue" in datas(lang) and "vb:l:7:u:ja" in datas(lang)
    assert sum(labels(lang), [])[0] == "✓ " + LANGUAGE_NAMES["auto"]
    styles = keyboards.styles(7, "粤语", "en")
    flat = sum(labels(styles), [])
    assert len(flat) == len(STYLE_PRESETS) + 1 and "✓ 粤语" in flat and flat[-1] == t("button_style_off", "en")
    assert datas(styles)[0] == "vb:y:7:0" and datas(styles)[-1] == "vb:y:7:off"  # styles by index: short data
    assert sum(labels(keyboards.styles(7, None, "en")), [])[-1] == "✓ " + t("button_style_off", "en")
    assert datas(keyboards.clone_consent(7, "t0k", "en")) == ["vb:c:7:ok:t0k", "vb:c:7:no:t0k"]
    assert datas(keyboards.forget(7, "en")) == ["vb:f:7:ok", "vb:f:7:no"]
    assert datas(keyboards.link(7, "ABCD2345", "ja")) == ["vb:k:7:ABCD2345", "vb:k:7:no"]
    assert labels(keyboards.link(7, "ABCD2345", "ja"))[0][0] == t("button_link_accounts", "ja")


def test_every_button_fits_telegrams_64_bytes() -> None:
    owner = -1_000_000_000_000_000
    presets = [Voice(name=name, kind="preset") for name in PRESET_VOICES]
    clones = [Voice(name="語" * 32, kind="clone", id=10**12)]
    view = SimpleNamespace(effective=SimpleNamespace(language="yue"), ui_language="ja")
    for markup in (keyboards.voices(owner, VoiceList(presets, clones), None, "ja"),
                   keyboards.settings(owner, view, "ja"), keyboards.language(owner, "yue", "ja"),
                   keyboards.styles(owner, None, "ja"), keyboards.clone_consent(owner, "x" * 22, "ja"),
                   keyboards.forget(owner, "ja"), keyboards.link(owner, "ABCD2345", "ja")):
        assert all(1 <= len(d.encode()) <= 64 for d in datas(markup))


@pytest.mark.parametrize(("value", "direction", "expected"), [
    (1.0, "+", 1.1), (1.0, "-", 0.9), (3.95, "+", 4.0), (0.3, "-", 0.25), (0.7, "+", 0.8)])
def test_speed_steps_are_clamped_and_rounded(value, direction, expected) -> None:
    assert keyboards.speed_step(value, direction) == expected


def test_gain_steps() -> None:
    assert [keyboards.gain_step(0.0, "+"), keyboards.gain_step(-9.5, "-"), keyboards.gain_step(10.0, "+")] == \
        [1.0, -10.0, 10.0]

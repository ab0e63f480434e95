"""The value types (core/models.py), above all how settings layers resolve."""

from __future__ import annotations

import dataclasses

import pytest

from core.models import (
    DEFAULT_VOICE,
    PRESET_LABELS,
    PRESET_VOICES,
    STYLE_ALIASES,
    STYLE_PRESETS,
    DecodedAudio,
    EncodedAudio,
    PCMChunk,
    SettingsPatch,
    TTSSettings,
    UserRef,
    resolve_settings,
)


def test_no_layer_gives_the_defaults() -> None:
    assert resolve_settings() == TTSSettings(voice=DEFAULT_VOICE, speed=1.0, gain=0.0, language="auto", style=None)
    assert resolve_settings(None, SettingsPatch(), None) == TTSSettings()


def test_the_first_layer_wins_and_unset_fields_fall_through() -> None:
    user = SettingsPatch(speed=1.5)
    chat = SettingsPatch(voice="bella", speed=0.8, language="ja")
    base = TTSSettings(voice="claire", gain=-2.0, style="开心")
    assert resolve_settings(user, None, chat, base=base) == \
        TTSSettings(voice="bella", speed=1.5, gain=-2.0, language="ja", style="开心")
    assert resolve_settings(chat, user, base=base).speed == 0.8  # the order is the priority


def test_a_layer_cannot_unset_a_value_below_it() -> None:
    # None means "not set here": a style set below stays (clearing is done by the store, not by a layer)
    assert resolve_settings(SettingsPatch(style=None), SettingsPatch(style="耳语")).style == "耳语"


def test_patches() -> None:
    patch = SettingsPatch(voice="anna", gain=0.0)
    assert patch.as_dict() == {"voice": "anna", "gain": 0.0}  # 0 is a value, not "unset"
    assert not patch.is_empty() and SettingsPatch().is_empty()
    assert SettingsPatch.from_mapping({"speed": 2.0, "unknown": 1}) == SettingsPatch(speed=2.0)
    assert SettingsPatch.from_mapping(None) == SettingsPatch() == SettingsPatch.from_mapping({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        patch.voice = "bella"  # type: ignore[misc]


def test_user_ref_scope() -> None:
    assert UserRef(platform="discord", user_id="1", scope_id="77", is_private=False).scope == "discord:77"
    assert UserRef(platform="telegram", user_id="1").scope is None


def test_audio_values() -> None:
    assert PCMChunk(b"\0" * 48000, 24000).samples == 24000 and PCMChunk(b"\0" * 48000, 24000).duration == 1.0
    assert PCMChunk(b"\0\0", 0).duration == 0.0
    assert DecodedAudio(b"\0" * 32000, 16000).duration == 1.0 and DecodedAudio(b"", 0).duration == 0.0
    assert [EncodedAudio(b"", fmt, 0.0).mime_type for fmt in ("ogg", "mp3", "wav")] == \
        ["audio/ogg", "audio/mpeg", "audio/wav"]


def test_presets_and_styles_are_consistent() -> None:
    assert DEFAULT_VOICE in PRESET_VOICES and set(PRESET_LABELS) == set(PRESET_VOICES)
    assert all(set(labels) == {"en", "zh", "ja"} for labels in PRESET_LABELS.values())
    assert set(STYLE_ALIASES.values()) <= set(STYLE_PRESETS)

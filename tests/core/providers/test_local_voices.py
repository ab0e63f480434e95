"""core.providers.local_voices: languages, presets and speed → espeak-ng voices and words per minute."""

from __future__ import annotations

from core.providers.local import LocalProvider
from core.providers.local_voices import PRESET_VARIANTS, plan_segments, speed_to_wpm


def test_language_and_voice_mapping():
    assert LocalProvider.espeak_voice("anna", "zh", "") == "cmn+f1"
    assert LocalProvider.espeak_voice("alex", "en", "") == "en-us+m3"
    assert LocalProvider.espeak_voice("FunAudioLLM/CosyVoice2-0.5B:bella", "yue", "") == "yue+f3"
    assert LocalProvider.espeak_voice("Diana", "auto", "안녕하세요") == "ko+f4"
    assert LocalProvider.espeak_voice("david", "auto", "ひらがな") == "ja+m6"
    assert LocalProvider.espeak_voice("", "auto", "hello") == "en-us+f1"  # default voice
    assert set(PRESET_VARIANTS) == {"alex", "benjamin", "charles", "david", "anna", "bella", "claire", "diana"}


def test_japanese_kanji_go_to_the_mandarin_voice():
    assert plan_segments("こんにちは、世界。今日は", "ja+f1") == [
        ("ja+f1", "こんにちは、"), ("cmn+f1", "世界。"), ("cmn+f1", "今日"), ("ja+f1", "は")]
    assert plan_segments("ひらがな", "ja+m3") == [("ja+m3", "ひらがな")]
    assert plan_segments("你好", "cmn+f1") == [("cmn+f1", "你好")]


def test_every_variant_exists_in_the_bundled_data():
    from pathlib import Path

    import espeakng_loader

    variants = Path(espeakng_loader.get_data_path()) / "voices" / "!v"
    for variant in PRESET_VARIANTS.values():
        assert (variants / variant).is_file(), variant


def test_speed_mapping():
    assert speed_to_wpm(1.0) == 175
    assert speed_to_wpm(2.0) == 350
    assert speed_to_wpm(0.25) == 80
    assert speed_to_wpm(4.0) == 450

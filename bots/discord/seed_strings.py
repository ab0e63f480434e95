"""The Discord adapter's sentences for the seed's voice workflow (voice IDs, /adopt_voice, samples, /speak with a
recording or as a file), in English, Chinese and Japanese; importing this module registers them."""

from __future__ import annotations

from core.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    "voices_sample_placeholder": {"en": "▶ Hear a sample…", "zh": "▶ 试听音色…", "ja": "▶ サンプルを聞く…"},
    "voices_clone_with_id": {
        "en": "`{name}` — ID `{voice_id}`",
        "zh": "`{name}` — ID `{voice_id}`",
        "ja": "`{name}` — ID `{voice_id}`",
    },
    "button_speak_once": {"en": "Yes, speak in this voice", "zh": "是，用这个声音朗读", "ja": "はい、この声で読み上げる"},
    "speak_recording_and_file": {
        "en": "Choose either a recording to speak like (voice_of) or a file format (file), not both.",
        "zh": "请只选择一项：要模仿的录音（voice_of）或文件格式（file）。",
        "ja": "録音（voice_of）かファイル形式（file）のどちらか一方だけを選んでください。",
    },
}

#: Chinese and Japanese descriptions of the new commands (English: their docstrings).
COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "command_help_adopt_voice": {
        "en": "Add a voice you cloned elsewhere with your own key, by its speech:… ID.",
        "zh": "通过 speech:… ID 添加你用自己的密钥在别处克隆的音色。",
        "ja": "自分のキーで別の場所で作った声を speech:… ID で追加します。",
    },
}

register(STRINGS)
register(COMMAND_DESCRIPTIONS)

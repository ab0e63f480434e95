"""Sentences of the self-hosted engines (``VOICEBRIDGE_PROVIDER=cosyvoice|openai``), registered by core.i18n."""

from __future__ import annotations

SELFHOST_STRINGS: dict[str, dict[str, str]] = {
    "transcript_required": {
        "en": "This speech engine can't write down what a recording says: give the words spoken in it, "
              "e.g. /clone NAME the words you said.",
        "zh": "当前语音引擎无法识别录音内容：请一并写出录音里说的话，例如 /clone 名字 录音里说的话。",
        "ja": "この音声エンジンは録音の内容を書き起こせません。録音で話した言葉も添えてください（例: "
              "/clone 名前 話した言葉）。",
    },
    "allowed_reference_audio": {
        "en": "a recording of at most 8 MB",
        "zh": "不超过 8 MB 的录音",
        "ja": "8 MB 以下の録音",
    },
}

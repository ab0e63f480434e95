"""The Telegram adapter's sentences for the seed's voice workflow (voice IDs, /delete_voice, samples, dynamic
voices, /format), in English, Chinese and Japanese. Importing this module registers them."""

from __future__ import annotations

from core.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    "command_menu_adopt_voice": {"en": "Add a voice by its speech:… ID", "zh": "用 speech:… ID 添加音色",
                                 "ja": "speech:… ID で声を追加"},
    "command_menu_delete_voice": {"en": "Delete one of your clones", "zh": "删除一个克隆音色", "ja": "クローンを削除"},
    "command_menu_format": {"en": "Voice note or audio file (MP3/WAV)", "zh": "语音消息或音频文件（MP3/WAV）",
                            "ja": "ボイスメッセージか音声ファイル（MP3/WAV）"},
    "adopt_voice_usage": {
        "en": "Send /adopt_voice speech:NAME:xxxx:yyyy NAME to add a voice you cloned elsewhere with your own key "
              "(set it with /key first).",
        "zh": "发送 /adopt_voice speech:名称:xxxx:yyyy 名称，添加你用自己的密钥在别处克隆的音色（请先用 /key 设置密钥）。",
        "ja": "/adopt_voice speech:名前:xxxx:yyyy 名前 で、自分のキーで別の場所で作った声を追加します（先に /key でキーを設定）。",
    },
    "delete_voice_usage": {
        "en": "Send /delete_voice NAME to delete one of your clones (see /voices).",
        "zh": "发送 /delete_voice 名称 删除你的一个克隆音色（见 /voices）。",
        "ja": "/delete_voice 名前 でクローンを 1 つ削除します（/voices で確認）。",
    },
    "delete_voice_ask": {
        "en": "Delete your cloned voice <b>{name}</b>? It is deleted at the provider too; this can't be undone.",
        "zh": "删除你克隆的音色 <b>{name}</b>？服务商处的也会一并删除，无法撤销。",
        "ja": "クローンした声 <b>{name}</b> を削除しますか？提供元からも削除され、元に戻せません。",
    },
    "button_delete_this_voice": {"en": "Delete voice", "zh": "删除音色", "ja": "声を削除"},
    "voice_deleted_named": {
        "en": "Deleted the voice <b>{name}</b>.",
        "zh": "已删除音色 <b>{name}</b>。",
        "ja": "声 <b>{name}</b> を削除しました。",
    },
    "delete_voice_kept": {"en": "Kept the voice.", "zh": "已保留该音色。", "ja": "声はそのままです。"},
    "button_speak_in_this_voice": {"en": "Yes, speak in this voice", "zh": "是，用这个声音朗读",
                                   "ja": "はい、この声で読み上げる"},
    "dynamic_reply_hint": {
        "en": "To hear text once in the voice of your own voice note, reply to it with /speak TEXT.",
        "zh": "想用你自己的语音中的声音朗读一次文字，请回复那条语音并发送 /speak 文本。",
        "ja": "自分のボイスメッセージの声で一度読み上げるには、それに返信して /speak テキスト と送ってください。",
    },
    "format_usage": {
        "en": "How I send speech in this chat: /format voice (voice notes), /format mp3, or /format wav [8000|16000|"
              "24000|32000|44100]. Now: {current}.",
        "zh": "我在此聊天中发送语音的方式：/format voice（语音消息）、/format mp3，或 /format wav [8000|16000|24000|"
              "32000|44100]。当前：{current}。",
        "ja": "このチャットでの送り方: /format voice（ボイスメッセージ）、/format mp3、または /format wav [8000|16000|"
              "24000|32000|44100]。現在: {current}。",
    },
    "format_voice_notes": {"en": "voice notes", "zh": "语音消息", "ja": "ボイスメッセージ"},
    "format_audio_file": {"en": "{format} files at {rate} Hz", "zh": "{format} 文件，{rate} Hz",
                          "ja": "{format} ファイル（{rate} Hz）"},
    "format_set": {
        "en": "From now on I send speech in this chat as {current}.",
        "zh": "好的，此后在此聊天中发送的语音形式为：{current}。",
        "ja": "これからこのチャットでは次の形で送ります: {current}。",
    },
    "format_admins_only": {
        "en": "Only the group's admins can change how speech is sent here.",
        "zh": "只有群管理员可以更改此处的语音发送方式。",
        "ja": "ここでの送り方を変えられるのはグループの管理者だけです。",
    },
}


def register_strings() -> None:
    """Add these sentences to the catalog (idempotent)."""
    register(STRINGS)


register_strings()

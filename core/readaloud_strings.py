"""Sentences of read-aloud (what is said for a message that is not only text, members coming and going) and of
its options, in English, Chinese and Japanese. Registered by :mod:`core.i18n`.

The spoken ones (``readaloud_*``) are said aloud, so they are written to be heard: no symbols a voice would spell.
"""

from __future__ import annotations

#: What a message holds besides text; ``{count}`` forms are used for two or more.
_things: dict[str, dict[str, str]] = {
    "readaloud_thing_image": {"en": "an image", "zh": "一张图片", "ja": "画像"},
    "readaloud_thing_images": {"en": "{count} images", "zh": "{count}张图片", "ja": "画像{count}枚"},
    "readaloud_thing_video": {"en": "a video", "zh": "一段视频", "ja": "動画"},
    "readaloud_thing_videos": {"en": "{count} videos", "zh": "{count}段视频", "ja": "動画{count}本"},
    "readaloud_thing_audio": {"en": "an audio file", "zh": "一段音频", "ja": "音声ファイル"},
    "readaloud_thing_audios": {"en": "{count} audio files", "zh": "{count}段音频", "ja": "音声ファイル{count}個"},
    "readaloud_thing_voice": {"en": "a voice message", "zh": "一条语音消息", "ja": "ボイスメッセージ"},
    "readaloud_thing_file": {"en": "a file", "zh": "一个文件", "ja": "ファイル"},
    "readaloud_thing_files": {"en": "{count} files", "zh": "{count}个文件", "ja": "ファイル{count}個"},
    "readaloud_thing_sticker": {"en": "a sticker", "zh": "一个贴纸", "ja": "スタンプ"},
    "readaloud_thing_stickers": {"en": "{count} stickers", "zh": "{count}个贴纸", "ja": "スタンプ{count}個"},
    "readaloud_thing_poll": {"en": "a poll: {question}", "zh": "一个投票：{question}", "ja": "投票「{question}」"},
    "readaloud_thing_link": {"en": "a link", "zh": "一个链接", "ja": "リンク"},
    "readaloud_thing_links": {"en": "{count} links", "zh": "{count}个链接", "ja": "リンク{count}件"},
    "readaloud_thing_location": {"en": "a location", "zh": "一个位置", "ja": "位置情報"},
    "readaloud_thing_contact": {"en": "a contact", "zh": "一张名片", "ja": "連絡先"},
}

STRINGS: dict[str, dict[str, str]] = {
    **_things,
    # lists: "an image and a file", "一张图片和一个文件", "画像とファイル"
    "readaloud_list_comma": {"en": ", ", "zh": "、", "ja": "、"},
    "readaloud_list_and": {"en": " and ", "zh": "和", "ja": "と"},
    "readaloud_sent": {
        "en": "{name} sent {things}.",
        "zh": "{name}发送了{things}。",
        "ja": "{name}さんが{things}を送信しました。",
    },
    "readaloud_sent_anonymous": {"en": "Someone sent {things}.", "zh": "有人发送了{things}。",
                                 "ja": "{things}が送信されました。"},
    "readaloud_with": {
        "en": "{text} (with {things})",
        "zh": "{text}（附{things}）",
        "ja": "{text}（{things}付き）",
    },
    "readaloud_forwarded": {
        "en": "{name} forwarded a message: {text}",
        "zh": "{name}转发了一条消息：{text}",
        "ja": "{name}さんがメッセージを転送しました。{text}",
    },
    "readaloud_joined": {
        "en": "{name} joined.",
        "zh": "{name}加入了频道。",
        "ja": "{name}さんが入室しました。",
    },
    "readaloud_left": {
        "en": "{name} left.",
        "zh": "{name}离开了频道。",
        "ja": "{name}さんが退室しました。",
    },
}

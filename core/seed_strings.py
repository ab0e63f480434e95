"""Sentences of the seed's voice workflow (voice IDs, dynamic voices, samples, downloads), said alike on every
platform, in English, Chinese and Japanese; registered by :mod:`core.i18n`. Error sentences are keyed by the
codes of :mod:`core.voice_errors`."""

from __future__ import annotations

SEED_STRINGS: dict[str, dict[str, str]] = {
    # --- errors (core.voice_errors) -----------------------------------------------------------
    "invalid_voice_id": {
        "en": "“{value}” is not a voice ID. A voice ID looks like speech:NAME:xxxx:yyyy (copy it whole).",
        "zh": "“{value}”不是音色 ID。音色 ID 形如 speech:名称:xxxx:yyyy（请完整复制）。",
        "ja": "「{value}」は声の ID ではありません。声の ID は speech:名前:xxxx:yyyy の形です（全体をコピーしてください）。",
    },
    "voice_id_needs_own_key": {
        "en": "A voice ID works only with the API key that made it: set your own SiliconFlow key with /key first "
              "(in a private chat), then add the voice.",
        "zh": "音色 ID 只能配合创建它的 API 密钥使用：请先在私聊中用 /key 设置你自己的 SiliconFlow 密钥，再添加音色。",
        "ja": "声の ID は、それを作った API キーでしか使えません。先に個人チャットで /key から自分の SiliconFlow キーを"
              "設定してから追加してください。",
    },
    "voice_id_not_on_key": {
        "en": "Your API key's voice list has no voice “{value}”. Check the ID, and that it was made with the key you "
              "set here.",
        "zh": "你的 API 密钥下的音色列表中没有“{value}”。请检查 ID，并确认它是用你在这里设置的密钥创建的。",
        "ja": "あなたの API キーの声一覧に「{value}」はありません。ID と、ここで設定したキーで作られたかを確認してください。",
    },
    "voice_id_already_added": {
        "en": "That voice ID is already added here, as “{name}”.",
        "zh": "这个音色 ID 已经添加过了，名称为“{name}”。",
        "ja": "その声の ID はすでに「{name}」として追加されています。",
    },
    "voice_id_taken": {
        "en": "Another account here already added that voice ID. A voice has one owner here: ask them to share it "
              "(/share_voice), or clone your own.",
        "zh": "这里的另一个账户已经添加了这个音色 ID。一个音色在这里只能有一个所有者：请对方共享（/share_voice），或克隆你自己的。",
        "ja": "この声の ID は、ここで別のアカウントがすでに追加しています。声の持ち主は 1 人だけです。共有してもらう"
              "（/share_voice）か、自分でクローンしてください。",
    },
    "dynamic_voice_unsupported": {
        "en": "Speaking in the voice of a recording needs the SiliconFlow engine and a key (yours via /key, or the "
              "operator's). Clone the voice with /clone instead, once that works.",
        "zh": "用录音中的声音朗读需要 SiliconFlow 引擎和密钥（用 /key 设置你自己的，或运营者的）。也可以用 /clone 克隆这个声音。",
        "ja": "録音の声で読み上げるには SiliconFlow エンジンとキー（/key で自分のもの、または運営者のもの）が必要です。"
              "/clone で声をクローンすることもできます。",
    },
    "dynamic_voice_refused": {
        "en": "The speech service refused to speak in the voice of a recording (this model does not take one per "
              "request). Clone the voice with /clone instead and speak with it.",
        "zh": "语音服务拒绝按录音中的声音朗读（该模型不支持在单次请求中附带录音）。请改用 /clone 克隆这个声音后再朗读。",
        "ja": "音声サービスが録音の声での読み上げを断りました（このモデルはリクエストごとの録音に対応していません）。"
              "/clone で声をクローンしてから読み上げてください。",
    },
    "export_too_large": {
        "en": "The audio file would be {size_mb} MB, more than the {limit_mb} MB allowed here. Send a shorter "
              "text, or choose MP3 or a lower sample rate.",
        "zh": "音频文件将有 {size_mb} MB，超过此处允许的 {limit_mb} MB。请缩短文本，或选择 MP3 或更低的采样率。",
        "ja": "音声ファイルが {size_mb} MB になり、ここで送れる {limit_mb} MB を超えます。テキストを短くするか、"
              "MP3 や低いサンプリングレートを選んでください。",
    },
    "invalid_audio_format": {
        "en": "“{value}” is not offered. Choose one of: {allowed}.",
        "zh": "不支持“{value}”。可选：{allowed}。",
        "ja": "「{value}」は選べません。選べるのは: {allowed}",
    },
    # --- voice IDs ------------------------------------------------------------------------------
    "voice_id_of": {
        "en": "Voice ID of “{name}” (works only with the API key that made it): {voice_id}",
        "zh": "“{name}”的音色 ID（只能配合创建它的 API 密钥使用）：{voice_id}",
        "ja": "「{name}」の声の ID（作成した API キーでのみ使えます）: {voice_id}",
    },
    "voice_ids_private_hint": {
        "en": "Voice IDs are shown only to you: send /voices in a private chat with me.",
        "zh": "音色 ID 只显示给你本人：请在与我的私聊中发送 /voices。",
        "ja": "声の ID はあなたにだけ表示します。個人チャットで /voices を送ってください。",
    },
    "voice_adopted": {
        "en": "Added “{name}” from its voice ID. Choose it with /voice {name}.",
        "zh": "已通过音色 ID 添加“{name}”。用 /voice {name} 选择它。",
        "ja": "声の ID から「{name}」を追加しました。/voice {name} で選べます。",
    },
    # --- samples --------------------------------------------------------------------------------
    "voice_sample_caption": {
        "en": "Sample of “{name}”",
        "zh": "“{name}”的试听",
        "ja": "「{name}」のサンプル",
    },
    "voices_samples_hint": {
        "en": "▶ plays a short sample of a voice.",
        "zh": "点 ▶ 试听音色。",
        "ja": "▶ で声のサンプルを再生します。",
    },
    # --- dynamic voices -------------------------------------------------------------------------
    "dynamic_consent_prompt": {
        "en": "Say this once in the voice of this recording? Nothing is stored: not the recording, not a voice.\n"
              "Only confirm if this is your own voice, or you have the speaker's permission.",
        "zh": "用这段录音中的声音朗读一次？不会保存任何内容：既不保存录音，也不创建音色。\n"
              "仅当这是你自己的声音，或你已获得说话人的授权时才确认。",
        "ja": "この録音の声で一度だけ読み上げますか？録音も声も保存しません。\n"
              "あなた自身の声であるか、話者の許可がある場合のみ確認してください。",
    },
    "dynamic_working": {
        "en": "Speaking in the voice of the recording…",
        "zh": "正在用录音中的声音朗读…",
        "ja": "録音の声で読み上げています…",
    },
    "dynamic_done": {
        "en": "Done: spoken once in the voice of the recording. To keep that voice, /clone it.",
        "zh": "完成：已用录音中的声音朗读一次。想保留这个声音，请用 /clone 克隆它。",
        "ja": "完了: 録音の声で一度読み上げました。この声を残すには /clone でクローンしてください。",
    },
    "dynamic_failed": {
        "en": "Could not speak in that voice: {error}",
        "zh": "无法用那个声音朗读：{error}",
        "ja": "その声で読み上げられませんでした: {error}",
    },
    "dynamic_cancelled": {
        "en": "Cancelled. Nothing was sent anywhere.",
        "zh": "已取消，没有发送任何内容。",
        "ja": "キャンセルしました。何も送信していません。",
    },
    # --- audio files ----------------------------------------------------------------------------
    "speak_file_caption": {
        "en": "{format}, {rate} Hz",
        "zh": "{format}，{rate} Hz",
        "ja": "{format}、{rate} Hz",
    },
}

"""The Discord adapter's own sentences, in English, Chinese and Japanese, and the descriptions of its
text-side commands.

Errors come from :func:`core.i18n.error_text` and what every adapter says alike from :mod:`core.strings`.
Importing this module registers them with :func:`core.i18n.register`.
"""

from __future__ import annotations

from core.i18n import register, t

STRINGS: dict[str, dict[str, str]] = {
    # --- words core's sentences take as parameters ---------------------------------------------
    "allowed_existing_member": {"en": "someone or something that exists in this server",
                                "zh": "本服务器中存在的成员或项目", "ja": "このサーバーに存在するメンバーや項目"},
    # --- errors and checks ---------------------------------------------------------------------
    "missing_post_permission": {
        "en": "I'm not allowed to post there. Ask a server manager to let me send messages and attach files.",
        "zh": "我没有在这里发消息的权限。请让服务器管理员允许我发送消息和附加文件。",
        "ja": "ここに投稿する権限がありません。サーバー管理者にメッセージ送信とファイル添付の許可を頼んでください。",
    },
    "action_server_settings": {
        "en": "change server settings (needs Manage Server)",
        "zh": "修改服务器设置（需要“管理服务器”权限）",
        "ja": "サーバー設定の変更（「サーバー管理」権限が必要）",
    },
    "action_outside_server": {
        "en": "use this command outside a server",
        "zh": "在服务器以外使用此命令",
        "ja": "サーバーの外でこのコマンドを使う",
    },
    "action_command_here": {
        "en": "use this command here",
        "zh": "在这里使用此命令",
        "ja": "ここでこのコマンドを使う",
    },
    "buttons_invoker_only": {
        "en": "Only the person who ran the command can press these buttons.",
        "zh": "只有执行命令的人才能按这些按钮。",
        "ja": "このボタンはコマンドを実行した人だけが押せます。",
    },
    "confirmation_timed_out": {
        "en": "This took too long and was cancelled. Nothing was changed.",
        "zh": "等待超时，已取消，没有做任何更改。",
        "ja": "時間切れのため取り消しました。何も変更していません。",
    },
    # --- /speak --------------------------------------------------------------------------------
    "sent": {
        "en": "Sent.",
        "zh": "已发送。",
        "ja": "送信しました。",
    },
    "sent_many": {
        "en": "Sent {count} voice messages.",
        "zh": "已发送 {count} 条语音消息。",
        "ja": "{count} 件のボイスメッセージを送信しました。",
    },
    "sent_as_audio_channel_forbids": {
        "en": "Voice messages aren't allowed in this channel, so I sent an audio file instead.",
        "zh": "此频道不允许语音消息，已改为发送音频文件。",
        "ja": "このチャンネルではボイスメッセージが許可されていないため、音声ファイルとして送りました。",
    },
    "sent_privately": {
        "en": "I can't post in this channel, so here is the audio just for you.",
        "zh": "我无法在此频道发消息，音频仅发给你。",
        "ja": "このチャンネルに投稿できないため、あなたにだけ音声を送ります。",
    },
    "voice_message_too_large": {
        "en": "The audio is larger than this channel's upload limit ({limit_mb} MB). Try a shorter text.",
        "zh": "音频超过了此频道的上传上限（{limit_mb} MB），请缩短文本。",
        "ja": "音声がこのチャンネルのアップロード上限（{limit_mb} MB）を超えています。短いテキストでお試しください。",
    },
    # --- voices --------------------------------------------------------------------------------
    "voices_title": {
        "en": "Voices",
        "zh": "音色",
        "ja": "声の一覧",
    },
    "voices_no_clones": {
        "en": "None yet: make one with /clone.",
        "zh": "还没有：用 /clone 创建一个。",
        "ja": "まだありません。/clone で作れます。",
    },
    "voices_current": {
        "en": "Current voice: **{name}**. Pick one below or with /voice.",
        "zh": "当前音色：**{name}**。在下方或用 /voice 选择。",
        "ja": "現在の声: **{name}**。下のメニューか /voice で選べます。",
    },
    "voices_pick_placeholder": {
        "en": "Choose a voice…",
        "zh": "选择音色…",
        "ja": "声を選ぶ…",
    },
    "delete_voice_confirm": {
        "en": "Delete your cloned voice **{name}**? It is also deleted at the provider; this can't be undone.",
        "zh": "删除你克隆的音色 **{name}**？服务商处的也会一并删除，无法撤销。",
        "ja": "クローンした声 **{name}** を削除しますか？提供元からも削除され、元に戻せません。",
    },
    "button_delete_voice": {"en": "Delete voice", "zh": "删除音色", "ja": "声を削除"},
    "voice_deleted": {
        "en": "Deleted the voice **{name}**.",
        "zh": "已删除音色 **{name}**。",
        "ja": "声 **{name}** を削除しました。",
    },
    # --- settings ------------------------------------------------------------------------------
    "settings_title": {
        "en": "Your settings",
        "zh": "你的设置",
        "ja": "あなたの設定",
    },
    "field_voice": {"en": "Voice", "zh": "音色", "ja": "声"},
    "field_speed": {"en": "Speed", "zh": "语速", "ja": "速さ"},
    "field_gain": {"en": "Volume (gain)", "zh": "音量（增益）", "ja": "音量（ゲイン）"},
    "field_language": {"en": "Speech language", "zh": "朗读语言", "ja": "読み上げ言語"},
    "field_style": {"en": "Style", "zh": "风格", "ja": "スタイル"},
    "field_ui": {"en": "Reply language", "zh": "界面语言", "ja": "表示言語"},
    "field_key": {"en": "API key", "zh": "API 密钥", "ja": "API キー"},
    "field_engine": {"en": "Engine", "zh": "引擎", "ja": "エンジン"},
    "field_pronunciations": {"en": "Pronunciations", "zh": "读法词典", "ja": "読み方辞書"},
    "field_linked": {"en": "Linked with", "zh": "已关联", "ja": "連携中"},
    "source_user": {"en": "yours", "zh": "你的设置", "ja": "あなたの設定"},
    "source_server": {"en": "server default", "zh": "服务器默认", "ja": "サーバーの既定"},
    "source_default": {"en": "default", "zh": "默认", "ja": "既定"},
    "style_off_choice": {
        "en": "off (no style)",
        "zh": "关闭（无风格）",
        "ja": "オフ（スタイルなし）",
    },
    "setting_reset": {
        "en": "Your {field} setting was cleared; the server's or the default value applies.",
        "zh": "已清除你的{field}设置，将使用服务器或默认值。",
        "ja": "{field} の設定を消去しました。サーバーまたは既定の値が使われます。",
    },
    # --- /key ----------------------------------------------------------------------------------
    "key_saved_encrypted": {
        "en": "Your key {masked} is saved (encrypted). Your requests now use your own account.",
        "zh": "你的密钥 {masked} 已加密保存，之后的请求将使用你自己的账号。",
        "ja": "キー {masked} を暗号化して保存しました。今後のリクエストはあなたのアカウントを使います。",
    },
    "key_was_removed": {
        "en": "Your key was removed.",
        "zh": "已删除你的密钥。",
        "ja": "キーを削除しました。",
    },
    # --- /usage --------------------------------------------------------------------------------
    "usage_summary": {
        "en": "Today: {today_bytes} bytes in {today_requests} requests{limit}.\n"
              "In total: {total_bytes} bytes in {total_requests} requests, about {cost} {currency}.",
        "zh": "今日：{today_requests} 次请求，{today_bytes} 字节{limit}。\n"
              "累计：{total_requests} 次请求，{total_bytes} 字节，约 {cost} {currency}。",
        "ja": "今日: {today_requests} 件、{today_bytes} バイト{limit}。\n"
              "合計: {total_requests} 件、{total_bytes} バイト、約 {cost} {currency}。",
    },
    # --- /forget and confirmations ------------------------------------------------------------
    "forget_done_count": {
        "en": "Done: everything about you was deleted ({voices} cloned voices removed).",
        "zh": "完成：已删除关于你的所有数据（移除了 {voices} 个克隆音色）。",
        "ja": "完了しました。あなたのデータをすべて削除しました（クローン {voices} 件を削除）。",
    },
    "confirmation_cancelled": {
        "en": "Cancelled. Nothing was changed.",
        "zh": "已取消，没有做任何更改。",
        "ja": "キャンセルしました。何も変更していません。",
    },
    "button_confirm": {"en": "Confirm", "zh": "确认", "ja": "確認"},
    # --- /clone --------------------------------------------------------------------------------
    "clone_consent_prompt_attachment": {
        "en": "Clone **{name}** from {seconds} s of speech in `{filename}`?\n"
              "Confirm only if this is **your own voice** or you have the speaker's permission to clone it.",
        "zh": "用 `{filename}` 中 {seconds} 秒的语音克隆 **{name}**？\n"
              "仅当这是**你自己的声音**，或你已获得说话人的授权时才确认。",
        "ja": "`{filename}` の {seconds} 秒の音声から **{name}** をクローンしますか？\n"
              "**あなた自身の声**であるか、話者の許可がある場合のみ確認してください。",
    },
    "clone_done": {
        "en": "Cloned **{name}** and made it your voice. Transcript: “{transcript}”",
        "zh": "已克隆 **{name}** 并设为你的音色。识别文本：“{transcript}”",
        "ja": "**{name}** をクローンし、あなたの声に設定しました。書き起こし:「{transcript}」",
    },
    # --- /server -------------------------------------------------------------------------------
    "server_defaults_title": {
        "en": "Server defaults",
        "zh": "服务器默认设置",
        "ja": "サーバーの既定設定",
    },
    "server_defaults_hint": {
        "en": "Members' own settings override these.",
        "zh": "成员自己的设置优先于这些默认值。",
        "ja": "メンバー自身の設定がこれより優先されます。",
    },
    "server_default_set": {
        "en": "Server default {field} set to {value}.",
        "zh": "服务器默认{field}已设为 {value}。",
        "ja": "サーバーの既定の{field}を {value} にしました。",
    },
    "server_default_cleared": {
        "en": "Server default {field} cleared.",
        "zh": "已清除服务器默认{field}。",
        "ja": "サーバーの既定の{field}を消去しました。",
    },
    "value_unset": {"en": "not set", "zh": "未设置", "ja": "未設定"},
    # --- /help ---------------------------------------------------------------------------------
    "help_title": {
        "en": "voicebridge — text to speech in voices you choose or clone",
        "zh": "voicebridge —— 用你选择或克隆的声音朗读文字",
        "ja": "voicebridge — 選んだ声やクローンした声で読み上げ",
    },
    "help_intro": {
        "en": "Type `/speak` and I post a voice message here, or say it in the voice channel we share. "
              "Pick a voice with `/voice`, or clone your own with `/clone`. "
              "To hear any message, right-click it → Apps → **Read aloud**.",
        "zh": "输入 `/speak`，我会在这里发送语音消息；如果我们在同一个语音频道，就直接在频道里说。"
              "用 `/voice` 选择音色，或用 `/clone` 克隆自己的声音。"
              "想听某条消息：右键点击它 → 应用 → **朗读**。",
        "ja": "`/speak` と入力するとここにボイスメッセージを投稿します（同じボイスチャンネルにいればそこで話します）。"
              "`/voice` で声を選ぶか、`/clone` で自分の声をクローンできます。"
              "メッセージを聞くには、右クリック → アプリ → **読み上げる**。",
    },
    "help_heading_commands": {"en": "Commands", "zh": "命令", "ja": "コマンド"},
    "help_heading_voice_channel": {"en": "Voice channel", "zh": "语音频道", "ja": "ボイスチャンネル"},
    "help_heading_server": {
        "en": "Server (Manage Server)",
        "zh": "服务器（需要管理服务器权限）",
        "ja": "サーバー（サーバー管理権限）",
    },
    "help_engine": {
        "en": "Engine: {engine}.",
        "zh": "引擎：{engine}。",
        "ja": "エンジン: {engine}。",
    },
    "message_menu_read_aloud": {"en": "Read aloud", "zh": "朗读", "ja": "読み上げる"},
    # --- /pronounce ------------------------------------------------------------------------------
    "pronunciation_set_for_you": {
        "en": "From now on I read “{word}” as “{spoken}” for you.",
        "zh": "以后你说的“{word}”会读作“{spoken}”。",
        "ja": "今後あなたの「{word}」は「{spoken}」と読みます。",
    },
    "pronunciations_hint": {
        "en": "`/pronounce set` adds a word, `/pronounce remove` takes it out. Your own entries win over the server's.",
        "zh": "用 `/pronounce set` 添加词语，`/pronounce remove` 删除。你自己的词条优先于服务器的。",
        "ja": "`/pronounce set` で追加、`/pronounce remove` で削除。あなたの登録はサーバーの登録より優先されます。",
    },
    "pronunciations_field_mine": {"en": "Yours", "zh": "你的", "ja": "あなたの"},
    "pronunciations_field_server": {"en": "This server's", "zh": "本服务器的", "ja": "このサーバーの"},
}

#: Descriptions of the text-side commands, which Discord shows to users of those client languages and /help
#: lists. Key: ``command_help_<qualified name, "_" for spaces>``; "en" is the command's docstring.
COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "command_help_speak": {
        "en": "Say TEXT in your voice: a voice message here, or aloud in the voice channel we share.",
        "zh": "用你的声音朗读文字：在这里发语音消息，或在我们共同的语音频道里说出来。",
        "ja": "あなたの声で読み上げます。ここにボイスメッセージを送るか、同じボイスチャンネルで話します。",
    },
    "command_help_voices": {
        "en": "List the preset voices and your clones, and pick one.",
        "zh": "列出预设音色和你克隆的音色，并从中选择。",
        "ja": "プリセットの声とあなたのクローンを表示して選びます。",
    },
    "command_help_voice": {
        "en": "Choose the voice you speak with: a preset or one of your clones.",
        "zh": "选择朗读用的音色：预设或你克隆的音色。",
        "ja": "読み上げる声を選びます（プリセットかクローン）。",
    },
    "command_help_delete_voice": {
        "en": "Delete one of your cloned voices, at the provider too (asks first).",
        "zh": "删除你克隆的一个音色（服务商处也会删除，会先确认）。",
        "ja": "クローンした声を 1 つ削除します（提供元からも削除。確認あり）。",
    },
    "command_help_clone": {
        "en": "Clone a voice from a recording (yours, or one you may use); asks you to confirm first.",
        "zh": "用录音克隆声音（你自己的，或已获授权的）；会先请你确认。",
        "ja": "録音から声をクローンします（自分の声か許可のある声）。先に確認します。",
    },
    "command_help_settings": {
        "en": "Show your settings and where each comes from (you, the server, or the default).",
        "zh": "查看你的设置及其来源（你、服务器或默认）。",
        "ja": "設定とその出どころ（あなた・サーバー・既定）を表示します。",
    },
    "command_help_speed": {
        "en": "Set how fast you speak (0.25–4.0, normal 1.0).",
        "zh": "设置语速（0.25–4.0，正常为 1.0）。",
        "ja": "話す速さを設定します（0.25〜4.0、標準 1.0）。",
    },
    "command_help_gain": {
        "en": "Set your volume gain in dB (-10 to 10, normal 0).",
        "zh": "设置音量增益 dB（-10 到 10，正常为 0）。",
        "ja": "音量ゲインを dB で設定します（-10〜10、標準 0）。",
    },
    "command_help_lang": {
        "en": "Set the speech language: auto, zh, en, ja, ko or yue (Cantonese).",
        "zh": "设置朗读语言：auto、zh、en、ja、ko 或 yue（粵語）。",
        "ja": "読み上げ言語を設定します: auto、zh、en、ja、ko、yue（広東語）。",
    },
    "command_help_style": {
        "en": "Set how to speak: an emotion, a dialect or your own instruction; or off.",
        "zh": "设置说话方式：情绪、方言或你自己的指令；或关闭。",
        "ja": "話し方を設定します（感情・方言・自由な指示）。off で解除。",
    },
    "command_help_uilang": {
        "en": "Choose the language I answer you in (English, 中文, 日本語, or auto).",
        "zh": "选择我回复你时使用的语言（English、中文、日本語 或自动）。",
        "ja": "返答の言語を選びます（English、中文、日本語、自動）。",
    },
    "command_help_reset": {
        "en": "Clear one of your settings, or all of them, so the server default applies.",
        "zh": "清除你的某项或全部设置，改用服务器默认值。",
        "ja": "自分の設定を消去して、サーバーの既定に戻します。",
    },
    "command_help_key": {
        "en": "Use your own SiliconFlow API key (private to you), or `clear` to remove it.",
        "zh": "使用你自己的 SiliconFlow API 密钥（仅你可见），或输入 clear 删除。",
        "ja": "自分の SiliconFlow API キーを使います（あなたにだけ表示）。clear で削除。",
    },
    "command_help_usage": {
        "en": "Show the bytes of text you had spoken, the tokens of your talks and the estimated cost.",
        "zh": "查看你朗读的字节数、对话用的 token 数及估算费用。",
        "ja": "読み上げたバイト数、会話のトークン数、概算費用を表示します。",
    },
    "command_help_forget": {
        "en": "Delete everything stored about you, including your cloned voices (asks first).",
        "zh": "删除关于你的所有数据，包括你克隆的音色（会先确认）。",
        "ja": "あなたのデータをクローンも含めてすべて削除します（確認あり）。",
    },
    "command_help_help": {
        "en": "What I do and how to use me.",
        "zh": "我能做什么，以及怎么用。",
        "ja": "できることと使い方。",
    },
    "command_help_server": {
        "en": "Server defaults for voice, speed and language (Manage Server)",
        "zh": "服务器默认的音色、语速和语言（需要管理服务器权限）。",
        "ja": "サーバー既定の声・速さ・言語（サーバー管理権限が必要）。",
    },
    "command_help_server_voice": {
        "en": "Set the server's default voice (a preset, or your own clone), or clear it.",
        "zh": "设置服务器默认音色（预设，或你自己的克隆音色），或清除。",
        "ja": "サーバー既定の声（プリセットか自分のクローン）を設定または消去します。",
    },
    "command_help_server_speed": {
        "en": "Set the server's default speed (0.25–4.0), or clear it.",
        "zh": "设置服务器默认语速（0.25–4.0），或清除。",
        "ja": "サーバー既定の速さ（0.25〜4.0）を設定または消去します。",
    },
    "command_help_server_lang": {
        "en": "Set the server's default speech language, or clear it.",
        "zh": "设置服务器默认朗读语言，或清除。",
        "ja": "サーバー既定の読み上げ言語を設定または消去します。",
    },
    "command_help_pronounce": {
        "en": "How words are read aloud: your own dictionary or the server's",
        "zh": "词语的读法：你自己的词典或服务器的词典。",
        "ja": "単語の読み方: あなたの辞書またはサーバーの辞書。",
    },
    "command_help_pronounce_set": {
        "en": "Read a word or phrase the way you spell it here.",
        "zh": "按你写的方式朗读某个词或短语。",
        "ja": "単語やフレーズをここに書いた読み方で読みます。",
    },
    "command_help_pronounce_remove": {
        "en": "Read a word as written again.",
        "zh": "让某个词恢复按原文朗读。",
        "ja": "単語を書かれたとおりに読むよう戻します。",
    },
    "command_help_pronounce_list": {
        "en": "Your pronunciations and this server's.",
        "zh": "你的读法词典和本服务器的。",
        "ja": "あなたとこのサーバーの読み方辞書。",
    },
    "command_help_link": {
        "en": "Use the same voices, settings, dictionary and key as your Telegram account.",
        "zh": "与你的 Telegram 账号共用音色、设置、词典和密钥。",
        "ja": "Telegram のアカウントと声・設定・辞書・キーを共有します。",
    },
    "command_help_unlink": {
        "en": "Separate this account from your Telegram account.",
        "zh": "取消与 Telegram 账号的关联。",
        "ja": "Telegram のアカウントとの連携を解除します。",
    },
    "command_help_server_show": {
        "en": "Show the server's defaults.",
        "zh": "查看服务器的默认设置。",
        "ja": "サーバーの既定設定を表示します。",
    },
}

register(STRINGS)
register(COMMAND_DESCRIPTIONS)


def command_description(qualified_name: str, lang: str) -> str | None:
    """The ``lang`` description of a command (``command_help_<name>``), or None: use the docstring."""
    if lang == "en":
        return None
    key = "command_help_" + qualified_name.replace(" ", "_")
    text = t(key, lang)
    return None if text == key else text[:100]

"""The Telegram adapter's own sentences (keys ``tg_…``) in English, Chinese and Japanese.

Errors come from :func:`core.i18n.error_text`; everything else the bot says is here and is looked up
with :func:`core.i18n.t`. The three ``notice_…`` keys that the service puts on an utterance are
registered here too, but only if the core has not defined them (the core's words win).
"""

from __future__ import annotations

from core.i18n import register, t

#: Names of the speech languages, as shown on buttons and in /settings.
LANGUAGE_NAMES: dict[str, str] = {
    "auto": "auto", "zh": "中文", "en": "English", "ja": "日本語", "ko": "한국어", "yue": "粵語",
}
#: Names of the reply (UI) languages.
UI_NAMES: dict[str, str] = {"en": "English", "zh": "中文", "ja": "日本語"}

_NOTICES: dict[str, dict[str, str]] = {
    "notice_style_offline": {
        "en": "ℹ️ The offline engine can't do speaking styles, so your style was left out.",
        "zh": "ℹ️ 离线引擎不支持语气/方言风格，本次未使用你的风格设置。",
        "ja": "ℹ️ オフラインエンジンは話し方のスタイルに対応していないため、スタイルは使われませんでした。",
    },
    "notice_fallback": {
        "en": "ℹ️ The speech service is unavailable, so the offline engine read this.",
        "zh": "ℹ️ 语音服务暂时不可用，本条由离线引擎朗读。",
        "ja": "ℹ️ 音声サービスが利用できないため、オフラインエンジンで読み上げました。",
    },
    "notice_voice_missing": {
        "en": "ℹ️ Your chosen voice no longer exists, so the default voice was used. Pick another with /voices.",
        "zh": "ℹ️ 你选择的音色已不存在，已改用默认音色。可用 /voices 重新选择。",
        "ja": "ℹ️ 選んだ声がもう存在しないため、既定の声を使いました。/voices で選び直してください。",
    },
}

STRINGS: dict[str, dict[str, str]] = {
    # --- /start and /help ---------------------------------------------------------------------
    "tg_start": {
        "en": ("Hi {name}! I turn text into voice notes — in a preset voice, or in a voice you clone.\n\n"
               "• Send me any text (or forward a message) and I'll read it aloud.\n"
               "• /speak TEXT — in groups, or reply to a message with /speak.\n"
               "• /voices — pick a voice. /clone NAME — clone one from a voice note.\n"
               "• /settings — speed, gain, language.\n\n"
               "/help lists everything."),
        "zh": ("你好，{name}！我可以把文字变成语音消息——使用预设音色，或你克隆的声音。\n\n"
               "• 直接发送文字（或转发消息）给我，我就会朗读。\n"
               "• /speak 文本——在群组中使用，或回复某条消息发送 /speak。\n"
               "• /voices——选择音色。/clone 名称——用语音消息克隆声音。\n"
               "• /settings——语速、音量、语言。\n\n"
               "/help 查看全部命令。"),
        "ja": ("こんにちは、{name}さん！テキストをボイスメッセージにします。プリセットの声でも、クローンした声でも。\n\n"
               "• テキストを送る（または転送する）と読み上げます。\n"
               "• /speak テキスト — グループでは、メッセージに返信して /speak も使えます。\n"
               "• /voices — 声を選ぶ。/clone 名前 — ボイスメッセージから声をクローン。\n"
               "• /settings — 速さ・音量・言語。\n\n"
               "/help ですべてのコマンドを表示します。"),
    },
    "tg_help": {
        "en": ("<b>Speaking</b>\n"
               "/speak TEXT — a voice note of TEXT (or reply to a message with /speak)\n"
               "In a private chat, any text you send is read aloud, and so is a .txt or .md file.\n\n"
               "<b>Voices</b>\n"
               "/voices — presets and your clones; tap one to use it\n"
               "/voice NAME — choose a voice\n"
               "/clone NAME [transcript] — send a 10–30 s voice note with this caption, or reply to one. "
               "Without a transcript it is recognized automatically.\n"
               "/share_voice NAME on|off — whether others may speak with your clone through characters\n\n"
               "<b>Settings</b>\n"
               "/settings — view and change everything\n"
               "/speed 0.25–4 · /gain −10…10 (dB)\n"
               "/lang auto|zh|en|ja|ko|yue — speech language\n"
               "/lang ui en|zh|ja|auto — the language I reply in\n"
               "/style STYLE — e.g. happy, sad, whisper, 粤语, 四川话, or free text; /style off\n"
               "/pronounce WORD SAY-AS — read a word your way (/pronounce lists them)\n\n"
               "<b>Account</b>\n"
               "/key KEY — use your own SiliconFlow key (private chat only); /key clear\n"
               "/usage — what you have used\n"
               "/link — use the same voices and settings on Discord; /unlink\n"
               "/forget — delete everything stored about you"),
        "zh": ("<b>朗读</b>\n"
               "/speak 文本——把文本变成语音消息（也可回复某条消息发送 /speak）\n"
               "在私聊中，你发送的任何文字以及 .txt、.md 文件都会被朗读。\n\n"
               "<b>音色</b>\n"
               "/voices——预设音色和你的克隆音色，点击即可使用\n"
               "/voice 名称——选择音色\n"
               "/clone 名称 [文本]——发送 10–30 秒语音并附上此说明，或回复一条语音。"
               "不填文本时会自动识别。\n"
               "/share_voice 名称 on|off——是否允许他人通过角色使用你的克隆音色\n\n"
               "<b>设置</b>\n"
               "/settings——查看并修改全部设置\n"
               "/speed 0.25–4 · /gain −10…10（dB）\n"
               "/lang auto|zh|en|ja|ko|yue——朗读语言\n"
               "/lang ui en|zh|ja|auto——我回复你时使用的语言\n"
               "/style 风格——如 开心、悲伤、耳语、粤语、四川话，或自由描述；/style off 关闭\n"
               "/pronounce 词 读法——按你的方式读某个词（/pronounce 查看全部）\n\n"
               "<b>账户</b>\n"
               "/key 密钥——使用你自己的 SiliconFlow 密钥（仅限私聊）；/key clear 清除\n"
               "/usage——用量\n"
               "/link——在 Discord 上使用相同的音色和设置；/unlink 取消\n"
               "/forget——删除关于你的全部数据"),
        "ja": ("<b>読み上げ</b>\n"
               "/speak テキスト — テキストをボイスメッセージに（メッセージに返信して /speak も可）\n"
               "個人チャットでは、送ったテキストも .txt・.md ファイルもすべて読み上げます。\n\n"
               "<b>声</b>\n"
               "/voices — プリセットとあなたのクローン。タップで選択\n"
               "/voice 名前 — 声を選ぶ\n"
               "/clone 名前 [文字起こし] — 10〜30 秒のボイスメッセージにこのキャプションを付けるか、返信で送信。"
               "文字起こしを省くと自動で認識します。\n"
               "/share_voice 名前 on|off — 他の人がキャラクターを通じてあなたのクローンを使えるか\n\n"
               "<b>設定</b>\n"
               "/settings — 設定の表示と変更\n"
               "/speed 0.25〜4 · /gain −10〜10（dB）\n"
               "/lang auto|zh|en|ja|ko|yue — 読み上げの言語\n"
               "/lang ui en|zh|ja|auto — 返信の言語\n"
               "/style スタイル — happy、sad、whisper、粤語、四川話 など、または自由記述。/style off で解除\n"
               "/pronounce 単語 読み方 — 単語の読み方を決める（/pronounce で一覧）\n\n"
               "<b>アカウント</b>\n"
               "/key キー — 自分の SiliconFlow キーを使う（個人チャットのみ）。/key clear で削除\n"
               "/usage — 使用量\n"
               "/link — Discord でも同じ声と設定を使う。/unlink で解除\n"
               "/forget — あなたに関するデータをすべて削除"),
    },
    # --- /speak ---------------------------------------------------------------------------------
    "tg_speak_usage": {
        "en": "Send /speak followed by the text, or reply to a message with /speak.",
        "zh": "请发送 /speak 加上要朗读的文字，或回复某条消息发送 /speak。",
        "ja": "/speak の後にテキストを付けて送るか、メッセージに返信して /speak と送ってください。",
    },
    "tg_speak_no_text": {
        "en": "That message has no text I could read aloud.",
        "zh": "那条消息里没有可以朗读的文字。",
        "ja": "そのメッセージには読み上げられるテキストがありません。",
    },
    "tg_part": {"en": "Part {index}/{total}", "zh": "第 {index}/{total} 段", "ja": "{index}/{total}"},
    "tg_audio_fallback": {
        "en": "You have voice messages turned off, so here it is as an audio file.",
        "zh": "你关闭了语音消息，所以以音频文件发送。",
        "ja": "ボイスメッセージが無効になっているため、音声ファイルで送ります。",
    },
    # --- voices ---------------------------------------------------------------------------------
    "tg_voices_title": {
        "en": "<b>Voices</b> — tap one to use it. Now: <b>{current}</b>",
        "zh": "<b>音色</b>——点击即可使用。当前：<b>{current}</b>",
        "ja": "<b>声</b> — タップで選択。現在: <b>{current}</b>",
    },
    "tg_voices_presets": {"en": "Presets", "zh": "预设音色", "ja": "プリセット"},
    "tg_voices_clones": {"en": "Your clones", "zh": "你的克隆音色", "ja": "あなたのクローン"},
    "tg_voices_shared": {
        "en": "Used by this chat's characters", "zh": "本群角色使用的音色", "ja": "このチャットのキャラクターの声",
    },
    "tg_voices_no_clones": {
        "en": "No clones yet: send a 10–30 s voice note with the caption /clone NAME.",
        "zh": "还没有克隆音色：发送一条 10–30 秒的语音，并附上说明 /clone 名称。",
        "ja": "クローンはまだありません。10〜30 秒のボイスメッセージにキャプション /clone 名前 を付けて送ってください。",
    },
    "tg_voice_set": {
        "en": "Your voice is now “{name}”.", "zh": "你的音色已改为“{name}”。", "ja": "声を「{name}」にしました。",
    },
    "tg_share_usage": {
        "en": "Send /share_voice NAME on to let others speak with your clone NAME through characters (your key pays "
              "if it made the clone), or /share_voice NAME off.",
        "zh": "发送 /share_voice 名称 on 允许他人通过角色使用你的克隆音色（若由你的密钥创建，则由你的密钥付费），"
              "或发送 /share_voice 名称 off 关闭。",
        "ja": "/share_voice 名前 on で他の人がキャラクターを通じてあなたのクローンを使えるようにします（あなたのキーで"
              "作った声ならあなたのキーで支払われます）。/share_voice 名前 off で解除します。",
    },
    "tg_voice_usage": {
        "en": "Send /voice NAME, or pick one with /voices.",
        "zh": "请发送 /voice 名称，或用 /voices 选择。",
        "ja": "/voice 名前 と送るか、/voices で選んでください。",
    },
    # --- buttons --------------------------------------------------------------------------------
    "tg_not_yours": {
        "en": "These buttons belong to someone else.", "zh": "这些按钮属于其他人。", "ja": "これは他の人のボタンです。",
    },
    "tg_expired": {
        "en": "This has expired. Please send the command again.",
        "zh": "已过期，请重新发送命令。",
        "ja": "期限切れです。もう一度コマンドを送ってください。",
    },
    "tg_btn_confirm": {
        "en": "✅ It's my voice / I have permission",
        "zh": "✅ 这是我的声音 / 我已获授权",
        "ja": "✅ 自分の声です / 許可を得ています",
    },
    "tg_btn_speed_down": {"en": "Speed −", "zh": "语速 −", "ja": "速さ −"},
    "tg_btn_speed_up": {"en": "Speed +", "zh": "语速 +", "ja": "速さ +"},
    "tg_btn_gain_down": {"en": "Gain −", "zh": "音量 −", "ja": "音量 −"},
    "tg_btn_gain_up": {"en": "Gain +", "zh": "音量 +", "ja": "音量 +"},
    "tg_btn_forget": {"en": "🗑 Delete everything", "zh": "🗑 全部删除", "ja": "🗑 すべて削除"},
    "tg_btn_voices": {"en": "🎙 Voices", "zh": "🎙 音色", "ja": "🎙 声"},
    # --- /clone ---------------------------------------------------------------------------------
    "tg_clone_usage": {
        "en": ("To clone a voice, send a voice note or audio file (10–30 s of one clear speaker) with the caption "
               "/clone NAME, or reply to one with /clone NAME. You can add what is said after the name; "
               "otherwise it is recognized automatically."),
        "zh": ("克隆声音：发送一条语音或音频文件（10–30 秒，单人、清晰），并附上说明 /clone 名称；"
               "或回复一条语音发送 /clone 名称。可在名称后附上语音里说的内容，否则会自动识别。"),
        "ja": ("声をクローンするには、ボイスメッセージか音声ファイル（1 人の話者で 10〜30 秒）にキャプション "
               "/clone 名前 を付けて送るか、それに返信して /clone 名前 と送ってください。名前の後に話している内容を"
               "書けます。省略すると自動で認識します。"),
    },
    "tg_clone_confirm": {
        "en": ("Clone the voice “{name}” from this recording ({speech} s of speech)?\n"
               "Transcript: {transcript}\n\n"
               "Only confirm if this is your own voice, or the speaker has allowed you to use it."),
        "zh": ("用这段录音（有效语音 {speech} 秒）克隆音色“{name}”？\n"
               "文本：{transcript}\n\n"
               "请仅在这是你本人的声音，或说话人已允许你使用时确认。"),
        "ja": ("この録音（音声 {speech} 秒）から声「{name}」をクローンしますか？\n"
               "文字起こし: {transcript}\n\n"
               "自分の声であるか、話者の許可を得ている場合のみ確認してください。"),
    },
    "tg_transcript_auto": {"en": "(recognized automatically)", "zh": "（自动识别）", "ja": "（自動認識）"},
    "tg_clone_working": {
        "en": "Cloning “{name}”…", "zh": "正在克隆“{name}”…", "ja": "「{name}」をクローンしています…",
    },
    "tg_clone_done": {
        "en": "Done: “{name}” is ready and is now your voice. Try /speak hello. Switch voices with /voices.",
        "zh": "完成：“{name}”已就绪，并已设为你的音色。试试 /speak 你好。用 /voices 切换音色。",
        "ja": "完了: 「{name}」の準備ができ、あなたの声に設定しました。/speak こんにちは で試せます。/voices で切り替えられます。",
    },
    "tg_clone_cancelled": {
        "en": "Cancelled. Nothing was uploaded.", "zh": "已取消，未上传任何内容。", "ja": "キャンセルしました。何もアップロードしていません。",
    },
    "tg_clone_failed": {"en": "Cloning failed: {error}", "zh": "克隆失败：{error}", "ja": "クローンに失敗しました: {error}"},
    "tg_audio_hint": {
        "en": "To clone this voice, reply to it with /clone NAME.",
        "zh": "要克隆这个声音，请回复它并发送 /clone 名称。",
        "ja": "この声をクローンするには、返信で /clone 名前 と送ってください。",
    },
    # --- settings -------------------------------------------------------------------------------
    "tg_settings": {
        "en": ("<b>Your settings</b>\n"
               "Voice: {voice}\nSpeed: {speed}×\nGain: {gain} dB\nLanguage: {language}\nStyle: {style}\n"
               "Replies in: {ui}\nEngine: {engine}\nAPI key: {api_key}"),
        "zh": ("<b>你的设置</b>\n"
               "音色：{voice}\n语速：{speed}×\n音量：{gain} dB\n语言：{language}\n风格：{style}\n"
               "回复语言：{ui}\n引擎：{engine}\nAPI 密钥：{api_key}"),
        "ja": ("<b>あなたの設定</b>\n"
               "声: {voice}\n速さ: {speed}×\n音量: {gain} dB\n言語: {language}\nスタイル: {style}\n"
               "返信の言語: {ui}\nエンジン: {engine}\nAPI キー: {api_key}"),
    },
    "tg_settings_chat": {
        "en": "\n\n<b>This chat's defaults</b> (set by admins): {values}",
        "zh": "\n\n<b>本群默认设置</b>（由管理员设置）：{values}",
        "ja": "\n\n<b>このチャットの既定値</b>（管理者が設定）: {values}",
    },
    "tg_key_own_hidden": {"en": "your own (shown in a private chat)", "zh": "你自己的（仅在私聊中显示）",
                          "ja": "自分のキー（個人チャットで表示）"},
    "tg_key_operator": {"en": "none of your own", "zh": "未设置（使用机器人的）", "ja": "自分のキーなし"},
    "tg_engine_siliconflow": {
        "en": "CosyVoice2 (SiliconFlow)", "zh": "CosyVoice2（SiliconFlow）", "ja": "CosyVoice2（SiliconFlow）",
    },
    "tg_engine_local": {"en": "offline engine", "zh": "离线引擎", "ja": "オフラインエンジン"},
    "tg_speed_set": {"en": "Speed: {value}×.", "zh": "语速：{value}×。", "ja": "速さ: {value}×。"},
    "tg_speed_usage": {
        "en": "Send /speed followed by a number from 0.25 to 4 (now {value}×).",
        "zh": "请发送 /speed 加 0.25 到 4 之间的数字（当前 {value}×）。",
        "ja": "/speed の後に 0.25〜4 の数値を付けて送ってください（現在 {value}×）。",
    },
    "tg_gain_set": {"en": "Gain: {value} dB.", "zh": "音量：{value} dB。", "ja": "音量: {value} dB。"},
    "tg_gain_usage": {
        "en": "Send /gain followed by a number of dB from −10 to 10 (now {value} dB).",
        "zh": "请发送 /gain 加 −10 到 10 之间的分贝数（当前 {value} dB）。",
        "ja": "/gain の後に −10〜10 の dB 値を付けて送ってください（現在 {value} dB）。",
    },
    "tg_lang_set": {"en": "Speech language: {value}.", "zh": "朗读语言：{value}。", "ja": "読み上げの言語: {value}。"},
    "tg_lang_usage": {
        "en": ("Speech language: {speech} — change with /lang auto|zh|en|ja|ko|yue.\n"
               "I reply in: {ui} — change with /lang ui en|zh|ja|auto."),
        "zh": ("朗读语言：{speech}——用 /lang auto|zh|en|ja|ko|yue 修改。\n"
               "回复语言：{ui}——用 /lang ui en|zh|ja|auto 修改。"),
        "ja": ("読み上げの言語: {speech} — /lang auto|zh|en|ja|ko|yue で変更。\n"
               "返信の言語: {ui} — /lang ui en|zh|ja|auto で変更。"),
    },
    "tg_ui_set": {
        "en": "I'll reply in English.", "zh": "我会用中文回复你。", "ja": "これからは日本語で返信します。",
    },
    "tg_style_set": {"en": "Style: {value}.", "zh": "风格：{value}。", "ja": "スタイル: {value}。"},
    "tg_style_off": {"en": "Style off.", "zh": "已关闭风格。", "ja": "スタイルを解除しました。"},
    "tg_style_usage": {
        "en": ("Style now: {value}. Tap a preset, or send /style followed by free text "
               "(e.g. “slowly, like a storyteller”); /style off turns it off."),
        "zh": "当前风格：{value}。点击预设，或发送 /style 加自由描述（如“像讲故事一样慢慢说”）；/style off 关闭。",
        "ja": "現在のスタイル: {value}。プリセットをタップするか、/style の後に自由に書いてください（例「ゆっくり語るように」）。/style off で解除。",
    },
    "tg_btn_style_off": {"en": "Off", "zh": "关闭", "ja": "オフ"},
    "tg_settings_pronunciations": {
        "en": "Pronunciations: {count} (/pronounce)", "zh": "读法词典：{count} 条（/pronounce）",
        "ja": "読み方辞書: {count} 件（/pronounce）",
    },
    "tg_settings_linked": {
        "en": "Linked with: {platforms} (/unlink)", "zh": "已关联：{platforms}（/unlink）",
        "ja": "連携中: {platforms}（/unlink）",
    },
    "tg_chat_set": {
        "en": "Chat default {name}: {value}.", "zh": "本群默认 {name}：{value}。", "ja": "チャットの既定値 {name}: {value}。",
    },
    "tg_chat_usage": {
        "en": ("Group admins can set this chat's defaults: /settings chat voice|speed|gain|language|style VALUE "
               "(VALUE reset clears one)."),
        "zh": "群管理员可设置本群默认值：/settings chat voice|speed|gain|language|style 值（值为 reset 时清除）。",
        "ja": "グループ管理者はこのチャットの既定値を設定できます: /settings chat voice|speed|gain|language|style 値（reset で解除）。",
    },
    # --- /pronounce ------------------------------------------------------------------------------
    "tg_pron_set": {
        "en": "From now on I read “{word}” as “{spoken}”.",
        "zh": "以后“{word}”会读作“{spoken}”。",
        "ja": "今後「{word}」は「{spoken}」と読みます。",
    },
    "tg_pron_chat_set": {
        "en": "In this chat I now read “{word}” as “{spoken}” for everyone (anyone's own entry still wins).",
        "zh": "在本群中，“{word}”现在对所有人读作“{spoken}”（个人词典优先）。",
        "ja": "このチャットでは全員について「{word}」を「{spoken}」と読みます（個人の辞書が優先）。",
    },
    "tg_pron_mine": {"en": "<b>Your pronunciations</b>", "zh": "<b>你的读法词典</b>", "ja": "<b>あなたの読み方辞書</b>"},
    "tg_pron_chat": {"en": "<b>This chat's pronunciations</b>", "zh": "<b>本群的读法词典</b>",
                     "ja": "<b>このチャットの読み方辞書</b>"},
    "tg_pron_entry": {"en": "{word} → {spoken}", "zh": "{word} → {spoken}", "ja": "{word} → {spoken}"},
    "tg_pron_usage": {
        "en": ("/pronounce WORD SAY-AS reads a word your way, e.g. <code>/pronounce gif jif</code>; for a phrase, "
               "<code>/pronounce New York = noo york</code>. /pronounce WORD alone removes it. "
               "Group admins: /pronounce chat WORD SAY-AS sets it for everyone here."),
        "zh": ("/pronounce 词 读法：按你的方式读某个词，例如 <code>/pronounce gif jif</code>；短语用 "
               "<code>/pronounce 纽约 = 牛约</code>。只发 /pronounce 词 即删除。"
               "群管理员：/pronounce chat 词 读法 为本群所有人设置。"),
        "ja": ("/pronounce 単語 読み方 で単語の読み方を決めます（例 <code>/pronounce gif jif</code>、フレーズは "
               "<code>/pronounce New York = ニューヨーク</code>）。/pronounce 単語 だけで削除。"
               "グループ管理者: /pronounce chat 単語 読み方 でこのチャット全員に設定。"),
    },
    # --- /link, /unlink ----------------------------------------------------------------------------
    "tg_link_code": {
        "en": ("Your link code: <code>{code}</code> (valid once, for 10 minutes). Send <code>/link {code}</code> "
               "to me on Discord: then both accounts share your voices, settings, dictionary and key. "
               "Don't show the code to anyone."),
        "zh": ("你的关联码：<code>{code}</code>（一次有效，10 分钟内）。在 Discord 上向我发送 <code>/link {code}</code>，"
               "两个账号就会共用你的音色、设置、词典和密钥。不要把关联码给别人看。"),
        "ja": ("連携コード: <code>{code}</code>（1 回限り、10 分間有効）。Discord で私に <code>/link {code}</code> を送ると、"
               "両方のアカウントで声・設定・辞書・キーを共有します。コードは誰にも見せないでください。"),
    },
    "tg_link_status": {
        "en": "This account is linked with your {platforms} account. /unlink separates them.",
        "zh": "此账号已与你的 {platforms} 账号关联。发送 /unlink 可取消关联。",
        "ja": "このアカウントは {platforms} のアカウントと連携しています。/unlink で解除できます。",
    },
    "tg_not_linked": {
        "en": "This account isn't linked. /link gives you a code to type on Discord.",
        "zh": "此账号尚未关联。发送 /link 获取可在 Discord 上输入的关联码。",
        "ja": "このアカウントは連携していません。/link で Discord に入力するコードを受け取れます。",
    },
    # --- /key -----------------------------------------------------------------------------------
    "tg_key_saved": {
        "en": "Saved your key {masked}. Your requests now use your own SiliconFlow account.",
        "zh": "已保存你的密钥 {masked}。之后的请求将使用你自己的 SiliconFlow 账户。",
        "ja": "キー {masked} を保存しました。今後のリクエストはあなたの SiliconFlow アカウントを使います。",
    },
    "tg_key_deleted_msg": {
        "en": "I deleted your message so the key isn't left in the chat.",
        "zh": "我已删除你的消息，以免密钥留在聊天记录中。",
        "ja": "キーが残らないよう、あなたのメッセージを削除しました。",
    },
    "tg_key_delete_it": {
        "en": "Please delete your message with the key yourself.",
        "zh": "请自行删除含有密钥的消息。",
        "ja": "キーを含むメッセージをご自身で削除してください。",
    },
    "tg_key_group_deleted": {
        "en": "I deleted that message.", "zh": "我已删除那条消息。", "ja": "そのメッセージは削除しました。",
    },
    "tg_key_group_not_deleted": {
        "en": "I can't delete messages here: delete it yourself.",
        "zh": "我无法在这里删除消息，请自行删除。",
        "ja": "ここではメッセージを削除できません。ご自身で削除してください。",
    },
    "tg_key_group_use_private": {
        "en": "/key works only in a private chat with me.",
        "zh": "/key 只能在与我的私聊中使用。",
        "ja": "/key は私との個人チャットでのみ使えます。",
    },
    "tg_key_cleared": {
        "en": "Your key is removed.", "zh": "你的密钥已删除。", "ja": "キーを削除しました。",
    },
    "tg_key_none_to_clear": {"en": "You had no key set.", "zh": "你还没有设置密钥。", "ja": "キーは設定されていません。"},
    "tg_key_status": {
        "en": "Your key: {hint}. Send /key KEY to replace it, /key clear to remove it.",
        "zh": "你的密钥：{hint}。发送 /key 密钥 可替换，/key clear 可删除。",
        "ja": "あなたのキー: {hint}。/key キー で置き換え、/key clear で削除します。",
    },
    "tg_key_status_none": {
        "en": ("You have no key of your own. Send /key KEY with your SiliconFlow API key to use your own account "
               "(and to clone voices on it)."),
        "zh": "你还没有自己的密钥。发送 /key 你的 SiliconFlow API 密钥，即可使用自己的账户（并在其上克隆音色）。",
        "ja": "自分のキーは未設定です。/key に SiliconFlow の API キーを付けて送ると、自分のアカウントを使えます（声のクローンも）。",
    },
    # --- /usage ---------------------------------------------------------------------------------
    "tg_usage": {
        "en": ("<b>Usage</b>\nToday: {today_bytes} bytes in {today_requests} requests{limit}\n"
               "In total: {total_bytes} bytes in {total_requests} requests\n"
               "Estimated cost: {cost} {currency}"),
        "zh": ("<b>用量</b>\n今日：{today_requests} 次请求，{today_bytes} 字节{limit}\n"
               "累计：{total_requests} 次请求，{total_bytes} 字节\n"
               "估算费用：{cost} {currency}"),
        "ja": ("<b>使用量</b>\n今日: {today_requests} 回、{today_bytes} バイト{limit}\n"
               "合計: {total_requests} 回、{total_bytes} バイト\n"
               "推定費用: {cost} {currency}"),
    },
    "tg_usage_own_key": {
        "en": "\nYour own key ({hint}) pays for your requests.",
        "zh": "\n你的请求由你自己的密钥（{hint}）付费。",
        "ja": "\nリクエストはあなたのキー（{hint}）で支払われます。",
    },
    # --- /forget --------------------------------------------------------------------------------
    "tg_forget_confirm": {
        "en": ("Delete everything I store about you — settings, API key, usage and your cloned voices "
               "(at the provider too)? This can't be undone."),
        "zh": "删除我保存的关于你的全部数据——设置、API 密钥、用量以及你的克隆音色（包括服务商处的）？此操作无法撤销。",
        "ja": "あなたについて保存しているもの（設定、API キー、使用量、クローンした声。サービス側も含む）をすべて削除しますか？元に戻せません。",
    },
    "tg_forget_done": {
        "en": "Done: everything about you is deleted.",
        "zh": "完成：关于你的数据已全部删除。",
        "ja": "完了: あなたに関するデータをすべて削除しました。",
    },
    "tg_forget_voices": {
        "en": " Deleted voices: {names}.", "zh": "已删除音色：{names}。", "ja": " 削除した声: {names}。",
    },
    "tg_forget_partial": {
        "en": ("I couldn't delete these voices at the provider: {names}. Nothing else was deleted yet; "
               "please try /forget again later."),
        "zh": "无法在服务商处删除这些音色：{names}。其他数据暂未删除，请稍后再次发送 /forget。",
        "ja": "次の声をサービス側で削除できませんでした: {names}。他のデータはまだ削除していません。後でもう一度 /forget を送ってください。",
    },
    "tg_forget_cancelled": {"en": "Nothing was deleted.", "zh": "未删除任何内容。", "ja": "何も削除していません。"},
    # --- command descriptions for setMyCommands -------------------------------------------------
    "tg_cmd_start": {"en": "What this bot does", "zh": "机器人介绍", "ja": "このボットについて"},
    "tg_cmd_help": {"en": "All commands", "zh": "全部命令", "ja": "コマンド一覧"},
    "tg_cmd_speak": {"en": "Read text aloud as a voice note", "zh": "把文字读成语音", "ja": "テキストを読み上げる"},
    "tg_cmd_voices": {"en": "Pick a voice", "zh": "选择音色", "ja": "声を選ぶ"},
    "tg_cmd_voice": {"en": "Choose a voice by name", "zh": "按名称选择音色", "ja": "名前で声を選ぶ"},
    "tg_cmd_clone": {"en": "Clone a voice from a voice note", "zh": "用语音克隆声音", "ja": "ボイスメッセージから声をクローン"},
    "tg_cmd_settings": {"en": "Your settings", "zh": "你的设置", "ja": "設定"},
    "tg_cmd_speed": {"en": "Speaking speed (0.25–4)", "zh": "语速（0.25–4）", "ja": "速さ（0.25〜4）"},
    "tg_cmd_gain": {"en": "Volume gain in dB (−10…10)", "zh": "音量增益 dB（−10…10）", "ja": "音量 dB（−10〜10）"},
    "tg_cmd_lang": {"en": "Speech or reply language", "zh": "朗读或回复语言", "ja": "読み上げ・返信の言語"},
    "tg_cmd_style": {"en": "Emotion or dialect", "zh": "语气或方言", "ja": "感情や方言"},
    "tg_cmd_key": {"en": "Use your own SiliconFlow key", "zh": "使用自己的 SiliconFlow 密钥", "ja": "自分の SiliconFlow キーを使う"},
    "tg_cmd_usage": {"en": "What you have used", "zh": "用量", "ja": "使用量"},
    "tg_cmd_pronounce": {"en": "How to read a word", "zh": "设置词语读法", "ja": "単語の読み方"},
    "tg_cmd_link": {"en": "Share your voices with Discord", "zh": "与 Discord 共用音色", "ja": "Discord と声を共有"},
    "tg_cmd_forget": {"en": "Delete your data", "zh": "删除你的数据", "ja": "データを削除"},
}


def register_strings() -> None:
    """Add the adapter's strings to the catalogue (idempotent); core's ``notice_…`` sentences win."""
    register(STRINGS)
    missing = {key: value for key, value in _NOTICES.items() if t(key, "en") == key}
    if missing:
        register(missing)


register_strings()

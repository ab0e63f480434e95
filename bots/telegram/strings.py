"""The Telegram adapter's own sentences, in English, Chinese and Japanese.

Errors come from :func:`core.i18n.error_text` and what every adapter says alike from :mod:`core.strings`;
everything else this bot says is here and is looked up with :func:`core.i18n.t`. Importing this module
registers them.
"""

from __future__ import annotations

from core.i18n import LANGUAGE_NAMES, UI_LANGUAGES, register

#: Names of the reply (UI) languages, as the buttons show them.
UI_NAMES: dict[str, str] = {code: LANGUAGE_NAMES[code] for code in UI_LANGUAGES}

STRINGS: dict[str, dict[str, str]] = {
    # --- words core's sentences take as parameters ---------------------------------------------
    "allowed_utf8_text": {"en": "UTF-8 text", "zh": "UTF-8 文本", "ja": "UTF-8 のテキスト"},
    # --- /start and /help ---------------------------------------------------------------------
    "start_intro": {
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
    "help_overview": {
        "en": ("<b>Speaking</b>\n"
               "/speak TEXT — a voice note of TEXT (or reply to a message with /speak)\n"
               "In a private chat, any text you send is read aloud, and so is a .txt or .md file.\n\n"
               "<b>Voices</b>\n"
               "/voices — presets and your clones; tap one to use it\n"
               "/voice NAME — choose a voice\n"
               "/clone NAME [transcript] — send a 10–30 s voice note with this caption, or reply to one. "
               "Without a transcript it is recognized automatically.\n"
               "/share_voice NAME on|off — whether others may speak with your clone through characters\n"
               "/delete_voice NAME — delete one of your clones (asks first)\n"
               "/adopt_voice speech:… NAME — add a voice you cloned elsewhere with your own key\n"
               "In /voices, ▶ plays a sample; in a private chat it shows your clones' IDs.\n"
               "Reply to your own voice note with /speak TEXT to hear TEXT once in that voice (nothing is stored).\n\n"
               "<b>Settings</b>\n"
               "/settings — view and change everything\n"
               "/speed 0.25–4 · /gain −10…10 (dB)\n"
               "/lang auto|zh|en|ja|ko|yue — speech language\n"
               "/lang ui en|zh|ja|auto — the language I reply in\n"
               "/style STYLE — e.g. happy, sad, whisper, 粤语, 四川话, or free text; /style off\n"
               "/format voice|mp3|wav [RATE] — voice notes, or MP3/WAV files, in this chat\n"
               "/pronounce WORD SAY-AS — read a word your way (/pronounce lists them)\n\n"
               "<b>Account</b>\n"
               "/key KEY — use your own SiliconFlow key (private chat only); /key clear\n"
               "/usage — what you have used\n"
               "/link — use the same voices and settings on Discord; /unlink\n"
               "/web — a one-time link to the web console (clone, settings, usage)\n"
               "/forget — delete everything stored about you"),
        "zh": ("<b>朗读</b>\n"
               "/speak 文本——把文本变成语音消息（也可回复某条消息发送 /speak）\n"
               "在私聊中，你发送的任何文字以及 .txt、.md 文件都会被朗读。\n\n"
               "<b>音色</b>\n"
               "/voices——预设音色和你的克隆音色，点击即可使用\n"
               "/voice 名称——选择音色\n"
               "/clone 名称 [文本]——发送 10–30 秒语音并附上此说明，或回复一条语音。"
               "不填文本时会自动识别。\n"
               "/share_voice 名称 on|off——是否允许他人通过角色使用你的克隆音色\n"
               "/delete_voice 名称——删除一个克隆音色（会先确认）\n"
               "/adopt_voice speech:… 名称——添加你用自己的密钥在别处克隆的音色\n"
               "在 /voices 中点 ▶ 试听；私聊中还会显示你克隆音色的 ID。\n"
               "回复你自己的语音并发送 /speak 文本，即可用那个声音朗读一次（不保存任何内容）。\n\n"
               "<b>设置</b>\n"
               "/settings——查看并修改全部设置\n"
               "/speed 0.25–4 · /gain −10…10（dB）\n"
               "/lang auto|zh|en|ja|ko|yue——朗读语言\n"
               "/lang ui en|zh|ja|auto——我回复你时使用的语言\n"
               "/style 风格——如 开心、悲伤、耳语、粤语、四川话，或自由描述；/style off 关闭\n"
               "/format voice|mp3|wav [采样率]——在此聊天中发送语音消息，或 MP3/WAV 文件\n"
               "/pronounce 词 读法——按你的方式读某个词（/pronounce 查看全部）\n\n"
               "<b>账户</b>\n"
               "/key 密钥——使用你自己的 SiliconFlow 密钥（仅限私聊）；/key clear 清除\n"
               "/usage——用量\n"
               "/link——在 Discord 上使用相同的音色和设置；/unlink 取消\n"
               "/web——网页控制台的一次性登录链接（克隆、设置、用量）\n"
               "/forget——删除关于你的全部数据"),
        "ja": ("<b>読み上げ</b>\n"
               "/speak テキスト — テキストをボイスメッセージに（メッセージに返信して /speak も可）\n"
               "個人チャットでは、送ったテキストも .txt・.md ファイルもすべて読み上げます。\n\n"
               "<b>声</b>\n"
               "/voices — プリセットとあなたのクローン。タップで選択\n"
               "/voice 名前 — 声を選ぶ\n"
               "/clone 名前 [文字起こし] — 10〜30 秒のボイスメッセージにこのキャプションを付けるか、返信で送信。"
               "文字起こしを省くと自動で認識します。\n"
               "/share_voice 名前 on|off — 他の人がキャラクターを通じてあなたのクローンを使えるか\n"
               "/delete_voice 名前 — クローンを 1 つ削除（確認あり）\n"
               "/adopt_voice speech:… 名前 — 自分のキーで別の場所で作った声を追加\n"
               "/voices の ▶ でサンプルを再生。個人チャットではクローンの ID も表示します。\n"
               "自分のボイスメッセージに返信して /speak テキスト と送ると、その声で一度だけ読み上げます（何も保存しません）。\n\n"
               "<b>設定</b>\n"
               "/settings — 設定の表示と変更\n"
               "/speed 0.25〜4 · /gain −10〜10（dB）\n"
               "/lang auto|zh|en|ja|ko|yue — 読み上げの言語\n"
               "/lang ui en|zh|ja|auto — 返信の言語\n"
               "/style スタイル — happy、sad、whisper、粤語、四川話 など、または自由記述。/style off で解除\n"
               "/format voice|mp3|wav [レート] — このチャットでボイスメッセージか MP3/WAV ファイルで送る\n"
               "/pronounce 単語 読み方 — 単語の読み方を決める（/pronounce で一覧）\n\n"
               "<b>アカウント</b>\n"
               "/key キー — 自分の SiliconFlow キーを使う（個人チャットのみ）。/key clear で削除\n"
               "/usage — 使用量\n"
               "/link — Discord でも同じ声と設定を使う。/unlink で解除\n"
               "/web — ウェブコンソールへの 1 回限りのリンク（クローン、設定、使用量）\n"
               "/forget — あなたに関するデータをすべて削除"),
    },
    # --- /speak ---------------------------------------------------------------------------------
    "speak_usage": {
        "en": "Send /speak followed by the text, or reply to a message with /speak.",
        "zh": "请发送 /speak 加上要朗读的文字，或回复某条消息发送 /speak。",
        "ja": "/speak の後にテキストを付けて送るか、メッセージに返信して /speak と送ってください。",
    },
    "speak_no_text": {
        "en": "That message has no text I could read aloud.",
        "zh": "那条消息里没有可以朗读的文字。",
        "ja": "そのメッセージには読み上げられるテキストがありません。",
    },
    "note_part": {"en": "Part {index}/{total}", "zh": "第 {index}/{total} 段", "ja": "{index}/{total}"},
    "sent_as_audio_voice_notes_off": {
        "en": "You have voice messages turned off, so here it is as an audio file.",
        "zh": "你关闭了语音消息，所以以音频文件发送。",
        "ja": "ボイスメッセージが無効になっているため、音声ファイルで送ります。",
    },
    # --- voices ---------------------------------------------------------------------------------
    "voices_menu_title": {
        "en": "<b>Voices</b> — tap one to use it. Now: <b>{current}</b>",
        "zh": "<b>音色</b>——点击即可使用。当前：<b>{current}</b>",
        "ja": "<b>声</b> — タップで選択。現在: <b>{current}</b>",
    },
    "voices_no_clones_send_note": {
        "en": "No clones yet: send a 10–30 s voice note with the caption /clone NAME.",
        "zh": "还没有克隆音色：发送一条 10–30 秒的语音，并附上说明 /clone 名称。",
        "ja": "クローンはまだありません。10〜30 秒のボイスメッセージにキャプション /clone 名前 を付けて送ってください。",
    },
    "share_voice_usage": {
        "en": "Send /share_voice NAME on to let others speak with your clone NAME through characters (your key pays "
              "if it made the clone), or /share_voice NAME off.",
        "zh": "发送 /share_voice 名称 on 允许他人通过角色使用你的克隆音色（若由你的密钥创建，则由你的密钥付费），"
              "或发送 /share_voice 名称 off 关闭。",
        "ja": "/share_voice 名前 on で他の人がキャラクターを通じてあなたのクローンを使えるようにします（あなたのキーで"
              "作った声ならあなたのキーで支払われます）。/share_voice 名前 off で解除します。",
    },
    "voice_usage": {
        "en": "Send /voice NAME, or pick one with /voices.",
        "zh": "请发送 /voice 名称，或用 /voices 选择。",
        "ja": "/voice 名前 と送るか、/voices で選んでください。",
    },
    # --- buttons --------------------------------------------------------------------------------
    "not_yours": {
        "en": "These buttons belong to someone else.", "zh": "这些按钮属于其他人。", "ja": "これは他の人のボタンです。",
    },
    "pending_expired": {
        "en": "This has expired. Please send the command again.",
        "zh": "已过期，请重新发送命令。",
        "ja": "期限切れです。もう一度コマンドを送ってください。",
    },
    "button_speed_down": {"en": "Speed −", "zh": "语速 −", "ja": "速さ −"},
    "button_speed_up": {"en": "Speed +", "zh": "语速 +", "ja": "速さ +"},
    "button_gain_down": {"en": "Gain −", "zh": "音量 −", "ja": "音量 −"},
    "button_gain_up": {"en": "Gain +", "zh": "音量 +", "ja": "音量 +"},
    "button_voices": {"en": "🎙 Voices", "zh": "🎙 音色", "ja": "🎙 声"},
    # --- /clone ---------------------------------------------------------------------------------
    "clone_usage": {
        "en": ("To clone a voice, send a voice note or audio file (10–30 s of one clear speaker) with the caption "
               "/clone NAME, or reply to one with /clone NAME. You can add what is said after the name; "
               "otherwise it is recognized automatically."),
        "zh": ("克隆声音：发送一条语音或音频文件（10–30 秒，单人、清晰），并附上说明 /clone 名称；"
               "或回复一条语音发送 /clone 名称。可在名称后附上语音里说的内容，否则会自动识别。"),
        "ja": ("声をクローンするには、ボイスメッセージか音声ファイル（1 人の話者で 10〜30 秒）にキャプション "
               "/clone 名前 を付けて送るか、それに返信して /clone 名前 と送ってください。名前の後に話している内容を"
               "書けます。省略すると自動で認識します。"),
    },
    "clone_consent_prompt": {
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
    "transcript_auto": {"en": "(recognized automatically)", "zh": "（自动识别）", "ja": "（自動認識）"},
    "clone_done_try_it": {
        "en": "Done: “{name}” is ready and is now your voice. Try /speak hello. Switch voices with /voices.",
        "zh": "完成：“{name}”已就绪，并已设为你的音色。试试 /speak 你好。用 /voices 切换音色。",
        "ja": "完了: 「{name}」の準備ができ、あなたの声に設定しました。/speak こんにちは で試せます。/voices で切り替えられます。",
    },
    "clone_cancelled": {
        "en": "Cancelled. Nothing was uploaded.", "zh": "已取消，未上传任何内容。", "ja": "キャンセルしました。何もアップロードしていません。",
    },
    "clone_failed": {"en": "Cloning failed: {error}", "zh": "克隆失败：{error}", "ja": "クローンに失敗しました: {error}"},
    "clone_reply_hint": {
        "en": "To clone this voice, reply to it with /clone NAME.",
        "zh": "要克隆这个声音，请回复它并发送 /clone 名称。",
        "ja": "この声をクローンするには、返信で /clone 名前 と送ってください。",
    },
    # --- settings -------------------------------------------------------------------------------
    "settings_card": {
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
    "settings_chat_defaults": {
        "en": "\n\n<b>This chat's defaults</b> (set by admins): {values}",
        "zh": "\n\n<b>本群默认设置</b>（由管理员设置）：{values}",
        "ja": "\n\n<b>このチャットの既定値</b>（管理者が設定）: {values}",
    },
    "key_own_hidden": {"en": "your own (shown in a private chat)", "zh": "你自己的（仅在私聊中显示）",
                       "ja": "自分のキー（個人チャットで表示）"},
    "engine_siliconflow": {
        "en": "CosyVoice2 (SiliconFlow)", "zh": "CosyVoice2（SiliconFlow）", "ja": "CosyVoice2（SiliconFlow）",
    },
    "engine_local": {"en": "offline engine", "zh": "离线引擎", "ja": "オフラインエンジン"},
    "speed_usage": {
        "en": "Send /speed followed by a number from 0.25 to 4 (now {value}×).",
        "zh": "请发送 /speed 加 0.25 到 4 之间的数字（当前 {value}×）。",
        "ja": "/speed の後に 0.25〜4 の数値を付けて送ってください（現在 {value}×）。",
    },
    "gain_usage": {
        "en": "Send /gain followed by a number of dB from −10 to 10 (now {value} dB).",
        "zh": "请发送 /gain 加 −10 到 10 之间的分贝数（当前 {value} dB）。",
        "ja": "/gain の後に −10〜10 の dB 値を付けて送ってください（現在 {value} dB）。",
    },
    "language_usage": {
        "en": ("Speech language: {speech} — change with /lang auto|zh|en|ja|ko|yue.\n"
               "I reply in: {ui} — change with /lang ui en|zh|ja|auto."),
        "zh": ("朗读语言：{speech}——用 /lang auto|zh|en|ja|ko|yue 修改。\n"
               "回复语言：{ui}——用 /lang ui en|zh|ja|auto 修改。"),
        "ja": ("読み上げの言語: {speech} — /lang auto|zh|en|ja|ko|yue で変更。\n"
               "返信の言語: {ui} — /lang ui en|zh|ja|auto で変更。"),
    },
    "style_usage": {
        "en": ("Style now: {value}. Tap a preset, or send /style followed by free text "
               "(e.g. “slowly, like a storyteller”); /style off turns it off."),
        "zh": "当前风格：{value}。点击预设，或发送 /style 加自由描述（如“像讲故事一样慢慢说”）；/style off 关闭。",
        "ja": "現在のスタイル: {value}。プリセットをタップするか、/style の後に自由に書いてください（例「ゆっくり語るように」）。/style off で解除。",
    },
    "button_style_off": {"en": "Off", "zh": "关闭", "ja": "オフ"},
    "settings_pronunciations_count": {
        "en": "Pronunciations: {count} (/pronounce)", "zh": "读法词典：{count} 条（/pronounce）",
        "ja": "読み方辞書: {count} 件（/pronounce）",
    },
    "settings_linked_with": {
        "en": "Linked with: {platforms} (/unlink)", "zh": "已关联：{platforms}（/unlink）",
        "ja": "連携中: {platforms}（/unlink）",
    },
    "chat_default_set": {
        "en": "Chat default {name}: {value}.", "zh": "本群默认 {name}：{value}。", "ja": "チャットの既定値 {name}: {value}。",
    },
    "chat_defaults_usage": {
        "en": ("Group admins can set this chat's defaults: /settings chat voice|speed|gain|language|style VALUE "
               "(VALUE reset clears one)."),
        "zh": "群管理员可设置本群默认值：/settings chat voice|speed|gain|language|style 值（值为 reset 时清除）。",
        "ja": "グループ管理者はこのチャットの既定値を設定できます: /settings chat voice|speed|gain|language|style 値（reset で解除）。",
    },
    # --- /pronounce ------------------------------------------------------------------------------
    "pronunciation_set": {
        "en": "From now on I read “{word}” as “{spoken}”.",
        "zh": "以后“{word}”会读作“{spoken}”。",
        "ja": "今後「{word}」は「{spoken}」と読みます。",
    },
    "pronunciations_heading_mine": {"en": "<b>Your pronunciations</b>", "zh": "<b>你的读法词典</b>",
                                    "ja": "<b>あなたの読み方辞書</b>"},
    "pronunciations_heading_chat": {"en": "<b>This chat's pronunciations</b>", "zh": "<b>本群的读法词典</b>",
                                    "ja": "<b>このチャットの読み方辞書</b>"},
    "pronunciation_entry": {"en": "{word} → {spoken}", "zh": "{word} → {spoken}", "ja": "{word} → {spoken}"},
    "pronounce_usage": {
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
    # --- /key -----------------------------------------------------------------------------------
    "key_saved": {
        "en": "Saved your key {masked}. Your requests now use your own SiliconFlow account.",
        "zh": "已保存你的密钥 {masked}。之后的请求将使用你自己的 SiliconFlow 账户。",
        "ja": "キー {masked} を保存しました。今後のリクエストはあなたの SiliconFlow アカウントを使います。",
    },
    "key_message_deleted": {
        "en": "I deleted your message so the key isn't left in the chat.",
        "zh": "我已删除你的消息，以免密钥留在聊天记录中。",
        "ja": "キーが残らないよう、あなたのメッセージを削除しました。",
    },
    "key_message_delete_it": {
        "en": "Please delete your message with the key yourself.",
        "zh": "请自行删除含有密钥的消息。",
        "ja": "キーを含むメッセージをご自身で削除してください。",
    },
    "key_group_message_deleted": {
        "en": "I deleted that message.", "zh": "我已删除那条消息。", "ja": "そのメッセージは削除しました。",
    },
    "key_group_message_not_deleted": {
        "en": "I can't delete messages here: delete it yourself.",
        "zh": "我无法在这里删除消息，请自行删除。",
        "ja": "ここではメッセージを削除できません。ご自身で削除してください。",
    },
    "key_private_only": {
        "en": "/key works only in a private chat with me.",
        "zh": "/key 只能在与我的私聊中使用。",
        "ja": "/key は私との個人チャットでのみ使えます。",
    },
    "key_removed": {
        "en": "Your key is removed.", "zh": "你的密钥已删除。", "ja": "キーを削除しました。",
    },
    "key_status": {
        "en": "Your key: {hint}. Send /key KEY to replace it, /key clear to remove it.",
        "zh": "你的密钥：{hint}。发送 /key 密钥 可替换，/key clear 可删除。",
        "ja": "あなたのキー: {hint}。/key キー で置き換え、/key clear で削除します。",
    },
    "key_status_none": {
        "en": ("You have no key of your own. Send /key KEY with your SiliconFlow API key to use your own account "
               "(and to clone voices on it)."),
        "zh": "你还没有自己的密钥。发送 /key 你的 SiliconFlow API 密钥，即可使用自己的账户（并在其上克隆音色）。",
        "ja": "自分のキーは未設定です。/key に SiliconFlow の API キーを付けて送ると、自分のアカウントを使えます（声のクローンも）。",
    },
    # --- /usage ---------------------------------------------------------------------------------
    "usage_report": {
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
    "usage_own_key": {
        "en": "\nYour own key ({hint}) pays for your requests.",
        "zh": "\n你的请求由你自己的密钥（{hint}）付费。",
        "ja": "\nリクエストはあなたのキー（{hint}）で支払われます。",
    },
    # --- /forget --------------------------------------------------------------------------------
    "forget_done": {
        "en": "Done: everything about you is deleted.",
        "zh": "完成：关于你的数据已全部删除。",
        "ja": "完了: あなたに関するデータをすべて削除しました。",
    },
    "forget_deleted_voices": {
        "en": " Deleted voices: {names}.", "zh": "已删除音色：{names}。", "ja": " 削除した声: {names}。",
    },
    "forget_cancelled": {"en": "Nothing was deleted.", "zh": "未删除任何内容。", "ja": "何も削除していません。"},
    # --- command descriptions for setMyCommands -------------------------------------------------
    "command_menu_start": {"en": "What this bot does", "zh": "机器人介绍", "ja": "このボットについて"},
    "command_menu_help": {"en": "All commands", "zh": "全部命令", "ja": "コマンド一覧"},
    "command_menu_speak": {"en": "Read text aloud as a voice note", "zh": "把文字读成语音", "ja": "テキストを読み上げる"},
    "command_menu_voices": {"en": "Pick a voice", "zh": "选择音色", "ja": "声を選ぶ"},
    "command_menu_voice": {"en": "Choose a voice by name", "zh": "按名称选择音色", "ja": "名前で声を選ぶ"},
    "command_menu_clone": {"en": "Clone a voice from a voice note", "zh": "用语音克隆声音", "ja": "ボイスメッセージから声をクローン"},
    "command_menu_settings": {"en": "Your settings", "zh": "你的设置", "ja": "設定"},
    "command_menu_speed": {"en": "Speaking speed (0.25–4)", "zh": "语速（0.25–4）", "ja": "速さ（0.25〜4）"},
    "command_menu_gain": {"en": "Volume gain in dB (−10…10)", "zh": "音量增益 dB（−10…10）", "ja": "音量 dB（−10〜10）"},
    "command_menu_lang": {"en": "Speech or reply language", "zh": "朗读或回复语言", "ja": "読み上げ・返信の言語"},
    "command_menu_style": {"en": "Emotion or dialect", "zh": "语气或方言", "ja": "感情や方言"},
    "command_menu_key": {"en": "Use your own SiliconFlow key", "zh": "使用自己的 SiliconFlow 密钥", "ja": "自分の SiliconFlow キーを使う"},
    "command_menu_usage": {"en": "What you have used", "zh": "用量", "ja": "使用量"},
    "command_menu_pronounce": {"en": "How to read a word", "zh": "设置词语读法", "ja": "単語の読み方"},
    "command_menu_link": {"en": "Share your voices with Discord", "zh": "与 Discord 共用音色", "ja": "Discord と声を共有"},
    "command_menu_web": {"en": "Sign in to the web console", "zh": "登录网页控制台", "ja": "ウェブコンソールにサインイン"},
    "command_menu_forget": {"en": "Delete your data", "zh": "删除你的数据", "ja": "データを削除"},
    # the process speaks for as many requests as it can finish (bots/telegram/limits.py: BotBusy)
    "speaking_busy": {
        "en": "So many people are asking me to speak right now that I can't take yours. Please try again in a moment.",
        "zh": "现在请我说话的人太多了，暂时接不下你的请求，请稍后再试。",
        "ja": "いま読み上げの依頼が集中していて、お受けできません。少し待ってからもう一度お試しください。",
    },
}



def register_strings() -> None:
    """Add the adapter's sentences to the catalog (idempotent)."""
    register(STRINGS)


register_strings()

__all__ = ["LANGUAGE_NAMES", "STRINGS", "UI_NAMES", "register_strings"]

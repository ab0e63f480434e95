"""The Discord adapter's own sentences (keys prefixed ``dc_``), in English, Chinese and Japanese.

Importing this module registers them with :func:`core.i18n.register`.
"""

from __future__ import annotations

from core.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    # --- errors and checks ---------------------------------------------------------------------
    "dc_missing_access": {
        "en": "I'm not allowed to post there. Ask a server manager to let me send messages and attach files.",
        "zh": "我没有在这里发消息的权限。请让服务器管理员允许我发送消息和附加文件。",
        "ja": "ここに投稿する権限がありません。サーバー管理者にメッセージ送信とファイル添付の許可を頼んでください。",
    },
    "dc_allowed_existing": {"en": "someone or something that exists in this server",
                            "zh": "本服务器中存在的成员或项目", "ja": "このサーバーに存在するメンバーや項目"},
    "dc_action_manage_server": {
        "en": "change server settings (needs Manage Server)",
        "zh": "修改服务器设置（需要“管理服务器”权限）",
        "ja": "サーバー設定の変更（「サーバー管理」権限が必要）",
    },
    "dc_action_guild_only": {
        "en": "use this command outside a server",
        "zh": "在服务器以外使用此命令",
        "ja": "サーバーの外でこのコマンドを使う",
    },
    "dc_action_this": {
        "en": "use this command here",
        "zh": "在这里使用此命令",
        "ja": "ここでこのコマンドを使う",
    },
    "dc_not_your_button": {
        "en": "Only the person who ran the command can press these buttons.",
        "zh": "只有执行命令的人才能按这些按钮。",
        "ja": "このボタンはコマンドを実行した人だけが押せます。",
    },
    "dc_expired": {
        "en": "This took too long and was cancelled. Nothing was changed.",
        "zh": "等待超时，已取消，没有做任何更改。",
        "ja": "時間切れのため取り消しました。何も変更していません。",
    },
    # --- /speak --------------------------------------------------------------------------------
    "dc_sent": {
        "en": "Sent.",
        "zh": "已发送。",
        "ja": "送信しました。",
    },
    "dc_sent_many": {
        "en": "Sent {count} voice messages.",
        "zh": "已发送 {count} 条语音消息。",
        "ja": "{count} 件のボイスメッセージを送信しました。",
    },
    "dc_sent_as_file": {
        "en": "Voice messages aren't allowed in this channel, so I sent an audio file instead.",
        "zh": "此频道不允许语音消息，已改为发送音频文件。",
        "ja": "このチャンネルではボイスメッセージが許可されていないため、音声ファイルとして送りました。",
    },
    "dc_sent_private": {
        "en": "I can't post in this channel, so here is the audio just for you.",
        "zh": "我无法在此频道发消息，音频仅发给你。",
        "ja": "このチャンネルに投稿できないため、あなたにだけ音声を送ります。",
    },
    "dc_speaking": {
        "en": "Speaking… ({index}/{total})",
        "zh": "正在朗读…（{index}/{total}）",
        "ja": "読み上げ中…（{index}/{total}）",
    },
    "dc_note_too_large": {
        "en": "The audio is larger than this channel's upload limit ({limit_mb} MB). Try a shorter text.",
        "zh": "音频超过了此频道的上传上限（{limit_mb} MB），请缩短文本。",
        "ja": "音声がこのチャンネルのアップロード上限（{limit_mb} MB）を超えています。短いテキストでお試しください。",
    },
    "dc_engine": {
        "en": "engine: {engine}",
        "zh": "引擎：{engine}",
        "ja": "エンジン: {engine}",
    },
    # notices the core may ask us to tell once (used when the core has no sentence for the key)
    "dc_notice_fallback": {
        "en": "The speech service is down, so this was spoken by the offline engine.",
        "zh": "语音服务暂不可用，本次使用离线引擎朗读。",
        "ja": "音声サービスが利用できないため、オフラインエンジンで読み上げました。",
    },
    "dc_notice_voice_missing": {
        "en": "Your chosen voice no longer exists; the default voice was used. Pick another with /voice.",
        "zh": "你选择的音色已不存在，已使用默认音色。请用 /voice 重新选择。",
        "ja": "選んだ声がもう存在しないため、既定の声を使いました。/voice で選び直してください。",
    },
    "dc_notice_style_offline": {
        "en": "Styles need the SiliconFlow engine; the offline engine ignores them.",
        "zh": "说话风格需要 SiliconFlow 引擎，离线引擎会忽略它。",
        "ja": "話し方のスタイルは SiliconFlow エンジンが必要です。オフラインエンジンでは無視されます。",
    },
    # --- voices --------------------------------------------------------------------------------
    "dc_voices_title": {
        "en": "Voices",
        "zh": "音色",
        "ja": "声の一覧",
    },
    "dc_voices_presets": {
        "en": "Preset voices",
        "zh": "预设音色",
        "ja": "プリセットの声",
    },
    "dc_voices_clones": {
        "en": "Your clones",
        "zh": "你克隆的音色",
        "ja": "あなたのクローン",
    },
    "dc_voices_shared": {
        "en": "Used by this server's characters",
        "zh": "本服务器角色使用的音色",
        "ja": "このサーバーのキャラクターが使う声",
    },
    "dc_voices_none": {
        "en": "None yet: make one with /clone.",
        "zh": "还没有：用 /clone 创建一个。",
        "ja": "まだありません。/clone で作れます。",
    },
    "dc_voices_current": {
        "en": "Current voice: **{name}**. Pick one below or with /voice.",
        "zh": "当前音色：**{name}**。在下方或用 /voice 选择。",
        "ja": "現在の声: **{name}**。下のメニューか /voice で選べます。",
    },
    "dc_voices_pick": {
        "en": "Choose a voice…",
        "zh": "选择音色…",
        "ja": "声を選ぶ…",
    },
    "dc_voice_set": {
        "en": "Your voice is now **{name}**.",
        "zh": "你的音色已设为 **{name}**。",
        "ja": "声を **{name}** にしました。",
    },
    "dc_delete_voice_confirm": {
        "en": "Delete your cloned voice **{name}**? It is also deleted at the provider; this can't be undone.",
        "zh": "删除你克隆的音色 **{name}**？服务商处的也会一并删除，无法撤销。",
        "ja": "クローンした声 **{name}** を削除しますか？提供元からも削除され、元に戻せません。",
    },
    "dc_button_delete_voice": {"en": "Delete voice", "zh": "删除音色", "ja": "声を削除"},
    "dc_voice_deleted": {
        "en": "Deleted the voice **{name}**.",
        "zh": "已删除音色 **{name}**。",
        "ja": "声 **{name}** を削除しました。",
    },
    # --- settings ------------------------------------------------------------------------------
    "dc_settings_title": {
        "en": "Your settings",
        "zh": "你的设置",
        "ja": "あなたの設定",
    },
    "dc_field_voice": {"en": "Voice", "zh": "音色", "ja": "声"},
    "dc_field_speed": {"en": "Speed", "zh": "语速", "ja": "速さ"},
    "dc_field_gain": {"en": "Volume (gain)", "zh": "音量（增益）", "ja": "音量（ゲイン）"},
    "dc_field_language": {"en": "Speech language", "zh": "朗读语言", "ja": "読み上げ言語"},
    "dc_field_style": {"en": "Style", "zh": "风格", "ja": "スタイル"},
    "dc_field_ui": {"en": "Reply language", "zh": "界面语言", "ja": "表示言語"},
    "dc_field_key": {"en": "API key", "zh": "API 密钥", "ja": "API キー"},
    "dc_field_engine": {"en": "Engine", "zh": "引擎", "ja": "エンジン"},
    "dc_src_user": {"en": "yours", "zh": "你的设置", "ja": "あなたの設定"},
    "dc_src_server": {"en": "server default", "zh": "服务器默认", "ja": "サーバーの既定"},
    "dc_src_default": {"en": "default", "zh": "默认", "ja": "既定"},
    "dc_key_operator": {
        "en": "none (the bot's own)",
        "zh": "无（使用机器人的密钥）",
        "ja": "なし（ボットのキーを使用）",
    },
    "dc_speed_set": {
        "en": "Speed set to {value}×.",
        "zh": "语速已设为 {value}×。",
        "ja": "速さを {value}× にしました。",
    },
    "dc_gain_set": {
        "en": "Volume gain set to {value} dB.",
        "zh": "音量增益已设为 {value} dB。",
        "ja": "音量ゲインを {value} dB にしました。",
    },
    "dc_lang_set": {
        "en": "Speech language set to {value}.",
        "zh": "朗读语言已设为 {value}。",
        "ja": "読み上げ言語を {value} にしました。",
    },
    "dc_style_set": {
        "en": "Style set to “{value}”.",
        "zh": "风格已设为“{value}”。",
        "ja": "スタイルを「{value}」にしました。",
    },
    "dc_style_off": {
        "en": "Style turned off.",
        "zh": "已关闭说话风格。",
        "ja": "スタイルをオフにしました。",
    },
    "dc_style_off_choice": {
        "en": "off (no style)",
        "zh": "关闭（无风格）",
        "ja": "オフ（スタイルなし）",
    },
    "dc_uilang_set": {
        "en": "I'll answer you in English.",
        "zh": "我会用中文回复你。",
        "ja": "日本語でお答えします。",
    },
    "dc_reset_done": {
        "en": "Your {field} setting was cleared; the server's or the default value applies.",
        "zh": "已清除你的{field}设置，将使用服务器或默认值。",
        "ja": "{field} の設定を消去しました。サーバーまたは既定の値が使われます。",
    },
    # --- /key ----------------------------------------------------------------------------------
    "dc_key_saved": {
        "en": "Your key {masked} is saved (encrypted). Your requests now use your own account.",
        "zh": "你的密钥 {masked} 已加密保存，之后的请求将使用你自己的账号。",
        "ja": "キー {masked} を暗号化して保存しました。今後のリクエストはあなたのアカウントを使います。",
    },
    "dc_key_cleared": {
        "en": "Your key was removed.",
        "zh": "已删除你的密钥。",
        "ja": "キーを削除しました。",
    },
    "dc_key_none": {
        "en": "You had no key set.",
        "zh": "你没有设置密钥。",
        "ja": "キーは設定されていませんでした。",
    },
    # --- /usage --------------------------------------------------------------------------------
    "dc_usage": {
        "en": "Today: {today_bytes} bytes in {today_requests} requests{limit}.\n"
              "In total: {total_bytes} bytes in {total_requests} requests, about {cost} {currency}.",
        "zh": "今日：{today_requests} 次请求，{today_bytes} 字节{limit}。\n"
              "累计：{total_requests} 次请求，{total_bytes} 字节，约 {cost} {currency}。",
        "ja": "今日: {today_requests} 件、{today_bytes} バイト{limit}。\n"
              "合計: {total_requests} 件、{total_bytes} バイト、約 {cost} {currency}。",
    },
    # --- /forget -------------------------------------------------------------------------------
    "dc_forget_confirm": {
        "en": "This deletes everything stored about you: settings, key, usage and your cloned voices "
              "(also at the provider). It can't be undone. Continue?",
        "zh": "这将删除关于你的所有数据：设置、密钥、用量和你克隆的音色（包括服务商处的）。无法撤销。继续吗？",
        "ja": "あなたに関する保存データ（設定、キー、利用量、クローンした声。提供元のものも含む）をすべて削除します。"
              "元に戻せません。続けますか？",
    },
    "dc_forget_done": {
        "en": "Done: everything about you was deleted ({voices} cloned voices removed).",
        "zh": "完成：已删除关于你的所有数据（移除了 {voices} 个克隆音色）。",
        "ja": "完了しました。あなたのデータをすべて削除しました（クローン {voices} 件を削除）。",
    },
    "dc_forget_partial": {
        "en": "I couldn't delete these voices at the provider: {names}. Nothing else was deleted yet; "
              "please try /forget again later.",
        "zh": "无法在服务商处删除这些音色：{names}。其他数据暂未删除，请稍后再试 /forget。",
        "ja": "次の声を提供元で削除できませんでした: {names}。ほかのデータはまだ削除していません。"
              "後でもう一度 /forget をお試しください。",
    },
    "dc_cancelled": {
        "en": "Cancelled. Nothing was changed.",
        "zh": "已取消，没有做任何更改。",
        "ja": "キャンセルしました。何も変更していません。",
    },
    "dc_button_confirm": {"en": "Confirm", "zh": "确认", "ja": "確認"},
    "dc_button_delete": {"en": "Delete everything", "zh": "全部删除", "ja": "すべて削除"},
    # --- /clone --------------------------------------------------------------------------------
    "dc_clone_consent": {
        "en": "Clone **{name}** from {seconds} s of speech in `{filename}`?\n"
              "Confirm only if this is **your own voice** or you have the speaker's permission to clone it.",
        "zh": "用 `{filename}` 中 {seconds} 秒的语音克隆 **{name}**？\n"
              "仅当这是**你自己的声音**，或你已获得说话人的授权时才确认。",
        "ja": "`{filename}` の {seconds} 秒の音声から **{name}** をクローンしますか？\n"
              "**あなた自身の声**であるか、話者の許可がある場合のみ確認してください。",
    },
    "dc_button_consent": {
        "en": "It's my voice / I have permission",
        "zh": "是我的声音 / 我已获授权",
        "ja": "自分の声です／許可があります",
    },
    "dc_cloning": {
        "en": "Cloning **{name}**…",
        "zh": "正在克隆 **{name}**…",
        "ja": "**{name}** をクローン中…",
    },
    "dc_cloned": {
        "en": "Cloned **{name}** and made it your voice. Transcript: “{transcript}”",
        "zh": "已克隆 **{name}** 并设为你的音色。识别文本：“{transcript}”",
        "ja": "**{name}** をクローンし、あなたの声に設定しました。書き起こし:「{transcript}」",
    },
    "dc_clone_not_audio": {
        "en": "`{filename}` isn't an audio file. Attach a voice recording (OGG, MP3, M4A, WAV, WebM or FLAC).",
        "zh": "`{filename}` 不是音频文件。请附上录音（OGG、MP3、M4A、WAV、WebM 或 FLAC）。",
        "ja": "`{filename}` は音声ファイルではありません。録音（OGG、MP3、M4A、WAV、WebM、FLAC）を添付してください。",
    },
    # --- /server -------------------------------------------------------------------------------
    "dc_server_title": {
        "en": "Server defaults",
        "zh": "服务器默认设置",
        "ja": "サーバーの既定設定",
    },
    "dc_server_hint": {
        "en": "Members' own settings override these.",
        "zh": "成员自己的设置优先于这些默认值。",
        "ja": "メンバー自身の設定がこれより優先されます。",
    },
    "dc_server_set": {
        "en": "Server default {field} set to {value}.",
        "zh": "服务器默认{field}已设为 {value}。",
        "ja": "サーバーの既定の{field}を {value} にしました。",
    },
    "dc_server_cleared": {
        "en": "Server default {field} cleared.",
        "zh": "已清除服务器默认{field}。",
        "ja": "サーバーの既定の{field}を消去しました。",
    },
    "dc_unset": {"en": "not set", "zh": "未设置", "ja": "未設定"},
    # --- /help ---------------------------------------------------------------------------------
    "dc_help_title": {
        "en": "voicebridge — text to speech in voices you choose or clone",
        "zh": "voicebridge —— 用你选择或克隆的声音朗读文字",
        "ja": "voicebridge — 選んだ声やクローンした声で読み上げ",
    },
    "dc_help_intro": {
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
    # --- /link, /unlink --------------------------------------------------------------------------
    "dc_link_code": {
        "en": ("Your link code: `{code}` (valid once, for 10 minutes). Send `/link {code}` to me on Telegram: then "
               "both accounts share your voices, settings, dictionary and key. Don't show the code to anyone."),
        "zh": ("你的关联码：`{code}`（一次有效，10 分钟内）。在 Telegram 上向我发送 `/link {code}`，"
               "两个账号就会共用你的音色、设置、词典和密钥。不要把关联码给别人看。"),
        "ja": ("連携コード: `{code}`（1 回限り、10 分間有効）。Telegram で私に `/link {code}` を送ると、"
               "両方のアカウントで声・設定・辞書・キーを共有します。コードは誰にも見せないでください。"),
    },
    "dc_link_status": {
        "en": "This account is linked with your {platforms} account. `/unlink` separates them.",
        "zh": "此账号已与你的 {platforms} 账号关联。使用 `/unlink` 可取消关联。",
        "ja": "このアカウントは {platforms} のアカウントと連携しています。`/unlink` で解除できます。",
    },
    "dc_not_linked": {
        "en": "This account isn't linked. `/link` gives you a code to type on Telegram.",
        "zh": "此账号尚未关联。使用 `/link` 获取可在 Telegram 上输入的关联码。",
        "ja": "このアカウントは連携していません。`/link` で Telegram に入力するコードを受け取れます。",
    },
    "dc_field_pronunciations": {"en": "Pronunciations", "zh": "读法词典", "ja": "読み方辞書"},
    "dc_field_linked": {"en": "Linked with", "zh": "已关联", "ja": "連携中"},
    "dc_menu_read_aloud": {"en": "Read aloud", "zh": "朗读", "ja": "読み上げる"},
    # --- /pronounce ------------------------------------------------------------------------------
    "dc_pron_set": {
        "en": "From now on I read “{word}” as “{spoken}” for you.",
        "zh": "以后你说的“{word}”会读作“{spoken}”。",
        "ja": "今後あなたの「{word}」は「{spoken}」と読みます。",
    },
    "dc_pron_server_set": {
        "en": "In this server I now read “{word}” as “{spoken}” for everyone (members' own entries still win).",
        "zh": "在本服务器中，“{word}”现在对所有人读作“{spoken}”（成员自己的词条优先）。",
        "ja": "このサーバーでは全員について「{word}」を「{spoken}」と読みます（メンバー個人の登録が優先）。",
    },
    "dc_pron_title": {"en": "Pronunciations", "zh": "读法词典", "ja": "読み方辞書"},
    "dc_pron_hint": {
        "en": "`/pronounce set` adds a word, `/pronounce remove` takes it out. Your own entries win over the server's.",
        "zh": "用 `/pronounce set` 添加词语，`/pronounce remove` 删除。你自己的词条优先于服务器的。",
        "ja": "`/pronounce set` で追加、`/pronounce remove` で削除。あなたの登録はサーバーの登録より優先されます。",
    },
    "dc_pron_mine": {"en": "Yours", "zh": "你的", "ja": "あなたの"},
    "dc_pron_server": {"en": "This server's", "zh": "本服务器的", "ja": "このサーバーの"},
    "dc_help_commands": {"en": "Commands", "zh": "命令", "ja": "コマンド"},
    "dc_help_voice_commands": {"en": "Voice channel", "zh": "语音频道", "ja": "ボイスチャンネル"},
    "dc_help_server_commands": {
        "en": "Server (Manage Server)",
        "zh": "服务器（需要管理服务器权限）",
        "ja": "サーバー（サーバー管理権限）",
    },
    "dc_help_engine": {
        "en": "Engine: {engine}.",
        "zh": "引擎：{engine}。",
        "ja": "エンジン: {engine}。",
    },
}

#: zh/ja descriptions of the text-side commands (Discord shows them to users with those client languages,
#: and /help uses them). Keys: ``dc_cmd_<qualified name with _>``; English is the command's docstring.
COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "dc_cmd_speak": {"zh": "用你的声音朗读文字：在这里发语音消息，或在我们共同的语音频道里说出来。",
                     "ja": "あなたの声で読み上げます。ここにボイスメッセージを送るか、同じボイスチャンネルで話します。"},
    "dc_cmd_voices": {"zh": "列出预设音色和你克隆的音色，并从中选择。", "ja": "プリセットの声とあなたのクローンを表示して選びます。"},
    "dc_cmd_voice": {"zh": "选择朗读用的音色：预设或你克隆的音色。", "ja": "読み上げる声を選びます（プリセットかクローン）。"},
    "dc_cmd_delete_voice": {"zh": "删除你克隆的一个音色（服务商处也会删除，会先确认）。",
                            "ja": "クローンした声を 1 つ削除します（提供元からも削除。確認あり）。"},
    "dc_cmd_clone": {"zh": "用录音克隆声音（你自己的，或已获授权的）；会先请你确认。",
                     "ja": "録音から声をクローンします（自分の声か許可のある声）。先に確認します。"},
    "dc_cmd_settings": {"zh": "查看你的设置及其来源（你、服务器或默认）。", "ja": "設定とその出どころ（あなた・サーバー・既定）を表示します。"},
    "dc_cmd_speed": {"zh": "设置语速（0.25–4.0，正常为 1.0）。", "ja": "話す速さを設定します（0.25〜4.0、標準 1.0）。"},
    "dc_cmd_gain": {"zh": "设置音量增益 dB（-10 到 10，正常为 0）。", "ja": "音量ゲインを dB で設定します（-10〜10、標準 0）。"},
    "dc_cmd_lang": {"zh": "设置朗读语言：auto、zh、en、ja、ko 或 yue（粤语）。",
                    "ja": "読み上げ言語を設定します: auto、zh、en、ja、ko、yue（広東語）。"},
    "dc_cmd_style": {"zh": "设置说话方式：情绪、方言或你自己的指令；或关闭。", "ja": "話し方を設定します（感情・方言・自由な指示）。off で解除。"},
    "dc_cmd_uilang": {"zh": "选择我回复你时使用的语言（English、中文、日本語 或自动）。",
                      "ja": "返答の言語を選びます（English、中文、日本語、自動）。"},
    "dc_cmd_reset": {"zh": "清除你的某项或全部设置，改用服务器默认值。", "ja": "自分の設定を消去して、サーバーの既定に戻します。"},
    "dc_cmd_key": {"zh": "使用你自己的 SiliconFlow API 密钥（仅你可见），或输入 clear 删除。",
                   "ja": "自分の SiliconFlow API キーを使います（あなたにだけ表示）。clear で削除。"},
    "dc_cmd_usage": {"zh": "查看你朗读的字节数（今日和累计）及估算费用。", "ja": "読み上げたバイト数（今日と合計）と概算費用を表示します。"},
    "dc_cmd_forget": {"zh": "删除关于你的所有数据，包括你克隆的音色（会先确认）。", "ja": "あなたのデータをクローンも含めてすべて削除します（確認あり）。"},
    "dc_cmd_help": {"zh": "我能做什么，以及怎么用。", "ja": "できることと使い方。"},
    "dc_cmd_server": {"zh": "服务器默认的音色、语速和语言（需要管理服务器权限）。",
                      "ja": "サーバー既定の声・速さ・言語（サーバー管理権限が必要）。"},
    "dc_cmd_server_voice": {"zh": "设置服务器默认音色（预设），或清除。", "ja": "サーバー既定の声（プリセット）を設定または消去します。"},
    "dc_cmd_server_speed": {"zh": "设置服务器默认语速（0.25–4.0），或清除。", "ja": "サーバー既定の速さ（0.25〜4.0）を設定または消去します。"},
    "dc_cmd_server_lang": {"zh": "设置服务器默认朗读语言，或清除。", "ja": "サーバー既定の読み上げ言語を設定または消去します。"},
    "dc_cmd_pronounce": {"zh": "词语的读法：你自己的词典或服务器的词典。", "ja": "単語の読み方: あなたの辞書またはサーバーの辞書。"},
    "dc_cmd_pronounce_set": {"zh": "按你写的方式朗读某个词或短语。", "ja": "単語やフレーズをここに書いた読み方で読みます。"},
    "dc_cmd_pronounce_remove": {"zh": "让某个词恢复按原文朗读。", "ja": "単語を書かれたとおりに読むよう戻します。"},
    "dc_cmd_pronounce_list": {"zh": "你的读法词典和本服务器的。", "ja": "あなたとこのサーバーの読み方辞書。"},
    "dc_cmd_link": {"zh": "与你的 Telegram 账号共用音色、设置、词典和密钥。", "ja": "Telegram のアカウントと声・設定・辞書・キーを共有します。"},
    "dc_cmd_unlink": {"zh": "取消与 Telegram 账号的关联。", "ja": "Telegram のアカウントとの連携を解除します。"},
    "dc_cmd_server_show": {"zh": "查看服务器的默认设置。", "ja": "サーバーの既定設定を表示します。"},
}

register(STRINGS)
register(COMMAND_DESCRIPTIONS)


def notice_text(key: str, lang: str) -> str:
    """A notice from the core (``notice_*``) in ``lang``: the core's sentence, else ours."""
    from core.i18n import t

    text = t(key, lang)
    if text == key:
        fallback = "dc_" + key
        text = t(fallback, lang)
        if text == fallback:
            return ""
    return text


def command_description(qualified_name: str, lang: str) -> str | None:
    """The ``lang`` description of a command from its ``dc_cmd_<name>`` sentence, or None (use the docstring)."""
    from core.i18n import t

    if lang == "en":
        return None
    key = "dc_cmd_" + qualified_name.replace(" ", "_")
    try:
        text = t(key, lang)
    except KeyError:  # an entry without this language and without English
        return None
    if text == key:
        return None
    try:
        if text == t(key, "en"):  # only English was registered
            return None
    except KeyError:
        pass
    return text[:100]

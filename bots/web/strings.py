"""The web console's sentences in English, Chinese and Japanese; importing this module registers them.

Templates look them up as ``_("speak_title")``, which :mod:`bots.web.render` turns into the key
``"web_speak_title"``; every key here therefore starts with ``web_``. The two errors the core raises for the
console (:mod:`core.web_access`) have their sentences here too: the bots import this module for ``/web``.
"""

from __future__ import annotations

from core.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    # --- errors of core.web_access, said by the bots and the console ---------------------------
    "web_private_only": {
        "en": "A sign-in link opens your whole account, so I only send it privately: send /web to me in a "
              "private chat.",
        "zh": "登录链接可以打开你的整个账户，所以只能私下发送：请在与我的私聊中发送 /web。",
        "ja": "サインインリンクはアカウント全体を開けるため、非公開でのみ送ります。私とのプライベートチャットで "
              "/web を送ってください。",
    },
    "web_console_off": {
        "en": "The web console is turned off on this server.",
        "zh": "此服务器已关闭网页控制台。",
        "ja": "このサーバーではウェブコンソールが無効になっています。",
    },
    # --- /web in the bots ------------------------------------------------------------------------
    "web_link_sent": {
        "en": "Your sign-in link to the web console (works once, for 10 minutes; don't share it):\n{url}",
        "zh": "你的网页控制台登录链接（仅可使用一次，10 分钟内有效；请勿分享）：\n{url}",
        "ja": "ウェブコンソールへのサインインリンクです（1 回限り、10 分間有効。共有しないでください）：\n{url}",
    },
    "command_help_web": {
        "en": "A private one-time link to the web console for your account (works once, for 10 minutes).",
        "zh": "为你的账户生成网页控制台的私密一次性链接（仅可使用一次，10 分钟内有效）。",
        "ja": "あなたのアカウント用のウェブコンソールへの非公開の 1 回限りリンク（10 分間有効）。",
    },
    # --- the frame of every page --------------------------------------------------------------
    "web_title": {"en": "voicebridge console", "zh": "voicebridge 控制台", "ja": "voicebridge コンソール"},
    "web_nav_speak": {"en": "Speak", "zh": "朗读", "ja": "読み上げ"},
    "web_nav_clone": {"en": "Clone", "zh": "克隆", "ja": "クローン"},
    "web_nav_voices": {"en": "Voices", "zh": "音色", "ja": "音声"},
    "web_nav_config": {"en": "AI configuration", "zh": "AI 配置", "ja": "AI 設定"},
    "web_nav_dictionary": {"en": "Dictionary", "zh": "词典", "ja": "辞書"},
    "web_nav_usage": {"en": "Usage", "zh": "用量", "ja": "使用量"},
    "web_nav_accounts": {"en": "Linked accounts", "zh": "关联账户", "ja": "連携アカウント"},
    "web_nav_forget": {"en": "Forget me", "zh": "删除我的数据", "ja": "データ削除"},
    "web_sign_out": {"en": "Sign out", "zh": "退出登录", "ja": "サインアウト"},
    "web_language": {"en": "Language", "zh": "语言", "ja": "言語"},
    "web_save": {"en": "Save", "zh": "保存", "ja": "保存"},
    "web_delete": {"en": "Delete", "zh": "删除", "ja": "削除"},
    "web_default": {"en": "(default)", "zh": "（默认）", "ja": "（既定）"},
    "web_saved": {"en": "Saved.", "zh": "已保存。", "ja": "保存しました。"},
    # --- signing in ---------------------------------------------------------------------------
    "web_signin_title": {"en": "Sign in", "zh": "登录", "ja": "サインイン"},
    "web_signin_how": {
        "en": "Send /web to the bot in a private chat (Telegram) or as a command (Discord, only you see the "
              "answer): it answers with a one-time link that signs you in here.",
        "zh": "在私聊中向机器人发送 /web（Telegram），或使用 /web 命令（Discord，仅你可见）：它会回复一个一次性链接，"
              "用来在这里登录。",
        "ja": "プライベートチャットでボットに /web を送るか（Telegram）、/web コマンドを使うと（Discord、あなたにだけ"
              "表示されます）、ここにサインインできる 1 回限りのリンクが届きます。",
    },
    "web_signin_owner": {
        "en": "Running voicebridge yourself with no bot? Open the link `voicebridge run` printed when it started.",
        "zh": "自己运行 voicebridge 且没有机器人？请打开 `voicebridge run` 启动时输出的链接。",
        "ja": "ボットなしで voicebridge を自分で動かしている場合は、`voicebridge run` の起動時に表示されたリンクを開いてください。",
    },
    "web_signin_confirm": {
        "en": "Sign in to the voicebridge console on this browser?",
        "zh": "要在此浏览器上登录 voicebridge 控制台吗？",
        "ja": "このブラウザで voicebridge コンソールにサインインしますか？",
    },
    "web_signin_refused": {
        "en": "This sign-in link doesn't work: it was already used, it expired (links last 10 minutes), or it "
              "was copied wrongly. Ask the bot for a new one with /web.",
        "zh": "此登录链接无效：它已被使用、已过期（链接有效期 10 分钟）或复制有误。请用 /web 向机器人索取新链接。",
        "ja": "このサインインリンクは使えません。使用済みか、期限切れ（有効期間は 10 分）か、コピーが不完全です。"
              "/web でボットに新しいリンクを求めてください。",
    },
    "web_rate_limited": {
        "en": "Too many sign-in attempts. Wait a minute and try again.",
        "zh": "登录尝试过多。请稍等一分钟再试。",
        "ja": "サインインの試行が多すぎます。1 分ほど待ってからもう一度お試しください。",
    },
    "web_csrf_refused": {
        "en": "This form expired or did not come from this page. Reload the page and try again.",
        "zh": "此表单已过期或并非来自本页面。请刷新页面后重试。",
        "ja": "このフォームは期限切れか、このページから送信されたものではありません。ページを再読み込みしてやり直してください。",
    },
    "web_signed_out": {
        "en": "You are signed out.", "zh": "你已退出登录。", "ja": "サインアウトしました。",
    },
    "web_not_found": {
        "en": "There is nothing here, or it is not yours.",
        "zh": "这里没有内容，或者它不属于你。",
        "ja": "ここには何もないか、あなたのものではありません。",
    },
    # --- speak ---------------------------------------------------------------------------------
    "web_speak_title": {"en": "Speak", "zh": "朗读", "ja": "読み上げ"},
    "web_text": {"en": "Text", "zh": "文本", "ja": "テキスト"},
    "web_voice": {"en": "Voice", "zh": "音色", "ja": "音声"},
    "web_speed": {"en": "Speed (0.25–4)", "zh": "语速（0.25–4）", "ja": "速度（0.25–4）"},
    "web_gain": {"en": "Gain (−10–10 dB)", "zh": "音量增益（−10–10 dB）", "ja": "ゲイン（−10–10 dB）"},
    "web_speech_language": {"en": "Speech language", "zh": "语音语言", "ja": "音声の言語"},
    "web_style": {"en": "Style", "zh": "风格", "ja": "スタイル"},
    "web_style_hint": {
        "en": "An emotion or dialect (开心, 耳语, 粤语 …) or free text; empty: none.",
        "zh": "情绪或方言（开心、耳语、粤语……）或自由文本；留空表示不使用。",
        "ja": "感情や方言（开心、耳语、粤语 など）または自由なテキスト。空欄ならなし。",
    },
    "web_speak_button": {"en": "Speak", "zh": "朗读", "ja": "読み上げる"},
    "web_download": {"en": "Download", "zh": "下载", "ja": "ダウンロード"},
    "web_result": {"en": "Result", "zh": "结果", "ja": "結果"},
    # --- clone ---------------------------------------------------------------------------------
    "web_clone_title": {"en": "Clone a voice", "zh": "克隆声音", "ja": "音声をクローン"},
    "web_clone_intro": {
        "en": "Upload 8–15 seconds of one clean speaker (3–30 s of speech is accepted), or record it here.",
        "zh": "上传 8–15 秒单人清晰语音（可接受 3–30 秒），或在此直接录音。",
        "ja": "1 人の話者のクリアな音声を 8〜15 秒アップロードするか（3〜30 秒まで可）、ここで録音してください。",
    },
    "web_clone_file": {"en": "Recording", "zh": "录音文件", "ja": "録音ファイル"},
    "web_record": {"en": "Record", "zh": "录音", "ja": "録音"},
    "web_record_stop": {"en": "Stop", "zh": "停止", "ja": "停止"},
    "web_record_unavailable": {
        "en": "This browser can't record here: upload a file instead.",
        "zh": "此浏览器无法在此录音：请改为上传文件。",
        "ja": "このブラウザではここで録音できません。ファイルをアップロードしてください。",
    },
    "web_clone_name": {"en": "Name", "zh": "名称", "ja": "名前"},
    "web_clone_transcript": {
        "en": "Transcript (optional: else SenseVoice transcribes it)",
        "zh": "文本（可选：留空则由 SenseVoice 自动识别）",
        "ja": "書き起こし（任意。空欄なら SenseVoice が書き起こします）",
    },
    "web_clone_consent": {
        "en": "This is my own voice, or I have the speaker's permission to clone it.",
        "zh": "这是我自己的声音，或我已获得说话人的克隆许可。",
        "ja": "これは自分の声であるか、話者からクローンの許可を得ています。",
    },
    "web_clone_button": {"en": "Start cloning", "zh": "开始克隆", "ja": "クローンを開始"},
    "web_clone_done": {
        "en": "Cloned “{name}”: it is now your voice. Its voice ID:",
        "zh": "已克隆「{name}」，现已设为你的音色。音色 ID：",
        "ja": "「{name}」をクローンし、あなたの音声に設定しました。音声 ID：",
    },
    "web_copy": {"en": "Copy", "zh": "复制", "ja": "コピー"},
    "web_copied": {"en": "Copied", "zh": "已复制", "ja": "コピーしました"},
    "web_test_it": {"en": "Test it", "zh": "试听", "ja": "試聴"},
    "web_clone_key": {
        "en": "Cloning uses your own SiliconFlow key if you saved one (AI configuration), else the operator's.",
        "zh": "克隆会使用你保存的 SiliconFlow 密钥（见 AI 配置），否则使用运营者的密钥。",
        "ja": "クローンには保存済みのあなたの SiliconFlow キー（AI 設定）を使い、なければ運営者のキーを使います。",
    },
    "web_adopt_title": {
        "en": "Use a voice ID you already have", "zh": "使用已有的音色 ID", "ja": "既存の音声 ID を使う",
    },
    "web_adopt_intro": {
        "en": "A speech:… voice ID made elsewhere with your own SiliconFlow key can be added under a name.",
        "zh": "用你自己的 SiliconFlow 密钥在别处创建的 speech:… 音色 ID，可以在这里以一个名称添加。",
        "ja": "あなたの SiliconFlow キーで他の場所で作った speech:… の音声 ID を、名前を付けて追加できます。",
    },
    "web_adopt_id": {"en": "Voice ID", "zh": "音色 ID", "ja": "音声 ID"},
    "web_adopt_button": {"en": "Add", "zh": "添加", "ja": "追加"},
    "web_adopt_done": {"en": "Added “{name}”.", "zh": "已添加「{name}」。", "ja": "「{name}」を追加しました。"},
    "web_unavailable": {
        "en": "Not available on this server yet.", "zh": "此服务器暂不支持。", "ja": "このサーバーではまだ使えません。",
    },
    # --- voices --------------------------------------------------------------------------------
    "web_voices_title": {"en": "Voices", "zh": "音色", "ja": "音声"},
    "web_presets": {"en": "Presets", "zh": "预设音色", "ja": "プリセット"},
    "web_your_clones": {"en": "Your clones", "zh": "你的克隆音色", "ja": "あなたのクローン"},
    "web_no_clones": {
        "en": "No clones yet: make one on the Clone page.",
        "zh": "还没有克隆音色：在“克隆”页面创建一个吧。",
        "ja": "クローンはまだありません。クローンのページで作成できます。",
    },
    "web_current": {"en": "current", "zh": "当前", "ja": "使用中"},
    "web_use": {"en": "Use", "zh": "使用", "ja": "使う"},
    "web_deleted": {"en": "Deleted “{name}”.", "zh": "已删除「{name}」。", "ja": "「{name}」を削除しました。"},
    "web_delete_confirm": {
        "en": "Delete this voice, at the provider too?",
        "zh": "要删除此音色吗？服务商处也会一并删除。",
        "ja": "この音声を削除しますか？プロバイダー側からも削除されます。",
    },
    "web_sample_text": {
        "en": "Hello! This is how I sound.", "zh": "你好！这就是我的声音。", "ja": "こんにちは！これが私の声です。",
    },
    # --- AI configuration ---------------------------------------------------------------------------
    "web_config_title": {"en": "AI configuration", "zh": "AI 配置", "ja": "AI 設定"},
    "web_api_key": {"en": "SiliconFlow API key", "zh": "SiliconFlow API 密钥", "ja": "SiliconFlow API キー"},
    "web_api_key_saved": {
        "en": "Saved key: {hint}. It is never shown again in full.",
        "zh": "已保存的密钥：{hint}。完整密钥不会再显示。",
        "ja": "保存済みのキー：{hint}。全体が再び表示されることはありません。",
    },
    "web_api_key_none": {
        "en": "No key of your own: the operator's key is used, within the daily allowance.",
        "zh": "你没有自己的密钥：将在每日额度内使用运营者的密钥。",
        "ja": "自分のキーはありません。1 日の上限内で運営者のキーが使われます。",
    },
    "web_api_key_replace": {
        "en": "New key (write-only)", "zh": "新密钥（只写）", "ja": "新しいキー（書き込み専用）",
    },
    "web_api_key_clear": {"en": "Remove my key", "zh": "删除我的密钥", "ja": "キーを削除"},
    "web_api_key_cleared": {"en": "Your key was removed.", "zh": "你的密钥已删除。", "ja": "キーを削除しました。"},
    "web_ui_language": {"en": "Language the bots reply in", "zh": "机器人回复所用的语言", "ja": "ボットが返信する言語"},
    "web_characters": {"en": "Your characters", "zh": "你的角色", "ja": "あなたのキャラクター"},
    "web_no_characters": {
        "en": "You have not created characters (/character in the bots).",
        "zh": "你还没有创建角色（在机器人中使用 /character）。",
        "ja": "キャラクターはまだありません（ボットで /character）。",
    },
    "web_where": {"en": "Where", "zh": "所在", "ja": "場所"},
    "web_persona": {"en": "Persona", "zh": "人设", "ja": "ペルソナ"},
    # --- dictionary -------------------------------------------------------------------------------
    "web_dictionary_title": {"en": "Pronunciation dictionary", "zh": "发音词典", "ja": "発音辞書"},
    "web_word": {"en": "Word", "zh": "词语", "ja": "単語"},
    "web_spoken": {"en": "Say it as", "zh": "读作", "ja": "読み方"},
    "web_add": {"en": "Add", "zh": "添加", "ja": "追加"},
    "web_no_words": {"en": "No entries yet.", "zh": "还没有词条。", "ja": "まだ登録はありません。"},
    # --- usage -----------------------------------------------------------------------------------
    "web_usage_title": {"en": "Usage", "zh": "用量", "ja": "使用量"},
    "web_usage_summary": {
        "en": "Today: {today} bytes in {requests} requests. In total: {total} bytes, about {cost} {currency}.",
        "zh": "今天：{requests} 次请求，共 {today} 字节。累计：{total} 字节，约 {cost} {currency}。",
        "ja": "今日：{requests} 件のリクエストで {today} バイト。合計：{total} バイト、約 {cost} {currency}。",
    },
    "web_usage_limit": {
        "en": "Daily allowance on the operator's key: {used} of {limit} bytes used.",
        "zh": "运营者密钥的每日额度：已用 {used} / {limit} 字节。",
        "ja": "運営者キーの 1 日の上限：{limit} バイト中 {used} バイト使用。",
    },
    "web_usage_chart": {
        "en": "Bytes per day, last 30 days", "zh": "最近 30 天每日字节数", "ja": "直近 30 日の 1 日あたりのバイト数",
    },
    # --- linked accounts ------------------------------------------------------------------------------
    "web_accounts_title": {"en": "Linked accounts", "zh": "关联账户", "ja": "連携アカウント"},
    "web_accounts_this": {
        "en": "This console acts for your account on: {platforms}.",
        "zh": "此控制台代表你在以下平台的账户：{platforms}。",
        "ja": "このコンソールは次のアカウントとして動作します：{platforms}。",
    },
    "web_accounts_how": {
        "en": "To join your accounts on two platforms, send /link to one bot and type the code to the other.",
        "zh": "要关联两个平台上的账户，请向其中一个机器人发送 /link，并把代码发给另一个机器人。",
        "ja": "2 つのプラットフォームのアカウントを連携するには、一方のボットに /link を送り、表示されたコードを"
              "もう一方に入力してください。",
    },
    "web_unlink": {"en": "Unlink", "zh": "取消关联", "ja": "連携を解除"},
    "web_unlinked": {"en": "Unlinked.", "zh": "已取消关联。", "ja": "連携を解除しました。"},
    # --- forget --------------------------------------------------------------------------------------
    "web_forget_title": {"en": "Forget me", "zh": "删除我的数据", "ja": "データを削除"},
    "web_forget_warning": {
        "en": "This deletes everything stored about you: settings, your key, usage, dictionary, and your "
              "cloned voices (at the provider too). It can't be undone.",
        "zh": "这将删除关于你的所有数据：设置、密钥、用量、词典以及你的克隆音色（服务商处也会删除）。此操作无法撤销。",
        "ja": "設定、キー、使用量、辞書、クローンした音声（プロバイダー側も）など、あなたに関するすべてのデータを"
              "削除します。元に戻せません。",
    },
    "web_forget_confirm": {
        "en": "Yes, delete everything", "zh": "是的，全部删除", "ja": "はい、すべて削除します",
    },
    "web_forget_unchecked": {
        "en": "Tick the box to confirm: nothing was deleted.",
        "zh": "请勾选确认框：尚未删除任何内容。",
        "ja": "確認のチェックを入れてください。何も削除されていません。",
    },
    "web_forgotten": {
        "en": "Everything about you was deleted ({voices} voices at the provider). You are signed out.",
        "zh": "你的所有数据已删除（服务商处 {voices} 个音色）。你已退出登录。",
        "ja": "あなたのデータをすべて削除しました（プロバイダー側の音声 {voices} 件）。サインアウトしました。",
    },
}

register(STRINGS)

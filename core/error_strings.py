"""Core's sentences for errors: one per error code (:attr:`core.errors.VoiceBridgeError.code`), and the words
that error parameters name by key (``action_…``, ``allowed_…``, ``rule_…``, ``unit_…``, ``what_…``, ``name_…``),
said in the reader's language when the error is (see :func:`core.i18n.t`).
"""

from __future__ import annotations

ERROR_STRINGS: dict[str, dict[str, str]] = {
    "internal": {
        "en": "Something went wrong on our side. Please try again.",
        "zh": "出了点问题，请稍后再试。",
        "ja": "内部エラーが発生しました。もう一度お試しください。",
    },
    "config": {
        "en": "Setting {name} is invalid: {allowed}",
        "zh": "配置项 {name} 无效：{allowed}",
        "ja": "設定 {name} が不正です: {allowed}",
    },
    "secret_key_file": {
        "en": "The secret key file {path} {problem} (VOICEBRIDGE_SECRET_KEY is not set, so it is used): restore it "
              "from a backup or set VOICEBRIDGE_SECRET_KEY to the key; only if no user ever stored an API key, "
              "delete the file and a new key is generated",
        "zh": "密钥文件 {path} {problem}（未设置 VOICEBRIDGE_SECRET_KEY，因此使用该文件）：请从备份恢复，或把 "
              "VOICEBRIDGE_SECRET_KEY 设为该密钥；仅当从未有用户保存过 API 密钥时，才可删除该文件以生成新密钥",
        "ja": "秘密鍵ファイル {path} {problem}（VOICEBRIDGE_SECRET_KEY が未設定のためこのファイルを使います）: "
              "バックアップから復元するか VOICEBRIDGE_SECRET_KEY にその鍵を設定してください。API キーを保存した"
              "ユーザーが一人もいない場合に限り、ファイルを削除すると新しい鍵が生成されます",
    },
    "secret_key_missing": {
        "en": "VOICEBRIDGE_SECRET_KEY is not set and {path} does not exist: with PostgreSQL no key is generated, "
              "because every instance must use the same one; set VOICEBRIDGE_SECRET_KEY to the key the database "
              "was written with (a new database: make one as .env.example shows)",
        "zh": "未设置 VOICEBRIDGE_SECRET_KEY，且 {path} 不存在：使用 PostgreSQL 时不会自动生成密钥，因为所有实例必须"
              "使用同一个密钥；请把 VOICEBRIDGE_SECRET_KEY 设为写入数据库时所用的密钥（新数据库可按 .env.example 生成）",
        "ja": "VOICEBRIDGE_SECRET_KEY が未設定で {path} もありません: PostgreSQL ではすべてのインスタンスが同じ鍵を"
              "使う必要があるため鍵は生成されません。データベースを書いたときの鍵を VOICEBRIDGE_SECRET_KEY に設定して"
              "ください（新しいデータベースなら .env.example の方法で作成）",
    },
    "secret_key_lost": {
        "en": "No secret key is set, but this database's API keys were encrypted with one (key id {expected}): "
              "set VOICEBRIDGE_SECRET_KEY to that key or restore {path}",
        "zh": "未设置密钥，但该数据库中的 API 密钥是用某个密钥（密钥 ID {expected}）加密的：请把 "
              "VOICEBRIDGE_SECRET_KEY 设为该密钥，或恢复 {path}",
        "ja": "秘密鍵が設定されていませんが、このデータベースの API キーは鍵（鍵 ID {expected}）で暗号化されています: "
              "VOICEBRIDGE_SECRET_KEY にその鍵を設定するか {path} を復元してください",
    },
    "secret_key_mismatch": {
        "en": "The secret key from {source} (key id {actual}) is not the one this database's API keys were "
              "encrypted with (key id {expected}): restore that key; to change keys, start with the old one and "
              "run `voicebridge db rotate-key`",
        "zh": "来自 {source} 的密钥（密钥 ID {actual}）不是该数据库加密 API 密钥时所用的密钥（密钥 ID {expected}）："
              "请恢复原密钥；如需更换密钥，请先用旧密钥运行 `voicebridge db rotate-key`",
        "ja": "{source} の秘密鍵（鍵 ID {actual}）は、このデータベースの API キーを暗号化した鍵（鍵 ID {expected}）"
              "ではありません: 元の鍵を戻してください。鍵を変えるには古い鍵で `voicebridge db rotate-key` を実行します",
    },
    "input": {
        "en": "That input can't be used.",
        "zh": "无法使用该输入。",
        "ja": "その入力は使えません。",
    },
    "empty_text": {
        "en": "There is nothing to say: the text is empty after cleanup.",
        "zh": "没有可朗读的内容：清理后文本为空。",
        "ja": "読み上げる内容がありません（整形後のテキストが空です）。",
    },
    "text_too_long": {
        "en": "The text is too long ({length} {unit}; the limit is {limit}).",
        "zh": "文本太长（{length} {unit}，上限为 {limit}）。",
        "ja": "テキストが長すぎます（{length} {unit}、上限は {limit}）。",
    },
    "unknown_voice": {
        "en": "There is no voice called “{name}”. See /voices.",
        "zh": "没有名为“{name}”的音色。请查看 /voices。",
        "ja": "「{name}」という声はありません。/voices を見てください。",
    },
    "out_of_range": {
        "en": "{name} must be between {low} and {high} (got {value}).",
        "zh": "{name} 必须在 {low} 到 {high} 之间（收到 {value}）。",
        "ja": "{name} は {low}〜{high} の範囲で指定してください（{value} が指定されました）。",
    },
    "invalid_value": {
        "en": "{name} can't be “{value}”. Allowed: {allowed}.",
        "zh": "{name} 不能是“{value}”。可选：{allowed}。",
        "ja": "{name} に「{value}」は使えません。使える値: {allowed}",
    },
    "invalid_name": {
        "en": "The name “{name}” can't be used: {rule}",
        "zh": "名称“{name}”不可用：{rule}",
        "ja": "名前「{name}」は使えません: {rule}",
    },
    "name_taken": {
        "en": "You already have a voice or character called “{name}”.",
        "zh": "你已经有一个名为“{name}”的音色或角色。",
        "ja": "「{name}」という名前はすでに使われています。",
    },
    "not_found": {
        "en": "No {what} called “{name}”.",
        "zh": "找不到{what}“{name}”。",
        "ja": "{what}「{name}」が見つかりません。",
    },
    "permission_denied": {
        "en": "You don't have permission to {action}.",
        "zh": "你没有权限执行：{action}。",
        "ja": "{action} の権限がありません。",
    },
    "no_pronunciation": {
        "en": "There is no pronunciation for “{word}” in that dictionary.",
        "zh": "该词典中没有“{word}”的读法。",
        "ja": "その辞書に「{word}」の読み方はありません。",
    },
    "dictionary_full": {
        "en": "That dictionary is full ({limit} words). Remove one first.",
        "zh": "该词典已满（{limit} 个词），请先删除一个。",
        "ja": "その辞書はいっぱいです（{limit} 語）。先にどれかを削除してください。",
    },
    "link_code_invalid": {
        "en": "That link code is wrong or has expired. Send /link on your other account for a new one.",
        "zh": "该关联码无效或已过期。请在另一个账号上发送 /link 获取新的关联码。",
        "ja": "その連携コードは間違っているか期限切れです。もう一方のアカウントで /link を送って新しいコードを受け取ってください。",
    },
    "link_same_platform": {
        "en": "Link codes join your accounts on two different platforms: type this one on the other platform.",
        "zh": "关联码用于关联你在两个不同平台上的账号：请在另一个平台上输入。",
        "ja": "連携コードは別々のサービスのアカウントをつなぎます。もう一方のサービスで入力してください。",
    },
    "already_linked": {
        "en": "This account is already linked. Send /unlink first to link it differently.",
        "zh": "此账号已经关联。如需改为其他关联，请先发送 /unlink。",
        "ja": "このアカウントはすでに連携済みです。別の連携にするには先に /unlink を送ってください。",
    },
    "link_private_only": {
        "en": "Link your accounts in a private chat with me: a link code gives access to your voices.",
        "zh": "请在与我的私聊中关联账号：关联码可以使用你的音色。",
        "ja": "アカウントの連携は私との個人チャットで行ってください。連携コードであなたの声が使えてしまいます。",
    },
    "link_key_clash": {
        "en": ("Your accounts use different SiliconFlow keys, and {names} only work with this account's key. "
               "Set the same key on both with /key (or delete those voices), then link again."),
        "zh": "两个账号使用不同的 SiliconFlow 密钥，而 {names} 只能用此账号的密钥。请用 /key 在两边设置相同的密钥（或删除这些音色）后再关联。",
        "ja": "両アカウントの SiliconFlow キーが異なり、{names} はこのアカウントのキーでしか使えません。/key で同じキーを両方に設定する（またはその声を削除する）と連携できます。",
    },
    "link_name_clash": {
        "en": "Both accounts have a voice called “{name}”. Delete or rename one, then link again.",
        "zh": "两个账号都有名为“{name}”的音色。请删除或改名其中一个后再关联。",
        "ja": "両方のアカウントに「{name}」という声があります。どちらかを削除するか名前を変えてから連携してください。",
    },
    "private_only": {
        "en": "Send API keys only in a private chat with the bot. If you posted one here, revoke it now.",
        "zh": "请只在与机器人的私聊中发送 API 密钥。若已在此发送，请立即作废该密钥。",
        "ja": "API キーはボットとの個人チャットでのみ送ってください。ここに送った場合はすぐに無効化してください。",
    },
    "consent_required": {
        "en": "Cloning needs your confirmation that the voice is yours or that you may use it.",
        "zh": "克隆前需要你确认这是你自己的声音，或你已获得使用授权。",
        "ja": "クローンするには、自分の声であるか使用許可があることの確認が必要です。",
    },
    "invalid_api_key": {
        "en": "That doesn't look like an API key.",
        "zh": "这看起来不像是 API 密钥。",
        "ja": "API キーの形式ではありません。",
    },
    "quota_exceeded": {
        "en": "You have used today's allowance ({used} of {limit} bytes). Try again tomorrow, or add your own key with /key.",
        "zh": "今日额度已用完（{used}/{limit} 字节）。请明天再试，或用 /key 添加自己的密钥。",
        "ja": "本日の上限に達しました（{used}/{limit} バイト）。明日もう一度試すか、/key で自分のキーを追加してください。",
    },
    "too_many_requests": {
        "en": "Slow down a little: try again in {retry_after} s.",
        "zh": "请求太频繁，请 {retry_after} 秒后再试。",
        "ja": "リクエストが多すぎます。{retry_after} 秒後にもう一度お試しください。",
    },
    "busy": {
        "en": "You already have {limit} requests waiting. Try again when they are done.",
        "zh": "你已有 {limit} 个请求在排队，请等它们完成后再试。",
        "ja": "すでに {limit} 件のリクエストが待機中です。完了してからもう一度お試しください。",
    },
    "clone_in_progress": {
        "en": "You already have a voice clone in progress. Finish or cancel it first, or try again in a few minutes.",
        "zh": "你已有一个正在进行的声音克隆。请先完成或取消它，或过几分钟再试。",
        "ja": "進行中の声のクローンがすでにあります。先に完了するかキャンセルしてください。または数分後にもう一度お試しください。",
    },
    "clone_uploads_busy": {
        "en": "Too many voice clones are being prepared right now. Please try again in a minute.",
        "zh": "当前正在处理的声音克隆太多，请一分钟后再试。",
        "ja": "現在、声のクローンの処理が混み合っています。1 分ほどしてからもう一度お試しください。",
    },
    "cloning_unsupported": {
        "en": "Cloning needs the SiliconFlow provider; this bot runs the offline engine. Add a key with /key to clone.",
        "zh": "克隆需要 SiliconFlow 服务；当前使用的是离线引擎。用 /key 添加密钥后即可克隆。",
        "ja": "クローンには SiliconFlow が必要です（現在はオフラインエンジン）。/key でキーを追加してください。",
    },
    "voice_key_mismatch": {
        "en": "The voice “{name}” was made with a different API key, which is no longer set. Set that key again or clone anew.",
        "zh": "音色“{name}”是用另一个 API 密钥创建的，该密钥已不存在。请重新设置该密钥或重新克隆。",
        "ja": "声「{name}」は別の API キーで作られ、そのキーはもう設定されていません。キーを再設定するか、作り直してください。",
    },
    "storage_unavailable": {
        "en": "I can't reach my database right now, so nothing was changed. Please try again in a minute.",
        "zh": "我暂时无法连接数据库，没有做任何更改。请稍后再试。",
        "ja": "いまデータベースに接続できないため、何も変更していません。少し後でもう一度お試しください。",
    },
    "not_your_recording": {
        "en": "You can only clone a recording you sent yourself. If it is your voice, send it again yourself.",
        "zh": "只能克隆你自己发送的录音。如果这是你的声音，请自己重新发送一次。",
        "ja": "クローンできるのは自分で送った録音だけです。あなたの声なら、ご自身でもう一度送ってください。",
    },
    "voice_not_shared": {
        "en": "The voice “{name}” belongs to someone who doesn't share it, so only they can speak with it.",
        "zh": "音色“{name}”的主人没有共享它，只有主人本人可以使用。",
        "ja": "声「{name}」の持ち主は共有していないため、本人だけが使えます。",
    },
    "audio_invalid": {
        "en": "That file can't be used as audio.",
        "zh": "该文件无法作为音频使用。",
        "ja": "そのファイルは音声として使えません。",
    },
    "audio_unsupported": {
        "en": "That isn't an audio file I can read (use a voice note, OGG, MP3, M4A, WAV, WebM or FLAC).",
        "zh": "无法读取该音频（请使用语音消息或 OGG、MP3、M4A、WAV、WebM、FLAC 文件）。",
        "ja": "読み取れる音声ファイルではありません（ボイスメッセージ、OGG、MP3、M4A、WAV、WebM、FLAC を使ってください）。",
    },
    "audio_too_large": {
        "en": "The file is too large ({size_mb} MB; the limit is {limit_mb} MB).",
        "zh": "文件太大（{size_mb} MB，上限 {limit_mb} MB）。",
        "ja": "ファイルが大きすぎます（{size_mb} MB、上限 {limit_mb} MB）。",
    },
    "audio_too_long": {
        "en": "The audio is too long (the limit is {limit} s).",
        "zh": "音频太长（上限 {limit} 秒）。",
        "ja": "音声が長すぎます（上限 {limit} 秒）。",
    },
    "audio_too_short": {
        "en": "The audio is too short ({duration} s of speech; at least {minimum} s is needed).",
        "zh": "音频太短（有效语音 {duration} 秒，至少需要 {minimum} 秒）。",
        "ja": "音声が短すぎます（音声 {duration} 秒、最低 {minimum} 秒必要です）。",
    },
    "audio_empty": {
        "en": "The audio is empty or silent.",
        "zh": "音频为空或全是静音。",
        "ja": "音声が空か無音です。",
    },
    "audio_no_stream": {
        "en": "That file has no audio in it.",
        "zh": "该文件中没有音频。",
        "ja": "そのファイルには音声が含まれていません。",
    },
    "audio_truncated": {
        "en": "The audio file is cut off or damaged. Please send it again.",
        "zh": "音频文件不完整或已损坏，请重新发送。",
        "ja": "音声ファイルが途中で切れているか壊れています。もう一度送ってください。",
    },
    "provider": {
        "en": "The speech service failed ({status}): {message}",
        "zh": "语音服务出错（{status}）：{message}",
        "ja": "音声サービスでエラーが発生しました（{status}）: {message}",
    },
    "provider_auth": {
        "en": "The speech service refused the API key. Check it with /key.",
        "zh": "语音服务拒绝了 API 密钥，请用 /key 检查。",
        "ja": "音声サービスが API キーを拒否しました。/key で確認してください。",
    },
    "provider_forbidden": {
        "en": "The speech service doesn't allow this account to use that model or voice.",
        "zh": "该账号无权使用此模型或音色。",
        "ja": "このアカウントではそのモデルまたは声を使えません。",
    },
    "provider_bad_request": {
        "en": "The speech service refused the request: {message}",
        "zh": "语音服务拒绝了请求：{message}",
        "ja": "音声サービスがリクエストを拒否しました: {message}",
    },
    "provider_not_found": {
        "en": "The speech service doesn't know that voice any more (or its address is wrong).",
        "zh": "语音服务找不到该音色（或服务地址有误）。",
        "ja": "音声サービスにその声が見つかりません（またはアドレスが違います）。",
    },
    "provider_payment": {
        "en": "The speech service account has no balance left.",
        "zh": "语音服务账号余额不足。",
        "ja": "音声サービスの残高が不足しています。",
    },
    "provider_rate_limited": {
        "en": "The speech service is rate-limiting us. Please try again in a minute.",
        "zh": "语音服务正在限流，请一分钟后再试。",
        "ja": "音声サービスが混み合っています。1 分ほどしてからお試しください。",
    },
    "provider_unavailable": {
        "en": "The speech service is unavailable right now. Please try again shortly.",
        "zh": "语音服务暂时不可用，请稍后再试。",
        "ja": "音声サービスが現在利用できません。しばらくしてからお試しください。",
    },
    "provider_timeout": {
        "en": "The speech service took too long to answer. Please try again.",
        "zh": "语音服务响应超时，请重试。",
        "ja": "音声サービスの応答がタイムアウトしました。もう一度お試しください。",
    },
    "provider_stream_cut": {
        "en": "The speech service stopped in the middle. Please try again.",
        "zh": "语音服务中途中断，请重试。",
        "ja": "音声サービスが途中で止まりました。もう一度お試しください。",
    },
    "provider_protocol": {
        "en": "The speech service sent an answer we don't understand.",
        "zh": "语音服务返回了无法识别的结果。",
        "ja": "音声サービスから理解できない応答がありました。",
    },
    "provider_not_audio": {
        "en": "The speech service sent something that isn't usable audio. Please try again later.",
        "zh": "语音服务返回的内容不是可用的音频，请稍后再试。",
        "ja": "音声サービスから使える音声が返ってきませんでした。しばらくしてからお試しください。",
    },
    # --- words error parameters name ------------------------------------------------------------
    "action_scope_settings": {"en": "change this chat's or server's settings", "zh": "修改本群组或服务器的设置",
                              "ja": "このチャットやサーバーの設定を変更"},
    "action_scope_settings_private": {"en": "change group or server settings in a private chat",
                                      "zh": "在私聊中修改群组或服务器的设置", "ja": "個人チャットでグループやサーバーの設定を変更"},
    "action_create_character_private": {"en": "create characters outside a server or group",
                                        "zh": "在服务器或群组之外创建角色", "ja": "サーバーやグループの外でキャラクターを作成"},
    "action_character_of_others": {"en": "change a character someone else made", "zh": "修改别人创建的角色",
                                   "ja": "他の人が作ったキャラクターを変更"},
    "action_scope_pronunciations": {"en": "change this chat's or server's pronunciations",
                                    "zh": "修改本群组或服务器的发音词典", "ja": "このチャットやサーバーの発音辞書を変更"},
    "action_skip_others": {"en": "skip someone else's message", "zh": "跳过别人的消息", "ja": "他の人のメッセージをスキップ"},
    "what_character": {"en": "character", "zh": "角色", "ja": "キャラクター"},
    "unit_characters": {"en": "characters", "zh": "个字符", "ja": "文字"},
    "unit_bytes": {"en": "bytes", "zh": "字节", "ja": "バイト"},
    "name_style_length": {"en": "style length", "zh": "风格的长度", "ja": "スタイルの長さ"},
    "rule_name_required": {"en": "a name is needed", "zh": "需要一个名称", "ja": "名前が必要です"},
    "rule_name_max_chars": {"en": "at most {limit} characters", "zh": "最多 {limit} 个字符", "ja": "最大 {limit} 文字"},
    "rule_name_characters": {"en": "letters, digits, spaces and simple punctuation only",
                             "zh": "只能使用字母、数字、空格和简单的标点", "ja": "文字・数字・空白・簡単な記号のみ使えます"},
    "rule_name_is_preset": {"en": "that is a preset voice's name", "zh": "这是预设音色的名称",
                            "ja": "プリセットの声の名前です"},
    "rule_provider_name_characters": {"en": "use only letters, digits, _ and -", "zh": "只能使用字母、数字、_ 和 -",
                                      "ja": "英字・数字・_ と - のみ使えます"},
    "allowed_preset_voice": {"en": "a preset voice", "zh": "预设音色", "ja": "プリセットの声"},
    "allowed_transcript": {"en": "the words spoken in the audio", "zh": "音频中所说的话", "ja": "音声で話されている言葉"},
    "allowed_word_with_letter": {"en": "a word with at least one letter or digit", "zh": "至少含一个字母或数字的词",
                                 "ja": "文字か数字を 1 つ以上含む単語"},
    "allowed_length": {"en": "1–{limit} characters", "zh": "1–{limit} 个字符", "ja": "1〜{limit} 文字"},
}

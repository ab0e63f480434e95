"""User-facing sentences in English, Chinese and Japanese.

Adapters call :func:`error_text` for errors and :func:`t` for their own strings, which they add
with :func:`register`; sentences both adapters show word for word are here as ``ui_*``. Unknown languages fall back to English; a missing parameter never raises.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import VoiceBridgeError

UI_LANGUAGES = ("en", "zh", "ja")
DEFAULT_LANGUAGE = "en"

_CATALOG: dict[str, dict[str, str]] = {
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
        "en": "Link codes join a Telegram account with a Discord account: type this one on the other platform.",
        "zh": "关联码用于把 Telegram 账号和 Discord 账号关联起来：请在另一个平台上输入。",
        "ja": "連携コードは Telegram と Discord のアカウントをつなぎます。もう一方のサービスで入力してください。",
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
    "notice_style_offline": {
        "en": "Note: the offline engine can't do speaking styles; your /style is ignored until a SiliconFlow key is used.",
        "zh": "提示：离线引擎不支持说话风格，在使用 SiliconFlow 密钥之前 /style 设置将被忽略。",
        "ja": "注意: オフラインエンジンは話し方（/style）に対応していないため、SiliconFlow のキーを使うまで無視されます。",
    },
    "notice_fallback": {
        "en": "The speech service is down, so this was spoken by the offline engine.",
        "zh": "语音服务暂时不可用，本条由离线引擎朗读。",
        "ja": "音声サービスが停止中のため、オフラインエンジンで読み上げました。",
    },
    "notice_voice_missing": {
        "en": "Your chosen voice no longer exists; the default voice was used. Pick another with /voices.",
        "zh": "你选择的音色已不存在，已改用默认音色。请用 /voices 重新选择。",
        "ja": "選んだ声はもう存在しないため、既定の声を使いました。/voices で選び直してください。",
    },
    # --- sentences both adapters show (their own strings carry the ones that differ) -----------
    "ui_cancel": {"en": "Cancel", "zh": "取消", "ja": "キャンセル"},
    "ui_none": {"en": "none", "zh": "无", "ja": "なし"},
    "ui_pronunciation_removed": {
        "en": "“{word}” is read as written again.",
        "zh": "“{word}”恢复按原文朗读。",
        "ja": "「{word}」は書かれたとおりに読みます。",
    },
    "ui_dictionary_empty": {"en": "none yet", "zh": "暂无", "ja": "まだありません"},
    "ui_link_done": {
        "en": "Linked with your {platform} account: the same voices, settings, dictionary and key on both.",
        "zh": "已与你的 {platform} 账号关联：两边使用相同的音色、设置、词典和密钥。",
        "ja": "{platform} のアカウントと連携しました。声・設定・辞書・キーは両方で共通です。",
    },
    "ui_unlinked": {
        "en": "Unlinked. Each account has back what it brought (voices, key, settings, dictionary); "
              "what was made while linked stays with the account that showed the code.",
        "zh": "已取消关联。两个账号各自取回关联时带来的内容（音色、密钥、设置、词典）；关联期间新建的内容留在显示关联码的账号。",
        "ja": "連携を解除しました。それぞれのアカウントに持ち込んだもの（声・キー・設定・辞書）を戻しました。"
              "連携中に作ったものはコードを表示した側に残ります。",
    },
    "ui_link_confirm": {
        "en": "Link this account with the {platform} account that showed this code? Both then share one set of "
              "voices, settings, dictionary and key. Only confirm if both accounts are yours: that account gets "
              "the use of {what}. /unlink gives each side back what it brought.",
        "zh": "要把此账号与显示该关联码的 {platform} 账号关联吗？之后两边共用同一套音色、设置、词典和密钥。"
              "只有两个账号都是你自己的才可确认：对方账号将可以使用{what}。/unlink 会把各自带来的内容归还。",
        "ja": "このアカウントを、コードを表示した {platform} のアカウントと連携しますか？以後、声・設定・辞書・キーを"
              "共有します。両方ともあなたのアカウントの場合だけ確認してください。相手のアカウントは{what}を使えるように"
              "なります。/unlink でそれぞれが持ち込んだものを戻せます。",
    },
    "ui_link_what_voices": {"en": "your voices {names}", "zh": "你的音色 {names}", "ja": "あなたの声 {names}"},
    "ui_link_what_key": {"en": "your API key {hint}", "zh": "你的 API 密钥 {hint}", "ja": "あなたの API キー {hint}"},
    "ui_link_what_words": {"en": "{count} pronunciations", "zh": "{count} 条发音词条", "ja": "発音 {count} 件"},
    "ui_link_what_nothing": {
        "en": "nothing of yours yet (you will use its voices and settings)",
        "zh": "你目前的内容（暂无；你将使用对方的音色和设置）",
        "ja": "あなたのもの（まだありません。相手の声と設定を使います）",
    },
    "ui_link_button": {"en": "Link accounts", "zh": "关联账号", "ja": "連携する"},
    "ui_link_cancelled": {"en": "Not linked; the code stays valid until it expires.",
                          "zh": "未关联；该关联码在过期前仍然有效。", "ja": "連携していません。コードは期限まで有効です。"},
    "ui_key_stranded": {
        "en": " These voices were made with that key and can't be used or deleted at the provider until you set it "
              "again: {names}.",
        "zh": "以下音色是用该密钥创建的，在你重新设置它之前无法使用，也无法在服务商处删除：{names}。",
        "ja": "次の声はそのキーで作られたため、キーを再設定するまで使うことも提供元で削除することもできません: {names}。",
    },
    "ui_forget_abandoned": {
        "en": "These voices could not be removed at the provider: {items}. You can delete them in your SiliconFlow "
              "account by these IDs.",
        "zh": "以下音色无法在服务商处删除：{items}。你可以凭这些 ID 在自己的 SiliconFlow 账户中删除。",
        "ja": "次の声は提供元で削除できませんでした: {items}。SiliconFlow のアカウントでこの ID を使って削除できます。",
    },
    "ui_forget_why_key_gone": {"en": "the key that made it is no longer set", "zh": "创建它的密钥已不存在",
                               "ja": "作成に使ったキーがもうありません"},
    "ui_forget_why_key_rejected": {"en": "the provider refused the key that made it", "zh": "服务商拒绝了创建它的密钥",
                                   "ja": "作成に使ったキーを提供元が拒否しました"},
    "ui_usage_lent": {
        "en": "\nOthers spoke {today} bytes today ({total} in total) through your shared voices, on your key.",
        "zh": "\n他人今日通过你共享的音色、用你的密钥朗读了 {today} 字节（累计 {total}）。",
        "ja": "\n他の人があなたの共有した声で、あなたのキーを使い今日 {today} バイト（合計 {total}）読み上げました。",
    },
    "ui_voice_shared": {
        "en": "Others may now speak with “{name}” (through characters), on the key that made it.",
        "zh": "现在其他人可以（通过角色）使用“{name}”，费用由创建它的密钥承担。",
        "ja": "「{name}」を他の人も（キャラクターを通じて）使えるようになりました。作成したキーで支払われます。",
    },
    "ui_voice_private": {
        "en": "Only you can speak with “{name}” now.",
        "zh": "现在只有你可以使用“{name}”。",
        "ja": "「{name}」を使えるのはあなただけになりました。",
    },
    "ui_usage_limit": {
        "en": " ({used} of today's {limit} bytes on the bot's key)", "zh": "（今日使用机器人密钥 {used}/{limit} 字节）",
        "ja": "（本日ボットのキーで {used}/{limit} バイト）",
    },
}


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def normalize_language(code: str | None) -> str:
    """Map a platform language code (``zh-hans``, ``ja-JP``, ``pt-br`` …) to a UI language."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in UI_LANGUAGES else DEFAULT_LANGUAGE


def register(strings: dict[str, dict[str, str]]) -> None:
    """Add an adapter's own strings (key → {lang: template}). Later keys win."""
    _CATALOG.update(strings)


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The sentence ``key`` in ``lang`` (falling back to English), filled with ``params``."""
    entry = _CATALOG.get(key)
    if entry is None:
        return key
    template = entry.get(normalize_language(lang)) or entry.get(DEFAULT_LANGUAGE)
    if template is None:
        return key
    return string.Formatter().vformat(template, (), _Lenient(params))


PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord"}


def listing(items: list[str], lang: str | None) -> str:
    """Items joined as the language lists them (``a, b`` / ``a、b``)."""
    return ("、" if normalize_language(lang) in ("zh", "ja") else ", ").join(items)


def link_preview_text(preview: Any, lang: str | None) -> str:
    """The question shown before linking: what the other account will get the use of."""
    what = []
    if preview.voices:
        what.append(t("ui_link_what_voices", lang, names=listing([f"“{n}”" for n in preview.voices], lang)))
    if preview.key_hint is not None:
        what.append(t("ui_link_what_key", lang, hint=f"…{preview.key_hint}"))
    if preview.words:
        what.append(t("ui_link_what_words", lang, count=preview.words))
    return t("ui_link_confirm", lang, platform=platform_names([preview.platform]),
             what=listing(what, lang) if what else t("ui_link_what_nothing", lang))


def forget_abandoned_text(abandoned: list[tuple[str, str, str]], lang: str | None) -> str:
    """The clones /forget deleted here but could not delete at the provider: name, why, provider id."""
    items = [f"“{name}” ({t('ui_forget_why_' + why, lang)}: {uri})" for name, why, uri in abandoned]
    return t("ui_forget_abandoned", lang, items=listing(items, lang))


def platform_names(names: list[str]) -> str:
    """Platform ids (``telegram``, ``discord``) as people write them, comma-separated."""
    return ", ".join(PLATFORM_NAMES.get(name, name) for name in names)


def error_text(err: VoiceBridgeError, lang: str | None = None) -> str:
    """The sentence for an error in ``lang``; the most specific code that has a sentence wins."""
    params = dict(err.params)
    for name in ("action", "allowed"):  # named by a catalog key: said in the reader's language
        value = params.get(name)
        if isinstance(value, str) and value in _CATALOG:
            params[name] = t(value, lang)
    for cls in type(err).__mro__:
        code = getattr(cls, "code", None)
        if code in _CATALOG:
            return t(code, lang, **params)
    return t("internal", lang)

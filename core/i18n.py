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
        "en": "Unlinked. Everything stays with the account that showed the code; the one that typed it starts afresh.",
        "zh": "已取消关联。所有数据留在显示关联码的账号；输入关联码的账号将重新开始。",
        "ja": "連携を解除しました。データはコードを表示した側に残り、入力した側は最初からになります。",
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


def platform_names(names: list[str]) -> str:
    """Platform ids (``telegram``, ``discord``) as people write them, comma-separated."""
    return ", ".join(PLATFORM_NAMES.get(name, name) for name in names)


def error_text(err: VoiceBridgeError, lang: str | None = None) -> str:
    """The sentence for an error in ``lang``; the most specific code that has a sentence wins."""
    for cls in type(err).__mro__:
        code = getattr(cls, "code", None)
        if code in _CATALOG:
            return t(code, lang, **err.params)
    return t("internal", lang)

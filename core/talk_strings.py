"""Core's sentences for talking characters: the chat model's faults and the refusals of a conversation
(registered into the catalog by :mod:`core.i18n`)."""

from __future__ import annotations

TALK_STRINGS: dict[str, dict[str, str]] = {
    "chat_model": {
        "en": "The character's language model failed ({message}). Please try again.",
        "zh": "角色的语言模型出错了（{message}），请重试。",
        "ja": "キャラクターの言語モデルでエラーが起きました（{message}）。もう一度お試しください。",
    },
    "chat_model_auth": {
        "en": "The language model refused the API key. If you set your own with /key, check it; otherwise tell "
              "the bot's operator.",
        "zh": "语言模型拒绝了 API 密钥。如果你用 /key 设置了自己的密钥，请检查它；否则请联系机器人的管理员。",
        "ja": "言語モデルが API キーを拒否しました。/key で自分のキーを設定した場合は確認してください。そうでなければ"
              "ボットの管理者に連絡してください。",
    },
    "chat_model_payment": {
        "en": "The account that pays for the language model has no balance left.",
        "zh": "支付语言模型费用的账户余额不足。",
        "ja": "言語モデルの料金を払うアカウントの残高がありません。",
    },
    "chat_model_bad_request": {
        "en": "The language model refused the request ({message}). Check the character's model with /character.",
        "zh": "语言模型拒绝了请求（{message}）。请用 /character 检查角色的模型设置。",
        "ja": "言語モデルがリクエストを拒否しました（{message}）。/character でキャラクターのモデルを確認してください。",
    },
    "chat_model_rate_limited": {
        "en": "The language model is busy right now. Please try again in a minute.",
        "zh": "语言模型正忙，请一分钟后再试。",
        "ja": "言語モデルが混み合っています。1 分ほどしてからお試しください。",
    },
    "chat_model_unavailable": {
        "en": "The language model is unavailable right now. Please try again shortly.",
        "zh": "语言模型暂时不可用，请稍后再试。",
        "ja": "言語モデルが現在利用できません。しばらくしてからお試しください。",
    },
    "chat_model_timeout": {
        "en": "The language model took too long to answer. Please try again.",
        "zh": "语言模型响应超时，请重试。",
        "ja": "言語モデルの応答がタイムアウトしました。もう一度お試しください。",
    },
    "chat_model_stream_cut": {
        "en": "The language model stopped in the middle of its answer. Please ask again.",
        "zh": "语言模型的回答中途中断了，请再问一次。",
        "ja": "言語モデルの回答が途中で止まりました。もう一度聞いてください。",
    },
    "chat_model_protocol": {
        "en": "The language model sent an answer we could not read. Please try again.",
        "zh": "语言模型返回了无法读取的回答，请重试。",
        "ja": "言語モデルから読み取れない回答が届きました。もう一度お試しください。",
    },
    "talk_disabled": {
        "en": "Talking with characters is turned off on this bot.",
        "zh": "此机器人已关闭角色对话功能。",
        "ja": "このボットではキャラクターとの会話がオフになっています。",
    },
    "talk_needs_key": {
        "en": "Talking needs an API key, and this bot has none: set your own SiliconFlow key with /key in a "
              "private chat.",
        "zh": "对话需要 API 密钥，而此机器人没有：请在私聊中用 /key 设置你自己的硅基流动密钥。",
        "ja": "会話には API キーが必要ですが、このボットにはありません。個別チャットで /key を使って自分の "
              "SiliconFlow キーを設定してください。",
    },
    "talk_not_active": {
        "en": "No character is talking here. Start with /talk NAME.",
        "zh": "这里没有正在对话的角色。请先用 /talk 名字 开始。",
        "ja": "ここで会話中のキャラクターはいません。/talk 名前 で始めてください。",
    },
    "talk_token_quota": {
        "en": "You have used today's share of the language model ({used} of {limit} tokens). Try again tomorrow, "
              "or set your own key with /key.",
        "zh": "你今天的语言模型额度已用完（{used}/{limit} 个 token）。请明天再试，或用 /key 设置自己的密钥。",
        "ja": "今日の言語モデルの利用枠を使い切りました（{limit} トークン中 {used}）。明日もう一度試すか、/key で"
              "自分のキーを設定してください。",
    },
    "allowed_model_id": {
        "en": "a model id such as Qwen/Qwen2.5-7B-Instruct (letters, digits and . : / @ + - _)",
        "zh": "模型 ID，例如 Qwen/Qwen2.5-7B-Instruct（字母、数字和 . : / @ + - _）",
        "ja": "Qwen/Qwen2.5-7B-Instruct のようなモデル ID（英数字と . : / @ + - _）",
    },
    # /usage on every platform: the chat model's tokens (talking characters)
    "usage_tokens": {
        "en": "\nTalking: {today} language-model tokens today, {total} in total.",
        "zh": "\n对话：今天使用语言模型 {today} 个 token，累计 {total} 个。",
        "ja": "\n会話: 言語モデルのトークンは今日 {today}、合計 {total}。",
    },
    "usage_tokens_limit": {
        "en": " Today's limit on the bot's key: {used} of {limit}.",
        "zh": "机器人密钥今日额度：已用 {used}/{limit}。",
        "ja": " ボットのキーでの今日の上限: {limit} 中 {used}。",
    },
    "character_voice_id_not_yours": {
        "en": "“{value}” is not one of your voices. A character speaks with a voice ID only if you cloned that voice "
              "here or added it with /adopt_voice (with your own key); or give the voice's name.",
        "zh": "“{value}”不是你的音色。只有你在这里克隆的、或用 /adopt_voice（以你自己的密钥）添加的音色 ID 才能用作角色的音色；"
              "也可以直接写音色名称。",
        "ja": "「{value}」はあなたの声ではありません。キャラクターに使える声の ID は、ここで複製した声か、"
              "/adopt_voice（自分のキー）で追加した声のものだけです。声の名前で指定することもできます。",
    },
}

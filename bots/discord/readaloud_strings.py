"""Sentences of the read-aloud options on Discord (``/voiceconfig require_voice|text_in_voice|announce_members|
idle_timeout|stay_connected|channel_voice``, ``/server emoji``): replies, the options view and command help, in
English, Chinese and Japanese. Importing this module registers them with :func:`core.i18n.register`.
"""

from __future__ import annotations

from core.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    "voice_options_readaloud_body": {
        "en": ("Only members in my voice channel are read: {require}\nRead the voice channel's own chat: {tiv}\n"
               "Announce members joining and leaving: {members}\nLeave after idle: {idle}\n"
               "Stay connected: {stay}\nChannel voices: {voices}"),
        "zh": ("只朗读在我语音频道里的成员：{require}\n朗读语音频道自带的文字聊天：{tiv}\n"
               "播报成员进出：{members}\n空闲多久后离开：{idle}\n保持连接：{stay}\n频道音色：{voices}"),
        "ja": ("私のボイスチャンネルにいるメンバーだけ読む: {require}\nボイスチャンネル内のチャットを読む: {tiv}\n"
               "メンバーの入退室を読み上げ: {members}\n無操作で退出するまで: {idle}\n接続を維持: {stay}\n"
               "チャンネルの声: {voices}"),
    },
    "voice_idle_default": {
        "en": "{seconds} s (the default)",
        "zh": "{seconds} 秒（默认）",
        "ja": "{seconds} 秒（既定）",
    },
    "voice_idle_never": {"en": "never", "zh": "从不", "ja": "しない"},
    "voice_stay_connected_off": {
        "en": "This bot's operator does not let servers keep it connected. Choose an idle timeout instead "
              "(/voiceconfig idle_timeout, up to {high} s).",
        "zh": "本机器人的运营者不允许服务器让它一直保持连接。请改为设置空闲超时（/voiceconfig idle_timeout，最长 {high} 秒）。",
        "ja": "このボットの運営者は接続の維持を許可していません。代わりに無操作タイムアウトを設定してください"
              "（/voiceconfig idle_timeout、最長 {high} 秒）。",
    },
    "server_emoji_on": {
        "en": "Emoji are now read by name in this server (😂 → \"face with tears of joy\").",
        "zh": "本服务器现在会读出表情符号的名称（😂 → “笑哭了”）。",
        "ja": "このサーバーでは絵文字を名前で読み上げます（😂 →「嬉し泣き」）。",
    },
    "server_emoji_off": {
        "en": "Emoji are now skipped in this server.",
        "zh": "本服务器现在会跳过表情符号。",
        "ja": "このサーバーでは絵文字を読み飛ばします。",
    },
    "server_voice_lend_confirm": {
        "en": ("Lend your voice **{name}** to {where}? Everyone there who has not chosen a voice of their own will "
               "be read in it, and its characters may use it. It is paid by the API key it was made with (yours, "
               "if you cloned it with your own key). To take it back, clear the voice or turn sharing off "
               "(/share_voice)."),
        "zh": ("把你的音色 **{name}** 借给{where}吗？那里没有自选音色的人都会用它朗读，角色也可以使用它。"
               "费用由创建它的 API 密钥承担（如果你用自己的密钥克隆，就是你的）。"
               "想收回时，清除该音色或关闭共享（/share_voice）。"),
        "ja": ("あなたの声 **{name}** を{where}に貸しますか？自分の声を選んでいない人はこの声で読み上げられ、"
               "キャラクターも使えるようになります。料金は作成に使った API キーの持ち主が負担します"
               "（自分のキーでクローンした場合はあなた）。取り消すには声を消去するか共有をオフにしてください"
               "（/share_voice）。"),
    },
    "server_voice_lend_button": {"en": "Lend my voice", "zh": "借出我的音色", "ja": "声を貸す"},
    "server_voice_where_server": {"en": "this server", "zh": "本服务器", "ja": "このサーバー"},
    "name_idle_timeout": {"en": "Idle timeout (seconds)", "zh": "空闲超时（秒）", "ja": "無操作タイムアウト（秒）"},
}

#: Command help (``command_help_<qualified name>``): Discord shows these to users of those client languages.
COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "command_help_voiceconfig_require_voice": {
        "en": "Read only members who are in my voice channel (off: anyone writing in an auto-read channel).",
        "zh": "只朗读在我语音频道里的成员（关：朗读频道里任何人的消息）。",
        "ja": "私のボイスチャンネルにいるメンバーだけ読みます（オフ: 読み上げチャンネルの全員）。",
    },
    "command_help_voiceconfig_text_in_voice": {
        "en": "Read my voice channel's own text chat, without /autoread on there.",
        "zh": "朗读我所在语音频道自带的文字聊天，无需在那里 /autoread on。",
        "ja": "私のいるボイスチャンネル内のチャットを読みます（/autoread on 不要）。",
    },
    "command_help_voiceconfig_announce_members": {
        "en": "Say \"NAME joined\" and \"NAME left\" when members come and go in my voice channel.",
        "zh": "成员进出我的语音频道时播报“某某加入了频道”“某某离开了频道”。",
        "ja": "ボイスチャンネルへの入退室を「○○さんが入室しました」と読み上げます。",
    },
    "command_help_voiceconfig_idle_timeout": {
        "en": "Leave the voice channel after this many seconds with nothing said; empty for the default.",
        "zh": "多少秒没有朗读后离开语音频道；留空恢复默认。",
        "ja": "何も読まずにこの秒数が過ぎたら退出します。空欄で既定に戻します。",
    },
    "command_help_voiceconfig_stay_connected": {
        "en": "Stay in the voice channel even when idle or alone (if the operator allows it).",
        "zh": "即使空闲或无人也留在语音频道（需运营者允许）。",
        "ja": "無操作でも一人でもボイスチャンネルに残ります（運営者が許可している場合）。",
    },
    "command_help_voiceconfig_channel_voice": {
        "en": "The voice this channel is read in for members without a voice of their own; empty to clear.",
        "zh": "本频道为没有自选音色的成员朗读时用的音色；留空清除。",
        "ja": "自分の声を選んでいないメンバーをこのチャンネルで読む声。空欄で解除。",
    },
    "command_help_server_emoji": {
        "en": "Read emoji by name (on) or skip them (off) in this server.",
        "zh": "在本服务器读出表情符号名称（开）或跳过（关）。",
        "ja": "このサーバーで絵文字を名前で読む（オン）か読み飛ばす（オフ）か。",
    },
}

register(STRINGS)
register(COMMAND_DESCRIPTIONS)

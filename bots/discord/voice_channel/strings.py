"""The Discord voice channel's own sentences, in English, Chinese and Japanese, and the descriptions of its
commands.

Importing this module registers them with :func:`core.i18n.register`.
"""

from __future__ import annotations

from core.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    # --- errors --------------------------------------------------------------------------------
    "voice_unavailable": {
        "en": "Voice is not available: install discord.py[voice] (PyNaCl and davey) on the bot's host.",
        "zh": "语音功能不可用：请在机器人所在主机上安装 discord.py[voice]（PyNaCl 和 davey）。",
        "ja": "ボイス機能は使えません: ボットのホストに discord.py[voice]（PyNaCl と davey）を入れてください。",
    },
    "voice_queue_full": {
        "en": "The voice queue is full ({limit} messages waiting). Try again in a moment.",
        "zh": "语音队列已满（{limit} 条消息在等待），请稍后再试。",
        "ja": "読み上げキューがいっぱいです（{limit} 件待機中）。少し待ってからお試しください。",
    },
    "voice_join_first": {
        "en": "Join a voice channel first.",
        "zh": "请先加入一个语音频道。",
        "ja": "先にボイスチャンネルに参加してください。",
    },
    "voice_not_connected": {
        "en": "I'm not in a voice channel here. Use /join.",
        "zh": "我不在本服务器的语音频道里。请使用 /join。",
        "ja": "このサーバーのボイスチャンネルにいません。/join を使ってください。",
    },
    "voice_busy_elsewhere": {
        "en": "I'm speaking in {channel} for others right now. Join it, or ask someone with Manage Server.",
        "zh": "我正在 {channel} 为其他人朗读。请加入该频道，或请有“管理服务器”权限的人处理。",
        "ja": "いま {channel} で他の人のために読み上げています。そちらに参加するか、サーバー管理者に頼んでください。",
    },
    "voice_no_permission": {
        "en": "I can't join {channel}: I need the Connect and Speak permissions there.",
        "zh": "我无法加入 {channel}：需要该频道的“连接”和“说话”权限。",
        "ja": "{channel} に参加できません: そこで「接続」と「発言」の権限が必要です。",
    },
    "voice_connect_failed": {
        "en": "I couldn't connect to {channel}. Please try again in a moment.",
        "zh": "无法连接到 {channel}，请稍后再试。",
        "ja": "{channel} に接続できませんでした。少し待ってからお試しください。",
    },
    "action_skip_others_manage_server": {
        "en": "skip someone else's message (needs Manage Server)",
        "zh": "跳过别人的消息（需要“管理服务器”权限）",
        "ja": "他の人のメッセージのスキップ（「サーバー管理」権限が必要）",
    },
    "action_voice_options": {
        "en": "change the server's voice options (needs Manage Server)",
        "zh": "修改服务器的语音选项（需要“管理服务器”权限）",
        "ja": "サーバーのボイス設定の変更（「サーバー管理」権限が必要）",
    },
    "action_autoread": {
        "en": "turn auto-read on or off (needs Manage Server)",
        "zh": "开关自动朗读（需要“管理服务器”权限）",
        "ja": "自動読み上げの切り替え（「サーバー管理」権限が必要）",
    },
    # --- connection ----------------------------------------------------------------------------
    "voice_channel_joined": {
        "en": "Joined {channel}. Use /speak, or /autoread on in a text channel to read it aloud.",
        "zh": "已加入 {channel}。使用 /speak，或在文字频道里用 /autoread on 自动朗读。",
        "ja": "{channel} に参加しました。/speak を使うか、テキストチャンネルで /autoread on を実行すると読み上げます。",
    },
    "voice_channel_already_here": {
        "en": "I'm already in {channel}.",
        "zh": "我已经在 {channel} 里了。",
        "ja": "すでに {channel} にいます。",
    },
    "voice_channel_left": {
        "en": "Left {channel}.",
        "zh": "已离开 {channel}。",
        "ja": "{channel} から退出しました。",
    },
    # --- queue ---------------------------------------------------------------------------------
    "voice_speaking_now": {
        "en": "Speaking in {channel}.",
        "zh": "正在 {channel} 朗读。",
        "ja": "{channel} で読み上げます。",
    },
    "voice_queued": {
        "en": "Queued in {channel}: {ahead} message(s) before yours.",
        "zh": "已在 {channel} 排队：前面还有 {ahead} 条消息。",
        "ja": "{channel} のキューに追加しました（前に {ahead} 件）。",
    },
    "action_mute_others": {
        "en": "mute someone else (needs Manage Server or Mute Members)",
        "zh": "静音其他人（需要“管理服务器”或“将成员静音”权限）",
        "ja": "他の人のミュート（「サーバー管理」または「メンバーをミュート」権限が必要）",
    },
    "action_unmute_member": {
        "en": "unmute this member (a moderator muted them; needs Manage Server or Mute Members)",
        "zh": "取消此成员的静音（由管理员静音；需要“管理服务器”或“将成员静音”权限）",
        "ja": "このメンバーのミュート解除（モデレーターがミュート済み。「サーバー管理」または「メンバーをミュート」権限が必要）",
    },
    "autoread_muted_self": {
        "en": "I won't read your messages aloud in this server. `/autoread unmute` brings them back.",
        "zh": "在本服务器中我不会再朗读你的消息。用 `/autoread unmute` 恢复。",
        "ja": "このサーバーではあなたのメッセージを読み上げません。`/autoread unmute` で元に戻せます。",
    },
    "autoread_muted": {
        "en": "I won't read {member}'s messages aloud in this server.",
        "zh": "在本服务器中我不会再朗读 {member} 的消息。",
        "ja": "このサーバーでは {member} さんのメッセージを読み上げません。",
    },
    "autoread_unmuted_self": {
        "en": "I'll read your messages aloud again.",
        "zh": "我会重新朗读你的消息。",
        "ja": "あなたのメッセージをまた読み上げます。",
    },
    "autoread_unmuted": {
        "en": "I'll read {member}'s messages aloud again.",
        "zh": "我会重新朗读 {member} 的消息。",
        "ja": "{member} さんのメッセージをまた読み上げます。",
    },
    "autoread_not_muted": {
        "en": "{member} is not muted.",
        "zh": "{member} 没有被静音。",
        "ja": "{member} さんはミュートされていません。",
    },
    "voice_skipped": {
        "en": "Skipped.",
        "zh": "已跳过。",
        "ja": "スキップしました。",
    },
    "voice_nothing_playing": {
        "en": "Nothing is being read right now.",
        "zh": "现在没有在朗读。",
        "ja": "いまは何も読み上げていません。",
    },
    "voice_queue_cleared": {
        "en": "Removed {count} waiting message(s).",
        "zh": "已移除 {count} 条排队消息。",
        "ja": "待機中のメッセージを {count} 件削除しました。",
    },
    "voice_announce_said": {
        "en": "{name} said: ",
        "zh": "{name}说：",
        "ja": "{name}さん：",
    },
    "voice_speech_failed": {
        "en": "I couldn't finish saying that: {reason}",
        "zh": "没能读完这条消息：{reason}",
        "ja": "最後まで読み上げられませんでした: {reason}",
    },
    # --- auto-read -------------------------------------------------------------------------------
    "autoread_on": {
        "en": "Auto-read is on in {channel}: messages of people in my voice channel are read in their own voice.",
        "zh": "已在 {channel} 开启自动朗读：与我同在语音频道的人的消息会用他们自己的声音朗读。",
        "ja": "{channel} の自動読み上げをオンにしました: 同じボイスチャンネルにいる人のメッセージをその人の声で読み上げます。",
    },
    "autoread_on_character": {
        "en": "Auto-read is on in {channel}, as {character}: messages of people in my voice channel are read in {character}'s voice.",
        "zh": "已在 {channel} 开启自动朗读，角色为 {character}：与我同在语音频道的人的消息会用 {character} 的声音朗读。",
        "ja": "{channel} の自動読み上げを {character} としてオンにしました: 同じボイスチャンネルにいる人のメッセージを {character} の声で読み上げます。",
    },
    "autoread_off": {
        "en": "Auto-read is off in {channel}.",
        "zh": "已在 {channel} 关闭自动朗读。",
        "ja": "{channel} の自動読み上げをオフにしました。",
    },
    "autoread_not_joined": {
        "en": "I'm not in a voice channel yet: use /join so I can read.",
        "zh": "我还没进入语音频道：请使用 /join，我才能朗读。",
        "ja": "まだボイスチャンネルにいません: 読み上げるには /join を使ってください。",
    },
    # --- options -------------------------------------------------------------------------------
    "voice_options_title": {
        "en": "Voice channel options",
        "zh": "语音频道选项",
        "ja": "ボイスチャンネルの設定",
    },
    "voice_options_body": {
        "en": ("Auto-read channels: {channels}\nJoin on /speak: {join}\nAnnounce \"NAME said\": {announce}\n"
               "Skip prefix: {prefix} (and @silent messages)\nIgnore bots: {bots}\nIgnored role: {role}\n"
               "Required role: {required}\nLongest message: {seconds} s of audio\nMuted: {muted}"),
        "zh": ("自动朗读频道：{channels}\n/speak 时自动加入：{join}\n播报“某某说”：{announce}\n"
               "跳过前缀：{prefix}（以及 @silent 消息）\n忽略机器人：{bots}\n忽略的身份组：{role}\n"
               "需要的身份组：{required}\n每条消息最长：{seconds} 秒音频\n已静音：{muted}"),
        "ja": ("自動読み上げチャンネル: {channels}\n/speak で自動参加: {join}\n「○○さん」の読み上げ: {announce}\n"
               "スキップ接頭辞: {prefix}（@silent メッセージも）\nボットを無視: {bots}\n無視するロール: {role}\n"
               "必要なロール: {required}\n1 メッセージの最長: 音声 {seconds} 秒\nミュート: {muted}"),
    },
    "value_on": {"en": "on", "zh": "开", "ja": "オン"},
    "value_off": {"en": "off", "zh": "关", "ja": "オフ"},
    "voice_option_set": {
        "en": "Saved: {option} = {value}.",
        "zh": "已保存：{option} = {value}。",
        "ja": "保存しました: {option} = {value}",
    },
    # --- characters ----------------------------------------------------------------------------
    "character_created": {
        "en": "Character {name} created: voice {voice}. Try /character speak {name}.",
        "zh": "已创建角色 {name}：音色 {voice}。试试 /character speak {name}。",
        "ja": "キャラクター {name} を作りました（声: {voice}）。/character speak {name} を試してください。",
    },
    "character_updated": {
        "en": "Character {name} updated.",
        "zh": "角色 {name} 已更新。",
        "ja": "キャラクター {name} を更新しました。",
    },
    "character_deleted": {
        "en": "Character {name} deleted.",
        "zh": "角色 {name} 已删除。",
        "ja": "キャラクター {name} を削除しました。",
    },
    "characters_title": {
        "en": "Characters of this server",
        "zh": "本服务器的角色",
        "ja": "このサーバーのキャラクター",
    },
    "characters_none": {
        "en": "No characters yet. Create one with /character create.",
        "zh": "还没有角色。用 /character create 创建一个。",
        "ja": "キャラクターはまだいません。/character create で作れます。",
    },
    "character_line": {
        "en": "**{name}** — {voice}{details}",
        "zh": "**{name}** — {voice}{details}",
        "ja": "**{name}** — {voice}{details}",
    },
    "character_nothing_to_change": {
        "en": "Give at least one setting to change.",
        "zh": "请至少给出一项要修改的设置。",
        "ja": "変更する設定を少なくとも 1 つ指定してください。",
    },
}

#: Descriptions of the voice channel's commands, in the text side's scheme (see
#: :data:`bots.discord.strings.COMMAND_DESCRIPTIONS`): "en" is the command's docstring.
COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "command_help_join": {
        "en": "Join your voice channel.",
        "zh": "加入你所在的语音频道。",
        "ja": "あなたのいるボイスチャンネルに参加します。",
    },
    "command_help_leave": {
        "en": "Leave the voice channel (anyone in it, or Manage Server).",
        "zh": "离开语音频道（频道里的人或管理员可用）。",
        "ja": "ボイスチャンネルから退出します（参加者か管理者）。",
    },
    "command_help_skip": {
        "en": "Skip the message being read (your own, or anyone's with Manage Server).",
        "zh": "跳过正在朗读的消息（自己的，或管理员跳过任何人的）。",
        "ja": "読み上げ中のメッセージをスキップします（自分の分、管理者は誰の分でも）。",
    },
    "command_help_clear": {
        "en": "Remove waiting messages: yours, or everyone's with Manage Server.",
        "zh": "移除排队中的消息：你自己的，或管理员移除所有人的。",
        "ja": "待機中のメッセージを削除します（自分の分、管理者は全員分）。",
    },
    "command_help_autoread": {
        "en": "Read this channel's messages aloud in voice",
        "zh": "在语音频道里朗读本频道的消息。",
        "ja": "このチャンネルのメッセージをボイスチャンネルで読み上げます。",
    },
    "command_help_autoread_on": {
        "en": "Read this channel aloud for people in my voice channel.",
        "zh": "为我所在语音频道里的人朗读本频道的消息。",
        "ja": "同じボイスチャンネルにいる人のメッセージを読み上げます。",
    },
    "command_help_autoread_mute": {
        "en": "Stop reading someone's messages aloud in this server (or your own).",
        "zh": "在本服务器中不再朗读某人（或你自己）的消息。",
        "ja": "このサーバーで誰か（または自分）のメッセージを読み上げないようにします。",
    },
    "command_help_autoread_unmute": {
        "en": "Read someone's messages aloud again (or your own, unless a moderator muted you).",
        "zh": "重新朗读某人（或你自己，除非是管理员静音的）的消息。",
        "ja": "誰か（または自分。モデレーターのミュートを除く）のメッセージをまた読み上げます。",
    },
    "command_help_autoread_off": {
        "en": "Stop reading this channel aloud.",
        "zh": "停止朗读本频道。",
        "ja": "このチャンネルの読み上げをやめます。",
    },
    "command_help_voiceconfig": {
        "en": "Voice channel options of this server (Manage Server)",
        "zh": "本服务器的语音频道选项（需要管理服务器权限）。",
        "ja": "このサーバーのボイスチャンネル設定（サーバー管理権限が必要）。",
    },
    "command_help_voiceconfig_show": {
        "en": "Show this server's voice channel options.",
        "zh": "查看本服务器的语音频道选项。",
        "ja": "このサーバーのボイスチャンネル設定を表示します。",
    },
    "command_help_voiceconfig_join_on_speak": {
        "en": "Join the caller's voice channel on /speak (and on auto-read).",
        "zh": "使用 /speak（及自动朗读）时加入发言者所在的语音频道。",
        "ja": "/speak（と自動読み上げ）のとき、その人のボイスチャンネルに参加します。",
    },
    "command_help_voiceconfig_announce": {
        "en": "Say \"NAME said\" before a message when the speaker changes.",
        "zh": "换人发言时先说“某某说”。",
        "ja": "話す人が変わったら「○○さん」と読み上げます。",
    },
    "command_help_voiceconfig_skip_prefix": {
        "en": "Messages starting with this prefix are not read aloud.",
        "zh": "以此前缀开头的消息不朗读。",
        "ja": "この接頭辞で始まるメッセージは読み上げません。",
    },
    "command_help_voiceconfig_ignore_bots": {
        "en": "Don't read messages of bots and webhooks.",
        "zh": "不朗读机器人和 Webhook 的消息。",
        "ja": "ボットと Webhook のメッセージを読み上げません。",
    },
    "command_help_voiceconfig_required_role": {
        "en": "Only members with this role are read aloud.",
        "zh": "只朗读拥有此身份组的成员。",
        "ja": "このロールを持つメンバーだけを読み上げます。",
    },
    "command_help_voiceconfig_ignore_role": {
        "en": "Members with this role are not read aloud.",
        "zh": "不朗读拥有此身份组的成员。",
        "ja": "このロールを持つメンバーは読み上げません。",
    },
    "command_help_voiceconfig_max_seconds": {
        "en": "The longest a single message may be read, in seconds of audio.",
        "zh": "单条消息最长朗读的秒数。",
        "ja": "1 メッセージを読み上げる最長の秒数。",
    },
    "command_help_character": {
        "en": "Named voices of this server",
        "zh": "本服务器的角色（有名字的声音）。",
        "ja": "このサーバーのキャラクター（名前のある声）。",
    },
    "command_help_character_create": {
        "en": "Create a character: a named voice with its own speed, gain, language and style.",
        "zh": "创建角色：有自己语速、音量、语言和风格的声音。",
        "ja": "キャラクターを作ります（速さ・音量・言語・スタイル付きの声）。",
    },
    "command_help_character_speak": {
        "en": "Say TEXT as a character: in the voice channel we share, else as a voice message here.",
        "zh": "以角色的声音说话：在共同的语音频道，否则发语音消息。",
        "ja": "キャラクターとして話します（同じボイスチャンネル、またはボイスメッセージ）。",
    },
    "command_help_character_list": {
        "en": "List this server's characters.",
        "zh": "列出本服务器的角色。",
        "ja": "このサーバーのキャラクターを表示します。",
    },
    "command_help_character_edit": {
        "en": "Change a character's voice or settings (its creator, or Manage Server).",
        "zh": "修改角色的声音或设置（创建者或管理员）。",
        "ja": "キャラクターの声や設定を変えます（作成者か管理者）。",
    },
    "command_help_character_delete": {
        "en": "Delete a character (its creator, or Manage Server).",
        "zh": "删除角色（创建者或管理员）。",
        "ja": "キャラクターを削除します（作成者か管理者）。",
    },
}

register(STRINGS)
register(COMMAND_DESCRIPTIONS)

__all__ = ["COMMAND_DESCRIPTIONS", "STRINGS"]

"""The Telegram adapter's sentences for talking characters (/talk, /character), registered into the catalog when
imported (by :mod:`bots.telegram.handlers.talk`)."""

from __future__ import annotations

from core.i18n import register

TALK_STRINGS: dict[str, dict[str, str]] = {
    "help_talk": {
        "en": ("<b>Talking characters</b>\n"
               "/character new NAME [VOICE] — a character (in a private chat your own, in a group the group's)\n"
               "/character persona NAME TEXT — who it is (or reply to a message with the text); also "
               "greeting, lang zh|ja|en, voice, style, model; /character show NAME; /character delete NAME\n"
               "/talk NAME — talk with it here: send text or a voice note (in a group: reply to its message)\n"
               "/talk off — stop · /talk reset — make it forget this conversation · /talk captions on|off"),
        "zh": ("<b>会说话的角色</b>\n"
               "/character new 名称 [音色]——创建角色（私聊中是你自己的，群组中是群组的）\n"
               "/character persona 名称 文本——设定角色人设（也可回复一条包含文本的消息）；还可设置 greeting（问候语）、"
               "lang zh|ja|en、voice、style、model；/character show 名称；/character delete 名称\n"
               "/talk 名称——在这里与角色对话：发送文字或语音（群组中请回复它的消息）\n"
               "/talk off——结束 · /talk reset——让角色忘掉这段对话 · /talk captions on|off——是否附带文字"),
        "ja": ("<b>話すキャラクター</b>\n"
               "/character new 名前 [声]——キャラクターを作成（個別チャットでは自分用、グループではグループ用）\n"
               "/character persona 名前 テキスト——人物設定（テキストのあるメッセージへの返信でも可）。ほかに "
               "greeting（挨拶）、lang zh|ja|en、voice、style、model。/character show 名前、/character delete 名前\n"
               "/talk 名前——ここで会話：テキストか音声を送信（グループではその返信として）\n"
               "/talk off——終了 · /talk reset——この会話を忘れさせる · /talk captions on|off——文字の表示"),
    },
    "command_menu_talk": {"en": "Talk with a character", "zh": "与角色对话", "ja": "キャラクターと話す"},
    "command_menu_character": {"en": "Your characters and their personas", "zh": "角色与人设",
                               "ja": "キャラクターと人物設定"},
    "talk_started": {
        "en": "{name} is listening. Send a message or a voice note; /talk off to stop.",
        "zh": "{name} 正在听。发送文字或语音即可对话；/talk off 结束。",
        "ja": "{name} が聞いています。テキストか音声を送ってください。/talk off で終了します。",
    },
    "talk_started_group": {
        "en": "{name} is listening. Reply to its messages to talk; /talk off to stop.",
        "zh": "{name} 正在听。回复它的消息即可对话；/talk off 结束。",
        "ja": "{name} が聞いています。そのメッセージに返信して話しかけてください。/talk off で終了します。",
    },
    "talk_status": {
        "en": "{name} is talking here. /talk off to stop, /talk reset to make it forget.",
        "zh": "{name} 正在这里对话。/talk off 结束，/talk reset 让它忘掉对话。",
        "ja": "ここでは {name} が会話中です。/talk off で終了、/talk reset で会話を忘れさせます。",
    },
    "talk_usage": {
        "en": "Start a conversation with /talk NAME (see /character for your characters).",
        "zh": "用 /talk 名称 开始对话（用 /character 查看你的角色）。",
        "ja": "/talk 名前 で会話を始めます（キャラクターは /character で確認できます）。",
    },
    "talk_ended": {
        "en": "{name} stopped listening. It remembers this conversation for next time (/talk reset to forget).",
        "zh": "{name} 已停止对话。它会记住这段对话（/talk reset 可清除）。",
        "ja": "{name} は会話を終えました。この会話は次回のために覚えています（/talk reset で消去）。",
    },
    "talk_forgotten": {
        "en": "{name} has forgotten this conversation.",
        "zh": "{name} 已忘掉这段对话。",
        "ja": "{name} はこの会話を忘れました。",
    },
    "talk_captions_on": {
        "en": "Answers now come with their text.", "zh": "回答将附带文字。", "ja": "回答に文字を付けます。",
    },
    "talk_captions_off": {
        "en": "Answers now come as voice only.", "zh": "回答将只有语音。", "ja": "回答は音声だけにします。",
    },
    "talk_no_speech": {
        "en": "I couldn't hear any words in that voice note.",
        "zh": "这条语音里没有听到任何话。",
        "ja": "その音声から言葉が聞き取れませんでした。",
    },
    "talk_character_usage": {
        "en": ("/character — your characters\n/character new NAME [VOICE]\n/character show NAME\n"
               "/character persona|greeting|lang|voice|style|model NAME VALUE (off clears)\n"
               "/character delete NAME\nA name with spaces goes in quotes: \"Doctor Who\"."),
        "zh": ("/character——你的角色\n/character new 名称 [音色]\n/character show 名称\n"
               "/character persona|greeting|lang|voice|style|model 名称 值（off 为清除）\n"
               "/character delete 名称\n名称含空格时请加引号：\"Doctor Who\"。"),
        "ja": ("/character——自分のキャラクター\n/character new 名前 [声]\n/character show 名前\n"
               "/character persona|greeting|lang|voice|style|model 名前 値（off で消去）\n"
               "/character delete 名前\n空白を含む名前は引用符で囲みます: \"Doctor Who\"。"),
    },
    "talk_character_none": {
        "en": "No characters yet. Make one with /character new NAME.",
        "zh": "还没有角色。用 /character new 名称 创建一个。",
        "ja": "キャラクターはまだいません。/character new 名前 で作成してください。",
    },
    "talk_character_list_own": {"en": "<b>Your characters</b>", "zh": "<b>你的角色</b>", "ja": "<b>あなたのキャラクター</b>"},
    "talk_character_list_group": {"en": "<b>This group's characters</b>", "zh": "<b>本群组的角色</b>",
                             "ja": "<b>このグループのキャラクター</b>"},
    "talk_character_line": {
        "en": "• {name} — voice {voice}{persona}", "zh": "• {name}——音色 {voice}{persona}",
        "ja": "• {name}——声 {voice}{persona}",
    },
    "talk_character_has_persona": {"en": ", has a persona", "zh": "，已设定人设", "ja": "、人物設定あり"},
    "talk_character_created": {
        "en": "Character {name} is ready (voice {voice}). Give it a persona with /character persona {name} TEXT, "
              "then /talk {name}.",
        "zh": "角色 {name} 已创建（音色 {voice}）。用 /character persona {name} 文本 设定人设，然后 /talk {name}。",
        "ja": "キャラクター {name} を作成しました（声 {voice}）。/character persona {name} テキスト で人物設定をして、"
              "/talk {name} で話しかけてください。",
    },
    "talk_character_updated": {
        "en": "Character {name} is updated.", "zh": "角色 {name} 已更新。", "ja": "キャラクター {name} を更新しました。",
    },
    "talk_character_deleted": {
        "en": "Character {name} is deleted.", "zh": "角色 {name} 已删除。", "ja": "キャラクター {name} を削除しました。",
    },
    "talk_character_details": {
        "en": ("<b>{name}</b>\nVoice: {voice}\nStyle: {style}\nAnswers in: {language}\nModel: {model}\n"
               "Greeting: {greeting}\nPersona: {persona}"),
        "zh": ("<b>{name}</b>\n音色：{voice}\n风格：{style}\n回答语言：{language}\n模型：{model}\n"
               "问候语：{greeting}\n人设：{persona}"),
        "ja": ("<b>{name}</b>\n声: {voice}\nスタイル: {style}\n回答の言語: {language}\nモデル: {model}\n"
               "挨拶: {greeting}\n人物設定: {persona}"),
    },
    "talk_character_unset": {"en": "—", "zh": "—", "ja": "—"},
    "talk_character_reply_language_default": {"en": "yours", "zh": "跟随你的语言", "ja": "あなたの言語"},
    "talk_character_model_default": {"en": "the bot's default", "zh": "机器人默认", "ja": "ボットの既定"},
}


def register_talk_strings() -> None:
    """Add these sentences to the catalog (idempotent)."""
    register(TALK_STRINGS)


register_talk_strings()

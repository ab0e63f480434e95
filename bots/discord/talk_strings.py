"""The Discord adapter's sentences for talking characters (``/talk``, the persona parts of ``/character``), registered
into the catalog when imported (by :mod:`bots.discord.cogs.talk` and :mod:`bots.discord.cogs.characters`)."""

from __future__ import annotations

from core.i18n import register

TALK_STRINGS: dict[str, dict[str, str]] = {
    # --- /talk -------------------------------------------------------------------------------------
    "talk_listening_here": {
        "en": "**{name}** is listening in this channel. Start a message with “{name},” (or mention me), or reply "
              "to its messages; in a voice channel with me it answers aloud. /talk off to stop.",
        "zh": "**{name}** 正在这个频道里听。消息以“{name}，”开头（或提及我），或回复它的消息即可对话；"
              "如果你和我在同一个语音频道，它会在那里出声回答。/talk off 结束。",
        "ja": "**{name}** がこのチャンネルで聞いています。「{name}、」で始まるメッセージ（または私へのメンション）か、"
              "その返信で話しかけてください。私と同じボイスチャンネルにいれば声で答えます。/talk off で終了します。",
    },
    "talk_here_now": {
        "en": "**{name}** is talking in this channel. /talk off to stop, /talk reset to make it forget.",
        "zh": "**{name}** 正在这个频道对话。/talk off 结束，/talk reset 让它忘掉对话。",
        "ja": "このチャンネルでは **{name}** が会話中です。/talk off で終了、/talk reset で会話を忘れさせます。",
    },
    "talk_how_to_start": {
        "en": "Start a conversation here with /talk NAME (/character list shows this server's characters). "
              "Anywhere, a message that starts with “NAME,” talks to that character too.",
        "zh": "用 /talk 名字 在这里开始对话（/character list 列出本服务器的角色）。在任何频道，以“名字，”开头的消息"
              "也能和该角色对话。",
        "ja": "/talk 名前 でここで会話を始めます（/character list でこのサーバーのキャラクターを表示）。"
              "どのチャンネルでも「名前、」で始まるメッセージでそのキャラクターに話しかけられます。",
    },
    "talk_stopped_here": {
        "en": "**{name}** stopped listening in this channel (it remembers the conversation; /talk reset forgets it).",
        "zh": "**{name}** 不再在这个频道里听了（对话仍被记住；/talk reset 可清除）。",
        "ja": "**{name}** はこのチャンネルで聞くのをやめました（会話は覚えています。/talk reset で忘れさせます）。",
    },
    "talk_memory_cleared": {
        "en": "**{name}** has forgotten this channel's conversation ({count} messages).",
        "zh": "**{name}** 已忘掉这个频道的对话（{count} 条消息）。",
        "ja": "**{name}** はこのチャンネルの会話を忘れました（{count} 件のメッセージ）。",
    },
    "talk_heard_nothing": {
        "en": "I could not make out any words in that voice message.",
        "zh": "这条语音消息里没有听出任何话。",
        "ja": "そのボイスメッセージからは言葉を聞き取れませんでした。",
    },
    "talk_could_not_answer": {
        "en": "{name} could not answer: {reason}",
        "zh": "{name} 无法回答：{reason}",
        "ja": "{name} は答えられませんでした：{reason}",
    },
    # --- /character persona, show -----------------------------------------------------------------------
    "persona_form_title": {
        "en": "Persona of {name}",
        "zh": "{name} 的人设",
        "ja": "{name} の人物設定",
    },
    "persona_form_prompt": {
        "en": "Who it is (its system prompt)",
        "zh": "它是谁（系统提示词）",
        "ja": "どんな人物か（システムプロンプト）",
    },
    "persona_form_prompt_hint": {
        "en": "A sharp young scientist who teases kindly. Empty: a friendly character.",
        "zh": "例如：一位爱开玩笑但很温柔的年轻科学家。留空：友善的角色。",
        "ja": "例：やさしくからかう若い科学者。空欄：親しみやすいキャラクター。",
    },
    "persona_form_greeting": {
        "en": "Greeting (said when /talk starts)",
        "zh": "问候语（/talk 开始时说）",
        "ja": "挨拶（/talk の開始時に話す）",
    },
    "persona_saved": {
        "en": "**{name}**'s persona is saved. Talk with it: /talk {name}",
        "zh": "已保存 **{name}** 的人设。用 /talk {name} 和它对话。",
        "ja": "**{name}** の人物設定を保存しました。/talk {name} で話せます。",
    },
    "persona_details": {
        "en": "**{name}** — voice {voice}{details}\nAnswers in: {language} · model: {model}\nGreeting: {greeting}\n"
              "Persona: {persona}",
        "zh": "**{name}**——音色 {voice}{details}\n回答语言：{language} · 模型：{model}\n问候语：{greeting}\n"
              "人设：{persona}",
        "ja": "**{name}**——声 {voice}{details}\n答える言語：{language} · モデル：{model}\n挨拶：{greeting}\n"
              "人物設定：{persona}",
    },
    "persona_language_speaker": {
        "en": "the speaker's language",
        "zh": "说话人的语言",
        "ja": "話し手の言語",
    },
    "persona_model_default": {
        "en": "the bot's default",
        "zh": "机器人的默认模型",
        "ja": "ボットの既定",
    },
    "persona_none": {"en": "(none)", "zh": "（无）", "ja": "（なし）"},
    # --- command descriptions (zh, ja; English is the docstring) --------------------------------------
    "command_help_talk": {
        "en": "Talk with a character in this channel: /talk NAME; /talk off stops, /talk reset makes it forget.",
        "zh": "在这个频道与角色对话：/talk 名字；/talk off 结束，/talk reset 让它忘掉对话。",
        "ja": "このチャンネルでキャラクターと会話：/talk 名前。/talk off で終了、/talk reset で会話を忘れさせます。",
    },
    "command_help_character_persona": {
        "en": "Write a character's persona and greeting (a form).",
        "zh": "编写角色的人设和问候语（表单）。",
        "ja": "キャラクターの人物設定と挨拶を書きます（フォーム）。",
    },
    "command_help_character_show": {
        "en": "Show a character: voice, settings and persona.",
        "zh": "查看角色：音色、设置和人设。",
        "ja": "キャラクターの声・設定・人物設定を表示します。",
    },
}

register(TALK_STRINGS)

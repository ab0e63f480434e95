"""Talking characters on Discord, end to end: the bot on the fake Discord (tests/fakes/discord.py), the real app on the
fake SiliconFlow and the fake chat model, a fake voice connection for the voice channel."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest

from bots.app import build_app
from core.i18n import t
from tests.bots.discord.conftest import make_config, speed_up
from tests.bots.discord.voice_guild import guild
from tests.fakes.discord import (
    BOT_USER_ID,
    CHANNEL_ID,
    GUILD_ID,
    OTHER_USER_ID,
    USER_ID,
    attachment_payload,
    member_payload,
    message_payload,
    run_command,
    submit_modal,
    user_payload,
)
from tests.samples import ogg_bytes, speech_like

ANSWER = "I am glad you asked about the weather. It is sunny and warm today. Shall we go for a walk together?"
FIRST = "I am glad you asked about the weather."
POST = "/channels/{channel_id}/messages"
EDIT = "/channels/{channel_id}/messages/{message_id}"
PERSONA = "A sharp young scientist.\nShe teases, kindly."


@pytest.fixture
async def app(tmp_path, fake_siliconflow, talk_config):
    """The app of the cog tests (``vbot`` uses it), talking to the fake chat model with quick retries."""
    application = speed_up(await build_app(make_config(tmp_path / "data", fake_siliconflow, **talk_config)))
    chat = application.service.cases.talk.chat
    chat.backoff_base, chat.backoff_max, chat.retry_after_max = 0.01, 0.05, 0.5
    try:
        yield application
    finally:
        await application.aclose()


def said(bot, content: str = "", *, author_id: int = USER_ID, reply_to: int | None = None,
         voice: dict[str, Any] | None = None, mentions_bot: bool = False) -> discord.Message:
    """A message posted in the text channel (what MESSAGE_CREATE would carry)."""
    data = message_payload(channel_id=CHANNEL_ID, content=content, guild_id=GUILD_ID, author=user_payload(author_id),
                           flags=8192 if voice else 0, attachments=[voice] if voice else None)
    member = member_payload(author_id)
    member.pop("user")
    data["member"] = member
    if mentions_bot:
        data["mentions"] = [user_payload(BOT_USER_ID, "voicebridge", bot=True)]
    if reply_to is not None:
        data["type"] = 19
        data["message_reference"] = {"message_id": str(reply_to), "channel_id": str(CHANNEL_ID),
                                     "guild_id": str(GUILD_ID)}
        data["referenced_message"] = message_payload(message_id=reply_to, channel_id=CHANNEL_ID, guild_id=GUILD_ID)
    return discord.Message(state=bot._connection, channel=guild(bot).get_channel(CHANNEL_ID), data=data)


async def deliver(bot, message: discord.Message) -> None:
    """The talk cog's listener handles the message (bounded)."""
    cog = bot.get_cog("Talk")
    assert type(cog).__name__ == "Talk"
    await asyncio.wait_for(cog.on_message(message), 30)


async def kurisu(bot, *, answer_language: str | None = "en") -> None:
    options = {"name": "Kurisu", "voice": "claire"}
    if answer_language:
        options["answer_language"] = answer_language
    inter = await run_command(bot, "character create", options)
    assert "Kurisu" in bot.fake.last_reply(inter.token).content
    inter = await run_command(bot, "character persona", {"name": "Kurisu"})
    done = await submit_modal(bot, inter, [PERSONA, ""])
    await bot.fake.wait_for(lambda: bot.fake.replies(done.token))
    assert bot.fake.last_reply(done.token).content == t("persona_saved", "en", name="Kurisu")


def text_answers(bot) -> list[str]:
    """The answer's text as last shown in each reply (a post, then its edits)."""
    shown: dict[str, str] = {}
    for call in bot.fake.calls:
        if call.path == POST and call.method == "POST" and call.payload.get("message_reference"):
            shown[f"new{len(shown)}"] = call.payload.get("content") or ""
        elif call.path == EDIT and call.method == "PATCH":
            shown[list(shown)[-1]] = call.payload.get("content") or ""
    return list(shown.values())


def voice_messages(bot) -> list:
    return [c for c in bot.fake.channel_messages(CHANNEL_ID) if c.flags & 8192]


def voices_spoken(fake_siliconflow) -> list[str]:
    return [r.json["voice"] for r in fake_siliconflow.requests_for("speech")]


# --- the persona ------------------------------------------------------------------------------------


async def test_the_persona_form_and_show(vbot) -> None:
    await kurisu(vbot)
    inter = await run_command(vbot, "character show", {"name": "Kurisu"})
    shown = vbot.fake.last_reply(inter.token).content
    assert "Answers in: English" in shown and "She teases, kindly." in shown and "model: the bot's default" in shown
    inter = await run_command(vbot, "character edit", {"name": "Kurisu", "answer_language": "auto",
                                                       "model": "Qwen/Qwen2.5-7B-Instruct"})
    inter = await run_command(vbot, "character show", {"name": "Kurisu"})
    shown = vbot.fake.last_reply(inter.token).content
    assert "Answers in: the speaker's language" in shown and "model: Qwen/Qwen2.5-7B-Instruct" in shown


async def test_only_its_creator_or_a_manager_may_write_the_persona(vbot) -> None:
    await kurisu(vbot)
    inter = await run_command(vbot, "character persona", {"name": "Kurisu"}, user_id=OTHER_USER_ID)
    assert "permission" in vbot.fake.last_reply(inter.token).content.lower()
    assert not [c for c in vbot.fake.interaction_calls(inter.token) if c.callback_type == 9]


# --- answering outside a voice channel: voice messages ----------------------------------------------


async def test_a_message_naming_the_character_gets_voice_messages_in_its_voice(
        vbot, fake_chat_model, fake_siliconflow) -> None:
    await kurisu(vbot)
    fake_chat_model.script(ANSWER)
    spoken_before = len(fake_siliconflow.requests_for("speech"))
    await deliver(vbot, said(vbot, "Kurisu, how is the weather today?", author_id=OTHER_USER_ID))  # not in voice
    asked = fake_chat_model.requests[-1].json["messages"]
    assert asked[-1] == {"role": "user", "content": "Kurisu, how is the weather today?"}
    assert PERSONA in asked[0]["content"] and "English" in asked[0]["content"]
    notes = voice_messages(vbot)
    assert len(notes) >= 2  # the first sentence first, the rest after
    assert fake_siliconflow.requests_for("speech")[spoken_before].json["input"].endswith(FIRST)
    assert text_answers(vbot) == [f"**Kurisu:** {ANSWER}"]
    voices = voices_spoken(fake_siliconflow)[spoken_before:]
    assert voices and all(v.endswith(":claire") for v in voices)


async def test_other_messages_are_left_alone(vbot, fake_chat_model) -> None:
    await kurisu(vbot)
    for text in ("Just chatting among ourselves.", "kurisuuu is a nice name", "I told Kurisu, yesterday"):
        await deliver(vbot, said(vbot, text))
    await deliver(vbot, said(vbot, "Hey bot, are you there?", mentions_bot=True))  # nobody talks in this channel
    assert fake_chat_model.requests == [] and not vbot.fake.channel_messages()


# --- /talk, replies, memory ---------------------------------------------------------------------------


async def test_talk_in_a_channel_replies_and_memory(vbot, fake_chat_model, fake_siliconflow) -> None:
    await kurisu(vbot)
    inter = await run_command(vbot, "talk")
    assert vbot.fake.last_reply(inter.token).content == t("talk_how_to_start", "en")
    inter = await run_command(vbot, "talk", {"name": "Kurisu"})
    started = vbot.fake.last_reply(inter.token)
    assert started.content.startswith("**Kurisu** is listening") and not started.ephemeral
    start_id = vbot.fake._originals[inter.token]
    fake_chat_model.script("Lab member number one, noted.")
    await deliver(vbot, said(vbot, "Remember: my name is Okabe.", author_id=OTHER_USER_ID, reply_to=start_id))
    fake_chat_model.script("You are Okabe, of course.")
    await deliver(vbot, said(vbot, f"<@{BOT_USER_ID}> what is my name?", author_id=OTHER_USER_ID,
                             mentions_bot=True))
    contents = [m["content"] for m in fake_chat_model.requests[-1].json["messages"][1:]]
    assert contents == ["Remember: my name is Okabe.", "Lab member number one, noted.", "what is my name?"]
    assert text_answers(vbot)[-1] == "**Kurisu:** You are Okabe, of course."
    inter = await run_command(vbot, "talk", {"name": "reset"})
    assert vbot.fake.last_reply(inter.token).content == t("talk_memory_cleared", "en", name="Kurisu", count=4)
    inter = await run_command(vbot, "talk", {"name": "off"})
    assert vbot.fake.last_reply(inter.token).content.startswith("**Kurisu** stopped listening")
    asked = len(fake_chat_model.requests)
    await deliver(vbot, said(vbot, "still there?", author_id=OTHER_USER_ID, mentions_bot=True))
    assert len(fake_chat_model.requests) == asked


async def test_a_voice_message_replying_to_the_character_is_transcribed(vbot, fake_chat_model,
                                                                       fake_siliconflow) -> None:
    await kurisu(vbot)
    fake_chat_model.script("Hello. Ask me anything.")
    await deliver(vbot, said(vbot, "Kurisu, hello!", author_id=OTHER_USER_ID))
    answer_id = list(vbot.get_cog("Talk").said)[-1]  # the last of its messages (text or voice)
    fake_siliconflow.transcript = "<|en|><|NEUTRAL|>How is the weather today?"
    fake_chat_model.script(ANSWER)
    url = "https://cdn.discordapp.com/attachments/1/2/voice-message.ogg"
    vbot.fake.add_file(url, ogg_bytes(speech_like(2.0)))
    note = attachment_payload(filename="voice-message.ogg", url=url, duration_secs=2.0)
    await deliver(vbot, said(vbot, author_id=OTHER_USER_ID, reply_to=answer_id, voice=note))
    assert fake_siliconflow.requests_for("transcribe")
    assert fake_chat_model.requests[-1].json["messages"][-1] == {"role": "user",
                                                                 "content": "How is the weather today?"}
    assert text_answers(vbot)[-1] == f"**Kurisu:** {ANSWER}"


async def test_the_greeting_is_said_when_the_conversation_starts(vbot, fake_siliconflow) -> None:
    await kurisu(vbot)
    inter = await run_command(vbot, "character persona", {"name": "Kurisu"})
    done = await submit_modal(vbot, inter, [PERSONA, "Oh, it's you again."])
    await vbot.fake.wait_for(lambda: vbot.fake.replies(done.token))
    spoken_before = len(fake_siliconflow.requests_for("speech"))
    inter = await run_command(vbot, "talk", {"name": "Kurisu"}, user_id=OTHER_USER_ID)  # not in a voice channel
    assert vbot.fake.last_reply(inter.token).content.endswith("**Kurisu:** Oh, it's you again.")
    [note] = voice_messages(vbot)
    speech = fake_siliconflow.requests_for("speech")[spoken_before:]
    assert speech and speech[-1].json["input"].endswith("Oh, it's you again.")
    assert speech[-1].json["voice"].endswith(":claire")
    assert note.payload["flags"] == 8192

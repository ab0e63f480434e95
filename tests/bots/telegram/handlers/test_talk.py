"""Talking characters on Telegram, end to end: fake Bot API + fake SiliconFlow + fake chat model."""

from __future__ import annotations

import asyncio

import pytest

from core.i18n import t
from tests.bots.telegram.conftest import CHAT, GROUP, Harness, ogg_voice

ANSWER = "I am glad you asked about the weather. It is sunny and warm today. Shall we go for a walk together?"
OTHER = 2002


@pytest.fixture
async def bot(make_bot, talk_config) -> Harness:
    return await make_bot(**talk_config)


async def kurisu(bot: Harness, *, chat: int = CHAT) -> None:
    await bot.send("/character new Kurisu claire", chat=chat)
    assert "Character Kurisu is ready" in bot.last_text(chat)
    await bot.send("/character persona Kurisu A sharp young scientist.\nShe teases, kindly.", chat=chat)
    assert bot.last_text(chat) == "Character Kurisu is updated."


async def test_a_voice_note_gets_voice_notes_in_the_characters_voice(bot, fake_chat_model, fake_siliconflow):
    await kurisu(bot)
    await bot.send("/talk Kurisu")
    assert bot.last_text().startswith("Kurisu is listening.")
    fake_siliconflow.transcript = "<|en|><|NEUTRAL|>How is the weather today?"
    fake_chat_model.script(ANSWER)
    spoken_before = len(bot.speech_requests())
    voice = bot.tg.add_file(ogg_voice(3.0))
    await bot.send(None, voice=voice.as_voice(3))
    asked = fake_chat_model.requests[-1].json["messages"]
    assert asked[-1] == {"role": "user", "content": "How is the weather today?"}
    assert "A sharp young scientist.\nShe teases, kindly." in asked[0]["content"]
    notes = bot.voices_sent(CHAT)
    assert len(notes) >= 2
    assert notes[0].params["caption"] == "I am glad you asked about the weather."  # the first sentence, at once
    assert " ".join(n.params["caption"] for n in notes) == ANSWER
    speech = bot.speech_requests()[spoken_before:]
    assert speech and all(r.json["voice"].endswith(":claire") for r in speech)


async def test_memory_across_turns_and_a_restart(make_bot, talk_config, fake_chat_model, tmp_path):
    data_dir = tmp_path / "persist"
    first = await make_bot(data_dir=data_dir, **talk_config)
    await kurisu(first)
    await first.send("/talk Kurisu")
    fake_chat_model.script("Lab member number one, noted.")
    await first.send("Remember: my name is Okabe.")
    second = await make_bot(data_dir=data_dir, **talk_config)  # a new process on the same database
    fake_chat_model.script("You are Okabe, of course.")
    await second.send("What is my name?")
    contents = [m["content"] for m in fake_chat_model.requests[-1].json["messages"][1:]]
    assert contents == ["Remember: my name is Okabe.", "Lab member number one, noted.", "What is my name?"]
    assert second.voices_sent(CHAT)[-1].params["caption"] == "You are Okabe, of course."
    await second.send("/talk reset")
    assert second.last_text() == "Kurisu has forgotten this conversation."
    await second.send("Who am I?")
    assert [m["content"] for m in fake_chat_model.requests[-1].json["messages"][1:]] == ["Who am I?"]


async def test_captions_off_and_talk_off(bot, fake_chat_model):
    await kurisu(bot)
    await bot.send("/talk Kurisu")
    await bot.send("/talk captions off")
    assert bot.last_text() == "Answers now come as voice only."
    asked = len(fake_chat_model.requests)
    await bot.send("Hello there, Kurisu!")
    assert len(fake_chat_model.requests) == asked + 1
    assert "caption" not in bot.voices_sent(CHAT)[-1].params
    await bot.send("/talk off")
    assert bot.last_text().startswith("Kurisu stopped listening.")
    await bot.send("Now this is read aloud.")
    assert len(fake_chat_model.requests) == asked + 1  # back to reading aloud: no model asked


async def test_faults_are_reported_plainly_and_nothing_else_happens(bot, fake_chat_model):
    await kurisu(bot)
    await bot.send("/talk Kurisu")
    voices = len(bot.voices_sent(CHAT))
    fake_chat_model.fail(503, times=None)
    await bot.send("Are you there?")
    assert bot.last_text() == t("chat_model_unavailable", "en")
    assert len(bot.voices_sent(CHAT)) == voices  # not read aloud instead
    fake_chat_model.reset()
    fake_chat_model.script(ANSWER)
    fake_chat_model.cut_after(12)
    await bot.send("And now?")
    assert bot.voices_sent(CHAT)[-1].params["caption"] == "I am glad you asked about the weather."
    assert bot.last_text() == t("chat_model_stream_cut", "en")


async def test_another_user_is_answered_while_a_character_thinks(bot, fake_chat_model):
    await kurisu(bot)
    await bot.send("/talk Kurisu")
    fake_chat_model.slow_first_token(3.0)
    fake_chat_model.script("I took all the time I needed, friend.")
    slow = asyncio.create_task(bot.send("Take your time."))
    await asyncio.sleep(0.2)
    await bot.send("/speak hello from someone else", chat=OTHER, user=OTHER)
    assert bot.voices_sent(OTHER) and not slow.done()  # answered while the character still thinks
    await asyncio.wait_for(slow, 30)
    assert bot.voices_sent(CHAT)[-1].params["caption"] == "I took all the time I needed, friend."


async def test_in_a_group_replies_to_the_character_are_answered(bot, fake_chat_model):
    await kurisu(bot, chat=GROUP)
    await bot.send("/talk Kurisu", chat=GROUP)
    assert bot.last_text(GROUP).startswith("Kurisu is listening. Reply to its messages")
    asked = len(fake_chat_model.requests)
    await bot.send("Just chatting among ourselves.", chat=GROUP)
    assert len(fake_chat_model.requests) == asked  # not addressed to the bot
    said = bot.last("sendMessage", GROUP).result
    await bot.send("Kurisu, what do you think?", chat=GROUP, reply_to=said)
    assert len(fake_chat_model.requests) == asked + 1
    note = bot.voices_sent(GROUP)[-1].result
    await bot.send("Tell me more.", chat=GROUP, user=OTHER, reply_to=note)  # anyone in the group may join in
    assert [m["content"] for m in fake_chat_model.requests[-1].json["messages"] if m["role"] == "user"] == [
        "Kurisu, what do you think?", "Tell me more."]


async def test_a_greeting_is_spoken_when_the_conversation_starts(bot, fake_siliconflow):
    await kurisu(bot)
    await bot.send("/character greeting Kurisu Oh, it's you again.")
    await bot.send("/talk Kurisu")
    assert bot.voices_sent(CHAT)[-1].params["caption"] == "Oh, it's you again."
    assert bot.speech_requests()[-1].json["voice"].endswith(":claire")


async def test_talking_off_and_unknown_characters_are_refused_plainly(make_bot, talk_config):
    off = await make_bot(**{**talk_config, "talk": False})
    await off.send("/character new Kurisu")
    await off.send("/talk Kurisu")
    assert off.last_text() == t("talk_disabled", "en")
    await off.send("/talk Nobody")
    assert "character" in off.last_text().lower()


async def test_character_commands_refuse_bad_values_and_show_the_persona(bot):
    await kurisu(bot)
    await bot.send("/character lang Kurisu fr")
    assert "zh, ja, en" in bot.last_text()
    await bot.send("/character lang Kurisu ja")
    await bot.send("/character show Kurisu")
    shown = bot.last_text()
    assert "Answers in: ja" in shown and "A sharp young scientist." in shown and "claire" in shown.lower()
    await bot.send("/character")
    assert "Kurisu" in bot.last_text() and "has a persona" in bot.last_text()
    await bot.send("/character delete Kurisu")
    assert bot.last_text() == "Character Kurisu is deleted."
    await bot.send("/character")
    assert bot.last_text() == t("talk_character_none", "en")


async def test_help_and_usage_mention_talking(bot, fake_chat_model):
    await bot.send("/help")
    assert "/talk NAME" in bot.last_text() and "/character persona" in bot.last_text()
    await kurisu(bot)
    await bot.send("/talk Kurisu")
    await bot.send("Hi!")
    await bot.send("/usage")
    assert "language-model tokens today" in bot.last_text()


async def test_a_captioned_clone_still_clones_while_a_character_talks(bot, fake_chat_model, voice_6s):
    await kurisu(bot)
    await bot.send("/talk Kurisu")
    asked = len(fake_chat_model.requests)
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone mine")
    assert len(fake_chat_model.requests) == asked
    assert "Only confirm if this is your own voice" in bot.last_text()

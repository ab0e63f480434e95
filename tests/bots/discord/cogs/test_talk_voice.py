"""Talking characters in a voice channel (sentence by sentence, one turn in the fair queue), faults told plainly,
others answered meanwhile; and the rules that pick who a message talks to."""

from __future__ import annotations

import asyncio

from bots.discord.cogs.talk import named_character
from bots.discord.voice_channel.queue import FairQueue
from core.i18n import t
from tests.bots.discord.cogs.test_talk import (  # noqa: F401  (app: the talking app these tests run on)
    ANSWER,
    FIRST,
    app,
    deliver,
    kurisu,
    said,
    text_answers,
    voice_messages,
    voices_spoken,
)
from tests.bots.discord.voice_channel.fakes import wait_for
from tests.bots.discord.voice_guild import THIRD_USER_ID, join, spoken
from tests.fakes.discord import GUILD_ID, OTHER_USER_ID, run_command


async def test_in_the_voice_channel_each_sentence_is_spoken_as_it_comes(vbot, fake_chat_model,
                                                                       fake_siliconflow) -> None:
    await kurisu(vbot)
    await join(vbot)
    fake_chat_model.tokens_per_second = 4  # ~5 s for the answer: the first sentence is heard long before its end
    fake_chat_model.script(ANSWER)
    spoken_before = len(fake_siliconflow.requests_for("speech"))
    packets_before = len(spoken(vbot))
    answer = asyncio.create_task(deliver(vbot, said(vbot, "Kurisu, how is the weather today?")))  # USER_ID is in
    await wait_for(lambda: len(spoken(vbot)) > packets_before or answer.done(), timeout=20)  # the bot's channel
    assert not answer.done()  # the first packets went out while the model was still writing
    await asyncio.wait_for(answer, 30)
    player = vbot.voice_manager.player(GUILD_ID)
    requests = fake_siliconflow.requests_for("speech")[spoken_before:]
    assert requests[0].json["input"].endswith(FIRST)  # the first sentence alone, before the rest was written
    assert len(requests) >= 2 and all(r.json["voice"].endswith(":claire") for r in requests)
    await wait_for(lambda: player.stats.items_spoken >= 2 and not player.queue.current and not len(player.queue),
                   timeout=20)
    assert len(spoken(vbot)) > 20
    assert not voice_messages(vbot)  # heard in the channel, not posted
    assert text_answers(vbot) == [f"**Kurisu:** {ANSWER}"]


async def test_an_answer_is_not_cut_into_by_someone_elses_message(vbot, fake_chat_model) -> None:
    await kurisu(vbot)
    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    order: list[str] = []
    original = player.queue.get_nowait

    def taken():
        item = original()
        if item is not None:
            order.append(str(item.author))
        return item

    player.queue.get_nowait = taken  # type: ignore[method-assign]
    fake_chat_model.tokens_per_second = 6  # slower than the fake channel plays: the queue waits for the rest
    fake_chat_model.script(ANSWER)
    answer = asyncio.create_task(deliver(vbot, said(vbot, "Kurisu, how is the weather today?")))
    await wait_for(lambda: order, timeout=10)  # the first sentence is being spoken
    await run_command(vbot, "speak", {"text": "Someone else says something."}, user_id=THIRD_USER_ID)
    await asyncio.wait_for(answer, 30)
    await wait_for(lambda: not player.queue.current and not len(player.queue), timeout=20)
    asker = order[0]
    assert order.index(next(a for a in order if a != asker)) == len(order) - 1, order  # the other one came last


async def test_faults_are_told_plainly(vbot, fake_chat_model) -> None:
    await kurisu(vbot)
    fake_chat_model.fail(429, retry_after=0.01, times=None)
    await deliver(vbot, said(vbot, "Kurisu, are you there?", author_id=OTHER_USER_ID))
    reason = t("chat_model_rate_limited", "en")
    assert text_answers(vbot)[-1] == t("talk_could_not_answer", "en", name="Kurisu", reason=reason)
    fake_chat_model.reset()
    fake_chat_model.fail(503, times=None)
    await deliver(vbot, said(vbot, "Kurisu, and now?", author_id=OTHER_USER_ID))
    reason = t("chat_model_unavailable", "en")
    assert text_answers(vbot)[-1] == t("talk_could_not_answer", "en", name="Kurisu", reason=reason)
    assert not voice_messages(vbot)  # nothing said, nothing read aloud instead
    fake_chat_model.reset()
    fake_chat_model.script(ANSWER)
    fake_chat_model.cut_after(12)
    await deliver(vbot, said(vbot, "Kurisu, tell me about the weather.", author_id=OTHER_USER_ID))
    answers = text_answers(vbot)
    assert answers[-2] == f"**Kurisu:** {FIRST}"  # what was said stays
    assert answers[-1] == t("talk_could_not_answer", "en", name="Kurisu", reason=t("chat_model_stream_cut", "en"))
    assert len(voice_messages(vbot)) == 1
    fake_chat_model.script("Fine.")
    await deliver(vbot, said(vbot, "Kurisu, hello again.", author_id=OTHER_USER_ID))
    remembered = [m["content"] for m in fake_chat_model.requests[-1].json["messages"][1:]]
    assert remembered == ["Kurisu, hello again."]  # neither the refusals nor the cut answer were remembered


async def test_a_refusal_is_told_in_the_speakers_language(vbot, fake_chat_model) -> None:
    await kurisu(vbot)
    await run_command(vbot, "uilang", {"language": "zh"}, user_id=OTHER_USER_ID)
    fake_chat_model.fail(503, times=None)
    await deliver(vbot, said(vbot, "Kurisu, 你在吗？", author_id=OTHER_USER_ID))
    reason = t("chat_model_unavailable", "zh")
    assert text_answers(vbot)[-1] == t("talk_could_not_answer", "zh", name="Kurisu", reason=reason)


async def test_another_user_is_answered_while_a_character_thinks(vbot, fake_chat_model) -> None:
    await kurisu(vbot)
    fake_chat_model.slow_first_token(3.0)
    slow = asyncio.create_task(deliver(vbot, said(vbot, "Kurisu, take your time.", author_id=OTHER_USER_ID)))
    await wait_for(lambda: fake_chat_model.requests, timeout=10)
    await run_command(vbot, "speak", {"text": "Hello from someone else."}, user_id=OTHER_USER_ID + 7)
    assert voice_messages(vbot) and not slow.done()
    await asyncio.wait_for(slow, 30)
    assert text_answers(vbot)[-1] == f"**Kurisu:** {fake_chat_model.default_answer}"


async def test_talking_turned_off_and_unknown_characters_are_refused(vbot, fake_chat_model, monkeypatch) -> None:
    inter = await run_command(vbot, "talk", {"name": "Nobody"})
    assert "Nobody" in vbot.fake.last_reply(inter.token).content and vbot.fake.last_reply(inter.token).ephemeral
    await kurisu(vbot)
    monkeypatch.setattr(vbot.service.cases.talk, "chat", None)  # as with VOICEBRIDGE_TALK=off
    inter = await run_command(vbot, "talk", {"name": "Kurisu"})
    assert vbot.fake.last_reply(inter.token).content == t("talk_disabled", "en")
    await deliver(vbot, said(vbot, "Kurisu, hello?", author_id=OTHER_USER_ID))
    assert fake_chat_model.requests == []


# --- units ------------------------------------------------------------------------------------------


def test_who_a_message_names() -> None:
    names = ["Kurisu", "Mayuri", "Kurisu Makise"]
    assert named_character("Kurisu, hi", names) == "Kurisu"
    assert named_character("kurisu makise: hello", names) == "Kurisu Makise"
    assert named_character("Mayuri！你好", names) == "Mayuri"
    assert named_character("Kurisu", names) == "Kurisu"
    assert named_character("well @kurisu what now", names) == "Kurisu"
    assert named_character("Kurisuuu hi", names) is None
    assert named_character("I told Kurisu, yesterday", names) is None
    assert named_character("mail me at x@kurisus.org", names) is None


async def test_a_continuation_goes_before_anyone_else() -> None:
    queue: FairQueue[str] = FairQueue()
    a1 = queue.put("a", "a1")
    assert queue.get_nowait() is a1
    queue.put("b", "b1")
    a2 = queue.put("a", "a2")
    queue.follow(a2, a1)
    assert [i.payload for i in queue.snapshot()] == ["a2", "b1"]
    assert [queue.get_nowait().payload, queue.get_nowait().payload] == ["a2", "b1"]
    # without follow, fairness: the author served least recently first
    c1 = queue.put("a", "c1")
    assert queue.get_nowait() is c1
    queue.put("b", "d1")
    queue.put("a", "c2")
    assert queue.get_nowait().payload == "d1"


async def test_talk_has_descriptions_that_fit_in_every_language(vbot) -> None:
    from bots.discord.strings import command_description
    from bots.discord.talk_strings import TALK_STRINGS

    [command] = [c for c in vbot.tree.walk_commands() if c.qualified_name == "talk"]
    assert 1 <= len(command.description) <= 100
    assert TALK_STRINGS["command_help_talk"]["en"] == command.description
    for lang in ("zh", "ja"):
        text = command_description("talk", lang)
        assert text and len(text) <= 100, lang


async def test_a_held_turn_waits_for_the_rest_of_the_answer() -> None:
    queue: FairQueue[str] = FairQueue()
    a1 = queue.put("a", "a1")
    queue.hold_after(a1)
    assert queue.get_nowait() is a1
    queue.put("b", "b1")
    assert queue.get_nowait() is None  # the model is still writing a's answer
    a2 = queue.put("a", "a2")
    queue.follow(a2, a1)
    queue.release_hold(a1)
    queue.hold_after(a2)
    assert queue.get_nowait() is a2
    assert queue.get_nowait() is None
    queue.release_hold(a2)  # the answer is complete
    assert queue.get_nowait().payload == "b1"

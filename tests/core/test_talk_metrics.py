"""Talking characters in the process's metrics (core.metrics, recorded by core.talk / core.talk_turn): turns by
result and reason, chat-model tokens by kind, and the time from a message to its answer's first sentence — read
from the metrics registry after turns against the fake chat model."""

from __future__ import annotations

import time

import pytest

from core.chat_errors import ChatModelStreamCut, NotTalking, TokenQuotaExceeded
from tests.core.people import ALICE
from tests.fakes.chat_model import prompt_tokens, tokens_of

HERE = "chat-1"
ANSWER = "I am glad you asked about the weather. It is sunny and warm today. Shall we go for a walk?"


@pytest.fixture
async def app(make_app, talk_config):
    return await make_app("siliconflow", daily_token_quota=100_000, **talk_config)


def value(app, name: str, **labels: str) -> float:
    return app.metrics.registry.get_sample_value(name, labels) or 0.0


def turns(app, result: str, reason: str) -> float:
    return value(app, "voicebridge_talk_turns_total", result=result, reason=reason)


async def started(app) -> None:
    await app.service.create_character(ALICE, "Kurisu", voice="claire", personal=True, persona="A scientist.")
    await app.service.talk_start(ALICE, HERE, "Kurisu")


async def test_an_answered_turn_counts_its_tokens_and_its_time_to_the_first_sentence(app, fake_chat_model) -> None:
    await started(app)
    fake_chat_model.first_token_delay = 0.3  # the model thinks before it writes: part of the time measured
    fake_chat_model.script(ANSWER)
    begun = time.monotonic()
    async with app.service.talk_turn(ALICE, HERE, "How is the weather?") as turn:
        notes = [spoken async for spoken in turn.notes()]
    elapsed = time.monotonic() - begun
    assert turn.complete and notes
    assert turns(app, "answered", "complete") == 1
    prompt = prompt_tokens(fake_chat_model.requests[-1].json["messages"])
    assert value(app, "voicebridge_talk_tokens_total", kind="prompt", key="operator") == prompt
    assert value(app, "voicebridge_talk_tokens_total", kind="completion", key="operator") == len(tokens_of(ANSWER))
    assert await app.store.get_tokens(await app.service.user_id(ALICE)) == (prompt + len(tokens_of(ANSWER)),) * 3
    assert value(app, "voicebridge_talk_first_sentence_seconds_count") == 1
    first = value(app, "voicebridge_talk_first_sentence_seconds_sum")
    assert 0.3 <= first <= elapsed  # from the message (not the first token) to the first sentence
    assert value(app, "voicebridge_talk_first_sentence_seconds_bucket", le="0.25") == 0
    assert value(app, "voicebridge_talk_first_sentence_seconds_bucket", le="+Inf") == 1


async def test_refusals_are_counted_by_reason_and_spend_nothing(make_app, talk_config, fake_chat_model) -> None:
    app = await make_app("siliconflow", daily_token_quota=1, **talk_config)
    with pytest.raises(NotTalking):
        async with app.service.talk_turn(ALICE, HERE, "anyone?"):
            pass
    assert turns(app, "refused", "talk_not_active") == 1
    await started(app)
    async with app.service.talk_turn(ALICE, HERE, "Hi!") as turn:
        [_ async for _ in turn.notes()]
    with pytest.raises(TokenQuotaExceeded):  # the first turn used the day's one token and more
        async with app.service.talk_turn(ALICE, HERE, "Again?"):
            pass
    assert turns(app, "refused", "talk_token_quota") == 1 and turns(app, "answered", "complete") == 1
    assert value(app, "voicebridge_talk_first_sentence_seconds_count") == 1
    assert len(fake_chat_model.requests) == 1


async def test_a_cut_stream_and_an_unread_answer_are_counted_apart(app, fake_chat_model) -> None:
    await started(app)
    fake_chat_model.script(ANSWER, ANSWER)
    fake_chat_model.cut_after(12)
    with pytest.raises(ChatModelStreamCut):
        async with app.service.talk_turn(ALICE, HERE, "weather?") as turn:
            async for _ in turn.notes():
                pass
    assert turns(app, "failed", "chat_model_stream_cut") == 1
    # what was written before the cut is estimated and counted, as it is billed
    assert value(app, "voicebridge_talk_tokens_total", kind="completion", key="operator") > 0
    async with app.service.talk_turn(ALICE, HERE, "weather again?") as turn:
        async for _ in turn.sentences():
            break  # the adapter stops listening after the first sentence
    assert turns(app, "abandoned", "unread") == 1
    assert turns(app, "answered", "complete") == 0
    assert value(app, "voicebridge_talk_first_sentence_seconds_count") == 2

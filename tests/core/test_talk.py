"""core.talk: a conversation with a character, answered by the (fake) chat model in the character's voice."""

from __future__ import annotations

import pytest

from core.chat_errors import ChatModelStreamCut, NotTalking, TalkDisabled, TokenQuotaExceeded
from core.errors import TooManyRequests
from tests.app_fixtures import OPERATOR_KEY
from tests.core.people import ALICE, ALICE_IN_GROUP, BOB_IN_GROUP, speech_calls
from tests.fakes.chat_model_fixtures import CHAT_KEY

HERE = "chat-1"
ANSWER = "I am glad you asked about the weather. It is sunny and warm today. Shall we go for a walk?"


@pytest.fixture
async def app(make_app, db_url, talk_config):
    return await make_app("siliconflow", database_url=db_url, **talk_config)


async def kurisu(svc, user=ALICE, **persona):
    return await svc.create_character(user, "Kurisu", voice="claire", personal=user.is_private,
                                      persona=persona.pop("persona", "A sharp young scientist."), **persona)


async def talk(svc, user, text, where=HERE):
    async with svc.talk_turn(user, where, text) as turn:
        notes = [spoken async for spoken in turn.notes()]
    return turn, notes


async def test_an_answer_is_spoken_in_the_characters_voice_sentence_by_sentence(app, fake_chat_model,
                                                                            fake_siliconflow) -> None:
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "kurisu")
    fake_chat_model.script(ANSWER)
    turn, notes = await talk(svc, ALICE, "How is the weather?")
    assert turn.complete and turn.answer == ANSWER
    assert notes[0].caption == "I am glad you asked about the weather."  # the first note: the first sentence
    assert " ".join(n.caption for n in notes) == ANSWER
    calls = speech_calls(fake_siliconflow)
    assert calls and all(c["voice"].endswith(":claire") for c in calls)
    assert all(n.note.audio.duration > 0 for n in notes)


async def test_the_prompt_has_the_persona_and_the_memory_and_never_a_key(app, fake_chat_model) -> None:
    svc = app.service
    await kurisu(svc, greeting="Oh, it's you.", reply_language="ja")
    start = await svc.talk_start(ALICE, HERE, "Kurisu")
    assert start.greeting == "Oh, it's you." and start.character.name == "Kurisu"
    fake_chat_model.script("First answer here, clearly.", "Second answer here, clearly.")
    await talk(svc, ALICE, "first question")
    await talk(svc, ALICE, "second question")
    sent = fake_chat_model.requests[-1]
    messages = sent.json["messages"]
    assert messages[0]["role"] == "system" and "A sharp young scientist." in messages[0]["content"]
    assert "Japanese" in messages[0]["content"]
    assert [m["content"] for m in messages[1:]] == [
        "first question", "First answer here, clearly.", "second question"]  # the greeting led no question
    assert sent.api_key == CHAT_KEY and sent.json["model"] == "fake/chat"
    assert OPERATOR_KEY not in str(sent.json) and CHAT_KEY not in str(sent.json)


async def test_memory_keeps_the_latest_turns_within_the_budget(make_app, db_url, talk_config,
                                                               fake_chat_model) -> None:
    app = await make_app("siliconflow", database_url=db_url, talk_memory_tokens=40, **talk_config)
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "Kurisu")
    for i in range(6):
        fake_chat_model.script(f"Answer number {i} is this one.")
        await talk(svc, ALICE, f"question number {i}")
    history = fake_chat_model.requests[-1].json["messages"][1:-1]
    assert 0 < len(history) < 10 and history[0]["role"] == "user"
    assert history[-1]["content"] == "Answer number 4 is this one."


async def test_a_characters_model_overrides_the_default(app, fake_chat_model) -> None:
    svc = app.service
    await kurisu(svc, model="other/model-7B")
    await svc.talk_start(ALICE, HERE, "Kurisu")
    await talk(svc, ALICE, "hello")
    assert fake_chat_model.requests[-1].json["model"] == "other/model-7B"


async def test_reset_end_and_not_talking(app, fake_chat_model) -> None:
    svc = app.service
    await kurisu(svc)
    with pytest.raises(NotTalking):
        await talk(svc, ALICE, "anyone?")
    await svc.talk_start(ALICE, HERE, "Kurisu")
    await talk(svc, ALICE, "remember me")
    assert (await svc.talk_current(ALICE, HERE)).name == "Kurisu"
    char, forgotten = await svc.talk_reset(ALICE, HERE)
    assert char.name == "Kurisu" and forgotten == 2
    await talk(svc, ALICE, "again")
    assert len(fake_chat_model.requests[-1].json["messages"]) == 2  # system + this question
    assert (await svc.talk_end(ALICE, HERE)).name == "Kurisu"
    with pytest.raises(NotTalking):
        await talk(svc, ALICE, "still there?")


async def test_a_group_conversation_is_the_groups_and_other_chats_stay_apart(app, fake_chat_model) -> None:
    svc = app.service
    await svc.create_character(ALICE_IN_GROUP, "Host", voice="alex")
    await svc.talk_start(ALICE_IN_GROUP, "g1", "Host")
    await talk(svc, ALICE_IN_GROUP, "alice speaks", where="g1")
    await talk(svc, BOB_IN_GROUP, "bob speaks", where="g1")
    contents = [m["content"] for m in fake_chat_model.requests[-1].json["messages"]]
    assert "alice speaks" in contents and contents[-1] == "bob speaks"
    await svc.talk_start(ALICE_IN_GROUP, "g2", "Host")
    await talk(svc, ALICE_IN_GROUP, "elsewhere", where="g2")
    assert [m["content"] for m in fake_chat_model.requests[-1].json["messages"][1:]] == ["elsewhere"]


async def test_forget_deletes_the_users_turns_and_own_characters(app, fake_chat_model) -> None:
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "Kurisu")
    await talk(svc, ALICE, "a secret of mine")
    assert await app.store.count_user_turns(await svc.user_id(ALICE)) == 2
    await svc.forget(ALICE)
    assert await app.store.count_user_turns(await svc.user_id(ALICE)) == 0
    assert await svc.characters(await svc.character_scope(ALICE, personal=True)) == []


async def test_tokens_are_counted_and_the_daily_token_quota_applies(make_app, db_url, talk_config,
                                                                    fake_chat_model) -> None:
    app = await make_app("siliconflow", database_url=db_url, daily_token_quota=10, **talk_config)
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "Kurisu")
    await talk(svc, ALICE, "hello")
    today, total, operator = await app.store.get_tokens(await svc.user_id(ALICE))
    assert today == total == operator and today > 10
    report = await svc.usage(ALICE)
    assert report.tokens_today == today
    with pytest.raises(TokenQuotaExceeded):
        await talk(svc, ALICE, "and again")


async def test_per_user_rate_limits_cover_talking(make_app, db_url, talk_config, fake_chat_model) -> None:
    app = await make_app("siliconflow", database_url=db_url, requests_per_minute=1, **talk_config)
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "Kurisu")
    await talk(svc, ALICE, "one")
    asked = len(fake_chat_model.requests)
    with pytest.raises(TooManyRequests):
        await talk(svc, ALICE, "two")
    assert len(fake_chat_model.requests) == asked  # refused before the model was asked


async def test_a_stream_cut_reports_after_what_was_said_and_is_not_remembered(app, fake_chat_model) -> None:
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "Kurisu")
    fake_chat_model.script(ANSWER)
    fake_chat_model.cut_after(12)
    said = []
    with pytest.raises(ChatModelStreamCut):
        async with svc.talk_turn(ALICE, HERE, "weather?") as turn:
            async for spoken in turn.notes():
                said.append(spoken.caption)
    assert said == ["I am glad you asked about the weather."]
    assert await app.store.count_user_turns(await svc.user_id(ALICE)) == 0
    assert await app.store.get_tokens(await svc.user_id(ALICE)) != (0, 0, 0)  # what was written is billed


async def test_control_tokens_and_markup_are_not_spoken(app, fake_chat_model, fake_siliconflow) -> None:
    svc = app.service
    await kurisu(svc)
    await svc.talk_start(ALICE, HERE, "Kurisu")
    fake_chat_model.script("<|HAPPY|>**Well** that is [a good](https://x.example) question, friend! "
                           "<|endofprompt|>Let me think about it.")
    _, notes = await talk(svc, ALICE, "hm?")
    spoken = " ".join(c["input"] for c in speech_calls(fake_siliconflow))
    assert "<|HAPPY|>" not in spoken and "**" not in spoken and "https" not in spoken and "Well" in spoken
    assert all("<|" not in n.caption for n in notes)


async def test_talk_off_is_refused_plainly(make_app, db_url, talk_config) -> None:
    app = await make_app("siliconflow", database_url=db_url, **{**talk_config, "talk": False})
    svc = app.service
    await kurisu(svc)
    assert not svc.talk_enabled
    with pytest.raises(TalkDisabled):
        await svc.talk_start(ALICE, HERE, "Kurisu")


async def test_who_pays_for_the_chat_model(make_app, db_url) -> None:
    """SiliconFlow's chat model: the user's own key if they set one (not the operator's quota), else the operator's;
    with neither, talking is refused before anything is spent. Another base URL: VOICEBRIDGE_LLM_API_KEY."""
    from core.chat_errors import TalkNeedsKey
    from tests.app_fixtures import USER_KEY

    app = await make_app("siliconflow", database_url=db_url)
    talk = app.service.cases.talk
    uid = await app.service.user_id(ALICE)
    assert await talk._key(uid) == (OPERATOR_KEY, True)
    await app.service.set_api_key(ALICE, USER_KEY)
    assert await talk._key(uid) == (USER_KEY, False)
    keyless = await make_app("siliconflow", database_url=db_url, siliconflow_api_key=None, talk=True)
    assert keyless.service.talk_enabled
    with pytest.raises(TalkNeedsKey):
        await keyless.service.cases.talk._key(await keyless.service.user_id(BOB_IN_GROUP))
    own = await make_app("siliconflow", database_url=db_url, llm_base_url="http://127.0.0.1:9/v1",
                         llm_api_key=CHAT_KEY)
    assert await own.service.cases.talk._key(uid) == (CHAT_KEY, True)


async def test_anyone_in_a_group_may_talk_with_a_members_own_character(app, fake_chat_model) -> None:
    svc = app.service
    await svc.create_character(ALICE_IN_GROUP, "Mine", personal=True, voice="david")
    await svc.talk_start(ALICE_IN_GROUP, "g1", "Mine")
    turn, notes = await talk(svc, BOB_IN_GROUP, "hello, Alice's character", where="g1")
    assert turn.complete and notes and turn.character.name == "Mine"


async def test_a_quiet_place_is_asked_about_once_until_a_conversation_starts(app, fake_chat_model) -> None:
    """Nearly every message asks whether a character talks there: a place with no conversation is remembered,
    and a start (here, or another process's through the change feed) makes it ask again."""
    svc = app.service
    await kurisu(svc)
    asked: list[str] = []
    get_talk = app.store.get_talk

    async def counting(place: str):
        asked.append(place)
        return await get_talk(place)

    app.store.get_talk = counting
    try:
        assert await svc.talk_current(ALICE, HERE) is None
        assert await svc.talk_current(ALICE, HERE) is None
        assert len(asked) == 1  # the second answer came from memory
        await svc.talk_start(ALICE, HERE, "Kurisu")
        assert (await svc.talk_current(ALICE, HERE)).name == "Kurisu"
        await svc.talk_end(ALICE, HERE)
        assert await svc.talk_current(ALICE, HERE) is None
        # another process started one here: the change feed says so, and the next look-up asks the store
        await app.store.start_talk(svc.cases.talk.place(ALICE, HERE), (await svc.find_character(ALICE, "Kurisu")).id,
                                   await svc.user_id(ALICE))
        assert await svc.talk_current(ALICE, HERE) is None  # not told yet: still quiet here
        svc.cases.talk.forget_quiet(svc.cases.talk.place(ALICE, HERE))
        assert (await svc.talk_current(ALICE, HERE)).name == "Kurisu"
    finally:
        app.store.get_talk = get_talk

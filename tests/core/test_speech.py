"""core.speech: what a request to speak becomes (voice, engine, style, limits) before any audio."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import (
    Busy,
    EmptyText,
    OutOfRange,
    QuotaExceeded,
    TextTooLong,
    TooManyRequests,
)
from core.models import UserRef
from tests.app_fixtures import USER_KEY
from tests.core.people import ALICE, BOB, speech_calls
from tests.samples import ogg_bytes, speech_like


async def test_bad_text_is_refused_before_any_call(sf_app, fake_siliconflow):
    with pytest.raises(EmptyText):
        await sf_app.service.speak(ALICE, "   ```code only```  ")
    with pytest.raises(TextTooLong):
        await sf_app.service.speak(ALICE, "word " * (sf_app.config.max_text_chars // 4))
    assert speech_calls(fake_siliconflow) == []


async def test_control_tokens_are_stripped_from_user_text(sf_app, fake_siliconflow):
    await sf_app.service.speak(ALICE, "用生气的语气说<|endofprompt|>hello")
    body = speech_calls(fake_siliconflow)[0]
    assert body["input"] == "用生气的语气说hello"


async def test_style_becomes_the_instruction_prefix(sf_app, fake_siliconflow):
    await sf_app.service.set_style(ALICE, "happy")
    view = await sf_app.service.settings(ALICE)
    assert view.effective.style == "开心"
    await sf_app.service.speak(ALICE, "今天天气很好")
    assert speech_calls(fake_siliconflow)[0]["input"] == "用开心的语气说<|endofprompt|>今天天气很好"
    await sf_app.service.set_style(ALICE, "off")
    assert (await sf_app.service.settings(ALICE)).effective.style is None
    with pytest.raises(OutOfRange):
        await sf_app.service.set_style(ALICE, "x" * 101)


async def test_cantonese_language_asks_cosyvoice_for_cantonese(sf_app, fake_siliconflow):
    await sf_app.service.update_settings(ALICE, language="yue")
    await sf_app.service.speak(ALICE, "今日天气好好")
    await sf_app.service.set_style(ALICE, "happy")
    await sf_app.service.speak(ALICE, "今日天气好好")
    await sf_app.service.set_style(ALICE, "粤语")
    await sf_app.service.speak(ALICE, "今日天气好好呀")
    inputs = [c["input"] for c in speech_calls(fake_siliconflow)]
    assert inputs == ["用粤语说<|endofprompt|>今日天气好好", "用粤语说，用开心的语气说<|endofprompt|>今日天气好好",
                      "用粤语说<|endofprompt|>今日天气好好呀"]


async def test_offline_engine_says_once_that_it_ignores_styles(local_app):
    await local_app.service.set_style(ALICE, "whisper")
    first = await local_app.service.speak(ALICE, "one")
    second = await local_app.service.speak(ALICE, "two")
    assert first.notices == ["notice_style_offline"]
    assert second.notices == []


async def test_cantonese_style_uses_the_offline_yue_voice(local_app):
    await local_app.service.set_style(ALICE, "粤语")
    utt = await local_app.service.prepare(ALICE, "你好")
    local_app.service.release(utt)
    assert utt.settings.language == "yue"
    assert utt.notices == []


async def test_rate_limit_and_busy_and_quota(make_app):
    app = await make_app("siliconflow", requests_per_minute=2, daily_byte_quota=10, max_queued_per_user=1)
    utt = await app.service.prepare(ALICE, "hi")
    with pytest.raises(Busy):
        await app.service.prepare(ALICE, "hi again")
    app.service.release(utt)
    app.service.release(await app.service.prepare(ALICE, "second"))
    with pytest.raises(TooManyRequests):
        await app.service.prepare(ALICE, "third")
    await app.service.speak(BOB, "0123456789")  # exactly the quota
    with pytest.raises(QuotaExceeded):
        await app.service.speak(BOB, "x")


async def test_the_daily_quota_counts_only_what_the_operators_key_paid(make_app):
    app = await make_app("siliconflow", daily_byte_quota=10)
    svc = app.service
    await svc.set_api_key(ALICE, USER_KEY)
    await svc.speak(ALICE, "forty bytes of text on my very own key!!")  # over the quota: not the bot's key
    await svc.clear_api_key(ALICE)
    await svc.speak(ALICE, "0123456789")  # the bot's key: the whole quota is still there
    with pytest.raises(QuotaExceeded):
        await svc.speak(ALICE, "x")
    report = await svc.usage(ALICE)
    assert (report.today_bytes, report.quota_used, report.daily_limit) == (50, 10, 10)


async def test_many_users_at_once(local_app):
    users = [UserRef(platform="telegram", user_id=str(5000 + i)) for i in range(8)]
    results = await asyncio.gather(*(local_app.service.speak(u, f"User {i} says hi.") for i, u in enumerate(users)))
    assert all(r.notes[0].audio.duration > 0.2 for r in results)


async def test_a_deleted_clone_falls_back_to_the_default_voice_once_noticed(make_app, fake_siliconflow):
    app = await make_app("siliconflow", neutral_instruction=True)
    svc = app.service
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "gone", transcript="hello", consent=True)
    await svc.set_voice(ALICE, "gone")
    await svc.speak(ALICE, "with my clone")
    assert speech_calls(fake_siliconflow)[-1]["input"].startswith("请用自然平稳的语气说。<|endofprompt|>")
    await svc.delete_voice(ALICE, "gone")
    assert (await app.remote.list_voices()) == []
    result = await svc.speak(ALICE, "after deletion")
    assert result.notices == ["notice_voice_missing"]
    body = speech_calls(fake_siliconflow)[-1]
    assert body["voice"] == "FunAudioLLM/CosyVoice2-0.5B:anna"
    assert body["input"] == "after deletion"  # no neutral clone instruction for a preset


async def test_a_prepared_request_never_holds_the_key(sf_app, fake_siliconflow):
    """An utterance names whose key pays; the key itself is looked up only when the audio is made."""
    import dataclasses

    svc = sf_app.service
    await svc.set_api_key(ALICE, USER_KEY)
    utt = await svc.prepare(ALICE, "hello")
    try:
        assert utt.key_owner == await svc.user_id(ALICE) and not utt.billed
        assert USER_KEY not in repr(utt) and USER_KEY not in str(utt)
        assert all(USER_KEY not in repr(getattr(utt, f.name)) for f in dataclasses.fields(utt))
        _ = [note async for note in svc.render_notes(utt)]
    finally:
        svc.release(utt)
    assert fake_siliconflow.requests_for("speech")[-1].api_key == USER_KEY


async def test_a_lone_surrogate_is_spoken_not_an_internal_error(sf_app, fake_siliconflow):
    result = await sf_app.service.speak(ALICE, "broken \ud800 pair and a real one \ud83d\ude00 ok")
    assert result.notes
    sent = speech_calls(fake_siliconflow)[-1]["input"]
    assert "\ud800" not in sent and "broken" in sent and "ok" in sent


async def test_text_far_over_the_limit_is_refused_before_cleanup(local_app, monkeypatch):
    from core import text as textmod

    def boom(*args, **kwargs):
        raise AssertionError("cleaned a text that should have been refused first")

    monkeypatch.setattr(textmod, "clean_for_speech", boom)
    limit = local_app.service.config.max_text_chars
    with pytest.raises(TextTooLong):
        await local_app.service.prepare(ALICE, "*a " * (4 * limit))

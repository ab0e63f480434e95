"""VoiceService against the real store (SQLite and PostgreSQL), the offline engine and the fake SiliconFlow."""

from __future__ import annotations

import asyncio
import io

import av
import numpy as np
import pytest

from core.errors import (
    AudioEmpty,
    AudioTooShort,
    Busy,
    CloningUnsupported,
    ConsentRequired,
    EmptyText,
    InvalidApiKey,
    InvalidName,
    InvalidValue,
    DictionaryFull,
    NameTaken,
    NoPronunciation,
    NotFound,
    OutOfRange,
    PermissionDenied,
    PrivateChatOnly,
    QuotaExceeded,
    TextTooLong,
    TooManyRequests,
    UnknownVoice,
    VoiceNotShared,
)
from core.models import UserRef
from tests.app_fixtures import OPERATOR_KEY, USER_KEY
from tests.samples import ogg_bytes, speech_like

ALICE = UserRef(platform="telegram", user_id="1001", language_hint="en")
BOB = UserRef(platform="telegram", user_id="1002", language_hint="zh")
ALICE_IN_GROUP = UserRef(platform="discord", user_id="1001", scope_id="777", is_private=False)
BOB_IN_GROUP = UserRef(platform="discord", user_id="1002", scope_id="777", is_private=False)


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        return sum(f.samples for f in container.decode(audio=0)) / 48000


def speech_calls(fake) -> list[dict]:
    return [r.json for r in fake.requests if r.path.endswith("/audio/speech")]


@pytest.fixture
async def sf_app(make_app, db_url):
    """An App on SiliconFlow (the fake), on each database."""
    return await make_app("siliconflow", database_url=db_url)


@pytest.fixture
async def local_app(make_app):
    return await make_app("local")


# --- speaking -------------------------------------------------------------------------------


async def test_offline_engine_speaks_a_real_voice_note(local_app):
    result = await local_app.service.speak(ALICE, "Hello there. 你好。")
    assert result.engine == "local"
    assert len(result.notes) == 1
    note = result.notes[0]
    assert note.audio.format == "ogg" and note.audio.data[:4] == b"OggS"
    assert note.audio.duration > 0.3
    assert decoded_seconds(note.audio.data) == pytest.approx(note.audio.duration, abs=0.03)
    assert 0 < len(note.audio.waveform) <= 256
    usage = await local_app.service.usage(ALICE)
    assert usage.total_bytes == 0  # the offline engine bills nothing


async def test_siliconflow_speech_request_and_usage(sf_app, fake_siliconflow):
    result = await sf_app.service.speak(ALICE, "春节快到了！")
    assert result.engine == "siliconflow"
    calls = speech_calls(fake_siliconflow)
    assert len(calls) == 1
    body = calls[0]
    assert body["voice"] == "FunAudioLLM/CosyVoice2-0.5B:anna"
    assert body["response_format"] == "pcm" and body["stream"] is True
    assert body["sample_rate"] == 24000
    assert body["input"] == "春节快到了！"
    usage = await sf_app.service.usage(ALICE)
    assert usage.total_bytes == len("春节快到了！".encode())
    assert usage.total_requests == 1
    assert usage.estimated_cost > 0


async def test_second_identical_request_comes_from_the_cache(sf_app, fake_siliconflow):
    first = await sf_app.service.speak(ALICE, "Cache me if you can.")
    second = await sf_app.service.speak(ALICE, "Cache me if you can.")
    assert len(speech_calls(fake_siliconflow)) == 1
    assert second.notes[0].cached and not first.notes[0].cached
    assert second.notes[0].audio.data == first.notes[0].audio.data
    assert second.notes[0].audio.duration == pytest.approx(first.notes[0].audio.duration, abs=0.03)


async def test_long_text_becomes_several_notes_in_order(local_app):
    sentences = [f"This is sentence number {i} of a rather long message." for i in range(30)]
    result = await local_app.service.speak(ALICE, " ".join(sentences))
    assert len(result.notes) > 1
    assert [n.index for n in result.notes] == list(range(len(result.notes)))
    assert all(n.total == len(result.notes) for n in result.notes)
    assert "sentence number 0 " in result.notes[0].text
    assert "number 29" in result.notes[-1].text
    # the first note is short, so it arrives sooner; the others are full
    assert len(result.notes[0].text) <= 300 < len(result.notes[1].text) <= 800
    medium = await local_app.service.prepare(ALICE, " ".join(sentences[:13]))  # ~700 characters: one note
    assert len(medium.notes) == 1
    local_app.service.release(medium)


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


async def test_preset_falls_back_to_offline_engine_when_provider_is_down(sf_app, fake_siliconflow):
    fake_siliconflow.fail(status=503, times=10)
    result = await sf_app.service.speak(ALICE, "Still speaking.")
    assert result.engine == "local"
    assert "notice_fallback" in result.notices
    assert result.notes[0].audio.duration > 0.2
    assert (await sf_app.service.usage(ALICE)).total_bytes == 0


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


# --- settings ---------------------------------------------------------------------------------


async def test_settings_layers_user_over_guild_and_character_over_user(sf_app):
    svc = sf_app.service
    await svc.update_scope_settings(ALICE_IN_GROUP, is_admin=True, voice="david", speed=1.5)
    view = await svc.settings(BOB_IN_GROUP)
    assert view.effective.voice == "david" and view.effective.speed == 1.5
    await svc.update_settings(BOB_IN_GROUP, voice="claire")
    view = await svc.settings(BOB_IN_GROUP)
    assert view.effective.voice == "claire" and view.effective.speed == 1.5
    await svc.create_character(ALICE_IN_GROUP, "Kurisu", voice="bella", speed=0.9)
    utt = await svc.prepare(BOB_IN_GROUP, "hello", character="kurisu")
    svc.release(utt)
    assert utt.voice_id == "bella" and utt.settings.speed == 0.9 and utt.character == "Kurisu"


async def test_bad_setting_changes_nothing(sf_app):
    svc = sf_app.service
    await svc.update_settings(ALICE, speed=1.25)
    with pytest.raises(OutOfRange):
        await svc.update_settings(ALICE, speed=5, gain=3)
    with pytest.raises(OutOfRange):
        await svc.update_settings(ALICE, gain="loud")
    with pytest.raises(UnknownVoice):
        await svc.set_voice(ALICE, "nobody")
    view = await svc.settings(ALICE)
    assert view.effective.speed == 1.25 and view.effective.gain == 0.0 and view.effective.voice == "anna"


async def test_pronunciations_are_spoken_the_users_over_the_servers(sf_app, fake_siliconflow):
    service = sf_app.service
    bob_in_dm = UserRef(platform="discord", user_id="1002")  # the same Discord user, outside the server
    await service.set_pronunciation(ALICE_IN_GROUP, "sql", "sequel", server=True, is_admin=True)
    await service.set_pronunciation(ALICE_IN_GROUP, "gif", "gee eye eff", server=True, is_admin=True)
    await service.set_pronunciation(BOB_IN_GROUP, "GIF", "jif")
    await service.speak(BOB_IN_GROUP, "A gif about SQL.")
    await service.speak(ALICE_IN_GROUP, "A gif about SQL.")
    await service.speak(bob_in_dm, "A gif about SQL.")  # outside the server only Bob's own entry applies
    assert [c["input"] for c in speech_calls(fake_siliconflow)] == [
        "A jif about sequel.", "A gee eye eff about sequel.", "A jif about SQL."]
    assert [(p.word, p.spoken) for p in await service.pronunciations(BOB_IN_GROUP)] == [("GIF", "jif")]
    assert [p.word for p in await service.pronunciations(BOB_IN_GROUP, server=True)] == ["gif", "sql"]
    assert await service.pronunciations(bob_in_dm, server=True) == []
    assert await service.pronunciations(BOB) == []  # Bob on Telegram is another account
    # what is billed and checked against the limits is what is said
    usage = await service.usage(bob_in_dm)
    assert usage.total_bytes == len("A jif about sequel.") + len("A jif about SQL.")

    utt = await service.prepare(BOB_IN_GROUP, "names added later, e.g. 'NAME said', get the same treatment")
    assert utt.pronounce("Gif & SQL") == "jif & sequel"
    service.release(utt)

    await service.remove_pronunciation(BOB_IN_GROUP, "gif")
    with pytest.raises(NoPronunciation):
        await service.remove_pronunciation(BOB_IN_GROUP, "gif")
    await service.speak(BOB_IN_GROUP, "gif")
    assert speech_calls(fake_siliconflow)[-1]["input"] == "gee eye eff"


async def test_pronunciation_changes_are_checked_and_change_nothing_when_refused(sf_app):
    service = sf_app.service
    with pytest.raises(PermissionDenied):
        await service.set_pronunciation(BOB_IN_GROUP, "sql", "sequel", server=True, is_admin=False)
    with pytest.raises(PermissionDenied):
        await service.remove_pronunciation(BOB_IN_GROUP, "sql", server=True, is_admin=False)
    with pytest.raises(PermissionDenied):
        await service.set_pronunciation(BOB, "sql", "sequel", server=True, is_admin=True)
    with pytest.raises(InvalidValue):
        await service.set_pronunciation(BOB, "sql", "")
    assert await service.pronunciations(BOB_IN_GROUP, server=True) == []
    assert await service.pronunciations(BOB) == []
    for i in range(100):
        await service.set_pronunciation(BOB, f"w{i}", "x")
    with pytest.raises(DictionaryFull):
        await service.set_pronunciation(BOB, "one more", "x")
    assert len(await service.pronunciations(BOB)) == 100


async def test_scope_settings_need_a_manager(sf_app):
    with pytest.raises(PermissionDenied):
        await sf_app.service.update_scope_settings(BOB_IN_GROUP, is_admin=False, speed=2)
    with pytest.raises(PermissionDenied):
        await sf_app.service.update_scope_settings(ALICE, is_admin=True, speed=2)


async def test_characters_belong_to_their_creator(sf_app):
    svc = sf_app.service
    await svc.create_character(ALICE_IN_GROUP, "Narrator", voice="alex")
    with pytest.raises(NameTaken):
        await svc.create_character(BOB_IN_GROUP, "narrator")
    with pytest.raises(PermissionDenied):
        await svc.delete_character(BOB_IN_GROUP, "Narrator", is_admin=False)
    changed = await svc.update_character(ALICE_IN_GROUP, "narrator", is_admin=False, speed=1.2)
    assert changed.settings.speed == 1.2
    await svc.delete_character(BOB_IN_GROUP, "Narrator", is_admin=True)
    assert await svc.characters(ALICE_IN_GROUP.scope) == []
    with pytest.raises(NotFound):
        await svc.prepare(ALICE_IN_GROUP, "hi", character="Narrator")


async def test_settings_survive_a_restart(make_app, tmp_path, db_url):
    data = tmp_path / "persist"
    app = await make_app("siliconflow", database_url=db_url, data_dir=data)
    await app.service.update_settings(ALICE, speed=1.75, language="ja", voice="diana")
    await app.service.set_api_key(ALICE, USER_KEY)
    await app.aclose()
    again = await make_app("siliconflow", database_url=db_url, data_dir=data)
    view = await again.service.settings(ALICE)
    assert (view.effective.speed, view.effective.language, view.effective.voice) == (1.75, "ja", "diana")
    assert view.api_key_hint and view.api_key_hint.endswith(USER_KEY[-4:])


# --- keys -------------------------------------------------------------------------------------


async def test_api_key_only_in_private_and_checked(sf_app, fake_siliconflow):
    svc = sf_app.service
    with pytest.raises(PrivateChatOnly):
        await svc.set_api_key(ALICE_IN_GROUP, USER_KEY)
    with pytest.raises(InvalidApiKey):
        await svc.set_api_key(ALICE, "not a key")
    with pytest.raises(InvalidApiKey):  # the provider answers 401 to an unknown key
        await svc.set_api_key(ALICE, "sk-this-key-is-not-known-there")
    assert (await svc.settings(ALICE)).api_key_hint is None
    masked = await svc.set_api_key(ALICE, USER_KEY)
    assert USER_KEY not in masked and masked.endswith(USER_KEY[-4:])
    await svc.speak(ALICE, "my own key pays")
    speech = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")]
    assert speech[-1].headers["Authorization"] == f"Bearer {USER_KEY}"
    assert (await svc.usage(ALICE)).today_bytes >= 0
    assert await svc.clear_api_key(ALICE)
    await svc.speak(ALICE, "operator pays again")
    speech = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")]
    assert speech[-1].headers["Authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_no_plaintext_key_anywhere_in_the_data_dir(make_app, tmp_path):
    data = tmp_path / "scan"
    app = await make_app("siliconflow", data_dir=data)
    await app.service.set_api_key(ALICE, USER_KEY)
    await app.service.speak(ALICE, "something to cache")
    await app.aclose()
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)
    for path in files:
        assert USER_KEY.encode() not in path.read_bytes(), path


# --- cloning ----------------------------------------------------------------------------------


async def test_clone_then_speak_with_it(sf_app, fake_siliconflow):
    svc = sf_app.service
    audio = ogg_bytes(speech_like(6.0, silence=1.0))
    check = await svc.check_clone_audio(audio, "voice.oga")
    assert 5.0 < check.speech_duration < 7.5
    with pytest.raises(ConsentRequired):
        await svc.clone(ALICE, audio, "kurisu")
    voice = await svc.clone(ALICE, audio, "Kurisu 牧瀬", filename="voice.oga", consent=True)
    assert voice.provider_id.startswith("speech:")
    assert voice.transcript  # transcribed by the (fake) SenseVoice, tags stripped
    assert "<|" not in voice.transcript
    upload = [r for r in fake_siliconflow.requests if r.path.endswith("/uploads/audio/voice")][-1]
    custom = upload.form["customName"]
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in custom)
    with pytest.raises(NameTaken):
        await svc.clone(ALICE, audio, "kurisu 牧瀬", consent=True)
    await svc.set_voice(ALICE, "Kurisu 牧瀬")
    await svc.speak(ALICE, "El Psy Kongroo")
    assert speech_calls(fake_siliconflow)[-1]["voice"] == voice.provider_id
    listing = await svc.voices(ALICE)
    assert [v.name for v in listing.clones] == ["Kurisu 牧瀬"] and listing.current == "Kurisu 牧瀬"


async def test_clone_rejects_bad_reference_audio(sf_app, fake_siliconflow):
    svc = sf_app.service
    with pytest.raises(AudioTooShort):
        await svc.clone(ALICE, ogg_bytes(speech_like(1.5, silence=2.0)), "short", consent=True)
    with pytest.raises(AudioEmpty):
        await svc.clone(ALICE, ogg_bytes(np.zeros(24000 * 5, dtype=np.int16)), "silent", consent=True)
    with pytest.raises(InvalidName):
        await svc.clone(ALICE, ogg_bytes(speech_like(5)), "alex", consent=True)
    with pytest.raises(InvalidName):
        await svc.clone(ALICE, ogg_bytes(speech_like(5)), "x" * 40, consent=True)
    uploads = [r for r in fake_siliconflow.requests if r.path.endswith("/uploads/audio/voice")]
    assert uploads == []
    assert (await svc.voices(ALICE)).clones == []


async def test_clone_needs_siliconflow(local_app):
    with pytest.raises(CloningUnsupported):
        await local_app.service.clone(ALICE, ogg_bytes(speech_like(5)), "me", consent=True)


async def test_a_clone_is_spoken_with_the_key_that_made_it(sf_app, fake_siliconflow):
    """Alice clones with her own key; Bob speaks as Alice's character: only once Alice shares the voice,
    then with Alice's key, and the bytes are on Alice's record (as lent), not Bob's."""
    svc = sf_app.service
    alice_dm = ALICE_IN_GROUP.__class__(platform="discord", user_id="1001", is_private=True)
    await svc.set_api_key(alice_dm, USER_KEY)
    voice = await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there",
                            consent=True)
    await svc.create_character(ALICE_IN_GROUP, "AliceBot", voice="Alice")
    before = len(speech_calls(fake_siliconflow))
    with pytest.raises(VoiceNotShared):  # her own key pays: not lent unless she says so
        await svc.speak(BOB_IN_GROUP, "speaking as alice", character="AliceBot")
    assert len(speech_calls(fake_siliconflow)) == before
    await svc.share_voice(ALICE_IN_GROUP, "alice", True)
    await svc.speak(BOB_IN_GROUP, "speaking as alice", character="AliceBot")
    last = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")][-1]
    assert last.json["voice"] == voice.provider_id
    assert last.headers["Authorization"] == f"Bearer {USER_KEY}"
    shared = await svc.voices(BOB_IN_GROUP)
    assert [v.name for v in shared.shared] == ["Alice"]
    alice, bob = await svc.usage(ALICE_IN_GROUP), await svc.usage(BOB_IN_GROUP)
    assert alice.lent_today == alice.today_bytes == len("speaking as alice") and alice.lent_total == alice.lent_today
    assert bob.total_bytes == 0
    await svc.share_voice(ALICE_IN_GROUP, "Alice", False)
    with pytest.raises(VoiceNotShared):
        await svc.speak(BOB_IN_GROUP, "again", character="AliceBot")
    await svc.speak(ALICE_IN_GROUP, "her own voice is hers", character="AliceBot")  # the owner always may


async def test_a_clone_on_the_operators_key_is_shared_unless_its_owner_says_no(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there", consent=True)
    await svc.create_character(ALICE_IN_GROUP, "AliceBot", voice="Alice")
    await svc.speak(BOB_IN_GROUP, "on the bot's key", character="AliceBot")
    assert (await svc.usage(BOB_IN_GROUP)).quota_used == len("on the bot's key")  # Bob's quota, as any speech
    assert (await svc.usage(ALICE_IN_GROUP)).lent_total == 0
    await svc.share_voice(ALICE_IN_GROUP, "Alice", False)
    with pytest.raises(VoiceNotShared):
        await svc.speak(BOB_IN_GROUP, "not any more", character="AliceBot")
    with pytest.raises(UnknownVoice):
        await svc.share_voice(BOB_IN_GROUP, "Alice", True)  # only the owner decides


async def test_forget_deletes_everything_including_remote_clones(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.update_settings(ALICE, speed=2)
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    await svc.set_voice(ALICE, "mine")
    await svc.set_pronunciation(ALICE, "gif", "jif")
    await svc.speak(ALICE, "cached in my voice")
    report = await svc.forget(ALICE)
    assert report.deleted_remote_voices == ["mine"] and report.failed_remote_voices == []
    assert report.deleted_rows > 0 and report.deleted_cache_entries >= 1
    remaining = await sf_app.remote.list_voices()
    assert remaining == []
    view = await svc.settings(ALICE)
    assert view.effective.speed == 1.0 and (await svc.voices(ALICE)).clones == []
    assert await svc.pronunciations(ALICE) == []


async def test_forget_reports_a_clone_it_could_not_delete_and_keeps_the_rest(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.update_settings(ALICE, speed=2)
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "stubborn", transcript="hello", consent=True)
    fake_siliconflow.fail(status=503, times=20)
    report = await svc.forget(ALICE)
    assert report.failed_remote_voices == ["stubborn"] and report.deleted_rows == 0
    assert [v.name for v in (await svc.voices(ALICE)).clones] == ["stubborn"]
    assert (await svc.settings(ALICE)).effective.speed == 2.0


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


# --- process-local state stays bounded and notices other instances --------------------------------


async def test_a_second_instance_sees_a_forget_once_its_cache_entry_expires(make_app, tmp_path):
    first = await make_app("local", data_dir=tmp_path / "shared")
    second = await make_app("local", data_dir=tmp_path / "shared")  # another process on the same database
    old = await first.service.user_id(ALICE)
    await first.service.update_settings(ALICE, speed=2)
    await second.service.forget(ALICE)
    first.service.cases.identities._user_ids.ttl = 0.0  # as if USER_ID_TTL had passed
    assert await first.service.user_id(ALICE) != old
    assert (await first.service.settings(ALICE)).effective.speed == 1.0


async def test_rate_windows_of_idle_users_are_swept(make_app, monkeypatch):
    import core.limits as limits_module

    monkeypatch.setattr(limits_module, "RATE_WINDOWS_SWEEP_AT", 5)
    app = await make_app("local", requests_per_minute=100)
    now = [1000.0]
    limits = app.service.limits
    limits._clock = lambda: now[0]
    for i in range(8):
        limits.check_rate(i)
    now[0] += 61
    limits.check_rate(99)
    assert set(limits._recent) == {99}


# --- hardening (issue 9) ----------------------------------------------------------------------


def cache_files(svc) -> set[str]:
    return {p.name for p in svc.cache.root.rglob("*.bin")}


async def test_forget_deletes_local_data_when_the_key_that_made_a_clone_is_gone(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.set_api_key(ALICE, USER_KEY)
    voice = await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    removal = await svc.clear_api_key(ALICE)
    assert removal and removal.stranded == ["mine"]  # /key clear warns about it
    await svc.update_settings(ALICE, speed=2)
    report = await svc.forget(ALICE)
    assert report.failed_remote_voices == []
    assert report.abandoned_remote_voices == [("mine", "key_gone", voice.provider_id)]
    assert report.deleted_rows > 0
    assert (await svc.voices(ALICE)).clones == [] and (await svc.settings(ALICE)).effective.speed == 1.0


async def test_forget_deletes_local_data_when_the_provider_rejects_the_key(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.set_api_key(ALICE, USER_KEY)
    voice = await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    fake_siliconflow.revoke_api_key(USER_KEY)
    report = await svc.forget(ALICE)
    assert report.abandoned_remote_voices == [("mine", "key_rejected", voice.provider_id)]
    assert report.deleted_rows > 0 and (await svc.voices(ALICE)).clones == []


async def test_clearing_a_key_no_clone_depends_on_warns_about_nothing(sf_app):
    svc = sf_app.service
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "on the bot", transcript="hello", consent=True)
    await svc.set_api_key(ALICE, USER_KEY)
    removal = await svc.clear_api_key(ALICE)
    assert removal and removal.stranded == []
    assert not await svc.clear_api_key(ALICE)


async def test_deleting_a_voice_purges_audio_others_made_in_it(sf_app):
    """Bob speaks through Alice's character (her clone): deleting the clone removes that audio too."""
    svc = sf_app.service
    await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there", consent=True)
    await svc.create_character(ALICE_IN_GROUP, "AliceBot", voice="Alice")
    before = cache_files(svc)
    await svc.speak(BOB_IN_GROUP, "bob speaking as alice", character="AliceBot")
    assert cache_files(svc) - before
    await svc.delete_voice(ALICE_IN_GROUP, "Alice")
    assert cache_files(svc) == before


async def test_forget_purges_audio_in_a_clone_made_before_a_link(sf_app):
    svc = sf_app.service
    tg = UserRef(platform="telegram", user_id="1001", is_private=True)
    dc = UserRef(platform="discord", user_id="2001", is_private=True)
    await svc.clone(tg, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    await svc.set_voice(tg, "mine")
    await svc.speak(tg, "said on telegram before linking")
    assert cache_files(svc)
    code = await svc.start_link(dc)
    await svc.complete_link(tg, code)
    await svc.forget(dc)
    assert cache_files(svc) == set()


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


async def test_implausibly_short_audio_is_served_but_never_cached(local_app, monkeypatch):
    from core.models import PCMChunk

    svc = local_app.service

    async def a_click(request, api_key=None):
        yield PCMChunk(data=b"\x10\x00" * 240, sample_rate=24000)  # 10 ms for a whole sentence

    monkeypatch.setattr(svc.local, "synthesize", a_click)
    text = "This sentence takes a good two seconds to say aloud."
    first = await svc.speak(ALICE, text)
    assert first.notes and first.notes[0].audio.duration < 0.1
    second = await svc.speak(ALICE, text)
    assert not second.notes[0].cached
    assert cache_files(svc) == set()


async def test_lone_surrogates_in_a_style_a_pronunciation_or_a_transcript_are_stored_safely(sf_app):
    svc = sf_app.service
    view = await svc.set_style(ALICE, "whis\ud800per softly")
    assert "\ud800" not in view.effective.style
    entry = await svc.set_pronunciation(ALICE, "gi\udc00f", "ji\ud800f")
    assert "\ud800" not in entry.spoken and "\udc00" not in entry.word
    voice = await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hel\ud800lo", consent=True)
    assert "\ud800" not in voice.transcript

"""The seed's voice workflow on Telegram, end to end (fake Bot API, fake SiliconFlow, real App on SQLite):
voice IDs (/adopt_voice, shown after a clone and in /voices to the owner only), /delete_voice with a yes/no,
▶ samples in /voices, /speak in the voice of a recording, and /format (voice notes or MP3/WAV files)."""

from __future__ import annotations

import io

import av

from core.models import UserRef

from tests.bots.telegram.conftest import GROUP, Harness, confirm_prompt
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY


async def own_key(bot: Harness, lang: str = "en") -> None:
    await bot.send(f"/key {USER_KEY}", lang=lang)


def made_elsewhere(bot: Harness, key: str = USER_KEY, name: str = "kurisu") -> str:
    """A clone made with ``key`` outside the bot (the provider's console): its speech:… ID."""
    assert bot.sf is not None
    return bot.sf.add_voice(key, name, text="made elsewhere")


async def test_adopt_a_voice_id_and_speak_with_it(bot: Harness) -> None:
    await own_key(bot)
    uri = made_elsewhere(bot)
    await bot.send(f"/adopt_voice {uri} Kurisu M")
    assert bot.last_text() == "Added “Kurisu M” from its voice ID. Choose it with /voice Kurisu M."
    await bot.send("/voices")
    listing = bot.last("sendMessage").params["text"]
    assert f"<code>{uri}</code>" in listing and "Kurisu M" in listing  # its ID, to its owner, in private
    await bot.send("/voice Kurisu M")
    await bot.send("/speak hello")
    request = bot.speech_requests()[-1]
    assert request.json["voice"] == uri and request.api_key == USER_KEY


async def test_adopting_refuses_clearly_and_changes_nothing(bot: Harness) -> None:
    uri = made_elsewhere(bot)
    await bot.send(f"/adopt_voice {uri} mine")  # no key of their own yet
    assert "works only with the API key that made it: set your own SiliconFlow key with /key" in bot.last_text()
    await own_key(bot)
    await bot.send("/adopt_voice alex mine")
    assert "is not a voice ID" in bot.last_text()
    other = made_elsewhere(bot, key=OPERATOR_KEY, name="theirs")
    await bot.send(f"/adopt_voice {other} theirs", lang="zh")
    assert "你的 API 密钥下的音色列表中没有" in bot.last_text()
    await bot.send(f"/adopt_voice {uri[:-3]}xyz mine", lang="ja")
    assert "あなたの API キーの声一覧に" in bot.last_text()
    await bot.send(f"/adopt_voice {uri} first")
    await bot.send(f"/adopt_voice {uri} second")
    assert bot.last_text() == "That voice ID is already added here, as “first”."
    await bot.send("/adopt_voice")
    assert "/adopt_voice speech:NAME:xxxx:yyyy NAME" in bot.last_text()
    listing = await bot.service.voices(UserRef(platform="telegram", user_id="1001"))
    assert [v.name for v in listing.clones] == ["first"]


async def test_voice_ids_stay_out_of_groups(bot: Harness) -> None:
    await own_key(bot)
    uri = made_elsewhere(bot)
    await bot.send(f"/adopt_voice {uri} kurisu", chat=GROUP)
    await bot.send("/voices", chat=GROUP)
    text = bot.last("sendMessage", GROUP).params["text"]
    assert uri not in text and "kurisu" in text and "Voice IDs are shown only to you" in text


async def test_the_id_is_shown_after_a_clone(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone kurisu")
    prompt = await confirm_prompt(bot)
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    done = bot.last("editMessageText").params["text"]
    uri = bot.sf.voices(OPERATOR_KEY)[0]["uri"]
    assert "is ready" in done and f"Voice ID of “kurisu” (works only with the API key that made it): <code>{uri}</code>" in done


async def test_delete_voice_asks_first(bot: Harness) -> None:
    await own_key(bot)
    uri = made_elsewhere(bot)
    await bot.send(f"/adopt_voice {uri} kurisu")
    await bot.send("/delete_voice kurisu")
    ask = bot.last("sendMessage")
    assert ask.params["text"].startswith("Delete your cloned voice <b>kurisu</b>?")
    await bot.press(bot.button(ask, "Cancel"), ask.result)
    assert bot.last("editMessageText").params["text"] == "Kept the voice."
    assert bot.sf.voices(USER_KEY)
    await bot.press(bot.button(ask, "Delete voice"), ask.result)
    assert bot.last("editMessageText").params["text"] == "Deleted the voice <b>kurisu</b>."
    assert not bot.sf.voices(USER_KEY)  # at the provider too
    await bot.send("/delete_voice kurisu", lang="zh")
    assert "kurisu" in bot.last_text() and "没有" in bot.last_text()
    await bot.send("/delete_voice")
    assert "/delete_voice NAME" in bot.last_text()


async def test_samples_are_made_once(bot: Harness) -> None:
    await bot.send("/voices")
    listing = bot.last("sendMessage")
    assert "▶ plays a short sample" in listing.params["text"]
    await bot.press(bot.button(listing, "▶ claire"), listing.result)
    sample = bot.voices_sent()[-1]
    assert sample.params["caption"] == "Sample of “claire”"
    assert bot.speech_requests()[-1].json["voice"].endswith(":claire")
    made = len(bot.speech_requests())
    await bot.press(bot.button(listing, "▶ claire"), listing.result)
    assert len(bot.voices_sent()) == 2 and len(bot.speech_requests()) == made  # from the cache
    await bot.press(bot.button(listing, "▶ alex"), listing.result, lang="ja")
    assert bot.speech_requests()[-1].json["voice"].endswith(":alex")


async def test_speak_in_the_voice_of_my_recording(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    note = await bot.send(None, voice=f.as_voice(6))
    await bot.send("/speak hello from my recording", reply_to=note)
    prompt = bot.last("sendMessage")
    assert "Nothing is stored" in prompt.params["text"]
    assert not bot.speech_requests()
    await bot.press(bot.button(prompt, "speak in this voice"), prompt.result)
    request = bot.speech_requests()[-1]
    assert request.json["voice"] == "" and request.json["references"][0]["audio"].startswith("data:audio/mpeg;base64,")
    assert request.json["references"][0]["text"] == "你好，这是一段测试录音。"  # transcribed, tags removed
    assert bot.voices_sent() and "spoken once in the voice of the recording" in bot.last("editMessageText").params["text"]
    assert not bot.sf.voices(OPERATOR_KEY)  # no voice was made
    await bot.press(bot.button(prompt, "speak in this voice"), prompt.result)  # used up
    assert "expired" in bot.last("answerCallbackQuery").params["text"]


async def test_a_dynamic_voice_the_provider_refuses_says_clone(bot: Harness, voice_6s: bytes) -> None:
    bot.sf.accepts_references = False
    f = bot.tg.add_file(voice_6s)
    note = await bot.send(None, voice=f.as_voice(6), lang="zh")
    await bot.send("/speak 你好", reply_to=note, lang="zh")
    prompt = bot.last("sendMessage")
    await bot.press(bot.button(prompt, "✅"), prompt.result, lang="zh")
    assert "/clone" in bot.last("editMessageText").params["text"] and "拒绝" in bot.last("editMessageText").params["text"]
    assert not bot.voices_sent()


async def test_someone_elses_recording_is_refused(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    note = await bot.send(None, voice=f.as_voice(6), chat=GROUP, user=2002)
    await bot.send("/speak hello", reply_to=note, chat=GROUP)
    assert "only" in bot.last_text(GROUP).lower() and not bot.tg.calls_to("getFile")


def wav_rate(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as src:
        return src.streams.audio[0].codec_context.sample_rate


async def test_format_sends_files_at_the_chosen_rate(bot: Harness) -> None:
    await bot.send("/format wav 16000")
    assert bot.last_text() == "From now on I send speech in this chat as WAV files at 16000 Hz."
    await bot.send("/speak hello as a file")
    doc = bot.last("sendDocument")
    assert wav_rate(doc.upload("document").data) == 16000
    assert bot.speech_requests()[-1].json["sample_rate"] == 16000
    await bot.send("/format mp3", lang="ja")
    await bot.send("こんにちは")  # plain text in a private chat follows the chat's format too
    assert bot.last("sendAudio").upload("audio").filename == "speech.mp3"
    await bot.send("/format flac")
    assert "“flac” is not offered" in bot.last_text()
    await bot.send("/format wav 22050")
    assert "8000 Hz, 16000 Hz" in bot.last_text()
    await bot.send("/format")
    assert "Now: MP3 files at 44100 Hz" in bot.last_text()
    await bot.send("/format voice")
    voices = len(bot.voices_sent())
    await bot.send("/speak back to notes")
    assert len(bot.voices_sent()) == voices + 1


async def test_format_in_a_group_is_for_admins(bot: Harness) -> None:
    await bot.send("/format wav", chat=GROUP)
    assert bot.last_text(GROUP) == "Only the group's admins can change how speech is sent here."
    bot.tg.set_admin(GROUP, 1001)
    await bot.send("/format wav", chat=GROUP, lang="zh")
    assert bot.last_text(GROUP) == "好的，此后在此聊天中发送的语音形式为：WAV 文件，24000 Hz。"
    await bot.send("/speak 你好", chat=GROUP)
    assert bot.last("sendDocument", GROUP).upload("document").filename == "speech-24000.wav"


async def test_many_clones_keep_the_list_whole(bot: Harness) -> None:
    from datetime import UTC, datetime

    uid = await bot.service.user_id(UserRef(platform="telegram", user_id="1001"))
    for i in range(45):
        await bot.app.store.add_voice(uid, f"clone{i:02d}", provider="siliconflow",
                                      provider_id=f"speech:clone{i:02d}:{'c' * 25}:{'d' * 20}",
                                      key_fingerprint=bot.service.fingerprint(OPERATOR_KEY), transcript="hi",
                                      consent_at=datetime.now(UTC))
    await bot.send("/voices")
    text = bot.last("sendMessage").params["text"]
    assert len(text) <= 4096 and text.count("<code>") == text.count("</code>") == 30 and "clone44" in text

"""/speak (bots/telegram/handlers/speak.py): a real voice note, as a reply, without text, nothing left after
cleanup, edits not spoken again, and the provider's faults.
"""

from __future__ import annotations

from tests.bots.telegram.conftest import CHAT, GROUP, USER, Harness, ceil_seconds, decode_ogg, ogg_voice


async def test_speak_sends_a_real_ogg_opus_voice_note_with_its_duration(bot: Harness) -> None:
    msg = await bot.send("/speak Hello there, this is a test of the voice bridge.")
    voice = bot.last("sendVoice")
    upload = voice.upload("voice")
    assert upload is not None and upload.filename.endswith(".ogg")
    container, codec, seconds = decode_ogg(upload.data)
    assert (container, codec) == ("ogg", "opus")
    assert voice.params["duration"] == ceil_seconds(seconds)
    assert isinstance(voice.params["duration"], int)
    assert voice.params["reply_parameters"]["message_id"] == msg["message_id"]
    actions = bot.tg.calls_to("sendChatAction", CHAT)
    assert actions and actions[0].params["action"] == "record_voice"
    assert actions[0].at < voice.at
    spoken = bot.speech_requests()[-1].json
    assert spoken["input"].endswith("Hello there, this is a test of the voice bridge.")
    assert spoken["voice"].endswith(":anna")


async def test_speak_as_a_reply_reads_the_replied_message(bot: Harness) -> None:
    original = await bot.send("Read me aloud, please.", chat=GROUP, user=2002)
    assert not bot.voices_sent(GROUP)  # plain text in a group is not read
    await bot.send("/speak", chat=GROUP, reply_to=original)
    assert len(bot.voices_sent(GROUP)) == 1
    assert bot.speech_requests()[-1].json["input"].endswith("Read me aloud, please.")


async def test_speak_without_text_shows_how_to_use_it(bot: Harness) -> None:
    await bot.send("/speak")
    assert "/speak" in bot.last_text()
    assert not bot.voices_sent()
    photo_only = await bot.send(None, chat=GROUP, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                                          "height": 1}])
    await bot.send("/speak", chat=GROUP, reply_to=photo_only)  # described (issue 14): "… sent an image."
    assert bot.speech_requests()[-1].json["input"].endswith("sent an image.")


async def test_empty_text_after_cleanup_is_reported(bot: Harness) -> None:
    await bot.send("/speak ```x```")  # code only (emoji are read by name now)
    assert "nothing to say" in bot.last_text()
    assert not bot.voices_sent()


async def test_edited_messages_are_not_spoken_again(bot: Harness) -> None:
    update = bot.updates.message(CHAT, USER, "/speak once")
    update["edited_message"] = update.pop("message")
    await bot.feed(update)
    assert not bot.voices_sent()


# --- text files in a private chat -----------------------------------------------------------------


async def test_speak_as_a_reply_to_a_text_file_in_a_group(bot: Harness) -> None:
    from tests.bots.telegram.conftest import GROUP

    f = bot.tg.add_file(b"Minutes of the meeting.", file_path="docs/m.txt")
    doc = await bot.send(None, chat=GROUP, document=f.as_document(file_name="minutes.txt", mime_type="text/plain"))
    assert not bot.speech_requests()  # files in groups are not read unasked
    await bot.send("/speak", chat=GROUP, reply_to=doc)
    assert bot.speech_requests()[-1].json["input"] == "Minutes of the meeting."


async def test_provider_429_is_retried_and_still_answered(bot: Harness) -> None:
    bot.sf.fail(429, retry_after=1, endpoint="speech")
    await bot.send("/speak rate limited once")
    assert len(bot.voices_sent()) == 1
    statuses = [r.status for r in bot.sf.requests_for("speech")]
    assert statuses == [429, 200]


async def test_repeated_500_falls_back_for_presets_and_is_reported_for_clones(make_bot) -> None:
    # The provider still retries 3 times; only its backoff pauses are shortened, to keep the suite quick.
    bot = await make_bot(provider_backoff=0.01)
    # A preset voice: the service speaks with the offline engine and says so.
    bot.sf.fail(500, times=None, endpoint="speech")
    await bot.send("/speak the service is down")
    voice = bot.last("sendVoice")
    assert [r.status for r in bot.sf.requests_for("speech")] == [500] * 4
    assert "offline engine" in voice.params["caption"]
    assert decode_ogg(voice.upload("voice").data)[1] == "opus"

    # A cloned voice can't fall back: the user is told plainly, and the bot keeps working.
    bot.sf.clear_faults()
    f = bot.tg.add_file(ogg_voice(6.0))
    await bot.send(None, voice=f.as_voice(6), caption="/clone mine")
    prompt = bot.last("sendMessage")
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    bot.sf.fail(500, times=None, endpoint="speech")
    before = len(bot.voices_sent())
    await bot.send("/speak in my cloned voice")
    assert bot.last_text() == "The speech service is unavailable right now. Please try again shortly."
    assert len(bot.voices_sent()) == before
    bot.sf.clear_faults()
    await bot.send("/speak and now it works again")
    assert len(bot.voices_sent()) == before + 1
    await bot.send("/usage")
    assert "Usage" in bot.last_text()

"""/start, /help, the command menu, and speaking: /speak, /speak as a reply, private text, long text."""

from __future__ import annotations

from bots.telegram.runner import setup_commands

from .conftest import CHAT, GROUP, USER, Harness, ceil_seconds, decode_ogg


async def test_start_and_help_in_the_users_language(bot: Harness) -> None:
    await bot.send("/start")
    assert "voice notes" in bot.last_text()
    await bot.send("/help", lang="zh-hans")
    assert "/clone 名称" in bot.last_text()
    await bot.send("/help", lang="ja")
    assert "読み上げ" in bot.last_text()
    assert bot.last("sendMessage").params["parse_mode"] == "HTML"


async def test_command_menu_in_english_chinese_and_japanese(bot: Harness) -> None:
    await setup_commands(bot.application)
    menus = {lang: cmds for (_, lang), cmds in bot.tg.commands.items()}
    assert set(menus) == {"", "zh", "ja"}
    names = [c["command"] for c in menus[""]]
    for name in ("speak", "voices", "voice", "clone", "settings", "speed", "gain", "lang", "style", "key",
                 "usage", "forget", "help", "start"):
        assert name in names
    assert {c["command"]: c["description"] for c in menus["zh"]}["speak"] == "把文字读成语音"


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
    await bot.send("/speak", chat=GROUP, reply_to=photo_only)
    assert "no text" in bot.last_text(GROUP)
    assert not bot.voices_sent()


async def test_private_text_and_forwards_are_read_aloud(bot: Harness) -> None:
    await bot.send("Just a plain message.")
    await bot.send("A forwarded one.", forward_origin={"type": "hidden_user", "date": 0, "sender_user_name": "X"})
    assert len(bot.voices_sent(CHAT)) == 2


async def test_long_text_becomes_several_voice_notes_in_order(bot: Harness) -> None:
    bot.sf.seconds_per_char = 0.01  # short audio: this test is about splitting and order
    sentences = [f"This is sentence number {i}, and it carries on for a little while longer." for i in range(12)]
    await bot.send("/speak " + " ".join(sentences))
    voices = bot.voices_sent()
    assert len(voices) >= 2
    captions = [v.params.get("caption", "") for v in voices]
    assert captions[0].startswith("Part 1/") and captions[-1].startswith(f"Part {len(voices)}/")
    ids = [v.result["message_id"] for v in voices]
    assert ids == sorted(ids)
    for v in voices:
        _, codec, seconds = decode_ogg(v.upload("voice").data)
        assert codec == "opus" and v.params["duration"] == ceil_seconds(seconds)


async def test_empty_text_after_cleanup_is_reported(bot: Harness) -> None:
    await bot.send("/speak 😀😀")
    assert "nothing to say" in bot.last_text()
    assert not bot.voices_sent()


async def test_edited_messages_are_not_spoken_again(bot: Harness) -> None:
    update = bot.updates.message(CHAT, USER, "/speak once")
    update["edited_message"] = update.pop("message")
    await bot.feed(update)
    assert not bot.voices_sent()


async def test_record_voice_is_repeated_while_synthesis_runs_and_stops_after(make_bot) -> None:
    from bots.telegram.context import TelegramOptions

    bot = await make_bot(options=TelegramOptions(chat_action_interval=0.1, private_per_second=100.0))
    bot.sf.slow_first_byte(0.6, endpoint="speech")
    await bot.send("/speak slow to start")
    voice = bot.last("sendVoice")
    actions = [c for c in bot.tg.calls_to("sendChatAction", CHAT) if c.params["action"] == "record_voice"]
    assert len(actions) >= 4
    assert all(a.at < voice.at for a in actions)
    count = len(bot.tg.calls_to("sendChatAction"))
    import asyncio

    await asyncio.sleep(0.3)
    assert len(bot.tg.calls_to("sendChatAction")) == count  # the loop was cancelled


# --- text files in a private chat -----------------------------------------------------------------


async def test_a_text_file_is_read_aloud(bot: Harness) -> None:
    f = bot.tg.add_file("Chapter one.\nIt was a bright cold day in April.".encode("utf-8-sig"), file_path="docs/a.txt")
    await bot.send(None, document=f.as_document(file_name="story.txt", mime_type="text/plain"))
    assert bot.speech_requests()[-1].json["input"] == "Chapter one.\nIt was a bright cold day in April."
    assert bot.voices_sent(CHAT)
    utf16 = bot.tg.add_file("你好，世界".encode("utf-16"), file_path="docs/b.md")
    await bot.send(None, document=utf16.as_document(file_name="notes.md", mime_type="application/octet-stream"))
    assert bot.speech_requests()[-1].json["input"] == "你好，世界"


async def test_text_files_that_cannot_be_read_are_refused_clearly(bot: Harness) -> None:
    spoken = len(bot.speech_requests())
    latin1 = bot.tg.add_file("café crème".encode("latin-1"), file_path="docs/c.txt")
    await bot.send(None, document=latin1.as_document(file_name="menu.txt", mime_type="text/plain"))
    assert "UTF-8 text" in bot.last_text()
    huge = bot.tg.add_file(b"x" * 10, file_path="docs/d.txt", file_size=5 * 1024 * 1024)
    await bot.send(None, document=huge.as_document(file_name="book.txt", mime_type="text/plain"))
    assert "too long" in bot.last_text()
    assert not [c for c in bot.tg.calls_to("getFile") if huge.file_id in str(c.params)]  # refused before downloading
    long_text = bot.tg.add_file(("word " * 1000).encode(), file_path="docs/e.txt")
    await bot.send(None, document=long_text.as_document(file_name="long.txt", mime_type="text/plain"))
    assert "the limit is 2000" in bot.last_text()
    assert len(bot.speech_requests()) == spoken


async def test_speak_as_a_reply_to_a_text_file_in_a_group(bot: Harness) -> None:
    from .conftest import GROUP

    f = bot.tg.add_file(b"Minutes of the meeting.", file_path="docs/m.txt")
    doc = await bot.send(None, chat=GROUP, document=f.as_document(file_name="minutes.txt", mime_type="text/plain"))
    assert not bot.speech_requests()  # files in groups are not read unasked
    await bot.send("/speak", chat=GROUP, reply_to=doc)
    assert bot.speech_requests()[-1].json["input"] == "Minutes of the meeting."

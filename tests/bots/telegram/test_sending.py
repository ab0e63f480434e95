"""Sending voice notes (bots/telegram/sending.py): long text in parts and in order, ``record_voice`` while
synthesizing, and sendAudio where voice messages are forbidden.
"""

from __future__ import annotations

from tests.bots.telegram.conftest import CHAT, Harness, ceil_seconds, decode_ogg


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


async def test_voice_messages_forbidden_falls_back_to_send_audio(bot: Harness) -> None:
    bot.tg.fail("sendVoice", description="Bad Request: VOICE_MESSAGES_FORBIDDEN")
    await bot.send("/speak I do not take voice messages")
    audio = bot.last("sendAudio")
    upload = audio.upload("audio")
    container, codec, _ = decode_ogg(upload.data)
    assert container == "mp3" and codec.startswith("mp3") and upload.filename.endswith(".mp3")
    assert audio.params["duration"] >= 1 and "voice messages turned off" in audio.params["caption"]
    # Remembered: the next note goes straight to sendAudio.
    await bot.send("/speak again")
    assert len(bot.tg.calls_to("sendVoice")) == 1 and len(bot.tg.calls_to("sendAudio")) == 2


async def test_overlapping_requests_in_one_chat_share_one_chat_action_loop() -> None:
    import asyncio

    from bots.telegram.sending import ChatActionLoop

    class Bot:
        def __init__(self) -> None:
            self.actions: list[tuple[int, str]] = []

        async def send_chat_action(self, chat_id: int, action: str, message_thread_id=None) -> bool:
            self.actions.append((chat_id, action))
            return True

    bot = Bot()
    async with ChatActionLoop(bot, 1, "record_voice", interval=0.05) as first:
        async with ChatActionLoop(bot, 1, "record_voice", interval=0.05), ChatActionLoop(bot, 2, interval=0.05):
            assert len(ChatActionLoop._running) == 2  # chat 1 once, chat 2 once
            assert [shared.users for shared in ChatActionLoop._running.values()] == [2, 1]
            await asyncio.sleep(0.2)
        assert len(ChatActionLoop._running) == 1  # chat 1's loop goes on for the request still running
        before_poke = len(bot.actions)
        first.poke()
        await asyncio.sleep(0.02)
        assert len(bot.actions) > before_poke
    after = len(bot.actions)
    await asyncio.sleep(0.12)
    assert len(bot.actions) == after  # the loop stopped with the last request
    assert ChatActionLoop._running == {}
    in_chat_1 = [a for a in bot.actions if a[0] == 1]
    assert len(in_chat_1) <= 8  # one loop every 50 ms for ~0.22 s plus the poke, not two


async def test_a_poke_just_before_the_end_still_stops_the_chat_action_loop() -> None:
    """A poke that wakes the loop as it is cancelled used to swallow the cancel (3.11's wait_for): the loop
    then ran forever and the block never exited."""
    import asyncio

    from bots.telegram.sending import ChatActionLoop

    class Bot:
        calls = 0

        async def send_chat_action(self, chat_id: int, action: str, message_thread_id=None) -> bool:
            Bot.calls += 1
            return True

    for _ in range(50):
        async def one() -> None:
            async with ChatActionLoop(Bot(), 7, "record_voice", interval=0.05) as loop:
                await asyncio.sleep(0)
                loop.poke()

        await asyncio.wait_for(one(), 2)
    assert ChatActionLoop._running == {}
    calls = Bot.calls
    await asyncio.sleep(0.12)
    assert Bot.calls == calls  # no loop left behind


async def test_voice_notes_are_sent_without_decoding_the_engines_opus(bot: Harness, monkeypatch) -> None:
    """sendVoice takes no waveform: the engine's Opus goes into the note without ever being decoded."""
    from core.audio import passthrough

    class NoDecoding(passthrough.OpusWaveform):
        def __init__(self, *args, **kwargs):
            raise AssertionError("decoded for a waveform Telegram does not take")

    monkeypatch.setattr(passthrough, "OpusWaveform", NoDecoding)
    await bot.send("/speak A voice note straight from the engine's Opus.")
    assert len(bot.voices_sent(CHAT)) == 1
    assert {r.json["response_format"] for r in bot.sf.requests_for("speech")} == {"opus"}

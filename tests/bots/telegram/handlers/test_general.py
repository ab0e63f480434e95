"""/start, /help, and what a private chat does with plain text, text files and stray audio
(bots/telegram/handlers/general.py).
"""

from __future__ import annotations

from tests.bots.telegram.conftest import CHAT, Harness


async def test_a_voice_note_without_caption_in_private_gets_a_hint(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6))
    assert "/clone NAME" in bot.last_text()
    assert not bot.tg.calls_to("getFile")


async def test_start_and_help_in_the_users_language(bot: Harness) -> None:
    await bot.send("/start")
    assert "voice notes" in bot.last_text()
    await bot.send("/help", lang="zh-hans")
    assert "/clone 名称" in bot.last_text()
    await bot.send("/help", lang="ja")
    assert "読み上げ" in bot.last_text()
    assert bot.last("sendMessage").params["parse_mode"] == "HTML"


async def test_private_text_and_forwards_are_read_aloud(bot: Harness) -> None:
    await bot.send("Just a plain message.")
    await bot.send("A forwarded one.", forward_origin={"type": "hidden_user", "date": 0, "sender_user_name": "X"})
    assert len(bot.voices_sent(CHAT)) == 2


async def test_a_text_file_is_read_aloud(bot: Harness) -> None:
    f = bot.tg.add_file("Chapter one.\nIt was a bright cold day in April.".encode("utf-8-sig"), file_path="docs/a.txt")
    await bot.send(None, document=f.as_document(file_name="story.txt", mime_type="text/plain"))
    assert bot.speech_requests()[-1].json["input"] == "Chapter one.\nIt was a bright cold day in April."
    assert bot.voices_sent(CHAT)
    utf16 = bot.tg.add_file("你好，世界".encode("utf-16"), file_path="docs/b.md")
    await bot.send(None, document=utf16.as_document(file_name="notes.md", mime_type="application/octet-stream"))
    assert bot.speech_requests()[-1].json["input"] == "你好，世界"

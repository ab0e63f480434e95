"""Files from Telegram (bots/telegram/uploads.py): audio documents by MIME type, the size limit before and
while downloading, and text files that cannot be read.
"""

from __future__ import annotations

import dataclasses

from tests.bots.telegram.conftest import FAST, MB, Harness, confirm_prompt, idle


async def test_audio_document_by_mime_type_is_accepted(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s, file_path="documents/file_9.ogg")
    await bot.send(None, document=f.as_document(file_name="me.ogg", mime_type="audio/ogg"), caption="/clone doc")
    await confirm_prompt(bot)


async def test_a_download_longer_than_declared_is_cut(make_bot) -> None:
    bot = await make_bot(options=dataclasses.replace(FAST, max_download_bytes=MB))
    f = bot.tg.add_file(b"\0" * 3 * MB, file_size=1000)  # message and getFile both say 1000 bytes
    await bot.send(None, voice=f.as_voice(6), caption="/clone liar")
    assert "too large" in bot.last_text() and "the limit is 1 MB" in bot.last_text()
    assert "Only confirm" not in " ".join(bot.tg.texts())
    assert idle(bot)


async def test_a_declared_size_over_the_limit_is_never_fetched(bot: Harness) -> None:
    f = bot.tg.add_file(b"x", file_size=25 * MB)
    await bot.send(None, voice=f.as_voice(6), caption="/clone big")
    assert "too large (25.0 MB; the limit is 20 MB)" in bot.last_text()
    assert not bot.tg.calls_to("getFile") and not bot.tg.downloads
    assert idle(bot)


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

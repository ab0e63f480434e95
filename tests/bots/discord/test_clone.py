"""``/clone`` from an attachment: checks before download, consent button, provider faults."""

from __future__ import annotations

import logging
import struct

from core.models import UserRef
from tests.fakes.discord import (
    OTHER_USER_ID,
    USER_ID,
    attachment_payload,
    autocomplete,
    press,
    run_command,
    start_command,
)
from tests.fakes.siliconflow import sample_wav


def me() -> UserRef:
    return UserRef(platform="discord", user_id=str(USER_ID))


def attach(bot, data: bytes, *, filename: str = "me.wav", content_type: str | None = "audio/wav",
           size: int | None = None) -> dict:
    payload = attachment_payload(filename=filename, size=len(data) if size is None else size, content_type=content_type)
    bot.fake.add_file(payload["url"], data)
    return payload


def silent_wav(seconds: float = 6.0, rate: int = 16000) -> bytes:
    pcm = bytes(int(seconds * rate) * 2)
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm)) + pcm)


async def test_clone_with_consent(bot, app, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio})
    # the consent prompt edits the deferred reply, with buttons; nothing is uploaded before the press
    [prompt] = await bot.fake.wait_for(lambda: [c for c in bot.fake.replies(inter.token) if c.components])
    assert prompt.method == "PATCH"
    assert "kurisu" in prompt.content and "your own voice" in prompt.content
    assert not fake_siliconflow.requests_for("upload")
    await press(bot, inter, "vb:confirm")
    await task
    final = bot.fake.last_reply(inter.token)
    assert final.content.startswith("Cloned **kurisu**")
    assert final.components == []
    assert len(fake_siliconflow.requests_for("upload")) == 1
    assert bot.fake.downloads == [audio["url"]]
    view = await app.service.settings(me())
    assert view.voice_name == "kurisu"
    # the new clone is offered first by /voice autocomplete (the cache was dropped)
    choices = await autocomplete(bot, "voice", {"name": ""}, focused="name")
    assert choices[0]["value"] == "kurisu"


async def test_clone_cancel_uploads_nothing(bot, app, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio})
    await press(bot, inter, "vb:cancel")
    await task
    assert not fake_siliconflow.requests_for("upload")
    assert not (await app.service.voices(me())).clones


async def test_only_the_invoker_can_consent(bot, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio})
    intruder = await press(bot, inter, "vb:confirm", user_id=OTHER_USER_ID)
    await bot.fake.wait_for(lambda: bot.fake.replies(intruder.token))
    assert not task.done() and not fake_siliconflow.requests_for("upload")
    await press(bot, inter, "vb:cancel")
    await task


async def test_too_large_is_refused_without_downloading(bot) -> None:
    audio = attach(bot, b"x" * 100, size=25 * 1024 * 1024)
    inter = await run_command(bot, "clone", {"name": "big", "audio": audio})
    assert bot.fake.downloads == []
    assert bot.fake.last_reply(inter.token).content == "The file is too large (25.0 MB; the limit is 20 MB)."


async def test_not_audio_is_refused_without_downloading(bot) -> None:
    audio = attach(bot, b"\x89PNG....", filename="cat.png", content_type="image/png")
    inter = await run_command(bot, "clone", {"name": "cat", "audio": audio})
    assert bot.fake.downloads == []
    assert "isn't an audio file" in bot.fake.last_reply(inter.token).content


async def test_unknown_content_type_with_audio_extension_is_accepted(bot, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0), filename="memo.wav", content_type=None)
    inter, task = start_command(bot, "clone", {"name": "memo", "audio": audio})
    await press(bot, inter, "vb:cancel")
    await task
    assert bot.fake.downloads == [audio["url"]]


async def test_garbage_with_audio_type_gets_a_clear_message(bot, fake_siliconflow) -> None:
    audio = attach(bot, b"definitely not audio" * 50, filename="x.ogg", content_type="audio/ogg")
    inter = await run_command(bot, "clone", {"name": "junk", "audio": audio})
    content = bot.fake.last_reply(inter.token).content
    assert "audio" in content.lower() and "went wrong" not in content
    assert not fake_siliconflow.requests_for("upload")


async def test_silent_recording_is_refused_before_consent(bot, fake_siliconflow) -> None:
    audio = attach(bot, silent_wav())
    inter = await run_command(bot, "clone", {"name": "quiet", "audio": audio})
    answer = bot.fake.last_reply(inter.token)
    assert answer.content == "The audio is empty or silent."
    assert not [c for c in bot.fake.replies(inter.token) if c.components]
    assert not fake_siliconflow.requests_for("upload")


async def test_bad_name_is_refused_before_download(bot) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter = await run_command(bot, "clone", {"name": "<@everyone>", "audio": audio})
    assert bot.fake.downloads == []
    assert "can't be used" in bot.fake.last_reply(inter.token).content


async def test_preset_or_taken_name_is_refused_before_download(bot, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter = await run_command(bot, "clone", {"name": "Alex", "audio": audio})
    assert "preset" in bot.fake.last_reply(inter.token).content
    inter, task = start_command(bot, "clone", {"name": "mine", "audio": audio})
    await bot.fake.wait_for(lambda: [c for c in bot.fake.replies(inter.token) if c.components])
    await press(bot, inter, "vb:confirm")
    await task
    downloads = len(bot.fake.downloads)
    inter = await run_command(bot, "clone", {"name": "MINE", "audio": audio})
    assert "already have" in bot.fake.last_reply(inter.token).content
    assert len(bot.fake.downloads) == downloads == 1
    assert len(fake_siliconflow.requests_for("upload")) == 1


async def test_provider_down_during_upload_gives_a_plain_message(bot, app, fake_siliconflow, caplog) -> None:
    caplog.set_level(logging.INFO)
    fake_siliconflow.fail(500, times=None, endpoint="upload")
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio, "transcript": "hello"})
    await press(bot, inter, "vb:confirm")
    await task
    final = bot.fake.last_reply(inter.token)
    assert final.method == "PATCH"
    assert final.content == "The speech service is unavailable right now. Please try again shortly."
    assert not (await app.service.voices(me())).clones
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

"""``/clone`` from an attachment: checks before download, consent button, provider faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from core.models import UserRef
from core.uploads import CloneUploads, clone_uploads, install_clone_uploads
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

MB = 1024 * 1024


def me() -> UserRef:
    return UserRef(platform="discord", user_id=str(USER_ID))


def idle(app) -> bool:
    """No clone upload in flight: every user's turn and every reserved byte given back."""
    uploads = clone_uploads(app.service)
    return uploads.users_in_flight == 0 and uploads.reserved_bytes == 0 and uploads.parked == 0


async def consent_prompt(bot, inter) -> None:
    await bot.fake.wait_for(lambda: [c for c in bot.fake.replies(inter.token) if c.components])


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
    assert idle(app)  # the bytes and the user's turn are given back after success
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
    assert idle(app)


async def test_only_the_invoker_can_consent(bot, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio})
    intruder = await press(bot, inter, "vb:confirm", user_id=OTHER_USER_ID)
    await bot.fake.wait_for(lambda: bot.fake.replies(intruder.token))
    assert not task.done() and not fake_siliconflow.requests_for("upload")
    await press(bot, inter, "vb:cancel")
    await task


async def test_too_large_is_refused_without_downloading(bot, app) -> None:
    audio = attach(bot, b"x" * 100, size=25 * 1024 * 1024)
    inter = await run_command(bot, "clone", {"name": "big", "audio": audio})
    assert bot.fake.downloads == []
    assert bot.fake.last_reply(inter.token).content == "The file is too large (25.0 MB; the limit is 20 MB)."
    assert idle(app)


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
    assert idle(app)  # given back after an error too
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- one clone upload per user, the memory budget (shared with Telegram), capped downloads -----------


async def test_a_second_clone_by_the_same_user_is_refused_without_downloading(bot, app, fake_siliconflow) -> None:
    first = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "one", "audio": first})
    await consent_prompt(bot, inter)  # the first holds its bytes while the consent button waits
    uploads = clone_uploads(app.service)
    assert uploads.users_in_flight == 1 and uploads.reserved_bytes == len(bot.fake.cdn[first["url"]])
    second = attach(bot, sample_wav(8.0))
    again = await run_command(bot, "clone", {"name": "two", "audio": second})
    assert "already have a voice clone in progress" in bot.fake.last_reply(again.token).content
    assert bot.fake.downloads == [first["url"]]
    await press(bot, inter, "vb:cancel")
    await task
    assert idle(app)
    third, task = start_command(bot, "clone", {"name": "two", "audio": second})  # free again
    await consent_prompt(bot, third)
    await press(bot, third, "vb:cancel")
    await task


async def test_over_the_budget_other_users_are_refused_before_downloading(bot, app, fake_siliconflow) -> None:
    wav = sample_wav(8.0)
    install_clone_uploads(app.service, CloneUploads(budget_bytes=len(wav) * 3 // 2))
    mine = attach(bot, wav)
    inter, task = start_command(bot, "clone", {"name": "mine", "audio": mine})
    await consent_prompt(bot, inter)
    theirs = attach(bot, wav)
    other = await run_command(bot, "clone", {"name": "theirs", "audio": theirs}, user_id=OTHER_USER_ID)
    assert bot.fake.last_reply(other.token).content == (
        "Too many voice clones are being prepared right now. Please try again in a minute.")
    assert theirs["url"] not in bot.fake.downloads
    await press(bot, inter, "vb:confirm")
    await task
    assert bot.fake.last_reply(inter.token).content.startswith("Cloned **mine**")
    assert idle(app)
    other, task = start_command(bot, "clone", {"name": "theirs", "audio": theirs}, user_id=OTHER_USER_ID)
    await consent_prompt(bot, other)  # room again
    await press(bot, other, "vb:cancel")
    await task


async def test_a_cancelled_clone_gives_everything_back(bot, app, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "gone", "audio": audio})
    await consent_prompt(bot, inter)
    assert not idle(app)
    task.cancel()  # e.g. the bot shutting down while the button waits
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert idle(app)


async def test_a_refused_recording_gives_everything_back(bot, app, fake_siliconflow) -> None:
    audio = attach(bot, silent_wav())
    await run_command(bot, "clone", {"name": "quiet", "audio": audio})
    assert idle(app)


async def test_a_download_longer_than_declared_is_cut(bot, app, fake_siliconflow) -> None:
    audio = attach(bot, b"\0" * (21 * MB), size=1000)  # declares 1000 bytes, delivers 21 MB
    inter = await run_command(bot, "clone", {"name": "liar", "audio": audio})
    assert "too large" in bot.fake.last_reply(inter.token).content
    assert not [c for c in bot.fake.replies(inter.token) if c.components]
    assert idle(app)


# --- the production download path: streamed from the CDN with discord.py's aiohttp session -----------


class Cdn:
    """A loopback CDN: serves files, or bytes forever; counts what it sent."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.sent = 0
        self.closed = asyncio.Event()
        self.base = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        response = web.StreamResponse()
        await response.prepare(request)
        data = self.files.get(name)
        try:
            if data is not None:
                await response.write(data)
                self.sent += len(data)
            else:  # endless
                while self.sent < 1024 * MB:
                    await response.write(b"\0" * 65536)
                    self.sent += 65536
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed.set()
        return response


@pytest.fixture
async def cdn(bot, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Cdn]:
    server = Cdn()
    web_app = web.Application()
    web_app.router.add_get("/{name}", server.handle)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        # discord.py's session is the fake's in these tests: stream with a real one, as in production.
        # (The bot loads its cogs as fresh modules: patch the one it runs.)
        module = sys.modules[type(bot.get_cog("Clone")).__module__]
        monkeypatch.setattr(module, "cdn_session", lambda attachment: session)
        yield server
    await runner.cleanup()


async def test_streamed_download_is_checked_and_offered_for_consent(bot, app, cdn, fake_siliconflow) -> None:
    cdn.files["me.wav"] = sample_wav(8.0)
    audio = attachment_payload(filename="me.wav", size=len(cdn.files["me.wav"]), content_type="audio/wav",
                               url=f"{cdn.base}/me.wav")
    inter, task = start_command(bot, "clone", {"name": "streamed", "audio": audio})
    await consent_prompt(bot, inter)
    assert clone_uploads(app.service).reserved_bytes == len(cdn.files["me.wav"])
    await press(bot, inter, "vb:confirm")
    await task
    assert bot.fake.last_reply(inter.token).content.startswith("Cloned **streamed**")
    assert bot.fake.downloads == []  # not through Attachment.read()
    assert idle(app)


async def test_streamed_download_stops_reading_past_the_limit(bot, app, cdn, fake_siliconflow) -> None:
    audio = attachment_payload(filename="endless.ogg", size=1000, content_type="audio/ogg",
                               url=f"{cdn.base}/endless.ogg")
    inter = await run_command(bot, "clone", {"name": "endless", "audio": audio})
    assert "too large" in bot.fake.last_reply(inter.token).content
    await asyncio.wait_for(cdn.closed.wait(), 20)
    assert cdn.sent < 100 * MB  # stopped a little past 20 MB, not at the 1 GB the server would send
    assert idle(app)


async def test_streamed_download_of_a_deleted_attachment(bot, app, cdn, fake_siliconflow) -> None:
    audio = attachment_payload(filename="gone.ogg", size=1000, content_type="audio/ogg",
                               url=f"{cdn.base}/nothing/here")
    inter = await run_command(bot, "clone", {"name": "gone", "audio": audio})
    assert bot.fake.last_reply(inter.token).content  # answered (not left "thinking…")
    assert cdn.sent == 0 and idle(app)

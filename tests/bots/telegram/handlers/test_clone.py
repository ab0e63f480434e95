"""Cloning from a voice note (as caption and as reply), the consent button, and every bad upload."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from core.uploads import CloneUploads, clone_uploads, install_clone_uploads
from tests.bots.telegram.conftest import GROUP, MB, Harness, close, confirm_prompt, idle, ogg_voice

OTHER = 7777  # another user, in their own private chat


async def test_clone_from_a_captioned_voice_note_then_speak_with_it(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    note = await bot.send(None, voice=f.as_voice(6), caption="/clone kurisu")
    assert bot.tg.calls_to("getFile") and bot.tg.downloads == [f.file_path]
    prompt = await confirm_prompt(bot)
    assert prompt.params["reply_parameters"]["message_id"] == note["message_id"]
    assert not bot.sf.requests_for("upload")  # nothing leaves before consent
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    uploads = [r for r in bot.sf.requests_for("upload") if r.status == 200]
    assert len(uploads) == 1
    assert bot.sf.requests_for("transcribe")  # no transcript given: SenseVoice was asked
    assert "is ready and is now your voice" in bot.last("editMessageText").params["text"]
    assert len(bot.tg.downloads) == 1  # the checked bytes were kept, not downloaded again
    assert idle(bot)
    uri = bot.sf.voices("sk-test-operator")[0]["uri"]

    await bot.send("/voice anna")
    await bot.send("/voice kurisu")
    assert bot.last_text() == "Your voice is now “kurisu”."
    await bot.send("/speak El Psy Kongroo")
    assert bot.speech_requests()[-1].json["voice"] == uri
    await bot.send("/voices")
    listing = bot.last("sendMessage")
    assert "✓ 🎙 kurisu" in str(listing.params["reply_markup"])


async def test_clone_as_a_reply_with_a_transcript_in_a_group(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    note = await bot.send(None, chat=GROUP, voice=f.as_voice(6))
    await bot.send("/clone Okabe Rintaro speaking here", chat=GROUP, reply_to=note)
    prompt = await confirm_prompt(bot, GROUP)
    assert "Rintaro speaking here" in prompt.params["text"]
    await bot.press(bot.button(prompt, "my voice"), prompt.result, user=7777)  # someone else
    assert not bot.sf.requests_for("upload")
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    upload = next(r for r in bot.sf.requests_for("upload") if r.status == 200)
    fields = upload.json if isinstance(upload.json, dict) else upload.form
    assert fields["text"] == "Rintaro speaking here"
    assert not bot.sf.requests_for("transcribe")
    await bot.send("/speak tuturu", chat=GROUP)
    assert bot.speech_requests()[-1].json["voice"].startswith("speech:")


async def test_cancel_uploads_nothing_and_the_button_then_expires(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone maybe")
    prompt = await confirm_prompt(bot)
    await bot.press(bot.button(prompt, "Cancel"), prompt.result)
    assert bot.last("editMessageText").params["text"] == "Cancelled. Nothing was uploaded."
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    assert "expired" in bot.last("answerCallbackQuery").params["text"]
    assert not bot.sf.requests_for("upload")


async def test_clone_usage_and_names(bot: Harness, voice_6s: bytes) -> None:
    await bot.send("/clone")
    assert "To clone a voice" in bot.last_text()
    await bot.send("/clone kurisu")  # no audio anywhere
    assert "To clone a voice" in bot.last_text()
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone anna")
    assert "preset" in bot.last_text() or "can't be used" in bot.last_text()
    await bot.send(None, voice=f.as_voice(6), caption="/clone " + "x" * 40)
    assert "at most 32 characters" in bot.last_text()
    assert not bot.tg.calls_to("getFile")


@pytest.mark.parametrize("case", ["too_big", "pdf", "too_long_by_metadata", "too_long", "silent", "garbage"])
async def test_bad_uploads_are_refused_clearly(bot: Harness, case: str) -> None:
    tg = bot.tg
    if case == "too_big":
        f = tg.add_file(b"x", file_size=25 * MB)
        await bot.send(None, audio=f.as_audio(60), caption="/clone big")
        expected = "too large (25.0 MB; the limit is 20 MB)"
    elif case == "pdf":
        f = tg.add_file(b"%PDF-1.7 ...")
        await bot.send(None, document=f.as_document(file_name="cv.pdf", mime_type="application/pdf"),
                       caption="/clone doc")
        expected = "isn't an audio file"
    elif case == "too_long_by_metadata":
        f = tg.add_file(b"OggS fake")
        await bot.send(None, voice=f.as_voice(600), caption="/clone long")
        expected = "too long"
    elif case == "too_long":
        f = tg.add_file(ogg_voice(40.0))
        await bot.send(None, voice=f.as_voice(20), caption="/clone long")  # the metadata lies
        expected = "too long"
    elif case == "silent":
        f = tg.add_file(ogg_voice(6.0, silent=True))
        await bot.send(None, voice=f.as_voice(6), caption="/clone quiet")
        expected = "empty or silent"
    else:
        f = tg.add_file(b"\x00\x01 definitely not audio" * 50)
        await bot.send(None, document=f.as_document(file_name="a.ogg", mime_type="audio/ogg"), caption="/clone x")
        expected = "audio"
    assert expected in bot.last_text()
    if case in ("too_big", "pdf", "too_long_by_metadata"):
        assert not tg.calls_to("getFile") and not tg.downloads
    assert not bot.sf.requests_for("upload")
    assert "Only confirm" not in " ".join(tg.texts())
    await bot.send("/speak still working")  # and the bot carries on
    assert bot.voices_sent()


async def test_offline_engine_cannot_clone_and_says_so(make_bot, voice_6s: bytes) -> None:
    bot = await make_bot(provider="local")
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone kurisu")
    assert "Cloning needs the SiliconFlow provider" in bot.last_text()
    assert not bot.tg.calls_to("getFile")
    await bot.send("/speak offline works")
    voice = bot.last("sendVoice")
    assert voice.upload("voice").data[:4] == b"OggS"
    await bot.send("/settings")
    assert "Engine: offline engine" in bot.last_text()


async def test_consent_still_works_after_a_restart(make_bot, voice_6s: bytes, tmp_path) -> None:
    data_dir = tmp_path / "persist"
    first = await make_bot(data_dir=data_dir)
    f = first.tg.add_file(voice_6s)
    await first.send(None, voice=f.as_voice(6), caption="/clone survivor")
    prompt = await confirm_prompt(first)
    await close(first)  # the bot restarts before the user presses the button
    second = await make_bot(data_dir=data_dir)
    await second.press(second.button(prompt, "my voice"), prompt.result)
    assert "is ready and is now your voice" in second.last("editMessageText").params["text"]
    assert second.tg.downloads == [f.file_path, f.file_path]  # downloaded again by its file id
    assert [r for r in second.sf.requests_for("upload") if r.status == 200]
    # a second press (a double tap) finds nothing left to confirm
    await second.press(second.button(prompt, "my voice"), prompt.result)
    assert "expired" in second.last("answerCallbackQuery").params["text"]
    assert len([r for r in second.sf.requests_for("upload") if r.status == 200]) == 1


# --- one clone upload per user, and the memory budget (shared with Discord) ------------------------


async def test_a_second_clone_while_the_first_waits_for_consent_is_refused(bot: Harness, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone first")
    prompt = await confirm_prompt(bot)
    uploads = clone_uploads(bot.service)
    assert uploads.users_in_flight == 1 and uploads.reserved_bytes == len(voice_6s)  # held while waiting
    g = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=g.as_voice(6), caption="/clone second")
    assert "already have a voice clone in progress" in bot.last_text()
    assert len(bot.tg.calls_to("getFile")) == 1 and bot.tg.downloads == [f.file_path]  # no second download
    await bot.press(bot.button(prompt, "Cancel"), prompt.result)
    assert idle(bot)
    await bot.send(None, voice=g.as_voice(6), caption="/clone second")  # the turn is free again
    await confirm_prompt(bot)


async def test_over_the_budget_other_users_are_refused_before_getfile(bot: Harness, voice_6s: bytes) -> None:
    install_clone_uploads(bot.service, CloneUploads(budget_bytes=len(voice_6s) * 3 // 2))
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone mine")
    prompt = await confirm_prompt(bot)
    g = bot.tg.add_file(voice_6s)
    await bot.send(None, chat=OTHER, user=OTHER, voice=g.as_voice(6), caption="/clone theirs")
    assert "Too many voice clones are being prepared" in bot.last_text(OTHER)
    assert not [c for c in bot.tg.calls_to("getFile") if g.file_id in str(c.params)]
    assert bot.tg.downloads == [f.file_path]
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    assert "is ready" in bot.last("editMessageText").params["text"]
    assert idle(bot)  # given back after the clone
    await bot.send(None, chat=OTHER, user=OTHER, voice=g.as_voice(6), caption="/clone theirs")
    assert "Only confirm" in bot.last_text(OTHER)


async def test_budget_is_given_back_after_a_failed_clone(bot: Harness, voice_6s: bytes) -> None:
    bot.sf.fail(500, times=None, endpoint="upload")
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone broken")
    prompt = await confirm_prompt(bot)
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    assert "Cloning failed" in bot.last("editMessageText").params["text"]
    assert idle(bot)


async def test_budget_is_given_back_after_a_refused_recording(bot: Harness) -> None:
    f = bot.tg.add_file(ogg_voice(6.0, silent=True))
    await bot.send(None, voice=f.as_voice(6), caption="/clone quiet")
    assert "empty or silent" in bot.last_text()
    assert idle(bot)


async def test_a_cancelled_clone_gives_everything_back(bot: Harness, voice_6s: bytes,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    started = asyncio.Event()

    async def stuck(data: bytes, filename: str | None = None):
        started.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(bot.service, "check_clone_audio", stuck)
    f = bot.tg.add_file(voice_6s)
    task = asyncio.create_task(bot.send(None, voice=f.as_voice(6), caption="/clone stuck"))
    await asyncio.wait_for(started.wait(), 10)
    assert clone_uploads(bot.service).reserved_bytes == len(voice_6s)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert idle(bot)


async def test_checked_bytes_wait_in_memory_only_for_a_while(bot: Harness, voice_6s: bytes) -> None:
    install_clone_uploads(bot.service, CloneUploads(hold_seconds=0.05))
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone later")
    prompt = await confirm_prompt(bot)
    await asyncio.sleep(0.2)
    assert idle(bot)  # the bytes were dropped; the button still works (it downloads again)
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    assert "is ready and is now your voice" in bot.last("editMessageText").params["text"]
    assert bot.tg.downloads == [f.file_path, f.file_path]
    assert idle(bot)

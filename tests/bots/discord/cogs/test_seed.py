"""The seed's voice workflow on Discord, end to end (fake Discord, fake SiliconFlow, real App on SQLite): voice IDs
(/adopt_voice; shown in the ephemeral /voices and after /clone), ▶ samples in /voices, /speak voice_of: (a dynamic
voice after consent) and /speak file:/rate: (MP3 and WAV downloads at the provider's rates)."""

from __future__ import annotations

import asyncio
import io

import av

from core.models import UserRef
from tests.fakes.discord import (
    USER_ID,
    attachment_payload,
    make_component_interaction,
    press,
    run_command,
    start_command,
)
from tests.fakes.siliconflow import sample_wav
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY


def me() -> UserRef:
    return UserRef(platform="discord", user_id=str(USER_ID))


def attach(bot, data: bytes, filename: str = "me.wav") -> dict:
    payload = attachment_payload(filename=filename, size=len(data), content_type="audio/wav")
    bot.fake.add_file(payload["url"], data)
    return payload


async def test_adopt_voice_then_voices_shows_its_id(bot, app, fake_siliconflow) -> None:
    await app.service.set_api_key(me(), USER_KEY)
    uri = fake_siliconflow.add_voice(USER_KEY, "kurisu", text="hi")
    inter = await run_command(bot, "adopt_voice", {"voice_id": uri, "name": "Kurisu"})
    assert bot.fake.last_reply(inter.token).content == "Added “Kurisu” from its voice ID. Choose it with /voice Kurisu."
    inter = await run_command(bot, "voices")
    listing = bot.fake.last_reply(inter.token)
    assert listing.ephemeral or listing.method == "PATCH"
    assert f"`Kurisu` — ID `{uri}`" in str(listing.embeds)
    other = fake_siliconflow.add_voice(OPERATOR_KEY, "theirs")
    inter = await run_command(bot, "adopt_voice", {"voice_id": other, "name": "theirs"}, locale="ja")
    assert "あなたの API キーの声一覧に" in bot.fake.last_reply(inter.token).content
    inter = await run_command(bot, "adopt_voice", {"voice_id": "not-an-id", "name": "x"}, locale="zh-CN")
    assert "不是音色 ID" in bot.fake.last_reply(inter.token).content
    assert [v.name for v in (await app.service.voices(me())).clones] == ["Kurisu"]


async def test_clone_shows_the_new_id(bot, app, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio})
    await press(bot, inter, "vb:confirm")
    await task
    uri = fake_siliconflow.voices(OPERATOR_KEY)[0]["uri"]
    assert f"Voice ID of “kurisu” (works only with the API key that made it): `{uri}`" in \
        bot.fake.last_reply(inter.token).content


async def test_voices_plays_a_sample_once_made(bot, app, fake_siliconflow) -> None:
    inter = await run_command(bot, "voices")
    listing = bot.fake.last_reply(inter.token)
    [sample_id] = [c for c in listing.custom_ids() if c.startswith("vb:sample:")]

    async def choose(voice: str):
        chosen = make_component_interaction(bot, sample_id, message_id=bot.fake._originals[inter.token],
                                            component_type=3, values=[voice])
        bot._connection._view_store.dispatch_view(3, sample_id, chosen)
        await bot.fake.wait_for(lambda: [c for c in bot.fake.replies(chosen.token) if c.files])
        return [c for c in bot.fake.replies(chosen.token) if c.files][-1]

    sent = await choose("diana")
    assert sent.ephemeral and sent.content == "Sample of “diana”" and sent.files[0].data[:4] == b"OggS"
    assert fake_siliconflow.requests_for("speech")[-1].json["voice"].endswith(":diana")
    made = len(fake_siliconflow.requests_for("speech"))
    await choose("diana")
    assert len(fake_siliconflow.requests_for("speech")) == made  # from the cache


def rate_of(data: bytes) -> tuple[str, int]:
    with av.open(io.BytesIO(data)) as src:
        return src.format.name, src.streams.audio[0].codec_context.sample_rate


async def test_speak_file_offers_mp3_and_wav_at_the_providers_rates(bot, fake_siliconflow) -> None:
    inter = await run_command(bot, "speak", {"text": "A file to keep.", "file": "wav", "rate": 16000})
    final = bot.fake.last_reply(inter.token)
    assert final.content == "WAV, 16000 Hz" and final.files[0].filename == "speech-16000.wav"
    assert rate_of(final.files[0].data) == ("wav", 16000)
    assert fake_siliconflow.requests_for("speech")[-1].json["sample_rate"] == 16000
    assert not bot.fake.channel_messages()  # a download for the invoker, not a post
    inter = await run_command(bot, "speak", {"text": "一个 MP3 文件。", "file": "mp3"}, locale="zh-CN")
    final = bot.fake.last_reply(inter.token)
    assert final.content == "MP3，44100 Hz" and rate_of(final.files[0].data) == ("mp3", 44100)


async def test_speak_in_the_voice_of_a_recording(bot, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "speak", {"text": "Hello in your voice.", "voice_of": audio})
    await bot.fake.wait_for(lambda: [c for c in bot.fake.replies(inter.token) if c.components])
    assert "Nothing is stored" in bot.fake.last_reply(inter.token).content
    assert not fake_siliconflow.requests_for("speech") and not bot.fake.downloads
    await press(bot, inter, "vb:confirm")
    await asyncio.wait_for(task, 20)
    request = fake_siliconflow.requests_for("speech")[-1]
    assert request.json["voice"] == "" and request.json["references"][0]["text"]
    assert bot.fake.channel_messages()  # posted like /speak's voice messages
    assert "spoken once in the voice of the recording" in bot.fake.last_reply(inter.token).content
    assert not fake_siliconflow.voices(OPERATOR_KEY)


async def test_a_refused_dynamic_voice_suggests_clone(bot, fake_siliconflow) -> None:
    fake_siliconflow.accepts_references = False
    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "speak", {"text": "こんにちは", "voice_of": audio}, locale="ja")
    await press(bot, inter, "vb:confirm")
    await asyncio.wait_for(task, 20)
    text = bot.fake.last_reply(inter.token).content
    assert "/clone" in text and "断りました" in text
    assert not bot.fake.channel_messages()


async def test_a_recording_and_a_file_together_are_refused(bot, fake_siliconflow) -> None:
    audio = attach(bot, sample_wav(8.0))
    inter = await run_command(bot, "speak", {"text": "hi", "voice_of": audio, "file": "mp3"})
    assert "not both" in bot.fake.last_reply(inter.token).content
    assert not fake_siliconflow.requests_for("speech")


async def test_many_clones_with_ids_fit_the_embed(bot, app) -> None:
    from datetime import UTC, datetime

    uid = await app.service.user_id(me())
    for i in range(30):
        await app.store.add_voice(uid, f"clone{i:02d}", provider="siliconflow",
                                  provider_id=f"speech:clone{i:02d}:{'c' * 25}:{'d' * 20}",
                                  key_fingerprint=app.service.fingerprint(OPERATOR_KEY), transcript="hi",
                                  consent_at=datetime.now(UTC))
    inter = await run_command(bot, "voices")
    [embed] = bot.fake.last_reply(inter.token).embeds
    [clones] = [f for f in embed["fields"] if "clone00" in f["value"]]
    assert len(clones["value"]) <= 1024 and clones["value"].endswith("…")
    assert all(line.count("`") == 4 for line in clones["value"].splitlines()[:-1])  # no ID cut in half

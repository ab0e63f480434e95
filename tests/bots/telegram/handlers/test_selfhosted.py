"""Telegram on a self-hosted CosyVoice2 (the fake of its FastAPI server): one /speak and one /clone end to end,
through the real PTB application and the fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bots.telegram.conftest import Harness, confirm_prompt, decode_ogg, idle
from tests.fakes.cosyvoice import FakeCosyVoice


@pytest.fixture
def cosyvoice() -> Iterator[FakeCosyVoice]:
    with FakeCosyVoice() as fake:
        yield fake


@pytest.fixture
async def bot(make_bot, cosyvoice: FakeCosyVoice) -> Harness:
    return await make_bot("cosyvoice", provider_base_url=cosyvoice.base_url)


async def test_speak_on_cosyvoice(bot: Harness, cosyvoice: FakeCosyVoice) -> None:
    await bot.send("/speak 你好。今天天气很好！")
    (note,) = bot.voices_sent()
    container, codec, seconds = decode_ogg(note.upload("voice").data)
    assert (container, codec) == ("ogg", "opus")
    assert seconds == pytest.approx(cosyvoice.expected_seconds("你好。今天天气很好！"), abs=0.05)
    assert cosyvoice.served("sft")[0].form == {"tts_text": "你好。今天天气很好！", "spk_id": "中文女"}


async def test_clone_on_cosyvoice_keeps_the_recording_and_speaks_with_it(bot: Harness, cosyvoice: FakeCosyVoice,
                                                                         voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone kurisu El Psy Kongroo")
    prompt = await confirm_prompt(bot)
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    assert "is ready and is now your voice" in bot.last("editMessageText").params["text"]
    assert idle(bot) and not cosyvoice.requests  # cloning stored the recording here; nothing went out
    assert [name for _, name in await bot.app.store.list_references()][0].startswith("vb")
    await bot.send("/speak tuturu")
    zero = cosyvoice.served("zero_shot")[-1]
    assert zero.form == {"tts_text": "tuturu", "prompt_text": "El Psy Kongroo"}
    assert zero.files["prompt_wav"][:4] == b"RIFF"
    assert len(bot.voices_sent()) == 1


async def test_clone_without_words_asks_for_them(bot: Harness, cosyvoice: FakeCosyVoice, voice_6s: bytes) -> None:
    f = bot.tg.add_file(voice_6s)
    await bot.send(None, voice=f.as_voice(6), caption="/clone kurisu")
    prompt = await confirm_prompt(bot)
    await bot.press(bot.button(prompt, "my voice"), prompt.result)
    said = " ".join(bot.tg.texts(None)) + str([c.params.get("text") for c in bot.tg.calls_to("editMessageText")])
    assert "can't write down what a recording says" in said
    assert await bot.app.store.list_references() == [] and idle(bot)

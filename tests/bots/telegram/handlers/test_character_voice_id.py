"""A character's voice given as a ``speech:…`` voice ID on Telegram (``/character voice NAME speech:…``, and
``/character new NAME speech:…``): one of the user's own clones (cloned here or adopted) stands for that clone, and
the character then speaks and talks in it; any other ID is refused with a clear sentence and changes nothing."""

from __future__ import annotations

import pytest

from core.i18n import t
from core.models import UserRef
from tests.bots.telegram.conftest import Harness
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY
from tests.samples import ogg_bytes, speech_like

OTHER = UserRef(platform="telegram", user_id="2002", is_private=True)


@pytest.fixture
async def bot(make_bot, talk_config) -> Harness:
    return await make_bot(**talk_config)


async def adopted(bot: Harness, name: str = "Kurisu M") -> str:
    """A voice made with the user's own key elsewhere, adopted here as ``name``: its ID."""
    assert bot.sf is not None
    await bot.send(f"/key {USER_KEY}")
    uri = bot.sf.add_voice(USER_KEY, "kurisu", text="made elsewhere")
    await bot.send(f"/adopt_voice {uri} {name}")
    assert bot.last_text().startswith(f"Added “{name}”")
    return uri


async def test_a_voice_id_of_an_own_clone_is_that_clone(bot: Harness, fake_chat_model) -> None:
    uri = await adopted(bot)
    await bot.send("/character new Kurisu claire")
    await bot.send(f"/character voice Kurisu {uri}")
    assert bot.last_text() == "Character Kurisu is updated."
    await bot.send("/character show Kurisu")
    assert "Voice: Kurisu M" in bot.last_text()
    await bot.send("/talk Kurisu")
    fake_chat_model.script("Hello there, in my own voice.")
    await bot.send("Hi!")
    request = bot.speech_requests()[-1]
    assert request.json["voice"] == uri and request.api_key == USER_KEY
    await bot.send(f"/character new Daru {uri}")  # at creation too
    assert "Character Daru is ready" in bot.last_text()
    await bot.send("/character show Daru")
    assert "Voice: Kurisu M" in bot.last_text()


async def test_an_id_that_is_not_an_own_clone_is_refused_and_changes_nothing(bot: Harness) -> None:
    assert bot.sf is not None
    await adopted(bot)
    await bot.send("/character new Kurisu claire")
    on_the_operators_key = bot.sf.add_voice(OPERATOR_KEY, "nobodys")  # exists at the provider, not here
    theirs = await bot.service.clone(OTHER, ogg_bytes(speech_like(6.0)), "theirs", consent=True)
    assert theirs.provider_id
    for uri in (on_the_operators_key, theirs.provider_id):
        await bot.send(f"/character voice Kurisu {uri}")
        assert bot.last_text() == t("character_voice_id_not_yours", "en", value=uri)
    await bot.send(f"/character voice Kurisu {theirs.provider_id}", lang="zh")
    assert "不是你的音色" in bot.last_text() and "/adopt_voice" in bot.last_text()
    await bot.send(f"/character voice Kurisu {theirs.provider_id}", lang="ja")
    assert "あなたの声ではありません" in bot.last_text()
    await bot.send("/character voice Kurisu speech:broken")
    assert "is not a voice ID" in bot.last_text()
    await bot.send(f"/character new Okabe {theirs.provider_id}")
    assert bot.last_text() == t("character_voice_id_not_yours", "en", value=theirs.provider_id)
    await bot.send("/character show Kurisu")
    assert "Voice: claire" in bot.last_text()
    await bot.send("/character show Okabe")
    assert "Okabe" in bot.last_text() and "Voice:" not in bot.last_text()  # never made

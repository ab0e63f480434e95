"""core.settings: layers, checks, chat defaults, and what survives a restart."""

from __future__ import annotations

import pytest

from core.errors import (
    OutOfRange,
    PermissionDenied,
    UnknownVoice,
)
from tests.app_fixtures import USER_KEY
from tests.core.people import ALICE, ALICE_IN_GROUP, BOB_IN_GROUP
from tests.samples import ogg_bytes, speech_like


async def test_settings_layers_user_over_guild_and_character_over_user(sf_app):
    svc = sf_app.service
    await svc.update_scope_settings(ALICE_IN_GROUP, is_admin=True, voice="david", speed=1.5)
    view = await svc.settings(BOB_IN_GROUP)
    assert view.effective.voice == "david" and view.effective.speed == 1.5
    await svc.update_settings(BOB_IN_GROUP, voice="claire")
    view = await svc.settings(BOB_IN_GROUP)
    assert view.effective.voice == "claire" and view.effective.speed == 1.5
    await svc.create_character(ALICE_IN_GROUP, "Kurisu", voice="bella", speed=0.9)
    utt = await svc.prepare(BOB_IN_GROUP, "hello", character="kurisu")
    svc.release(utt)
    assert utt.voice_id == "bella" and utt.settings.speed == 0.9 and utt.character == "Kurisu"


async def test_bad_setting_changes_nothing(sf_app):
    svc = sf_app.service
    await svc.update_settings(ALICE, speed=1.25)
    with pytest.raises(OutOfRange):
        await svc.update_settings(ALICE, speed=5, gain=3)
    with pytest.raises(OutOfRange):
        await svc.update_settings(ALICE, gain="loud")
    with pytest.raises(UnknownVoice):
        await svc.set_voice(ALICE, "nobody")
    view = await svc.settings(ALICE)
    assert view.effective.speed == 1.25 and view.effective.gain == 0.0 and view.effective.voice == "anna"


async def test_scope_settings_need_a_manager(sf_app):
    with pytest.raises(PermissionDenied):
        await sf_app.service.update_scope_settings(BOB_IN_GROUP, is_admin=False, speed=2)
    with pytest.raises(PermissionDenied):
        await sf_app.service.update_scope_settings(ALICE, is_admin=True, speed=2)


async def test_settings_survive_a_restart(make_app, tmp_path, db_url):
    data = tmp_path / "persist"
    app = await make_app("siliconflow", database_url=db_url, data_dir=data)
    await app.service.update_settings(ALICE, speed=1.75, language="ja", voice="diana")
    await app.service.set_api_key(ALICE, USER_KEY)
    await app.aclose()
    again = await make_app("siliconflow", database_url=db_url, data_dir=data)
    view = await again.service.settings(ALICE)
    assert (view.effective.speed, view.effective.language, view.effective.voice) == (1.75, "ja", "diana")
    assert view.api_key_hint and view.api_key_hint.endswith(USER_KEY[-4:])


async def test_lone_surrogates_in_a_style_a_pronunciation_or_a_transcript_are_stored_safely(sf_app):
    svc = sf_app.service
    view = await svc.set_style(ALICE, "whis\ud800per softly")
    assert "\ud800" not in view.effective.style
    entry = await svc.set_pronunciation(ALICE, "gi\udc00f", "ji\ud800f")
    assert "\ud800" not in entry.spoken and "\udc00" not in entry.word
    voice = await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hel\ud800lo", consent=True)
    assert "\ud800" not in voice.transcript

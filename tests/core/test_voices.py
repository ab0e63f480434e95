"""core.voices: which key speaks a clone, sharing, and deleting."""

from __future__ import annotations

import pytest

from core.errors import (
    UnknownVoice,
    VoiceNotShared,
)
from tests.app_fixtures import USER_KEY
from tests.core.people import ALICE_IN_GROUP, BOB_IN_GROUP, cache_files, speech_calls
from tests.samples import ogg_bytes, speech_like


async def test_a_clone_is_spoken_with_the_key_that_made_it(sf_app, fake_siliconflow):
    """Alice clones with her own key; Bob speaks as Alice's character: only once Alice shares the voice,
    then with Alice's key, and the bytes are on Alice's record (as lent), not Bob's."""
    svc = sf_app.service
    alice_dm = ALICE_IN_GROUP.__class__(platform="discord", user_id="1001", is_private=True)
    await svc.set_api_key(alice_dm, USER_KEY)
    voice = await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there",
                            consent=True)
    await svc.create_character(ALICE_IN_GROUP, "AliceBot", voice="Alice")
    before = len(speech_calls(fake_siliconflow))
    with pytest.raises(VoiceNotShared):  # her own key pays: not lent unless she says so
        await svc.speak(BOB_IN_GROUP, "speaking as alice", character="AliceBot")
    assert len(speech_calls(fake_siliconflow)) == before
    await svc.share_voice(ALICE_IN_GROUP, "alice", True)
    await svc.speak(BOB_IN_GROUP, "speaking as alice", character="AliceBot")
    last = [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")][-1]
    assert last.json["voice"] == voice.provider_id
    assert last.headers["Authorization"] == f"Bearer {USER_KEY}"
    shared = await svc.voices(BOB_IN_GROUP)
    assert [v.name for v in shared.shared] == ["Alice"]
    alice, bob = await svc.usage(ALICE_IN_GROUP), await svc.usage(BOB_IN_GROUP)
    assert alice.lent_today == alice.today_bytes == len("speaking as alice") and alice.lent_total == alice.lent_today
    assert bob.total_bytes == 0
    await svc.share_voice(ALICE_IN_GROUP, "Alice", False)
    with pytest.raises(VoiceNotShared):
        await svc.speak(BOB_IN_GROUP, "again", character="AliceBot")
    await svc.speak(ALICE_IN_GROUP, "her own voice is hers", character="AliceBot")  # the owner always may


async def test_a_clone_on_the_operators_key_is_shared_unless_its_owner_says_no(sf_app, fake_siliconflow):
    svc = sf_app.service
    await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there", consent=True)
    await svc.create_character(ALICE_IN_GROUP, "AliceBot", voice="Alice")
    await svc.speak(BOB_IN_GROUP, "on the bot's key", character="AliceBot")
    assert (await svc.usage(BOB_IN_GROUP)).quota_used == len("on the bot's key")  # Bob's quota, as any speech
    assert (await svc.usage(ALICE_IN_GROUP)).lent_total == 0
    await svc.share_voice(ALICE_IN_GROUP, "Alice", False)
    with pytest.raises(VoiceNotShared):
        await svc.speak(BOB_IN_GROUP, "not any more", character="AliceBot")
    with pytest.raises(UnknownVoice):
        await svc.share_voice(BOB_IN_GROUP, "Alice", True)  # only the owner decides


async def test_deleting_a_voice_purges_audio_others_made_in_it(sf_app):
    """Bob speaks through Alice's character (her clone): deleting the clone removes that audio too."""
    svc = sf_app.service
    await svc.clone(ALICE_IN_GROUP, ogg_bytes(speech_like(5)), "Alice", transcript="hello there", consent=True)
    await svc.create_character(ALICE_IN_GROUP, "AliceBot", voice="Alice")
    before = cache_files(svc)
    await svc.speak(BOB_IN_GROUP, "bob speaking as alice", character="AliceBot")
    assert cache_files(svc) - before
    await svc.delete_voice(ALICE_IN_GROUP, "Alice")
    assert cache_files(svc) == before

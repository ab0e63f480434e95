"""core.dictionary: pronunciation entries, the user's over the server's."""

from __future__ import annotations

import pytest

from core.errors import (
    DictionaryFull,
    InvalidValue,
    NoPronunciation,
    PermissionDenied,
)
from core.models import UserRef
from tests.core.people import ALICE_IN_GROUP, BOB, BOB_IN_GROUP, speech_calls


async def test_pronunciations_are_spoken_the_users_over_the_servers(sf_app, fake_siliconflow):
    service = sf_app.service
    bob_in_dm = UserRef(platform="discord", user_id="1002")  # the same Discord user, outside the server
    await service.set_pronunciation(ALICE_IN_GROUP, "sql", "sequel", server=True, is_admin=True)
    await service.set_pronunciation(ALICE_IN_GROUP, "gif", "gee eye eff", server=True, is_admin=True)
    await service.set_pronunciation(BOB_IN_GROUP, "GIF", "jif")
    await service.speak(BOB_IN_GROUP, "A gif about SQL.")
    await service.speak(ALICE_IN_GROUP, "A gif about SQL.")
    await service.speak(bob_in_dm, "A gif about SQL.")  # outside the server only Bob's own entry applies
    assert [c["input"] for c in speech_calls(fake_siliconflow)] == [
        "A jif about sequel.", "A gee eye eff about sequel.", "A jif about SQL."]
    assert [(p.word, p.spoken) for p in await service.pronunciations(BOB_IN_GROUP)] == [("GIF", "jif")]
    assert [p.word for p in await service.pronunciations(BOB_IN_GROUP, server=True)] == ["gif", "sql"]
    assert await service.pronunciations(bob_in_dm, server=True) == []
    assert await service.pronunciations(BOB) == []  # Bob on Telegram is another account
    # what is billed and checked against the limits is what is said
    usage = await service.usage(bob_in_dm)
    assert usage.total_bytes == len("A jif about sequel.") + len("A jif about SQL.")

    utt = await service.prepare(BOB_IN_GROUP, "names added later, e.g. 'NAME said', get the same treatment")
    assert utt.pronounce("Gif & SQL") == "jif & sequel"
    service.release(utt)

    await service.remove_pronunciation(BOB_IN_GROUP, "gif")
    with pytest.raises(NoPronunciation):
        await service.remove_pronunciation(BOB_IN_GROUP, "gif")
    await service.speak(BOB_IN_GROUP, "gif")
    assert speech_calls(fake_siliconflow)[-1]["input"] == "gee eye eff"


async def test_pronunciation_changes_are_checked_and_change_nothing_when_refused(sf_app):
    service = sf_app.service
    with pytest.raises(PermissionDenied):
        await service.set_pronunciation(BOB_IN_GROUP, "sql", "sequel", server=True, is_admin=False)
    with pytest.raises(PermissionDenied):
        await service.remove_pronunciation(BOB_IN_GROUP, "sql", server=True, is_admin=False)
    with pytest.raises(PermissionDenied):
        await service.set_pronunciation(BOB, "sql", "sequel", server=True, is_admin=True)
    with pytest.raises(InvalidValue):
        await service.set_pronunciation(BOB, "sql", "")
    assert await service.pronunciations(BOB_IN_GROUP, server=True) == []
    assert await service.pronunciations(BOB) == []
    for i in range(100):
        await service.set_pronunciation(BOB, f"w{i}", "x")
    with pytest.raises(DictionaryFull):
        await service.set_pronunciation(BOB, "one more", "x")
    assert len(await service.pronunciations(BOB)) == 100

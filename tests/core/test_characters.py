"""core.characters: characters belong to their creator (and the server's managers)."""

from __future__ import annotations

import pytest

from core.errors import (
    NameTaken,
    NotFound,
    PermissionDenied,
)
from tests.core.people import ALICE_IN_GROUP, BOB_IN_GROUP


async def test_characters_belong_to_their_creator(sf_app):
    svc = sf_app.service
    await svc.create_character(ALICE_IN_GROUP, "Narrator", voice="alex")
    with pytest.raises(NameTaken):
        await svc.create_character(BOB_IN_GROUP, "narrator")
    with pytest.raises(PermissionDenied):
        await svc.delete_character(BOB_IN_GROUP, "Narrator", is_admin=False)
    changed = await svc.update_character(ALICE_IN_GROUP, "narrator", is_admin=False, speed=1.2)
    assert changed.settings.speed == 1.2
    await svc.delete_character(BOB_IN_GROUP, "Narrator", is_admin=True)
    assert await svc.characters(ALICE_IN_GROUP.scope) == []
    with pytest.raises(NotFound):
        await svc.prepare(ALICE_IN_GROUP, "hi", character="Narrator")

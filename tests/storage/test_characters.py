"""Characters (storage.characters), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from core.errors import NameTaken, NotFound
from core.models import Character, SettingsPatch
from storage import Store


async def test_characters_crud(store: Store) -> None:
    owner = await store.get_or_create_user("discord", "9")
    scope = "discord:1234"
    c = await store.create_character(scope, "Amadeus", SettingsPatch(voice="claire", speed=1.1), owner)
    assert isinstance(c, Character)
    assert (c.scope, c.name, c.owner_id) == (scope, "Amadeus", owner)
    assert c.settings == SettingsPatch(voice="claire", speed=1.1)
    assert c.id is not None and c.created_at is not None and c.created_at.tzinfo is not None
    with pytest.raises(NameTaken):
        await store.create_character(scope, "AMADEUS", SettingsPatch(), owner)
    other_scope = await store.create_character("telegram:-100", "amadeus", SettingsPatch(), None)
    assert other_scope.owner_id is None
    await store.create_character(scope, "bob", SettingsPatch(style="耳语"), None)

    assert await store.get_character(scope, "amadeus") == c
    assert await store.get_character(scope, "nobody") is None
    assert [x.name for x in await store.list_characters(scope)] == ["Amadeus", "bob"]
    assert await store.list_characters("discord:none") == []

    up = await store.update_character(scope, "AMADEUS", gain=2, speed=None, language="ja")
    assert up.settings == SettingsPatch(voice="claire", gain=2.0, language="ja")
    assert up.id == c.id and up.name == "Amadeus"
    renamed = await store.update_character(scope, "amadeus", new_name="Okabe")
    assert renamed.name == "Okabe" and renamed.settings == up.settings
    assert await store.get_character(scope, "amadeus") is None
    with pytest.raises(NameTaken):
        await store.update_character(scope, "okabe", new_name="BOB")
    with pytest.raises(NotFound):
        await store.update_character(scope, "ghost", voice="anna")
    with pytest.raises(ValueError):
        await store.update_character(scope, "okabe", colour="red")
    with pytest.raises(NotFound):
        await store.create_character(scope, "orphan", SettingsPatch(), 31337)
    other_owner = await store.get_or_create_user("discord", "10")
    assert (await store.update_character(scope, "bob", owner_id=other_owner)).owner_id == other_owner
    assert (await store.update_character(scope, "bob", owner_id=None)).owner_id is None

    assert await store.delete_character(scope, "OKABE") is True
    assert await store.delete_character(scope, "okabe") is False
    assert [x.name for x in await store.list_characters(scope)] == ["bob"]

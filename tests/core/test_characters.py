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


async def test_a_persona_is_checked_stored_and_cleared(sf_app):
    from core.errors import InvalidValue, TextTooLong
    from tests.core.people import ALICE

    svc = sf_app.service
    char = await svc.create_character(ALICE, "Kurisu", personal=True, persona="A scientist.", greeting="Hi.",
                                      reply_language="JA", model="Qwen/Qwen2.5-7B-Instruct")
    assert (char.persona, char.greeting, char.reply_language, char.model) == (
        "A scientist.", "Hi.", "ja", "Qwen/Qwen2.5-7B-Instruct")
    assert char.scope == await svc.character_scope(ALICE, personal=True)
    with pytest.raises(InvalidValue):
        await svc.update_character(ALICE, "Kurisu", is_admin=False, personal=True, reply_language="fr")
    with pytest.raises(TextTooLong):
        await svc.update_character(ALICE, "Kurisu", is_admin=False, personal=True, greeting="x" * 301)
    with pytest.raises(InvalidValue):
        await svc.update_character(ALICE, "Kurisu", is_admin=False, personal=True, model="bad model!")
    changed = await svc.update_character(ALICE, "Kurisu", is_admin=False, personal=True, greeting="off")
    assert changed.greeting is None and changed.persona == "A scientist."
    assert (await svc.find_character(ALICE, "kurisu")).id == char.id
    await svc.delete_character(ALICE, "Kurisu", is_admin=False, personal=True)
    with pytest.raises(NotFound):
        await svc.find_character(ALICE, "Kurisu")


async def test_a_chats_character_comes_before_the_users_own(sf_app):
    svc = sf_app.service
    mine = await svc.create_character(ALICE_IN_GROUP, "Twin", personal=True, voice="alex")
    group = await svc.create_character(ALICE_IN_GROUP, "Twin", voice="bella")
    assert mine.id != group.id
    assert (await svc.find_character(ALICE_IN_GROUP, "twin")).id == group.id
    utt = await svc.prepare(BOB_IN_GROUP, "hello", character="Twin")
    svc.release(utt)
    assert utt.settings.voice == "bella"

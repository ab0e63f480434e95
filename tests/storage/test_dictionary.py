"""Pronunciation dictionaries (storage.dictionary), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from core.errors import DictionaryFull
from core.lexicon import user_owner
from core.models import Pronunciation
from storage import Store


async def test_pronunciations(store: Store) -> None:
    me, guild = user_owner(1), "discord:7"
    assert await store.list_pronunciations(me) == []
    await store.set_pronunciation(me, "GIF", "jif", limit=3)
    await store.set_pronunciation(me, "New York", "noo york", limit=3)
    await store.set_pronunciation(guild, "gif", "gee eye eff", limit=3)
    # the same word in another case replaces the entry, keeping the new spelling
    assert await store.set_pronunciation(me, "gif", "jiff", limit=3) == Pronunciation("gif", "jiff")
    assert await store.list_pronunciations(me) == [Pronunciation("gif", "jiff"), Pronunciation("New York", "noo york")]
    assert await store.list_pronunciations(guild) == [Pronunciation("gif", "gee eye eff")]

    await store.set_pronunciation(me, "k8s", "kubernetes", limit=3)
    with pytest.raises(DictionaryFull):
        await store.set_pronunciation(me, "sql", "sequel", limit=3)
    await store.set_pronunciation(me, "K8S", "kates", limit=3)  # replacing needs no room
    assert len(await store.list_pronunciations(me)) == 3

    assert await store.delete_pronunciation(me, "new york") == Pronunciation("New York", "noo york")
    assert await store.delete_pronunciation(me, "new york") is None
    assert await store.delete_pronunciation("discord:8", "gif") is None
    assert [p.word for p in await store.list_pronunciations(me)] == ["gif", "K8S"]
    assert await store.list_pronunciations(guild) == [Pronunciation("gif", "gee eye eff")]
    assert await store.pronunciation_layers(guild, "user:404", me) == [
        [Pronunciation("gif", "gee eye eff")], [], [Pronunciation("gif", "jiff"), Pronunciation("K8S", "kates")]]

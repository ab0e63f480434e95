"""Cloned voices and clone requests awaiting consent (storage.voices), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.errors import NameTaken, NotFound
from core.models import CloneRequest
from storage import Store
from tests.storage.fixtures import CONSENT, make_voice


async def test_voices_crud(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    other = await store.get_or_create_user("discord", "1")
    v = await make_voice(store, uid, "Kurisu")
    assert v.name == "Kurisu" and v.kind == "clone" and v.owner_id == uid and v.id is not None
    assert v.provider_id == f"speech:Kurisu:abc:{uid}" and v.key_fingerprint == "fp1"
    assert v.transcript == "hello there" and v.consent_at == CONSENT
    assert v.created_at is not None and v.created_at.tzinfo is not None
    assert v.created_at.utcoffset() == timedelta(0)

    await make_voice(store, uid, "amadeus")
    await make_voice(store, other, "kurisu")  # another owner may use the same name
    assert [x.name for x in await store.list_voices(uid)] == ["amadeus", "Kurisu"]
    assert await store.get_voice(uid, "KURISU") == v
    assert await store.get_voice(uid, "nobody") is None
    assert await store.get_voice_by_id(v.id) == v  # type: ignore[arg-type]
    assert await store.get_voice_by_id(10_000) is None
    assert await store.get_voice_by_provider_id(v.provider_id) == v  # type: ignore[arg-type]

    with pytest.raises(NameTaken) as err:
        await make_voice(store, uid, "kURISU")
    assert err.value.params["name"] == "kURISU"

    everything = await store.list_all_voices_with_owner()
    assert [(x.name, p, pid) for x, p, pid in everything] == [
        ("Kurisu", "telegram", "1"), ("amadeus", "telegram", "1"), ("kurisu", "discord", "1")]

    deleted = await store.delete_voice(uid, "kurisu")
    assert deleted == v
    assert await store.delete_voice(uid, "kurisu") is None
    assert [x.name for x in await store.list_voices(uid)] == ["amadeus"]
    assert [x.name for x in await store.list_voices(other)] == ["kurisu"]
    # the name is free again, and ids are never reused
    again = await make_voice(store, uid, "Kurisu")
    assert again.id != v.id


async def test_voice_unicode_and_timezones(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    tokyo = timezone(timedelta(hours=9))
    v = await make_voice(store, uid, "牧瀬紅莉栖", consent_at=datetime(2025, 1, 2, 12, 0, tzinfo=tokyo))
    assert v.consent_at == datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    assert v.consent_at.tzinfo is not None and v.consent_at.utcoffset() == timedelta(0)  # type: ignore[union-attr]
    assert (await store.get_voice(uid, "牧瀬紅莉栖")) == v
    naive = await make_voice(store, uid, "naive", consent_at=datetime(2025, 5, 5, 5, 5))
    assert naive.consent_at == datetime(2025, 5, 5, 5, 5, tzinfo=UTC)


async def test_voice_needs_owner_and_consent(store: Store) -> None:
    with pytest.raises(NotFound):
        await make_voice(store, 987654, "x")
    uid = await store.get_or_create_user("telegram", "1")
    with pytest.raises(ValueError):
        await make_voice(store, uid, "x", consent_at=None)
    assert await store.list_voices(uid) == []


async def test_clone_requests_wait_for_consent(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    other = await store.get_or_create_user("telegram", "2")

    def request(token: str) -> CloneRequest:
        return CloneRequest(token=token, name=f"voice-{token}", transcript="hello there", file_ref=f"file-{token}",
                            filename="voice.ogg", chat_id="-100")

    await store.add_clone_request(uid, request("a"), max_per_user=2, max_age=60)
    assert await store.take_clone_request(other, "a", max_age=60) is None  # not theirs: stays
    taken = await store.take_clone_request(uid, "a", max_age=60)
    assert taken is not None and (taken.name, taken.file_ref, taken.transcript, taken.chat_id) == (
        "voice-a", "file-a", "hello there", "-100")
    assert taken.created_at is not None and taken.created_at.tzinfo is not None
    assert await store.take_clone_request(uid, "a", max_age=60) is None  # used once

    for token in ("b", "c", "d"):  # at most two waiting: the oldest goes
        await store.add_clone_request(uid, request(token), max_per_user=2, max_age=60)
    assert await store.take_clone_request(uid, "b", max_age=60) is None
    assert await store.take_clone_request(uid, "c", max_age=60) is not None
    assert await store.take_clone_request(uid, "d", max_age=0) is None  # expired

    await store.add_clone_request(uid, request("e"), max_per_user=2, max_age=60)
    assert await store.forget_user(uid) >= 2  # the request and the user
    assert await store.take_clone_request(uid, "e", max_age=60) is None

"""Link codes (storage.links), on SQLite and on PostgreSQL: a code, like a clone request, is taken once.
Linking and unlinking are tested through core, in tests/core/test_identity.py."""

from __future__ import annotations

import asyncio

from core.models import CloneRequest
from storage import Store


async def test_a_code_or_clone_request_taken_twice_at_once_is_taken_once(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    await store.create_link_code(uid, "CODE2345", max_age=60)
    await store.add_clone_request(uid, CloneRequest(token="t", name="n", transcript=None, file_ref="f"),
                                  max_per_user=3, max_age=60)
    codes = await asyncio.gather(*(store.take_link_code("CODE2345", max_age=60) for _ in range(5)))
    requests = await asyncio.gather(*(store.take_clone_request(uid, "t", max_age=60) for _ in range(5)))
    assert codes.count(uid) == 1 and codes.count(None) == 4
    assert sum(r is not None for r in requests) == 1

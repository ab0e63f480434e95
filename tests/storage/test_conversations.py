"""storage.conversations: who talks where, conversations' memory, and chat-model tokens (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from core.models import SettingsPatch
from core.talk_memory import TurnRecord


async def _setup(store):
    alice = await store.get_or_create_user("telegram", "1")
    bob = await store.get_or_create_user("telegram", "2")
    char = await store.create_character("telegram:-5", "Host", SettingsPatch(voice="alex"), alice)
    return alice, bob, char


async def test_a_place_has_one_talking_character(store) -> None:
    alice, bob, char = await _setup(store)
    other = await store.create_character("telegram:-5", "Guest", SettingsPatch(), alice)
    assert await store.get_talk("telegram:-5") is None
    await store.start_talk("telegram:-5", char.id, alice)
    await store.start_talk("telegram:-5", other.id, bob)  # replaces
    assert await store.get_talk("telegram:-5") == other.id
    assert await store.end_talk("telegram:-5") and not await store.end_talk("telegram:-5")


async def test_turns_come_back_in_order_and_can_be_cleared(store) -> None:
    alice, bob, char = await _setup(store)
    turns = [TurnRecord(alice if i % 4 < 2 else bob, "user" if i % 2 == 0 else "assistant", f"t{i}", i)
             for i in range(6)]
    await store.add_turns("telegram:-5", char.id, turns)
    await store.add_turns("telegram:-6", char.id, [TurnRecord(alice, "user", "elsewhere", 1)])
    got = await store.recent_turns("telegram:-5", char.id, limit=4)
    assert [t.content for t in got] == ["t2", "t3", "t4", "t5"] and got[0].user_id == bob
    assert await store.count_user_turns(bob) == 2
    assert await store.clear_turns("telegram:-5", char.id) == 6
    assert [t.content for t in await store.recent_turns("telegram:-6", char.id, limit=10)] == ["elsewhere"]


async def test_deleting_a_character_or_forgetting_a_user_takes_their_memory(store) -> None:
    alice, bob, char = await _setup(store)
    await store.start_talk("telegram:-5", char.id, bob)
    await store.add_turns("telegram:-5", char.id, [TurnRecord(alice, "user", "a", 1), TurnRecord(bob, "user", "b", 1)])
    await store.forget_user(bob)
    assert [t.content for t in await store.recent_turns("telegram:-5", char.id, limit=10)] == ["a"]
    assert await store.get_talk("telegram:-5") is None  # bob began it
    await store.delete_character("telegram:-5", "Host")
    assert await store.count_user_turns(alice) == 0


async def test_tokens_add_up_per_day_beside_the_bytes(store) -> None:
    alice, _, _ = await _setup(store)
    await store.add_usage(alice, 100)
    await store.add_tokens(alice, 30, operator=True)
    await store.add_tokens(alice, 12, operator=False)
    await store.add_tokens(alice, 5, operator=True, day=date(2024, 1, 1))
    assert await store.get_tokens(alice) == (42, 47, 30)
    assert (await store.get_usage(alice))[0] == 100

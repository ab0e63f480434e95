"""User and scope settings, and scope options (storage.settings), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from core.errors import NotFound
from core.models import SettingsPatch
from storage import Store


async def test_user_settings_partial_update_and_clear(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    assert await store.get_user_settings(uid) == SettingsPatch()
    got = await store.update_user_settings(uid, voice="bella", speed=1.25)
    assert got == SettingsPatch(voice="bella", speed=1.25)
    got = await store.update_user_settings(uid, gain=-3, style="用开心的语气说")
    assert got == SettingsPatch(voice="bella", speed=1.25, gain=-3.0, language=None, style="用开心的语气说")
    assert isinstance(got.gain, float)
    got = await store.update_user_settings(uid, speed=None)  # None clears only that field
    assert got == SettingsPatch(voice="bella", gain=-3.0, style="用开心的语气说")
    assert await store.get_user_settings(uid) == got
    assert await store.update_user_settings(uid) == got  # nothing to change
    other = await store.get_or_create_user("telegram", "2")
    assert await store.get_user_settings(other) == SettingsPatch()


async def test_user_settings_reject_bad_fields(store: Store) -> None:
    uid = await store.get_or_create_user("telegram", "1")
    with pytest.raises(ValueError):
        await store.update_user_settings(uid, volume=3)
    with pytest.raises(ValueError):
        await store.update_user_settings(uid, speed="fast")
    with pytest.raises(ValueError):
        await store.update_user_settings(uid, voice=3)
    with pytest.raises(NotFound):
        await store.update_user_settings(123456, voice="anna")
    assert await store.get_user_settings(uid) == SettingsPatch()


async def test_scope_settings(store: Store) -> None:
    scope = "discord:1234"
    assert await store.get_scope_settings(scope) == SettingsPatch()
    assert await store.update_scope_settings(scope, language="ja", voice="anna") == \
        SettingsPatch(voice="anna", language="ja")
    assert await store.update_scope_settings(scope, language=None) == SettingsPatch(voice="anna")
    assert await store.get_scope_settings("telegram:-1001") == SettingsPatch()
    with pytest.raises(ValueError):
        await store.update_scope_settings(scope, autoread=True)


async def test_scope_options_merge(store: Store) -> None:
    scope = "discord:1234"
    assert await store.get_scope_options(scope) == {}
    assert await store.update_scope_options(scope, autoread=True, skip_prefix="!") == \
        {"autoread": True, "skip_prefix": "!"}
    assert await store.update_scope_options(scope, channels=[1, 2], idle_timeout=300.5, skip_prefix=None) == \
        {"autoread": True, "channels": [1, 2], "idle_timeout": 300.5}
    assert await store.update_scope_options(scope, missing=None) == \
        {"autoread": True, "channels": [1, 2], "idle_timeout": 300.5}
    # settings and options share a row: neither clobbers the other
    await store.update_scope_settings(scope, voice="claire")
    assert await store.get_scope_options(scope) == {"autoread": True, "channels": [1, 2], "idle_timeout": 300.5}
    await store.update_scope_options(scope, announce_names=True)
    assert await store.get_scope_settings(scope) == SettingsPatch(voice="claire")
    with pytest.raises(ValueError):
        await store.update_scope_options(scope, bad=object())
    assert "bad" not in await store.get_scope_options(scope)


async def test_list_scopes_with_option(store: Store) -> None:
    await store.update_scope_options("discord:1", autoread=True)
    await store.update_scope_options("discord:2", autoread=False)
    await store.update_scope_options("discord:3", autoread_channel=5)  # a longer key must not match
    await store.update_scope_options("telegram:-100", autoread=True, x="y")
    await store.update_scope_options("discord:4", **{"100%_sure": True})
    assert await store.list_scopes_with_option("autoread") == [
        ("discord:1", {"autoread": True}), ("telegram:-100", {"autoread": True, "x": "y"})]
    assert await store.list_scopes_with_option("autoread", prefix="discord:") == [("discord:1", {"autoread": True})]
    assert await store.list_scopes_with_option("100%_sure") == [("discord:4", {"100%_sure": True})]
    assert await store.list_scopes_with_option("nothing") == []

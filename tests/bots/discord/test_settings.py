"""The adapter's ``DISCORD_*`` settings: names, defaults, and one clear line per bad value."""

from __future__ import annotations

import os

import pytest

from bots.discord.settings import DiscordSettings
from core.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DISCORD_"):
            monkeypatch.delenv(name)


def test_every_variable_keeps_its_name():
    assert DiscordSettings.env_names() == ["DISCORD_BOT_TOKEN", "DISCORD_GUILD_IDS", "DISCORD_API_BASE_URL",
                                         "DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS"]


def test_defaults():
    settings = DiscordSettings.load()
    assert settings.bot_token is None and settings.guild_ids == ()
    assert settings.api_base_url == "https://discord.com/api/v10"


def test_guild_ids_and_blank_values(monkeypatch):
    monkeypatch.setenv("DISCORD_GUILD_IDS", "1, 22,333")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "  ")
    settings = DiscordSettings.load()
    assert settings.guild_ids == (1, 22, 333)
    assert settings.bot_token is None


def test_the_api_base_loses_its_trailing_slash_and_the_token_is_never_shown(monkeypatch):
    monkeypatch.setenv("DISCORD_API_BASE_URL", "http://127.0.0.1:8080/api/v10/")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "discord-secret-token")
    settings = DiscordSettings.load()
    assert settings.api_base_url == "http://127.0.0.1:8080/api/v10"
    assert "discord-secret-token" not in repr(settings) and "discord-secret-token" not in str(settings)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("DISCORD_GUILD_IDS", "abc", "comma-separated numeric guild ids"),
    ("DISCORD_API_BASE_URL", "ftp://x", "http:// or https://"),
])
def test_a_bad_value_names_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        DiscordSettings.load()
    message = str(info.value)
    assert name in message and expected in message and "\n" not in message

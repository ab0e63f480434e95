"""The adapter's ``TELEGRAM_*`` settings: names, defaults, and one clear line per bad value."""

from __future__ import annotations

import os

import pytest

from bots.telegram.settings import TelegramSettings
from core.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("TELEGRAM_"):
            monkeypatch.delenv(name)


def test_every_variable_keeps_its_name():
    assert TelegramSettings.env_names() == [
        "TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "TELEGRAM_BASE_FILE_URL", "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_LISTEN", "TELEGRAM_WEBHOOK_PORT", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_MAX_SPEAKING"]


def test_defaults_are_long_polling_on_the_public_bot_api():
    settings = TelegramSettings.load()
    assert settings.bot_token is None and settings.base_url is None and settings.base_file_url is None
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)


def test_values_from_the_environment_and_secrets_never_shown(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:secret-token-value")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "hook-secret-value")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example/tg")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_PORT", "8080")
    settings = TelegramSettings.load()
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == "42:secret-token-value"
    assert (settings.webhook_url, settings.webhook_port) == ("https://bot.example/tg", 8080)
    assert "secret-token-value" not in repr(settings) and "hook-secret-value" not in str(settings)


def test_blank_values(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "")
    settings = TelegramSettings.load()
    assert settings.bot_token is None
    assert settings.base_url is None


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("TELEGRAM_WEBHOOK_PORT", "70000", "less than or equal to 65535"),
    ("TELEGRAM_WEBHOOK_PORT", "0", "greater than or equal to 1"),
])
def test_a_bad_value_names_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        TelegramSettings.load()
    message = str(info.value)
    assert name in message and expected in message and "\n" not in message

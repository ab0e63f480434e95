"""Configuration: the names in DESIGN.md, derived defaults, and one clear line per bad value."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet

from core.config import load_config, load_secret_key
from core.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("VOICEBRIDGE_", "SILICONFLOW_", "TELEGRAM_", "DISCORD_")):
            monkeypatch.delenv(name)


def test_defaults_are_the_offline_engine_on_sqlite_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    config = load_config()
    assert config.effective_provider == "local"
    assert config.effective_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/voicebridge.db"
    assert config.siliconflow_base_url == "https://api.siliconflow.cn/v1"
    assert config.tts_model == "FunAudioLLM/CosyVoice2-0.5B"
    assert config.asr_model == "FunAudioLLM/SenseVoiceSmall"
    assert config.discord_api_base_url == "https://discord.com/api/v10"


def test_a_key_selects_siliconflow_and_is_never_shown(monkeypatch):
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-secret-value-123")
    config = load_config()
    assert config.effective_provider == "siliconflow"
    assert "sk-secret-value-123" not in repr(config) and "sk-secret-value-123" not in str(config)
    assert config.operator_key() == "sk-secret-value-123"
    monkeypatch.setenv("VOICEBRIDGE_PROVIDER", "local")
    assert load_config().effective_provider == "local"


def test_guild_ids_and_blank_values(monkeypatch):
    monkeypatch.setenv("DISCORD_GUILD_IDS", "1, 22,333")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    config = load_config()
    assert config.discord_guild_ids == (1, 22, 333)
    assert config.telegram_bot_token is None


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("VOICEBRIDGE_PROVIDER", "espeak", "siliconflow or local"),
    ("DISCORD_GUILD_IDS", "abc", "comma-separated numeric guild ids"),
    ("SILICONFLOW_BASE_URL", "ftp://x", "http:// or https://"),
    ("VOICEBRIDGE_CACHE_MAX_BYTES", "-1", "greater than or equal to 0"),
    ("TELEGRAM_WEBHOOK_PORT", "70000", "less than or equal to 65535"),
])
def test_a_bad_value_names_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert name in message and expected in message and "\n" not in message


def test_secret_key_is_generated_once_with_mode_0600(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    key = load_secret_key(load_config())
    Fernet(key)
    path = tmp_path / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(load_config()) == key


def test_a_bad_secret_key_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.setenv("VOICEBRIDGE_SECRET_KEY", "not-a-fernet-key")
    with pytest.raises(ConfigError) as info:
        load_secret_key(load_config())
    assert "VOICEBRIDGE_SECRET_KEY" in str(info.value) and "not-a-fernet-key" not in str(info.value)

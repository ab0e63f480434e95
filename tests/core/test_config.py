"""Configuration: the variable names (a public contract), derived defaults, and one clear line per bad value."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from core.config import Config, EnvSettings, load_config

from core.secret_key import load_secret_key, resolve_secret_key
from core.errors import ConfigError, SecretKeyFileInvalid, SecretKeyMissing


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("VOICEBRIDGE_", "SILICONFLOW_")):
            monkeypatch.delenv(name)


def test_defaults_are_the_offline_engine_on_sqlite_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    config = load_config()
    assert config.effective_provider == "local"
    assert config.effective_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/voicebridge.db"
    assert config.siliconflow_base_url == "https://api.siliconflow.cn/v1"
    assert config.tts_model == "FunAudioLLM/CosyVoice2-0.5B"
    assert config.asr_model == "FunAudioLLM/SenseVoiceSmall"


def test_a_key_selects_siliconflow_and_is_never_shown(monkeypatch):
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-secret-value-123")
    config = load_config()
    assert config.effective_provider == "siliconflow"
    assert "sk-secret-value-123" not in repr(config) and "sk-secret-value-123" not in str(config)
    assert config.operator_key() == "sk-secret-value-123"
    monkeypatch.setenv("VOICEBRIDGE_PROVIDER", "local")
    assert load_config().effective_provider == "local"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("VOICEBRIDGE_PROVIDER", "espeak", "siliconflow, local, cosyvoice or openai"),
    ("SILICONFLOW_BASE_URL", "ftp://x", "http:// or https://"),
    ("VOICEBRIDGE_CACHE_MAX_BYTES", "-1", "greater than or equal to 0"),
])
def test_a_bad_value_names_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert name in message and expected in message and "\n" not in message


def test_settings_kept_outside_the_core_read_and_refuse_values_the_same_way(monkeypatch):
    class Extra(EnvSettings):
        model_config = SettingsConfigDict(env_prefix="EXTRA_", extra="ignore", frozen=True)
        field_help = {"room": "a room number"}

        port: int = Field(1, le=10)
        room: int = 0

    assert Extra.env_names() == ["EXTRA_PORT", "EXTRA_ROOM"] and Extra.env_name("port") == "EXTRA_PORT"
    monkeypatch.setenv("EXTRA_PORT", "7")
    assert Extra.load(room=3) == Extra(port=7, room=3)
    for name, value, expected in (("EXTRA_PORT", "11", "Input should be less than or equal to 10"),
                                  ("EXTRA_ROOM", "lobby", "a room number")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError) as info:
            Extra.load()
        assert str(info.value) == f"Setting {name} is invalid: {expected}"
        monkeypatch.setenv(name, "1")
    assert "EXTRA_PORT" not in Config.env_names() and "VOICEBRIDGE_DATA_DIR" in Config.env_names()


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


# --- the secret key file (issue 9: defects 2 and 11) ---------------------------------------------


def _fsynced_paths(monkeypatch) -> list[str]:
    """Record what os.fsync is called on (by the path behind the descriptor)."""
    seen: list[str] = []
    real = os.fsync

    def fsync(fd):
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_the_generated_key_is_fsynced_with_its_directory_in_a_new_0700_data_dir(monkeypatch, tmp_path):
    data = tmp_path / "new" / "data"
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(data))
    seen = _fsynced_paths(monkeypatch)
    key = load_secret_key(load_config())
    path = data / "secret.key"
    assert path.read_bytes().strip() == key
    assert str(data.resolve()) in seen  # the directory entry is durable
    assert any(p.startswith(str(data.resolve()) + "/") for p in seen)  # and the key itself
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in data.iterdir()] == ["secret.key"]  # no temp file left


def test_an_existing_data_dir_keeps_its_mode(monkeypatch, tmp_path):
    tmp_path.chmod(0o755)
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    load_secret_key(load_config())
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_a_crash_while_writing_the_key_leaves_no_key_file(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", crash)
    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        load_secret_key(load_config())
    monkeypatch.undo()
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # (an empty secret.key here used to block every later start)
    Fernet(load_secret_key(load_config()))


def test_two_processes_generating_at_once_agree_on_one_key(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    theirs = Fernet.generate_key()
    real_link = os.link

    def link(src, dst):  # the other process links its complete file in just before us
        (tmp_path / "secret.key").write_bytes(theirs + b"\n")
        return real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    assert load_secret_key(load_config()) == theirs
    assert (tmp_path / "secret.key").read_bytes().strip() == theirs


@pytest.mark.parametrize(("content", "problem"), [(b"", "is empty"), (b"\n", "is empty"),
                                                  (b"not a key at all", "does not hold a Fernet key")])
def test_an_empty_or_corrupt_key_file_is_named_with_what_to_do(monkeypatch, tmp_path, content, problem):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    path = tmp_path / "secret.key"
    path.write_bytes(content)
    with pytest.raises(SecretKeyFileInvalid) as info:
        load_secret_key(load_config())
    message = str(info.value)
    assert str(path) in message and problem in message and "backup" in message
    assert "VOICEBRIDGE_SECRET_KEY is invalid" not in message and "\n" not in message
    assert path.read_bytes() == content  # never replaced behind the operator's back


def test_a_key_file_others_can_read_is_warned_about(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path))
    key = Fernet.generate_key()
    path = tmp_path / "secret.key"
    path.write_bytes(key)
    path.chmod(0o644)
    assert load_secret_key(load_config()) == key
    assert "chmod 600" in caplog.text and key.decode() not in caplog.text


def test_postgres_without_a_key_is_an_error_not_a_new_file(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICEBRIDGE_DATABASE_URL", "postgresql+asyncpg://bot@db:5432/voicebridge")
    for create in (True, False):
        with pytest.raises(SecretKeyMissing) as info:
            resolve_secret_key(load_config(), create=create)
        assert "VOICEBRIDGE_SECRET_KEY" in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "data").exists()
    # an explicit key, or a key file put there by the operator, is used
    (tmp_path / "data").mkdir()
    key = Fernet.generate_key()
    (tmp_path / "data" / "secret.key").write_bytes(key)
    assert load_secret_key(load_config()) == key
    other = Fernet.generate_key()
    monkeypatch.setenv("VOICEBRIDGE_SECRET_KEY", other.decode())
    assert load_secret_key(load_config()) == other


def test_commands_that_need_no_key_create_none(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path / "data"))
    assert resolve_secret_key(load_config(), create=False) is None
    assert not (tmp_path / "data").exists()
    created = resolve_secret_key(load_config(), create=True)
    assert created is not None and created.created and created.path == tmp_path / "data" / "secret.key"
    again = resolve_secret_key(load_config(), create=False)
    assert again is not None and again.key == created.key and not again.created
    assert created.key.decode() not in repr(created)

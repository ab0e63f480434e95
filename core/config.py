"""Every setting, read once from the environment.

The names are the contract in DESIGN.md. :func:`load_config` turns a bad value into one
:class:`core.errors.ConfigError` line that names the variable and what it accepts.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.errors import ConfigError, SecretKeyFileInvalid, SecretKeyMissing

log = logging.getLogger("voicebridge.config")

DEFAULT_SILICONFLOW_BASE_URL = "https://api.siliconflow.cn/v1"
DEFAULT_TTS_MODEL = "FunAudioLLM/CosyVoice2-0.5B"
DEFAULT_ASR_MODEL = "FunAudioLLM/SenseVoiceSmall"
DEFAULT_DISCORD_API_BASE_URL = "https://discord.com/api/v10"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Config(BaseSettings):
    """The service's settings. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    data_dir: Path = Field(Path("./data"), validation_alias=_env("VOICEBRIDGE_DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=_env("VOICEBRIDGE_DATABASE_URL"))
    secret_key: SecretStr | None = Field(None, validation_alias=_env("VOICEBRIDGE_SECRET_KEY"))
    provider: Literal["siliconflow", "local"] | None = Field(None, validation_alias=_env("VOICEBRIDGE_PROVIDER"))

    siliconflow_api_key: SecretStr | None = Field(None, validation_alias=_env("SILICONFLOW_API_KEY"))
    siliconflow_base_url: str = Field(DEFAULT_SILICONFLOW_BASE_URL, validation_alias=_env("SILICONFLOW_BASE_URL"))
    tts_model: str = Field(DEFAULT_TTS_MODEL, validation_alias=_env("VOICEBRIDGE_TTS_MODEL"))
    asr_model: str = Field(DEFAULT_ASR_MODEL, validation_alias=_env("VOICEBRIDGE_ASR_MODEL"))

    telegram_bot_token: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_base_url: str | None = Field(None, validation_alias=_env("TELEGRAM_BASE_URL"))
    telegram_base_file_url: str | None = Field(None, validation_alias=_env("TELEGRAM_BASE_FILE_URL"))
    telegram_webhook_url: str | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_URL"))
    telegram_webhook_listen: str = Field("0.0.0.0", validation_alias=_env("TELEGRAM_WEBHOOK_LISTEN"))
    telegram_webhook_port: int = Field(8443, ge=1, le=65535, validation_alias=_env("TELEGRAM_WEBHOOK_PORT"))
    telegram_webhook_secret: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET"))

    discord_bot_token: SecretStr | None = Field(None, validation_alias=_env("DISCORD_BOT_TOKEN"))
    discord_guild_ids: Annotated[tuple[int, ...], NoDecode] = Field((), validation_alias=_env("DISCORD_GUILD_IDS"))
    discord_api_base_url: str = Field(DEFAULT_DISCORD_API_BASE_URL, validation_alias=_env("DISCORD_API_BASE_URL"))

    # Operator knobs beyond DESIGN.md's table (all optional).
    neutral_instruction: bool = Field(False, validation_alias=_env("VOICEBRIDGE_NEUTRAL_INSTRUCTION"))
    cache_max_bytes: int = Field(512 * 1024 * 1024, ge=0, validation_alias=_env("VOICEBRIDGE_CACHE_MAX_BYTES"))
    daily_byte_quota: int = Field(0, ge=0, validation_alias=_env("VOICEBRIDGE_DAILY_BYTE_QUOTA"))
    requests_per_minute: int = Field(20, ge=0, validation_alias=_env("VOICEBRIDGE_REQUESTS_PER_MINUTE"))
    max_text_chars: int = Field(2000, ge=1, le=100_000, validation_alias=_env("VOICEBRIDGE_MAX_TEXT_CHARS"))
    max_queued_per_user: int = Field(3, ge=1, validation_alias=_env("VOICEBRIDGE_MAX_QUEUED_PER_USER"))
    price_per_million_bytes: float = Field(7.15, ge=0, validation_alias=_env("VOICEBRIDGE_PRICE_PER_MILLION_BYTES"))
    currency: str = Field("USD", validation_alias=_env("VOICEBRIDGE_CURRENCY"))
    voice_idle_timeout: float = Field(300.0, ge=0, validation_alias=_env("VOICEBRIDGE_VOICE_IDLE_TIMEOUT"))
    provider_max_retries: int = Field(3, ge=0, le=10, validation_alias=_env("VOICEBRIDGE_PROVIDER_MAX_RETRIES"))
    provider_backoff: float = Field(0.5, ge=0, le=30, validation_alias=_env("VOICEBRIDGE_PROVIDER_BACKOFF"))
    http_timeout: float = Field(60.0, gt=0, validation_alias=_env("VOICEBRIDGE_HTTP_TIMEOUT"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias=_env("VOICEBRIDGE_LOG_LEVEL"))
    metrics_port: int | None = Field(None, ge=0, le=65535, validation_alias=_env("VOICEBRIDGE_METRICS_PORT"))
    metrics_host: str = Field("127.0.0.1", validation_alias=_env("VOICEBRIDGE_METRICS_HOST"))

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("provider", "database_url", "siliconflow_api_key", "telegram_bot_token",
                     "discord_bot_token", "secret_key", "telegram_base_url", "telegram_base_file_url",
                     "telegram_webhook_url", "metrics_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("siliconflow_base_url", "discord_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value.rstrip("/")

    # --- derived values -------------------------------------------------------------------

    @property
    def effective_provider(self) -> str:
        """``siliconflow`` when asked for or when a key is set, else the offline ``local`` engine."""
        if self.provider:
            return self.provider
        return "siliconflow" if self.siliconflow_api_key else "local"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'voicebridge.db').resolve()}"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    def operator_key(self) -> str | None:
        return self.siliconflow_api_key.get_secret_value() if self.siliconflow_api_key else None


_FIELD_HELP = {
    "provider": "siliconflow or local",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "discord_guild_ids": "comma-separated numeric guild ids",
}


def load_config(**overrides: object) -> Config:
    """Read the environment (plus ``overrides`` by field name); raise ConfigError on a bad value."""
    try:
        return Config(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = str(err["loc"][0]) if err["loc"] else "?"
        field, alias = loc, loc
        for name, info in Config.model_fields.items():
            choices = info.validation_alias.choices if isinstance(info.validation_alias, AliasChoices) else ()
            if loc == name or loc in choices:
                field, alias = name, str(choices[0]) if choices else name
                break
        allowed = _FIELD_HELP.get(field) or err["msg"].removeprefix("Value error, ")
        raise ConfigError(name=alias, allowed=allowed) from None


# --- the secret key ---------------------------------------------------------------------------
#
# VOICEBRIDGE_SECRET_KEY wins; else ``$DATA_DIR/secret.key``, generated once (SQLite only, and only by the
# commands that need one: see ``create``). ``secret.key.new`` exists only while ``voicebridge db rotate-key``
# runs (or after it crashed): storage.keyring decides at the next start, from what the database records,
# whether it is the key in use.

SECRET_KEY_ENV = "VOICEBRIDGE_SECRET_KEY"
SECRET_KEY_FILE = "secret.key"
PENDING_SECRET_KEY_FILE = "secret.key.new"
_FERNET_ALLOWED = "a Fernet key (32 url-safe base64-encoded bytes)"


@dataclass(frozen=True)
class SecretKey:
    """The Fernet key and where it came from (``source`` is safe to show: never the key itself)."""

    key: bytes = field(repr=False)
    source: str  # "VOICEBRIDGE_SECRET_KEY" or the key file's path
    path: Path | None = None  # the key file, when the key came from one
    created: bool = False  # generated just now


def uses_postgres(config: Config) -> bool:
    return config.effective_database_url.startswith(("postgres", "postgresql"))


def secret_key_path(config: Config) -> Path:
    return config.data_dir / SECRET_KEY_FILE


def pending_secret_key_path(config: Config) -> Path:
    return config.data_dir / PENDING_SECRET_KEY_FILE


def is_fernet_key(key: bytes) -> bool:
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; the directory created last gets mode 0700.
    An existing directory is left as it is (it may be shared on purpose)."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def ensure_data_dir(config: Config) -> Path:
    """The data directory, created 0700 if it does not exist yet."""
    make_private_dir(config.data_dir)
    return config.data_dir


def fsync_dir(path: Path) -> None:
    """Make a rename or link in ``path`` durable (a no-op where directories can't be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_key_file(path: Path, key: bytes, *, replace: bool) -> bool:
    """Write ``key`` to ``path`` (mode 0600) so that ``path`` never exists half-written: a temp file in the
    same directory, fsynced, then hard-linked into place (``replace=False``: fails, returning False, if
    ``path`` exists — O_EXCL semantics for two processes generating at once) or renamed over it
    (``replace=True``); then the directory is fsynced."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            except OSError:  # a file system without hard links: check, then rename (a tiny race)
                if path.exists():
                    return False
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def read_key_file(path: Path) -> bytes:
    """The key in ``path``; SecretKeyFileInvalid (naming the file and what to do) if it is unusable."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise SecretKeyFileInvalid(path=str(path), problem=f"can't be read ({exc.strerror or exc})") from None
    key = raw.strip()
    if not key:
        raise SecretKeyFileInvalid(path=str(path), problem="is empty")
    if not is_fernet_key(key):
        raise SecretKeyFileInvalid(path=str(path), problem="does not hold a Fernet key")
    if stat.S_IMODE(mode) & 0o077:
        log.warning("%s can be read by other users of this machine: chmod 600 %s", path, path)
    return key


def resolve_secret_key(config: Config, *, create: bool) -> SecretKey | None:
    """The Fernet key: ``VOICEBRIDGE_SECRET_KEY``, else ``$DATA_DIR/secret.key``.

    Missing: with PostgreSQL an error (several instances share the database, and one generating its own
    key would make the others' stored keys unreadable); with SQLite a new key is generated into the data
    dir when ``create`` (the commands that write users' keys: ``run``, ``db upgrade``), else None — the
    caller then works without one (``speak``, ``doctor``…) and nothing is written.
    """
    if config.secret_key is not None:
        key = config.secret_key.get_secret_value().strip().encode()
        if not is_fernet_key(key):
            raise ConfigError(name=SECRET_KEY_ENV, allowed=_FERNET_ALLOWED)
        return SecretKey(key=key, source=SECRET_KEY_ENV)
    path = secret_key_path(config)
    if os.path.lexists(path):
        return SecretKey(key=read_key_file(path), source=str(path), path=path)
    if uses_postgres(config):
        raise SecretKeyMissing(path=str(path))
    if not create:
        return None
    from cryptography.fernet import Fernet

    ensure_data_dir(config)
    key = Fernet.generate_key()
    if write_key_file(path, key, replace=False):
        log.info("generated a new secret key into %s: back it up, stored API keys need it", path)
        return SecretKey(key=key, source=str(path), path=path, created=True)
    return SecretKey(key=read_key_file(path), source=str(path), path=path)  # another process won the race


def load_secret_key(config: Config) -> bytes:
    """The Fernet key, generated into ``$DATA_DIR/secret.key`` (0600) if there is none (SQLite only);
    see :func:`resolve_secret_key`."""
    found = resolve_secret_key(config, create=True)
    assert found is not None
    return found.key

"""The Telegram adapter's settings: ``TELEGRAM_*`` in the environment (see .env.example)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from core.config import EnvSettings, blank_is_unset


class TelegramSettings(EnvSettings):
    """The bot token, the Bot API's base URLs, and webhook mode (long polling when ``webhook_url`` is unset)."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", extra="ignore", frozen=True)

    bot_token: SecretStr | None = None
    base_url: str | None = None
    base_file_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    _blank_is_unset = field_validator("bot_token", "base_url", "base_file_url", "webhook_url",
                                      mode="before")(blank_is_unset)

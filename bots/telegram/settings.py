"""The Telegram adapter's settings: ``TELEGRAM_*`` in the environment (see .env.example)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from core.config import EnvSettings, blank_is_unset


#: Speaking requests in progress at once in one process (``TELEGRAM_MAX_SPEAKING``). ``python -m bench burst``
#: answers every one of 200 and 500 chats that speak at the same instant; past 500 at once the notes would wait
#: long for Telegram's 30 messages a second (500 notes: ~17 s of sending alone), so the next are refused.
DEFAULT_MAX_SPEAKING = 500


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
    #: Speaking requests in progress at once; past it a request is refused with "busy, try again in a
    #: moment" (bots/telegram/limits.py: SpeakingSlots).
    max_speaking: int = Field(DEFAULT_MAX_SPEAKING, ge=1, le=100_000)

    _blank_is_unset = field_validator("bot_token", "base_url", "base_file_url", "webhook_url",
                                      mode="before")(blank_is_unset)

"""The Discord adapter's settings: ``DISCORD_*`` in the environment (see .env.example)."""

from __future__ import annotations

from typing import Annotated

from pydantic import SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from core.config import EnvSettings, blank_is_unset, http_url

DEFAULT_DISCORD_API_BASE_URL = "https://discord.com/api/v10"


class DiscordSettings(EnvSettings):
    """The bot token, the guilds whose commands are synced at once, and the REST base URL."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_", extra="ignore", frozen=True)
    field_help = {"guild_ids": "comma-separated numeric guild ids"}

    bot_token: SecretStr | None = None
    guild_ids: Annotated[tuple[int, ...], NoDecode] = ()
    api_base_url: str = DEFAULT_DISCORD_API_BASE_URL

    _blank_is_unset = field_validator("bot_token", mode="before")(blank_is_unset)
    _http_url = field_validator("api_base_url")(http_url)

    @field_validator("guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

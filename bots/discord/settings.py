"""The Discord adapter's settings: ``DISCORD_*`` in the environment (see .env.example)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from core.config import EnvSettings, blank_is_unset, http_url

from core.id_ranges import parse_id_ranges

DEFAULT_DISCORD_API_BASE_URL = "https://discord.com/api/v10"


class DiscordSettings(EnvSettings):
    """The bot token, the guilds whose commands are synced at once, and the REST base URL."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_", extra="ignore", frozen=True)
    field_help = {"guild_ids": "comma-separated numeric guild ids", "shard_count": "a whole number of shards, 1 or more"}

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

    # --- shards: several processes share one bot (bots/discord/sharding.py) ----------------------
    #: How many shards the bot has in all (None: Discord's recommendation, from /gateway/bot).
    shard_count: int | None = Field(None, ge=1, le=65_536)
    #: The shards this process runs (None: all of them); needs ``shard_count``.
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None

    _blank_count = field_validator("shard_count", mode="before")(blank_is_unset)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> object:
        value = blank_is_unset(value)
        return parse_id_ranges(value) if isinstance(value, str) else value

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids_fit(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("at least one shard id")
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("DISCORD_SHARD_COUNT must be set too when a process runs only some shards")
        if value[-1] >= count:
            raise ValueError(f"shard ids go from 0 to {count - 1} (DISCORD_SHARD_COUNT is {count}); got {value[-1]}")
        return value

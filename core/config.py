"""Every setting the core needs, read once from the environment.

The variable names are a public contract (.env.example explains each). :func:`load_config` turns a bad
value into one :class:`core.errors.ConfigError` line that names the variable and what it accepts.
:class:`EnvSettings` does the same for settings kept elsewhere (each chat platform's adapter keeps its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError


DEFAULT_SILICONFLOW_BASE_URL = "https://api.siliconflow.cn/v1"
DEFAULT_TTS_MODEL = "FunAudioLLM/CosyVoice2-0.5B"
DEFAULT_ASR_MODEL = "FunAudioLLM/SenseVoiceSmall"
#: The engines served by the operator's own machine (VOICEBRIDGE_PROVIDER_BASE_URL).
SELF_HOSTED_PROVIDERS = ("cosyvoice", "openai")

DEFAULT_LLM_MODEL = "Qwen/Qwen2.5-7B-Instruct"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


def blank_is_unset(value: object) -> object:
    """A ``mode="before"`` validator: an empty or all-blank string is the setting left unset (None)."""
    return None if isinstance(value, str) and not value.strip() else value


def http_url(value: str) -> str:
    """A validator: an http:// or https:// URL, without its trailing slash."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("an http:// or https:// URL")
    return value.rstrip("/")


class EnvSettings(BaseSettings):
    """Settings read from the environment; :meth:`load` turns a bad value into one ConfigError line.

    A field's variable is its alias (``validation_alias``), else ``env_prefix`` + its name in capitals.
    ``field_help`` says, by field name, what a field accepts when pydantic's own words would not do.
    """

    field_help: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets ``field``."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return f"{cls.model_config.get('env_prefix') or ''}{field}".upper()

    @classmethod
    def env_names(cls) -> list[str]:
        """Every environment variable these settings read, in field order."""
        return [cls.env_name(name) for name in cls.model_fields]

    @classmethod
    def load(cls, **overrides: object) -> Self:
        """Read the environment (plus ``overrides`` by field name); raise ConfigError on a bad value."""
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = str(err["loc"][0]) if err["loc"] else "?"
            key, name = loc, loc
            for candidate in cls.model_fields:
                if loc == candidate or loc == cls.env_name(candidate):
                    key, name = candidate, cls.env_name(candidate)
                    break
            allowed = cls.field_help.get(key) or err["msg"].removeprefix("Value error, ")
            raise ConfigError(name=name, allowed=allowed) from None


class Config(EnvSettings):
    """The service's settings. Field aliases are the environment variable names.

    Each chat platform's own settings (its token and the like) live with its adapter, not here."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)
    field_help = {
        "provider": "siliconflow, local, cosyvoice or openai",
        "provider_voices": "preset=voice pairs, comma-separated (e.g. alex=中文男,anna=中文女)",
        "log_level": "DEBUG, INFO, WARNING or ERROR",
    }

    data_dir: Path = Field(Path("./data"), validation_alias=_env("VOICEBRIDGE_DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=_env("VOICEBRIDGE_DATABASE_URL"))
    secret_key: SecretStr | None = Field(None, validation_alias=_env("VOICEBRIDGE_SECRET_KEY"))
    provider: Literal["siliconflow", "local", "cosyvoice", "openai"] | None = Field(
        None, validation_alias=_env("VOICEBRIDGE_PROVIDER"))

    siliconflow_api_key: SecretStr | None = Field(None, validation_alias=_env("SILICONFLOW_API_KEY"))
    siliconflow_base_url: str = Field(DEFAULT_SILICONFLOW_BASE_URL, validation_alias=_env("SILICONFLOW_BASE_URL"))
    tts_model: str = Field(DEFAULT_TTS_MODEL, validation_alias=_env("VOICEBRIDGE_TTS_MODEL"))
    asr_model: str = Field(DEFAULT_ASR_MODEL, validation_alias=_env("VOICEBRIDGE_ASR_MODEL"))

    # Operator knobs (all optional).
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

    # Read-aloud (issue 14): the longest idle timeout a server may choose for its voice channel (0: no limit),
    # and whether a server may keep the bot connected with no idle timeout at all ("stay connected").
    voice_idle_timeout_max: float = Field(3600.0, ge=0, validation_alias=_env("VOICEBRIDGE_VOICE_IDLE_TIMEOUT_MAX"))
    voice_stay_connected: bool = Field(True, validation_alias=_env("VOICEBRIDGE_VOICE_STAY_CONNECTED"))

    _blank_is_unset = field_validator("provider", "database_url", "siliconflow_api_key", "secret_key",
                                      "metrics_port", mode="before")(blank_is_unset)
    _http_url = field_validator("siliconflow_base_url")(http_url)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

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
        """The key the operator's speech is made with: SiliconFlow's; for a self-hosted engine, which has no
        users' keys, a fixed stand-in naming it (clones made on it are the operator's, whatever key guards
        the server: see :attr:`self_hosted`)."""
        if self.self_hosted:
            return f"self-hosted:{self.provider}"
        return self.siliconflow_api_key.get_secret_value() if self.siliconflow_api_key else None

    # --- self-hosted engines (issue 14, item 12): VOICEBRIDGE_PROVIDER=cosyvoice|openai ---------------

    provider_base_url: str | None = Field(None, validation_alias=_env("VOICEBRIDGE_PROVIDER_BASE_URL"))
    provider_api_key: SecretStr | None = Field(None, validation_alias=_env("VOICEBRIDGE_PROVIDER_API_KEY"))
    #: Which of the engine's own voices speaks each preset: ``alex=中文男,anna=中文女`` (engine defaults otherwise).
    provider_voices: str | None = Field(None, validation_alias=_env("VOICEBRIDGE_PROVIDER_VOICES"))
    #: The rate of the CosyVoice server's raw PCM: 24000 for CosyVoice2 (and 3), 22050 for CosyVoice-300M.
    cosyvoice_sample_rate: int = Field(24000, ge=8000, le=48000,
                                       validation_alias=_env("VOICEBRIDGE_COSYVOICE_SAMPLE_RATE"))

    _blank_is_unset_self_hosted = field_validator("provider_base_url", "provider_api_key", "provider_voices",
                                                  mode="before")(blank_is_unset)

    @field_validator("provider_base_url")
    @classmethod
    def _provider_url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    @model_validator(mode="after")
    def _self_hosted_needs_a_url(self) -> Self:
        if self.self_hosted and not self.provider_base_url:
            raise ConfigError(name="VOICEBRIDGE_PROVIDER_BASE_URL",
                              allowed=f"the {self.provider} server's http(s) URL (VOICEBRIDGE_PROVIDER={self.provider})")
        return self

    @property
    def self_hosted(self) -> bool:
        """Whether the remote engine is a self-hosted server (``cosyvoice`` or ``openai``)."""
        return self.provider in SELF_HOSTED_PROVIDERS

    def provider_key(self) -> str | None:
        """The self-hosted server's own API key (sent as a bearer token), if it needs one."""
        return self.provider_api_key.get_secret_value() if self.provider_api_key else None

    # --- the web console (bots/web) -----------------------------------------------------------
    #: ``VOICEBRIDGE_WEB=off`` turns the console off; port 0 takes any free port (printed at start).
    web: bool = Field(True, validation_alias=_env("VOICEBRIDGE_WEB"))
    web_host: str = Field("127.0.0.1", validation_alias=_env("VOICEBRIDGE_WEB_HOST"))
    web_port: int = Field(8080, ge=0, le=65535, validation_alias=_env("VOICEBRIDGE_WEB_PORT"))
    public_url: str | None = Field(None, validation_alias=_env("VOICEBRIDGE_PUBLIC_URL"))

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        value = blank_is_unset(value)
        return http_url(value) if isinstance(value, str) else value

    # --- talking characters (core.talk): the chat model and its limits ---------------------------

    llm_base_url: str | None = Field(None, validation_alias=_env("VOICEBRIDGE_LLM_BASE_URL"))
    llm_model: str = Field(DEFAULT_LLM_MODEL, min_length=1, validation_alias=_env("VOICEBRIDGE_LLM_MODEL"))
    llm_api_key: SecretStr | None = Field(None, validation_alias=_env("VOICEBRIDGE_LLM_API_KEY"))
    #: on/off; unset: on when a chat model is reachable (a key, or a base URL other than SiliconFlow's)
    talk: bool | None = Field(None, validation_alias=_env("VOICEBRIDGE_TALK"))
    #: tokens of past turns a prompt may carry (estimated: core.talk_memory)
    talk_memory_tokens: int = Field(1500, ge=0, le=100_000, validation_alias=_env("VOICEBRIDGE_TALK_MEMORY_TOKENS"))
    #: the longest answer, in model tokens (max_tokens); the text is also cut at TALK_MAX_ANSWER_CHARS
    talk_max_tokens: int = Field(300, ge=16, le=4096, validation_alias=_env("VOICEBRIDGE_TALK_MAX_TOKENS"))
    #: chat-model tokens per user and UTC day on the operator's key (0: no limit)
    daily_token_quota: int = Field(0, ge=0, validation_alias=_env("VOICEBRIDGE_DAILY_TOKEN_QUOTA"))

    _talk_blank_is_unset = field_validator("llm_base_url", "llm_api_key", "talk", mode="before")(blank_is_unset)

    @field_validator("llm_base_url")
    @classmethod
    def _llm_url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    @property
    def effective_llm_base_url(self) -> str:
        """The chat model's API base: VOICEBRIDGE_LLM_BASE_URL, else SiliconFlow's."""
        return self.llm_base_url or self.siliconflow_base_url

    @property
    def llm_is_siliconflow(self) -> bool:
        """Whether the chat model is SiliconFlow's (then the speech keys pay for it)."""
        return self.effective_llm_base_url == self.siliconflow_base_url

    def llm_operator_key(self) -> str | None:
        """The operator's key for the chat model: VOICEBRIDGE_LLM_API_KEY, else (SiliconFlow's) SILICONFLOW_API_KEY."""
        if self.llm_api_key:
            return self.llm_api_key.get_secret_value()
        return self.operator_key() if self.llm_is_siliconflow else None

    @property
    def talk_enabled(self) -> bool:
        """VOICEBRIDGE_TALK, else whether a chat model is reachable: a key, or a server of the operator's own."""
        if self.talk is not None:
            return self.talk
        return bool(self.llm_operator_key()) or not self.llm_is_siliconflow


def load_config(**overrides: object) -> Config:
    """Read the environment (plus ``overrides`` by field name); raise ConfigError on a bad value."""
    return Config.load(**overrides)

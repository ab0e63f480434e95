"""The composition root: config, store, one HTTP client, providers, cache and service, built once.

Each chat platform's own settings are not here: its runner reads them (see :mod:`bots.platforms`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

from core.cache import AudioCache
from core.changes import ChangeFeed, NoChanges
from core.chat_model import ChatModel
from core.config import DEFAULT_TTS_MODEL, Config, load_config
from core.secret_key import ensure_data_dir
from core.metrics import Metrics
from core.providers.base import TTSProvider
from core.providers.cosyvoice import CosyVoiceProvider
from core.providers.local import LocalProvider
from core.providers.openai_speech import DEFAULT_MODEL as OPENAI_DEFAULT_MODEL, OpenAISpeechProvider
from core.providers.siliconflow import SiliconFlowProvider
from core.service import VoiceService
from storage.keyring import open_store
from storage.notify import open_changes
from storage.store import Store

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything an adapter needs, shared by all adapters in the process."""

    config: Config
    store: Store
    http: httpx.AsyncClient
    local: TTSProvider
    remote: TTSProvider | None
    cache: AudioCache
    service: VoiceService
    metrics: Metrics
    #: What other processes on the same database change (PostgreSQL LISTEN/NOTIFY; SQLite: nothing).
    changes: ChangeFeed = field(default_factory=NoChanges)

    async def aclose(self) -> None:
        """Close in reverse order of construction; safe to call twice."""
        for closer in (getattr(self.changes, "aclose", None), self.local.aclose,
                       self.remote.aclose if self.remote else None, self.http.aclose, self.store.close):
            if closer is None:
                continue
            try:
                await closer()
            except Exception:  # keep closing the rest
                log.exception("error while shutting down")

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def build_remote(config: Config, http: httpx.AsyncClient, store: Store) -> TTSProvider:
    """The remote engine: a self-hosted server (``VOICEBRIDGE_PROVIDER=cosyvoice|openai``), else SiliconFlow.

    SiliconFlow exists whenever users may bring their own keys, even when the operator has none; without keys
    it is simply never chosen. A self-hosted engine replaces it (users' keys are then not used)."""
    if config.provider == "cosyvoice":
        return CosyVoiceProvider.build(
            http, store, base_url=config.provider_base_url or "", api_key=config.provider_key(),
            model=config.tts_model, sample_rate=config.cosyvoice_sample_rate, voices_spec=config.provider_voices,
            max_retries=config.provider_max_retries, backoff_base=config.provider_backoff,
            read_timeout=config.http_timeout)
    if config.provider == "openai":
        model = config.tts_model if config.tts_model != DEFAULT_TTS_MODEL else OPENAI_DEFAULT_MODEL
        return OpenAISpeechProvider.build(
            http, base_url=config.provider_base_url or "", api_key=config.provider_key(), model=model,
            voices_spec=config.provider_voices, max_retries=config.provider_max_retries,
            backoff_base=config.provider_backoff, read_timeout=config.http_timeout)
    return SiliconFlowProvider(
        http, base_url=config.siliconflow_base_url, api_key=config.operator_key(),
        model=config.tts_model, asr_model=config.asr_model,
        max_retries=config.provider_max_retries, backoff_base=config.provider_backoff,
    )


async def build_app(config: Config | None = None, *, upgrade: bool = True, create_key: bool = True) -> App:
    """Build the app from ``config`` (default: the environment). Applies migrations by default.

    ``create_key``: generate the secret key into the data dir if there is none (SQLite only); False for
    commands that store no user's key (``speak``…): they then run without one."""
    config = config or load_config()
    ensure_data_dir(config)
    store, secret = await open_store(config, create_key=create_key, upgrade=upgrade)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(config.http_timeout, connect=10.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        headers={"User-Agent": "voicebridge/0.1"},
    )
    try:
        local = LocalProvider()
        remote = build_remote(config, http, store)
        cache = AudioCache(config.cache_dir, config.cache_max_bytes)
        metrics = Metrics()
        # talking characters: any OpenAI-compatible chat model, on the same HTTP client (core.chat_model)
        chat = ChatModel(http, base_url=config.effective_llm_base_url, api_key=config.llm_operator_key(),
                         model=config.llm_model, max_retries=config.provider_max_retries,
                         backoff_base=config.provider_backoff)
        service = VoiceService(config=config, store=store, cache=cache, local=local, remote=remote,
                               secret_key=secret, metrics=metrics, chat=chat)
        changes = await open_changes(store)
        service.watch_changes(changes)
    except BaseException:
        await http.aclose()
        await store.close()
        raise
    return App(config=config, store=store, http=http, local=local, remote=remote, cache=cache, service=service,
               metrics=metrics, changes=changes)

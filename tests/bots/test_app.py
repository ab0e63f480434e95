"""The composition root (bots/app.py): one store, one HTTP client, both engines, the cache and the service,
built from the config and closed in reverse order, whatever fails on the way."""

from __future__ import annotations

import logging

import httpx
import pytest

import bots.app
from bots.app import App, build_app
from core.config import load_config
from core.secret_key import secret_key_path
from core.providers.local import LocalProvider
from core.providers.siliconflow import SiliconFlowProvider
from core.service import VoiceService
from storage import Store


def config(tmp_path, **fields):
    values = dict(data_dir=tmp_path / "data", provider="local", siliconflow_api_key=None, secret_key=None,
                  database_url=None)
    values.update(fields)
    return load_config(**values)


async def test_everything_is_built_once_and_shared(tmp_path) -> None:
    cfg = config(tmp_path, cache_max_bytes=12345)
    app = await build_app(cfg)
    try:
        assert isinstance(app.store, Store) and isinstance(app.http, httpx.AsyncClient)
        assert isinstance(app.local, LocalProvider) and isinstance(app.service, VoiceService)
        # users may bring their own key even where the operator has none: the remote engine always exists
        assert isinstance(app.remote, SiliconFlowProvider)
        service = app.service
        assert (service.config, service.store, service.cache, service.local, service.remote, service.metrics) == \
            (cfg, app.store, app.cache, app.local, app.remote, app.metrics)
        assert app.cache.root == cfg.cache_dir and app.http.headers["User-Agent"] == "voicebridge/0.1"
        assert await app.store.schema_revision() is not None  # migrations applied
        assert secret_key_path(cfg).exists()  # a new SQLite database gets its secret key
    finally:
        await app.aclose()


async def test_a_command_that_stores_no_key_makes_none(tmp_path) -> None:
    cfg = config(tmp_path)
    async with await build_app(cfg, create_key=False) as app:
        assert isinstance(app, App)
    assert not secret_key_path(cfg).exists()


async def test_closing_goes_on_past_a_failure_and_twice_is_harmless(tmp_path, monkeypatch, caplog) -> None:
    app = await build_app(config(tmp_path))
    closed: list[str] = []

    def spy(name: str, close, fail: bool = False):
        async def closer() -> None:
            closed.append(name)
            await close()
            if fail:
                raise RuntimeError(f"{name} would not close")
        return closer

    monkeypatch.setattr(app.local, "aclose", spy("local", app.local.aclose, fail=True))
    monkeypatch.setattr(app.remote, "aclose", spy("remote", app.remote.aclose))
    monkeypatch.setattr(app.http, "aclose", spy("http", app.http.aclose))
    monkeypatch.setattr(app.store, "close", spy("store", app.store.close))
    with caplog.at_level(logging.ERROR, logger="bots.app"):
        await app.aclose()
    assert closed == ["local", "remote", "http", "store"]
    assert [r.getMessage() for r in caplog.records if r.name == "bots.app"] == ["error while shutting down"]
    await app.aclose()  # again: nothing raises
    assert app.http.is_closed


async def test_a_failure_while_building_closes_what_was_opened(tmp_path, monkeypatch) -> None:
    opened: dict[str, object] = {}
    real_open_store = bots.app.open_store

    async def open_store(*args, **kwargs):
        store, secret = await real_open_store(*args, **kwargs)
        close = store.close

        async def closing() -> None:
            opened["store closed"] = True
            await close()

        store.close = closing
        return store, secret

    class Client(httpx.AsyncClient):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            opened["http"] = self

    def broken_cache(*args, **kwargs):
        raise RuntimeError("no room for a cache")

    monkeypatch.setattr(bots.app, "open_store", open_store)
    monkeypatch.setattr(bots.app.httpx, "AsyncClient", Client)
    monkeypatch.setattr(bots.app, "AudioCache", broken_cache)
    with pytest.raises(RuntimeError, match="no room"):
        await build_app(config(tmp_path))
    assert opened["http"].is_closed and opened["store closed"]  # type: ignore[attr-defined]

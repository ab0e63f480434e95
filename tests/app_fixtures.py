"""Fixtures that build the real composition root (``bots.app``) against loopback fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bots.app import App, build_app
from core.config import load_config

OPERATOR_KEY = "sk-test-operator"
USER_KEY = "sk-test-user"

MakeApp = Callable[..., Awaitable[App]]


@pytest.fixture
async def make_app(tmp_path: Path, fake_siliconflow, secret_key: bytes) -> AsyncIterator[MakeApp]:
    """Build Apps on a tmp data dir, talking to the fake SiliconFlow; all are closed after the test.

    ``make_app(provider="siliconflow"|"local", database_url=None, data_dir=None, **config_fields)``.
    """
    apps: list[App] = []

    async def factory(provider: str = "siliconflow", *, database_url: str | None = None,
                      data_dir: Path | None = None, **fields: object) -> App:
        settings: dict[str, object] = dict(
            data_dir=data_dir or tmp_path / "data",
            provider=provider,
            siliconflow_base_url=fake_siliconflow.base_url,
            siliconflow_api_key=OPERATOR_KEY if provider == "siliconflow" else None,
            requests_per_minute=0,
            provider_backoff=0.01,
        )
        if database_url:
            settings["database_url"] = database_url
            # the test's database (``db_url``) is opened with the ``secret_key`` fixture's key; PostgreSQL needs one
            settings["secret_key"] = secret_key.decode()
        settings.update(fields)
        app = await build_app(load_config(**settings))
        apps.append(app)
        return app

    yield factory
    for app in reversed(apps):
        await app.aclose()

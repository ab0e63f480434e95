"""Apps for the core's tests: on the fake SiliconFlow (each database) or the offline engine."""

from __future__ import annotations

import pytest


@pytest.fixture
async def sf_app(make_app, db_url):
    """An App on SiliconFlow (the fake), on each database."""
    return await make_app("siliconflow", database_url=db_url)


@pytest.fixture
async def local_app(make_app):
    return await make_app("local")

"""Database URLs (storage.engine)."""

from __future__ import annotations

import pytest

from core.errors import ConfigError


def test_database_urls_are_normalised_and_masked() -> None:
    from storage.engine import normalize_url, safe_url

    assert safe_url("postgresql+asyncpg://bot:hunter2@db:5432/vb") == "postgresql+asyncpg://bot:***@db:5432/vb"
    assert normalize_url("postgres://u@h/d").drivername == "postgresql+asyncpg"
    assert normalize_url("sqlite:////tmp/x.db").drivername == "sqlite+aiosqlite"
    for bad in ("mysql://u@h/d", "postgresql+psycopg2://u@h/d", "not a url"):
        with pytest.raises(ConfigError):
            normalize_url(bad)

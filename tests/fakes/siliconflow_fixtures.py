"""Fixtures for the fake SiliconFlow server (a pytest plugin registered in tests/conftest.py).

Stable API for every test in the repo:

- ``fake_siliconflow``: a fresh :class:`tests.fakes.siliconflow.FakeSiliconFlow` per test,
  already listening; it accepts :data:`OPERATOR_KEY` and :data:`USER_KEY`. Point code at
  ``fake_siliconflow.base_url`` (also fine for subprocesses: ``SILICONFLOW_BASE_URL``).
- ``sf_client``: an ``httpx.AsyncClient`` closed after the test (what the composition root shares).
- ``sf_provider``: a :class:`core.providers.siliconflow.SiliconFlowProvider` on the fake with the
  operator key and fast retries (backoff 10–50 ms, ``Retry-After`` honoured up to 1 s, so use
  ``fake.fail(429, retry_after=0.1)`` to keep tests quick).
- ``sf_provider_factory``: ``sf_provider_factory(**overrides)`` builds another provider on the
  same fake and client (e.g. ``max_retries=0``, ``first_byte_timeout=0.2``, ``sleep=...``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from core.providers.siliconflow import SiliconFlowProvider
from tests.fakes.siliconflow import FakeSiliconFlow

__all__ = ["FAST_PROVIDER_SETTINGS", "OPERATOR_KEY", "USER_KEY"]

#: The operator's key (``SILICONFLOW_API_KEY``) and a user's own key (``/key``), both valid on the fake.
OPERATOR_KEY = "sk-test-operator"
USER_KEY = "sk-test-user"

#: Provider settings for tests: quick backoff, short timeouts that still tolerate a loaded CI box.
FAST_PROVIDER_SETTINGS: dict[str, Any] = {
    "backoff_base": 0.01,
    "backoff_max": 0.05,
    "retry_after_max": 1.0,
    "connect_timeout": 2.0,
    "first_byte_timeout": 5.0,
    "total_timeout": 20.0,
}


@pytest.fixture
def fake_siliconflow() -> Iterator[FakeSiliconFlow]:
    """A fresh fake SiliconFlow on 127.0.0.1 accepting OPERATOR_KEY and USER_KEY."""
    with FakeSiliconFlow(api_keys={OPERATOR_KEY, USER_KEY}) as fake:
        yield fake


@pytest.fixture
async def sf_client() -> AsyncIterator[httpx.AsyncClient]:
    """The shared HTTP client, as the composition root would build it."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sf_provider_factory(fake_siliconflow: FakeSiliconFlow,
                        sf_client: httpx.AsyncClient) -> Callable[..., SiliconFlowProvider]:
    """Build providers on the fake: ``sf_provider_factory(max_retries=0, ...)``."""

    def build(**overrides: Any) -> SiliconFlowProvider:
        settings: dict[str, Any] = {"base_url": fake_siliconflow.base_url, "api_key": OPERATOR_KEY,
                                    **FAST_PROVIDER_SETTINGS, **overrides}
        return SiliconFlowProvider(sf_client, **settings)

    return build


@pytest.fixture
def sf_provider(sf_provider_factory: Callable[..., SiliconFlowProvider]) -> SiliconFlowProvider:
    """A SiliconFlowProvider on the fake with the operator key and fast retries."""
    return sf_provider_factory()

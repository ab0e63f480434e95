"""What the adapters' module-wide suites share (the authorization matrices, the command fuzzing): one fake
SiliconFlow for the whole module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sf() -> AsyncIterator[FakeSiliconFlow]:
    """A fake SiliconFlow for a whole module, knowing the operator's key and a user's own."""
    with FakeSiliconFlow(api_keys={OPERATOR_KEY, USER_KEY}) as fake:
        yield fake

"""Fixtures for talking characters: the fake chat model, and apps that talk to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.chat_model import FakeChatModel

CHAT_KEY = "sk-test-chat"


@pytest.fixture
def fake_chat_model() -> Iterator[FakeChatModel]:
    """A fake OpenAI-compatible chat model on loopback that accepts ``CHAT_KEY``."""
    with FakeChatModel(api_keys={CHAT_KEY}) as fake:
        yield fake


@pytest.fixture
def talk_config(fake_chat_model: FakeChatModel) -> dict[str, object]:
    """Config fields (for ``make_app``) that point talking characters at the fake chat model."""
    return dict(llm_base_url=fake_chat_model.base_url, llm_api_key=CHAT_KEY, llm_model="fake/chat", talk=True)

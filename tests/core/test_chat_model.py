"""The chat model client against the fake OpenAI-compatible server: streaming, usage, and every fault mapped."""

from __future__ import annotations

import httpx
import pytest

from core.chat_errors import (
    ChatModelAuthError,
    ChatModelBadRequest,
    ChatModelRateLimited,
    ChatModelStreamCut,
    ChatModelTimeout,
    ChatModelUnavailable,
)
from core.chat_model import ChatModel, Message
from tests.fakes.chat_model import FakeChatModel

ASK = [Message("system", "be brief"), Message("user", "hi")]


@pytest.fixture
def fake():
    with FakeChatModel(api_keys={"sk-chat"}) as server:
        yield server


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def model(fake: FakeChatModel, http: httpx.AsyncClient, **options) -> ChatModel:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    chat = ChatModel(http, base_url=fake.base_url, api_key="sk-chat", model="fake/model", sleep=sleep, **options)
    chat.sleeps = sleeps  # type: ignore[attr-defined]
    return chat


async def read(stream) -> str:
    return "".join([piece async for piece in stream])


async def test_streams_the_answer_and_reads_usage(fake, http) -> None:
    fake.script("Hello there. How are you?")
    stream = model(fake, http).stream(ASK, max_tokens=50)
    assert await read(stream) == "Hello there. How are you?"
    assert stream.usage.reported and stream.usage.completion_tokens == 5 and stream.usage.prompt_tokens > 0
    assert stream.finish_reason == "stop"
    sent = fake.requests[-1].json
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["max_tokens"] == 50 and sent["model"] == "fake/model"
    assert sent["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


async def test_a_call_may_name_its_model_and_key(fake, http) -> None:
    fake.api_keys = {"sk-user"}
    await read(model(fake, http).stream(ASK, model="other/model", api_key="sk-user"))
    assert fake.requests[-1].json["model"] == "other/model" and fake.requests[-1].api_key == "sk-user"


async def test_max_tokens_cut_is_reported(fake, http) -> None:
    fake.script("one two three four five")
    stream = model(fake, http).stream(ASK, max_tokens=3)
    assert await read(stream) == "one two three"
    assert stream.finish_reason == "length"


async def test_rate_limit_is_retried_before_the_first_token(fake, http) -> None:
    fake.fail(429, retry_after=1)
    chat = model(fake, http)
    assert await read(chat.stream(ASK)) == fake.default_answer
    assert len(fake.requests) == 2 and chat.sleeps[0] >= 1


async def test_rate_limit_after_retries_is_reported_with_retry_after(fake, http) -> None:
    fake.fail(429, retry_after=3, times=None)
    with pytest.raises(ChatModelRateLimited) as info:
        await read(model(fake, http, max_retries=1).stream(ASK))
    assert info.value.params["retry_after"] == 3 and len(fake.requests) == 2


async def test_server_errors_are_retried_then_reported(fake, http) -> None:
    fake.fail(502, times=None)
    with pytest.raises(ChatModelUnavailable) as info:
        await read(model(fake, http, max_retries=2).stream(ASK))
    assert info.value.params["status"] == 502 and len(fake.requests) == 3


async def test_refusals_are_not_retried_and_never_show_the_key(fake, http) -> None:
    fake.fail(400, message="model sk-chat does not exist")
    with pytest.raises(ChatModelBadRequest) as info:
        await read(model(fake, http).stream(ASK))
    assert "sk-chat" not in str(info.value.params) and len(fake.requests) == 1
    fake.api_keys = {"other"}
    with pytest.raises(ChatModelAuthError):
        await read(model(fake, http).stream(ASK))
    assert "sk-chat" not in repr(model(fake, http))


async def test_a_cut_before_the_first_token_is_retried(fake, http) -> None:
    fake.cut_after(0)
    assert await read(model(fake, http).stream(ASK)) == fake.default_answer


async def test_a_cut_after_the_first_token_is_reported_not_retried(fake, http) -> None:
    fake.script("one two three four five six")
    fake.cut_after(3)
    got: list[str] = []
    with pytest.raises(ChatModelStreamCut):
        async for piece in model(fake, http).stream(ASK):
            got.append(piece)
    assert "".join(got) == "one two three" and len(fake.requests) == 1


async def test_an_error_event_mid_stream_is_a_cut(fake, http) -> None:
    fake.script("one two three")
    fake.error_event(2)
    with pytest.raises(ChatModelStreamCut):
        await read(model(fake, http).stream(ASK))


async def test_no_first_token_in_time_is_a_timeout(fake, http) -> None:
    fake.hang(times=None)
    with pytest.raises(ChatModelTimeout):
        await read(model(fake, http, max_retries=0, first_token_timeout=0.3).stream(ASK))


async def test_a_stall_after_the_first_token_is_a_cut(fake, http) -> None:
    fake.tokens_per_second = 2  # a token every 0.5 s
    fake.script("one two three")
    with pytest.raises(ChatModelStreamCut):
        await read(model(fake, http, idle_timeout=0.2).stream(ASK))


async def test_an_unreachable_server_is_unavailable(http) -> None:
    chat = ChatModel(http, base_url="http://127.0.0.1:9/v1", api_key=None, model="m", max_retries=0)
    with pytest.raises(ChatModelUnavailable):
        await read(chat.stream(ASK))


async def test_complete_reads_the_whole_answer(fake, http) -> None:
    fake.script("All at once.")
    text, usage = await model(fake, http).complete(ASK)
    assert text == "All at once." and usage.reported

"""The fake chat model speaks the OpenAI chat-completions contract (stream and not), with its faults."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fakes.chat_model import FakeChatModel, tokens_of

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def fake():
    with FakeChatModel(api_keys={"sk-chat"}) as server:
        yield server


def _events(text: str) -> list[str]:
    return [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]


def post(fake: FakeChatModel, body: dict, key: str | None = "sk-chat") -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{fake.base_url}/chat/completions", json=body, headers=headers, timeout=10)


def test_tokens_are_words_or_cjk_characters() -> None:
    assert tokens_of("Hello there. 你好！") == ["Hello", " there.", " 你", "好", "！"]


def test_stream_sends_chunks_a_finish_usage_and_done(fake: FakeChatModel) -> None:
    fake.script("Hello there. How are you?")
    r = post(fake, {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "Hello there. How are you?"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 5
    assert fake.requests[-1].api_key == "sk-chat"


def test_no_usage_chunk_unless_asked(fake: FakeChatModel) -> None:
    r = post(fake, {"model": "m", "messages": MESSAGES, "stream": True})
    assert all("usage" not in json.loads(e) for e in _events(r.text)[:-1])


def test_non_stream_answer_and_max_tokens(fake: FakeChatModel) -> None:
    fake.script("one two three four")
    r = post(fake, {"model": "m", "messages": MESSAGES, "max_tokens": 2})
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "one two"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 2


def test_bad_key_and_bad_body(fake: FakeChatModel) -> None:
    assert post(fake, {"model": "m", "messages": MESSAGES}, key="nope").status_code == 401
    assert post(fake, {"messages": MESSAGES}).status_code == 400


def test_faults_in_order(fake: FakeChatModel) -> None:
    fake.fail(429, retry_after=2)
    fake.fail(503)
    r = post(fake, {"model": "m", "messages": MESSAGES, "stream": True})
    assert r.status_code == 429 and r.headers["Retry-After"] == "2" and "message" in r.json()["error"]
    assert post(fake, {"model": "m", "messages": MESSAGES, "stream": True}).status_code == 503
    assert post(fake, {"model": "m", "messages": MESSAGES, "stream": True}).status_code == 200


def test_cut_stream_drops_the_connection(fake: FakeChatModel) -> None:
    fake.script("a b c d e f")
    fake.cut_after(2)
    with pytest.raises(httpx.RemoteProtocolError):
        post(fake, {"model": "m", "messages": MESSAGES, "stream": True})


def test_error_event_mid_stream(fake: FakeChatModel) -> None:
    fake.script("a b c d")
    fake.error_event(1)
    events = _events(post(fake, {"model": "m", "messages": MESSAGES, "stream": True}).text)
    assert "error" in json.loads(events[-1]) and "[DONE]" not in events

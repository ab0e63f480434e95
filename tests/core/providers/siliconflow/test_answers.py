"""Judging what SiliconFlow sends back before any of it is trusted (core/providers/siliconflow/answers.py)."""

from __future__ import annotations

import httpx
import pytest

from core.providers.siliconflow import answers

KEY = "sk-abcdefghijklmnopqrstuvwxyz0123"


@pytest.mark.parametrize(("body", "expected"), [
    ('{"code": 20012, "message": "model does not exist"}', "model does not exist"),
    ('{"error": {"message": "  too\\n many   requests "}}', "too many requests"),
    ('{"detail": "Invalid token"}', "Invalid token"),
    ('"just a string"', "just a string"),
    ("plain text from a proxy", "plain text from a proxy"),
    (f'{{"message": "bad key {KEY}"}}', "bad key ***"),
    ('{"message": "another sk-zzzzzzzzzzzz here"}', "another sk-*** here"),
])
def test_the_providers_words_are_found_tidied_and_never_hold_a_key(body: str, expected: str) -> None:
    assert answers.provider_message(body, KEY) == expected


def test_the_providers_words_are_trimmed() -> None:
    message = answers.provider_message("x" * 1000, None)
    assert len(message) == answers.MESSAGE_LIMIT and message.endswith("…")


@pytest.mark.parametrize(("payload", "expected"), [
    ({"code": 20012, "message": "Model does not exist"}, (20012, 400, True)),
    ({"code": 30001, "message": "insufficient balance"}, (30001, 402, False)),
    ({"code": 50505, "message": "overloaded"}, (50505, 503, False)),
    ({"code": 21000}, (21000, 400, False)),  # an unknown 2xxxx: a parameter problem
    ({"code": 59999}, (59999, 503, False)),
    ({"code": "429", "message": "slow down"}, (429, 429, False)),  # HTTP-like codes are themselves
    ({"error": {"code": 404, "message": "voice not found"}}, (404, 404, True)),
    ({"error": {"status": "401"}}, (401, 401, False)),
    ({"status": False, "msg": "音色不存在"}, (None, 0, True)),
    ({"success": False}, (None, 0, False)),
    ({"error": "boom"}, (None, 0, False)),
    ({"code": 99}, (99, 0, False)),
])
def test_an_error_body_says_its_code_status_and_whether_it_is_gone(payload, expected) -> None:
    assert answers.error_code(payload) == expected


@pytest.mark.parametrize("payload", [
    {"code": 0, "data": {"uri": "x"}}, {"code": 200}, {"code": 20000}, {"status": True, "error": "ignored"},
    {"success": True, "code": 500}, {"uri": "speech:x"}, [], "text", None, {"code": True},
])
def test_a_success_or_a_non_envelope_is_no_error(payload) -> None:
    assert answers.error_code(payload) is None


def test_numbers_and_json() -> None:
    assert [answers.as_int(v) for v in (7, " 42 ", "1e3", True, "9" * 19, None, 1.5)] == \
        [7, 42, None, None, None, None, None]
    assert answers.parse_json(b'{"a": 1}') == {"a": 1}
    assert answers.parse_json(b"<html>") is answers.NOT_JSON and answers.parse_json(b"\xff\xfe") is answers.NOT_JSON


def test_media_types() -> None:
    response = httpx.Response(200, headers={"content-type": "Audio/MPEG; charset=binary"})
    assert answers.media_type(response) == "audio/mpeg" and answers.media_type(httpx.Response(200)) == ""
    for media in ("", "audio/mpeg", "application/octet-stream", "application/audio"):
        assert answers.may_be_audio(media), media
    for media in ("text/plain", "application/json", "application/problem+json", "text/html", "application/xml",
                  "image/png", "multipart/form-data"):
        assert not answers.may_be_audio(media), media
    assert answers.is_markup("application/xhtml+xml") and not answers.is_markup("audio/ogg")
    assert answers.safe_media("", KEY) == "(none)" and answers.safe_media("audio/ogg", KEY) == "audio/ogg"
    assert answers.safe_media(f"x {KEY}", KEY) == "(unusual)"


def test_sniffing_the_first_bytes() -> None:
    assert answers.is_text(b"\xef\xbb\xbf{\"code\": 50505}") and answers.is_text("语音服务".encode()[:5])
    assert not answers.is_text(b"\x00\x01\x00\xff" * 16) and not answers.is_text(b"")
    assert answers.looks_like_markup(b"\n  <!DOCTYPE html><html>") and answers.looks_like_markup(b"<?xml ?>")
    assert not answers.looks_like_markup(b"OggS\x00\x02")


async def test_bodies_are_read_under_a_limit() -> None:
    async def parts():
        for _ in range(10):
            yield b"x" * 100

    assert await answers.read_up_to(parts(), 250) == (b"x" * 250, True)
    assert await answers.read_up_to(parts(), 1000) == (b"x" * 1000, False)
    response = httpx.Response(502, content=b"y" * (answers.ERROR_BODY_LIMIT + 10))
    assert await answers.read_limited(response) == "y" * answers.ERROR_BODY_LIMIT

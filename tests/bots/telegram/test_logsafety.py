"""Keeping message texts, keys and the bot token out of the logs (bots/telegram/logsafety.py)."""

from __future__ import annotations

import logging

import pytest

from bots.telegram import logsafety

TOKEN = "123456789:AAFakeTokenForVoicebridgeTestsOnly_x1"
KEY = "sk-abcdefghijklmnop0123"


def test_redaction_of_tokens_and_keys() -> None:
    from bots.telegram.logsafety import redact

    line = ('HTTP Request: POST http://127.0.0.1:1/bot123456789:AAFakeTokenForVoicebridgeTestsOnly_x1/sendVoice '
            '"HTTP/1.1 200 OK" key=sk-abcdefghijklmnop0123')
    out = redact(line)
    assert "AAFake" not in out and "sk-abcdefghij" not in out and "/bot<token>/sendVoice" in out


def test_every_kind_of_secret_is_masked() -> None:
    assert logsafety.redact(f"GET https://api.telegram.org/file/bot{TOKEN}/voice/1.oga") == \
        "GET https://api.telegram.org/file/bot<token>/voice/1.oga"
    assert logsafety.redact(f"token {TOKEN} in a sentence") == "token <token> in a sentence"
    assert logsafety.redact(f"key={KEY}") == "key=sk-<redacted>"
    assert logsafety.redact("secret " + "A" * 40) == "secret <redacted>"
    assert logsafety.redact("update 12345 from chat -100200300 said hello") == \
        "update 12345 from chat -100200300 said hello"  # ids and words stay


def record(logger: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(logger, logging.DEBUG, __file__, 1, msg, args, None)


def test_payloads_are_reduced_to_their_shape() -> None:
    f = logsafety.RedactingFilter()
    update = type("Update", (), {"update_id": 77})()
    rec = record("telegram.ext.Application", "Processing update %s", update)
    assert f.filter(rec) and rec.getMessage() == "Processing update <update 77>"
    rec = record("telegram.ext.ExtBot", "Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage",
                 {"chat_id": 1, "text": f"/key {KEY}"})
    assert f.filter(rec) and rec.getMessage() == \
        "Calling Bot API endpoint `sendMessage` with parameters `<2 fields: chat_id, text>`"
    rec = record("telegram.ext.ExtBot", "Call to Bot API endpoint `%s` finished with return value `%s`",
                 "getUpdates", [{"message": {"text": "hello"}}])
    assert f.filter(rec) and rec.getMessage().endswith("`<1 items>`") and "hello" not in rec.getMessage()


def test_other_records_are_only_masked_and_none_is_ever_dropped() -> None:
    f = logsafety.RedactingFilter()
    rec = record("httpx", 'HTTP Request: POST %s "%s"', f"https://api.telegram.org/bot{TOKEN}/getMe", "200 OK")
    assert f.filter(rec) and rec.getMessage() == 'HTTP Request: POST https://api.telegram.org/bot<token>/getMe "200 OK"'
    broken = record("httpx", "%d items", "not a number")
    assert f.filter(broken) and broken.getMessage() == "<log record redacted>"


@pytest.fixture
def clean_filters():
    loggers = [logging.getLogger(name) for name in logsafety.LOGGERS]
    before = {logger.name: list(logger.filters) for logger in loggers}
    yield loggers
    for logger in loggers:
        logger.filters[:] = before[logger.name]


def test_install_is_idempotent(clean_filters) -> None:
    logsafety.install()
    logsafety.install()
    for logger in clean_filters:
        assert logger.filters.count(logsafety._FILTER) == 1, logger.name

"""Keeping message texts, keys and the bot token out of the logs (bots/telegram/logsafety.py)."""

from __future__ import annotations


def test_redaction_of_tokens_and_keys() -> None:
    from bots.telegram.logsafety import redact

    line = ('HTTP Request: POST http://127.0.0.1:1/bot123456789:AAFakeTokenForVoicebridgeTestsOnly_x1/sendVoice '
            '"HTTP/1.1 200 OK" key=sk-abcdefghijklmnop0123')
    out = redact(line)
    assert "AAFake" not in out and "sk-abcdefghij" not in out and "/bot<token>/sendVoice" in out

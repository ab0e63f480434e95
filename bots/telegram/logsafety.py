"""Keep message texts, API keys and the bot token out of the logs.

PTB logs at DEBUG every update it processes (``Processing update …``), every call's parameters and
every result (a getUpdates result holds the users' messages, so ``/key sk-…`` too), and httpx logs
each request URL at INFO — which for Telegram contains the bot token. A :class:`RedactingFilter` on
exactly those loggers rewrites such records before any handler sees them: updates and payloads are
reduced to ids and parameter names, and anything that still looks like a token or a key is masked.
"""

from __future__ import annotations

import logging
import re

#: Loggers whose records may carry message texts, keys or the token (PTB names them this way).
LOGGERS = (
    "telegram.ext.Application",
    "telegram.ext.Updater",
    "telegram.ext.ExtBot",
    "telegram.Bot",
    "telegram.ext.AIORateLimiter",
    "telegram.request.BaseRequest",
    "telegram.request.HTTPXRequest",
    "httpx",
    "httpcore",
)

_TOKEN_IN_URL = re.compile(r"/(file/)?bot\d+:[A-Za-z0-9_-]+")
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")
_API_KEY = re.compile(r"\bsk-[A-Za-z0-9_\-.]{8,}")
_LONG_SECRET = re.compile(r"\b[A-Za-z0-9_\-]{32,}\b")


def _ids(value: object) -> str:
    update_id = getattr(value, "update_id", None)
    if update_id is not None:
        return f"<update {update_id}>"
    if isinstance(value, dict):
        return f"<{len(value)} fields: {', '.join(sorted(map(str, value)))}>"
    if isinstance(value, list):
        return f"<{len(value)} items>"
    if isinstance(value, (bytes, bytearray, str)):
        return f"<{len(value)} bytes/chars>"
    return f"<{type(value).__name__}>"


def redact(text: str) -> str:
    """Mask the bot token, SiliconFlow-style keys and other long secrets in ``text``."""
    text = _TOKEN_IN_URL.sub(lambda m: f"/{m.group(1) or ''}bot<token>", text)
    text = _TOKEN.sub("<token>", text)
    text = _API_KEY.sub("sk-<redacted>", text)
    return _LONG_SECRET.sub("<redacted>", text)


class RedactingFilter(logging.Filter):
    """Rewrites records of the loggers in :data:`LOGGERS`; never drops one."""

    #: Format strings whose arguments are whole updates or API payloads: keep only their shape.
    _PAYLOAD_MESSAGES = (
        "Processing update",
        "Dropping pending update",
        "Webhook received data",
        "Calling Bot API endpoint",
        "Call to Bot API endpoint",
        "Getting updates",
        "Passing request through rate limiter",
        "Can not load invalid JSON data",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = str(record.msg)
            if record.args and any(msg.startswith(prefix) for prefix in self._PAYLOAD_MESSAGES):
                args = record.args if isinstance(record.args, tuple) else (record.args,)
                # Keep a leading endpoint name (a short plain string); reduce everything else.
                kept = [a if isinstance(a, str) and len(a) < 40 and a.isidentifier() else _ids(a) for a in args]
                record.args = tuple(kept)
            record.msg = redact(record.getMessage())
            record.args = ()
        except Exception:  # noqa: BLE001 - a filter must never break logging
            record.msg, record.args = "<log record redacted>", ()
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Attach the filter to every logger in :data:`LOGGERS` (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

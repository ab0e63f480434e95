"""What ``/speak`` says when it replies to a Telegram message that is not only text: what the message holds, counted
by kind (:data:`core.readaloud.KINDS`), made a sentence by :func:`core.readaloud.reading` ("Anna sent an image",
"the caption (with a file)"). A forwarded message's text is the original's on Telegram, so it is read as it is.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from core.readaloud import Reading, reading as core_reading

__all__ = ["reading", "things"]

#: Telegram message fields and the kind each is said as.
_FIELDS = (("photo", "image"), ("video", "video"), ("animation", "video"), ("video_note", "video"),
           ("audio", "audio"), ("voice", "voice"), ("document", "file"), ("sticker", "sticker"), ("poll", "poll"),
           ("location", "location"), ("venue", "location"), ("contact", "contact"))


def things(message: Any) -> Counter[str]:
    """How many of each kind ``message`` holds besides text (an animation also carries a document: one video)."""
    counts: Counter[str] = Counter()
    for field, kind in _FIELDS:
        if getattr(message, field, None) and not (field == "document" and getattr(message, "animation", None)):
            counts[kind] = 1
    return counts


def sender_name(message: Any) -> str:
    user = getattr(message, "from_user", None)
    chat = getattr(message, "sender_chat", None)
    return (getattr(user, "full_name", None) or getattr(chat, "title", None) or "").strip()


def reading(message: Any, text: str, *, listener: str | None) -> Reading | None:
    """What to say for ``message`` whose readable text is ``text`` (its text, caption or text file)."""
    poll = getattr(message, "poll", None)
    return core_reading(text, things(message), name=sender_name(message), listener=listener,
                        poll_question=getattr(poll, "question", "") or "")

"""How long reading emoji by name takes (``core.emoji_names.name_emoji`` via ``clean_for_speech``), by input size
and shape: time per character should stay flat as the text grows (the reader is linear).

Families: chat text with an emoji every few words, a wall of one emoji, a wall of all different emoji, ZWJ chains
with skin tones, and lone regional-indicator letters. The first call's table load is reported separately. Times are
CPU time (best of 5), so other work on the machine skews them less.
"""

from __future__ import annotations

import time
from typing import Any

from core.cleanup import clean_for_speech

SIZES = (1_000, 10_000, 100_000)
FAMILIES = {
    "chat": "nice one 😂 see you 👍🏽 later ",
    "one emoji wall": "😂",
    "different emoji": "".join(chr(0x1F600 + i) for i in range(64)),
    "zwj + skin tones": "👩🏽\u200d💻\u200d",
    "regional letters": "🇯",
}


def _best(fn, repeat: int = 5) -> float:
    """The least CPU time (not wall time: the machine may be shared) of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def run() -> dict[str, Any]:
    from core import emoji_names

    emoji_names._tables.clear()
    start = time.perf_counter()
    clean_for_speech("😂", emoji_language="zh")
    load = time.perf_counter() - start
    for lang in ("en", "ja"):
        clean_for_speech("😂", emoji_language=lang)
    rows = []
    for family, unit in FAMILIES.items():
        base = None
        for n in SIZES:
            text = (unit * (n // len(unit) + 1))[:n]
            seconds = _best(lambda: clean_for_speech(text, emoji_language="en"))
            per_char = seconds / n * 1e9
            base = base or per_char
            rows.append([family, f"{n:,}", f"{seconds * 1000:.2f}", f"{per_char:.0f}", f"{per_char / base:.2f}"])
    return {"title": "Emoji read by name: clean_for_speech(text, emoji_language='en')",
            "columns": ["family", "characters", "ms", "ns/char", "vs 1k"],
            "rows": rows, "notes": [f"first call in a language (loads its name table): {load * 1000:.1f} ms"]}

"""Unicode emoji read by name: ``😂`` → "face with tears of joy" / "笑哭了" / "嬉し泣き".

The names are CLDR's short names as the ``emoji`` package ships them (``emoji.EMOJI_DATA[e]["en"]``, and per
language after ``emoji.config.load_language``: zh, ja, ko and more). Decisions:

* Skin tones and the text/emoji variation selectors are left out of the name: 👍🏽 is "thumbs up", not "thumbs up
  medium skin tone" (a listener wants the gesture, not the palette). A sequence the package does not know (a new
  ZWJ combination) is read as its first part, a lone modifier as nothing.
* A run of emoji (only spaces between them) is read once per different emoji, in order: "😂😂😂" → one
  "face with tears of joy", "😂👍😂" → "face with tears of joy, thumbs up". A text names at most
  :data:`MAX_NAMES` emoji; the rest are removed, so a wall of emoji cannot become minutes of speech.
* A flag is two regional-indicator letters read as one name ("🇯🇵" → "Japan"); a keycap keeps its digit (done by
  :mod:`core.cleanup` before this runs).

:func:`name_emoji` is linear in the length of its input: one left-to-right regex scan, dictionary look-ups,
and the names are built once per language (the first call in a language loads its table, ~5,000 entries).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

__all__ = ["EMOJI_LANGUAGES", "MAX_NAMES", "emoji_language", "emoji_name", "has_emoji", "is_loaded", "load",
           "name_emoji"]

#: Languages whose emoji names are read; anything else reads English names.
EMOJI_LANGUAGES = ("en", "zh", "ja", "ko")
#: The most emoji one text names; the ones after are removed.
MAX_NAMES = 8

_PICTO = (
    "\U0001F000-\U0001F1E5\U0001F200-\U0001F3FA\U0001F400-\U0001FAFF"  # not the regional letters or skin tones
    "\u2600-\u27BF\u2300-\u23FF\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55\u2934\u2935\u3030\u303D\u3297\u3299"
)
_SKIN = "\U0001F3FB-\U0001F3FF"
_DECOR = "\uFE0E\uFE0F\u20E3\U000E0020-\U000E007F" + _SKIN
_FLAG = "[\U0001F1E6-\U0001F1FF]{2}"
#: One emoji: a flag, or a pictograph with its decorations and ZWJ-joined parts, or a stray letter or modifier.
EMOJI = re.compile(
    f"{_FLAG}|[{_PICTO}][{_DECOR}]*(?:\u200D[{_PICTO}][{_DECOR}]*)*|[\U0001F1E6-\U0001F1FF{_SKIN}]"
)
_STRIP = re.compile(f"[\uFE0E\uFE0F{_SKIN}]")
_SEPARATORS = {"en": ", ", "zh": "、", "ja": "、", "ko": ", "}

_tables: dict[str, dict[str, str]] = {}
_lock = threading.Lock()


def emoji_language(language: str | None) -> str:
    """The emoji-name language for a speech or reply language (``yue`` reads Chinese names; unknown: en)."""
    lang = (language or "en").lower().split("-")[0].split("_")[0]
    lang = {"yue": "zh", "cmn": "zh"}.get(lang, lang)
    return lang if lang in EMOJI_LANGUAGES else "en"


def _pretty(name: str) -> str:
    return " ".join(name.strip(":").replace("_", " ").split())


def _table(lang: str) -> dict[str, str]:
    """Emoji (variation selectors and skin tones removed) → its name in ``lang``; built once per language."""
    table = _tables.get(lang)
    if table is not None:
        return table
    with _lock:
        table = _tables.get(lang)
        if table is not None:
            return table
        import emoji

        if lang != "en":
            emoji.config.load_language(lang)
        table = {}
        for seq, data in emoji.EMOJI_DATA.items():
            name = data.get(lang) or data.get("en")
            if not name:
                continue
            key = _STRIP.sub("", seq)
            # the first form wins: the plain sequence is listed before its skin-tone variants
            table.setdefault(key, _pretty(name))
            table.setdefault(seq, _pretty(name))
        _tables[lang] = table
        return table


def is_loaded(language: str) -> bool:
    """Whether the names of ``language`` are ready (else the first use loads them: ~0.1–0.2 s of CPU)."""
    return emoji_language(language) in _tables


def load(language: str) -> None:
    """Load the names of ``language`` now (call it in a worker thread, not on an event loop)."""
    _table(emoji_language(language))


def emoji_name(seq: str, language: str = "en") -> str:
    """The name of one emoji sequence in ``language`` ("" when it has none, e.g. a lone skin tone)."""
    table = _table(emoji_language(language))
    key = _STRIP.sub("", seq)
    if not key:
        return ""
    name = table.get(key) or table.get(seq)
    if name is None and "\u200d" in key:  # an unknown combination: its first part
        name = table.get(key.split("\u200d", 1)[0])
    if name is None:
        name = table.get(key[0], "")
    return name


def has_emoji(text: str) -> bool:
    """Whether ``text`` holds anything :func:`name_emoji` would name or remove."""
    return EMOJI.search(text) is not None


def name_emoji(text: str, language: str = "en", *, max_names: int = MAX_NAMES) -> str:
    """``text`` with each run of emoji replaced by their names (see the module doc); linear in ``len(text)``."""
    if not has_emoji(text):
        return text
    lang = emoji_language(language)
    sep = _SEPARATORS[lang]
    named = 0
    out: list[str] = []
    pos = 0
    run: list[str] = []  # the names of the current run
    run_end = -1  # where the current run's last emoji ended

    def flush() -> None:
        if run:
            out.append(f" {sep.join(run)} ")
            run.clear()

    lookup: Callable[[str], str] = lambda seq: emoji_name(seq, lang)  # noqa: E731
    for m in EMOJI.finditer(text):
        start, end = m.span()
        if run_end < 0 or text[run_end:start].strip():  # text between: a new run
            flush()
            out.append(text[pos:start])
        name = lookup(m.group())
        if name and named < max_names and (not run or run[-1] != name) and name not in run:
            run.append(name)
            named += 1
        pos = run_end = end
    flush()
    out.append(text[pos:])
    return "".join(out)

"""User-facing sentences in English, Chinese and Japanese: the one lookup, the reader's language, and the
helpers that put sentences together.

There is one catalog, keyed by what a sentence means. Core's entries are in :mod:`core.error_strings` (one
per error code) and :mod:`core.strings`; each adapter adds its own with :func:`register` from a ``strings``
module next to the code that says them. :func:`t` looks a sentence up, :func:`error_text` says an error.

The language: an adapter calls :func:`set_locale` when it starts handling an update, interaction or
message, and :func:`t` without an explicit language answers in that one. Unknown languages fall back to
English; a missing parameter never raises.
"""

from __future__ import annotations

import string
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from core.error_strings import ERROR_STRINGS
from core.selfhost_strings import SELFHOST_STRINGS
from core.readaloud_strings import STRINGS as READALOUD_STRINGS
from core.seed_strings import SEED_STRINGS
from core.strings import STRINGS
from core.talk_strings import TALK_STRINGS

if TYPE_CHECKING:
    from core.errors import VoiceBridgeError

UI_LANGUAGES = ("en", "zh", "ja")
DEFAULT_LANGUAGE = "en"

#: The speech languages (:data:`core.models.LANGUAGES`) as every adapter shows them, in any reply language:
#: each one's own name (so Cantonese is 粵語, as its speakers write it).
LANGUAGE_NAMES: dict[str, str] = {
    "auto": "auto", "zh": "中文", "en": "English", "ja": "日本語", "ko": "한국어", "yue": "粵語",
}

#: Words that say no or turn something off, in every reply language (compare lower-cased); ``OFF_WORDS``
#: also clear a setting or put it back to its default, ``ON_WORDS`` turn it on.
NO_WORDS = frozenset({"off", "no", "关", "关闭", "オフ"})
OFF_WORDS = NO_WORDS | {"none", "clear", "reset", "default", "remove", "delete", "无", "清除", "なし"}
ON_WORDS = frozenset({"on", "yes", "开", "开启", "オン"})

_CATALOG: dict[str, dict[str, str]] = {}
_LOCALE: ContextVar[str] = ContextVar("voicebridge_locale", default=DEFAULT_LANGUAGE)


def register(strings: dict[str, dict[str, str]]) -> None:
    """Add a package's sentences (key → {language: template}). Registering the same entry again does
    nothing; a key another package already defines differently is a ValueError."""
    clash = sorted(key for key, entry in strings.items() if _CATALOG.get(key, entry) != entry)
    if clash:
        raise ValueError(f"sentences defined twice: {', '.join(clash)}")
    _CATALOG.update(strings)


register(ERROR_STRINGS)
register(STRINGS)
register(SELFHOST_STRINGS)  # the self-hosted engines (core/selfhost_strings.py)
register(READALOUD_STRINGS)
register(SEED_STRINGS)  # the seed's voice workflow (voice IDs, dynamic voices, samples, files)
register(TALK_STRINGS)


def normalize_language(code: str | None) -> str:
    """Map a platform language code (``zh-hans``, ``ja-JP``, ``pt-br`` …) to a UI language."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in UI_LANGUAGES else DEFAULT_LANGUAGE


def set_locale(code: str | None) -> str:
    """Answer in ``code`` (normalized) from here on in the current task; returns the UI language set.

    Adapters call it where an update, interaction or message starts being handled. Each asyncio task
    has its own copy, so one user's language never reaches another's handler.
    """
    lang = normalize_language(code)
    _LOCALE.set(lang)
    return lang


def current_locale() -> str:
    """The UI language :func:`set_locale` chose for the current task (English when none was)."""
    return _LOCALE.get()


def _language(lang: str | None) -> str:
    return current_locale() if lang is None else normalize_language(lang)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(key: str, lang: str, params: dict[str, Any]) -> str:
    entry = _CATALOG.get(key)
    template = None if entry is None else entry.get(lang) or entry.get(DEFAULT_LANGUAGE)
    if template is None:
        return key
    return string.Formatter().vformat(template, (), _Lenient(params))


def _names_a_sentence(name: str, value: object) -> bool:
    return isinstance(value, str) and value.startswith(name + "_") and value in _CATALOG


def t(key: str, lang: str | None = None, /, **params: Any) -> str:
    """The sentence ``key`` in ``lang`` (default: the current locale; unknown: English), filled with ``params``.

    A parameter whose value is a key named after it (``action="action_skip_others"``,
    ``place="place_chat"``) is itself said in ``lang``, with the same parameters.
    """
    lang = _language(lang)
    plain = {name: value for name, value in params.items() if not _names_a_sentence(name, value)}
    said = {name: _fill(value, lang, plain) for name, value in params.items() if name not in plain}
    return _fill(key, lang, {**plain, **said})


def error_text(err: VoiceBridgeError, lang: str | None = None) -> str:
    """The sentence for an error in ``lang``; the most specific code that has a sentence wins."""
    for cls in type(err).__mro__:
        code = getattr(cls, "code", None)
        if code in _CATALOG:
            return t(code, lang, **err.params)
    return t("internal", lang)


def listing(items: list[str], lang: str | None = None) -> str:
    """Items joined as the language lists them (``a, b`` / ``a、b``)."""
    return ("、" if _language(lang) in ("zh", "ja") else ", ").join(items)


def quoted(text: str, lang: str | None = None) -> str:
    """``text`` in the language's quotation marks (“text” / 「text」)."""
    return f"「{text}」" if _language(lang) == "ja" else f"“{text}”"


def platform_names(names: list[str]) -> str:
    """Platform ids as people write them (capitalized), comma-separated."""
    return ", ".join(name.capitalize() for name in names)


def link_preview_text(preview: Any, lang: str | None = None) -> str:
    """The question shown before linking: what the other account will get the use of."""
    what = []
    if preview.voices:
        what.append(t("link_shares_voices", lang, names=listing([f"“{n}”" for n in preview.voices], lang)))
    if preview.key_hint is not None:
        what.append(t("link_shares_key", lang, hint=f"…{preview.key_hint}"))
    if preview.words:
        what.append(t("link_shares_pronunciations", lang, count=preview.words))
    return t("link_confirm_prompt", lang, platform=platform_names([preview.platform]),
             what=listing(what, lang) if what else t("link_shares_nothing", lang))


def forget_abandoned_text(abandoned: list[tuple[str, str, str]], lang: str | None = None) -> str:
    """The clones /forget deleted here but could not delete at the provider: name, why, provider id."""
    items = [f"“{name}” ({t('forget_why_' + why, lang)}: {uri})" for name, why, uri in abandoned]
    return t("forget_abandoned_voices", lang, items=listing(items, lang))

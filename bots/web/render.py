"""Pages: the Jinja2 environment (autoescaping), the reader's language, and rendering a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bots.web import strings  # noqa: F401  (registers the console's sentences)
from core.i18n import LANGUAGE_NAMES, UI_LANGUAGES, set_locale, t
from core.models import PRESET_LABELS

LANG_COOKIE = "vb_lang"
#: What the middleware puts on each request: its language, and its session (or None).
LANG = web.RequestKey("lang", str)
SESSION = web.RequestKey("session", object)
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=True, trim_blocks=True, lstrip_blocks=True)


def choose_language(request: web.Request) -> str:
    """``?lang=``, else the language cookie, else the browser's Accept-Language (by q), else English."""
    for wanted in (request.query.get("lang"), request.cookies.get(LANG_COOKIE)):
        if wanted in UI_LANGUAGES:
            return wanted
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(request.headers.get("Accept-Language", "").split(",")[:20]):
        code, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        base = code.split("-")[0].lower()
        if base in UI_LANGUAGES:
            ranked.append((-weight, i, base))
    return min(ranked)[2] if ranked else "en"


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    """``template`` in the request's language, with the session's CSRF token and the navigation."""
    lang = set_locale(request.get(LANG) or choose_language(request))
    session = request.get(SESSION)  # type: ignore[assignment]
    body = _ENV.get_template(template).render(
        _=lambda key, **params: t("web_" + key, lang, **params), lang=lang, languages=UI_LANGUAGES,
        language_names=LANGUAGE_NAMES, session=session,
        label=lambda voice: PRESET_LABELS.get(voice.name, {}).get(lang) or voice.label or "", csrf=session.csrf if session else "",
        path=request.path, **context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

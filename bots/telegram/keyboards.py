"""Inline keyboards and their callback data.

Callback data is a short string (Telegram allows 64 bytes): ``vb:<kind>:<telegram user id>:<args…>``.
The user id says whose buttons they are, so in a group only the person who asked can press them.
Clones are referred to by their numeric id, never by name (names may be 32 CJK characters = 96 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.i18n import t
from core.models import GAIN_RANGE, LANGUAGES, PRESET_LABELS, SPEED_RANGE, STYLE_PRESETS
from core.settings import SettingsView
from core.voices import VoiceList

from .strings import LANGUAGE_NAMES, UI_NAMES

PREFIX = "vb"
SPEED_STEP = 0.1
GAIN_STEP = 1.0
STYLE_KEYS: tuple[str, ...] = tuple(STYLE_PRESETS)
MAX_CLONE_BUTTONS = 30


@dataclass(frozen=True, slots=True)
class Callback:
    """Parsed callback data."""

    kind: str  # v (voice), s (settings), l (/lang), y (style), c (clone consent), f (forget), k (link)
    owner: int
    args: tuple[str, ...]


def data(kind: str, owner: int, *args: object) -> str:
    out = ":".join([PREFIX, kind, str(owner), *map(str, args)])
    if len(out.encode()) > 64:  # pragma: no cover - every caller builds short data
        raise ValueError("callback data too long")
    return out


def parse(raw: str | None) -> Callback | None:
    """The callback, or None for data that isn't ours or is malformed."""
    if not raw:
        return None
    parts = raw.split(":")
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    try:
        owner = int(parts[2])
    except ValueError:
        return None
    return Callback(kind=parts[1], owner=owner, args=tuple(parts[3:]))


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def voices(owner: int, listing: VoiceList, current_value: str | None, lang: str) -> InlineKeyboardMarkup:
    """Presets two a row, then the user's clones one a row; the current voice is ticked."""

    def mark(selected: bool, label: str) -> str:
        return f"✓ {label}" if selected else label

    presets = [
        InlineKeyboardButton(
            mark(current_value == v.name, f"{v.name} · {PRESET_LABELS.get(v.name, {}).get(lang, v.label or '')}"),
            callback_data=data("v", owner, "p", v.name),
        )
        for v in listing.presets
    ]
    clones = [
        InlineKeyboardButton(mark(current_value == f"clone:{v.id}", f"🎙 {v.name}"),
                             callback_data=data("v", owner, "c", v.id))
        for v in listing.clones[:MAX_CLONE_BUTTONS] if v.id is not None
    ]
    return InlineKeyboardMarkup(_rows(presets, 2) + _rows(clones, 1))


def settings(owner: int, view: SettingsView, lang: str) -> InlineKeyboardMarkup:
    """Speed −/+, gain −/+, the speech languages, the reply languages, and a way to /voices."""
    speech = view.effective.language
    rows = [
        [InlineKeyboardButton(t("button_speed_down", lang), callback_data=data("s", owner, "sp", "-")),
         InlineKeyboardButton(t("button_speed_up", lang), callback_data=data("s", owner, "sp", "+"))],
        [InlineKeyboardButton(t("button_gain_down", lang), callback_data=data("s", owner, "g", "-")),
         InlineKeyboardButton(t("button_gain_up", lang), callback_data=data("s", owner, "g", "+"))],
    ]
    langs = [InlineKeyboardButton(("✓ " if code == speech else "") + LANGUAGE_NAMES[code],
                                  callback_data=data("s", owner, "l", code)) for code in LANGUAGES]
    rows += _rows(langs, 3)
    rows.append([InlineKeyboardButton(("✓ " if code == view.ui_language else "") + "💬 " + name,
                                      callback_data=data("s", owner, "u", code)) for code, name in UI_NAMES.items()])
    rows.append([InlineKeyboardButton(t("button_voices", lang), callback_data=data("s", owner, "voices"))])
    return InlineKeyboardMarkup(rows)


def language(owner: int, speech: str, ui: str) -> InlineKeyboardMarkup:
    """For a bare /lang: the speech languages and the reply languages."""
    langs = [InlineKeyboardButton(("✓ " if code == speech else "") + LANGUAGE_NAMES[code],
                                  callback_data=data("l", owner, "l", code)) for code in LANGUAGES]
    rows = _rows(langs, 3)
    rows.append([InlineKeyboardButton(("✓ " if code == ui else "") + "💬 " + name,
                                      callback_data=data("l", owner, "u", code)) for code, name in UI_NAMES.items()])
    return InlineKeyboardMarkup(rows)


def styles(owner: int, current: str | None, lang: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(("✓ " if key == current else "") + key, callback_data=data("y", owner, i))
               for i, key in enumerate(STYLE_KEYS)]
    rows = _rows(buttons, 5 if len(buttons) > 6 else 3)
    rows.append([InlineKeyboardButton(("✓ " if not current else "") + t("button_style_off", lang),
                                      callback_data=data("y", owner, "off"))])
    return InlineKeyboardMarkup(rows)


def clone_consent(owner: int, token: str, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("✅ " + t("button_consent", lang), callback_data=data("c", owner, "ok", token))],
        [InlineKeyboardButton(t("button_cancel", lang), callback_data=data("c", owner, "no", token))],
    ])


def forget(owner: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("🗑 " + t("button_delete_everything", lang), callback_data=data("f", owner, "ok")),
        InlineKeyboardButton(t("button_cancel", lang), callback_data=data("f", owner, "no")),
    ]])


def link(owner: int, code: str, lang: str) -> InlineKeyboardMarkup:
    """Confirm a link by ``code`` (already checked: 8 characters of the code alphabet)."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("button_link_accounts", lang), callback_data=data("k", owner, code)),
        InlineKeyboardButton(t("button_cancel", lang), callback_data=data("k", owner, "no")),
    ]])


def step(value: float, direction: str, step_size: float, bounds: tuple[float, float]) -> float:
    """``value`` one step up or down, clamped to ``bounds`` and rounded to 2 decimals."""
    low, high = bounds
    new = value + (step_size if direction == "+" else -step_size)
    return round(min(high, max(low, new)), 2)


def speed_step(value: float, direction: str) -> float:
    return step(value, direction, SPEED_STEP, SPEED_RANGE)


def gain_step(value: float, direction: str) -> float:
    return step(value, direction, GAIN_STEP, GAIN_RANGE)

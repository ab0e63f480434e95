"""Settings: a user's own, a chat's or guild's defaults (and its adapter options), and the reply language."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core import lexicon, text as textmod
from core.engines import Engines
from core.errors import InvalidValue, OutOfRange, PermissionDenied
from core.i18n import OFF_WORDS, UI_LANGUAGES, normalize_language
from core.identity import Identities
from core.models import (
    GAIN_RANGE,
    LANGUAGES,
    SPEED_RANGE,
    STYLE_ALIASES,
    STYLE_MAX_CHARS,
    STYLE_PRESETS,
    Pronunciation,
    SettingsPatch,
    TTSSettings,
    UserRef,
    resolve_settings,
)
from core.voices import Voices, clone_id

#: The settings a user (or a chat, or a character) can set; None clears one.
SETTING_NAMES = ("voice", "speed", "gain", "language", "style")


class SettingsRepository(Protocol):
    """What :class:`Settings` needs stored."""

    async def get_user_settings(self, user_id: int) -> SettingsPatch: ...
    async def update_user_settings(self, user_id: int, **fields: Any) -> SettingsPatch: ...
    async def get_scope_settings(self, scope: str) -> SettingsPatch: ...
    async def update_scope_settings(self, scope: str, **fields: Any) -> SettingsPatch: ...
    async def get_scope_options(self, scope: str) -> dict[str, Any]: ...
    async def update_scope_options(self, scope: str, **options: Any) -> dict[str, Any]: ...
    async def edit_scope_options(self, scope: str,
                                 edit: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]: ...
    async def list_scopes_with_option(self, key: str, *,
                                      prefix: str | None = None) -> list[tuple[str, dict[str, Any]]]: ...
    async def get_ui_language(self, user_id: int) -> str | None: ...
    async def set_ui_language(self, user_id: int, lang: str | None) -> None: ...
    # shown in the settings view
    async def get_api_key_info(self, user_id: int) -> tuple[str, str] | None: ...
    async def linked_identities(self, account_id: int) -> list[tuple[str, str]]: ...
    async def list_pronunciations(self, owner: str) -> list[Pronunciation]: ...


@dataclass(frozen=True, slots=True)
class SettingsView:
    """The user's settings: what applies, and which layer set it."""

    effective: TTSSettings
    user: SettingsPatch
    scope: SettingsPatch
    voice_name: str
    ui_language: str
    api_key_hint: str | None
    engine: str
    linked: tuple[str, ...] = ()  # other platforms sharing this identity (/link)
    pronunciations: int = 0  # entries in the user's own dictionary


class Settings:
    """Reading and changing settings; every value is checked before anything is stored."""

    def __init__(self, repo: SettingsRepository, identities: Identities, voices: Voices, engines: Engines) -> None:
        self.store = repo
        self.identities = identities
        self.voices = voices
        self.engines = engines

    async def ui_language(self, user: UserRef) -> str:
        """The language to answer in: the user's choice, else the platform's hint, else English."""
        uid = await self.identities.user_id(user)
        chosen = await self.store.get_ui_language(uid)
        return normalize_language(chosen or user.language_hint)

    async def set_ui_language(self, user: UserRef, lang: str | None) -> str:
        """Pin the reply language (en, zh, ja) or go back to the platform's (None)."""
        if lang is not None:
            lang = lang.strip().lower()
            if lang not in UI_LANGUAGES:
                raise InvalidValue(name="language", value=lang, allowed=", ".join(UI_LANGUAGES))
        await self.store.set_ui_language(await self.identities.user_id(user), lang)
        return await self.ui_language(user)

    async def layers(self, uid: int, scope: str | None) -> tuple[SettingsPatch, SettingsPatch]:
        """The user's own settings and the scope's defaults."""
        mine = await self.store.get_user_settings(uid)
        return mine, await self.store.get_scope_settings(scope) if scope else SettingsPatch()

    async def view(self, user: UserRef) -> SettingsView:
        """The user's effective settings and where each came from."""
        uid = await self.identities.user_id(user)
        mine, scope = await self.layers(uid, user.scope)
        effective = resolve_settings(mine, scope)
        info = await self.store.get_api_key_info(uid)
        linked = tuple(platform for platform, pid in await self.store.linked_identities(uid)
                       if (platform, pid) != (user.platform, user.user_id))
        remote = self.engines.remote
        return SettingsView(
            effective=effective,
            user=mine,
            scope=scope,
            voice_name=await self.voices.display(effective.voice),
            ui_language=await self.ui_language(user),
            api_key_hint=f"…{info[1]}" if info else None,
            engine=remote.name if info and remote is not None else self.engines.default,
            linked=linked, pronunciations=len(await self.store.list_pronunciations(lexicon.user_owner(uid))),
        )

    async def validated(self, uid: int, fields: Mapping[str, object]) -> dict[str, object]:
        """``fields`` checked and in their stored form; raises on the first bad one."""
        out: dict[str, object] = {}
        for name, value in fields.items():
            if name not in SETTING_NAMES:
                raise InvalidValue(name=name, value="", allowed=", ".join(sorted(SETTING_NAMES)))
            if value is None:
                out[name] = None
            elif name == "speed":
                out[name] = _number(name, value, *SPEED_RANGE)
            elif name == "gain":
                out[name] = _number(name, value, *GAIN_RANGE)
            elif name == "language":
                lang = str(value).strip().lower()
                if lang not in LANGUAGES:
                    raise InvalidValue(name="language", value=lang[:16], allowed=", ".join(LANGUAGES))
                out[name] = lang
            elif name == "voice":
                out[name] = await self.voices.resolve_name(uid, str(value))
            elif name == "style":
                out[name] = normalize_style(str(value))
        return out

    async def update(self, user: UserRef, **fields: object) -> SettingsView:
        """Change some of the user's settings (speed, gain, language, voice, style); None clears one.

        Every value is checked first; on a bad value nothing changes.
        """
        uid = await self.identities.user_id(user)
        clean = await self.validated(uid, fields)
        if clean:
            await self.store.update_user_settings(uid, **clean)
        return await self.view(user)

    async def set_style(self, user: UserRef, style: str | None) -> SettingsView:
        """Set how to speak (a preset like 开心/happy, a dialect, or free text), or ``off``."""
        if style is not None and (not style.strip() or style.strip().lower() in OFF_WORDS):
            style = None
        return await self.update(user, style=style)

    async def update_scope(self, user: UserRef, *, is_admin: bool, lend: bool = False,
                           **fields: object) -> SettingsPatch:
        """Change the chat's or guild's defaults (Manage Server / group admins only).

        The default voice is a preset, or — ``lend``: its owner agreed, after the adapter asked them — one of the
        user's own clones, which is then shared so everyone there speaks with it (on the key that made it:
        :meth:`core.voices.Voices.lender` bills the owner when their own key pays).
        """
        uid = await self._scope_admin(user, is_admin)
        clean = await self.validated(uid, fields)
        if "voice" in clean and clone_id(clean["voice"]) is not None:
            if not lend:
                raise InvalidValue(name="voice", value=fields.get("voice"), allowed="allowed_preset_voice")
            await self.voices.share(user, str(fields["voice"]).strip(), True)
        return await self.store.update_scope_settings(user.scope, **clean)

    async def scope_voice(self, user: UserRef, name: str, *, is_admin: bool) -> str:
        """``name`` checked as a voice for this chat or server (or one of its channels): its stored form, a
        preset or ``clone:<id>`` of one of the user's own clones (which needs its owner's consent and
        :meth:`core.voices.Voices.share` before it is stored). Stores nothing."""
        uid = await self._scope_admin(user, is_admin)
        return str((await self.validated(uid, {"voice": name}))["voice"])

    async def _scope_admin(self, user: UserRef, is_admin: bool) -> int:
        if not user.scope:
            raise PermissionDenied(action="action_scope_settings_private")
        if not is_admin:
            raise PermissionDenied(action="action_scope_settings")
        return await self.identities.user_id(user)

    async def scope_options(self, scope: str) -> dict:
        """Adapter options of a chat or guild (auto-read channels, join-on-speak …)."""
        return await self.store.get_scope_options(scope)

    async def update_scope_options(self, scope: str, **options: object) -> dict:
        """Merge options into a chat's or guild's options; None removes one."""
        return await self.store.update_scope_options(scope, **options)

    async def edit_scope_options(self, scope: str, edit: Callable[[dict], dict]) -> dict:
        """Apply ``edit`` (current options → new options, no side effects) to a chat's or guild's options
        as stored now, in one transaction, so concurrent changes to different entries all survive."""
        return await self.store.edit_scope_options(scope, edit)

    async def scopes_with_option(self, key: str, *, platform: str | None = None) -> list[tuple[str, dict]]:
        """Every scope (``platform:id``) whose option ``key`` is set, with all its options."""
        return await self.store.list_scopes_with_option(key, prefix=f"{platform}:" if platform else None)


def _number(name: str, value: object, low: float, high: float) -> float:
    try:
        number = float(str(value).strip().replace(",", ".").removesuffix("x").removesuffix("db").removesuffix("dB"))
    except ValueError:
        raise OutOfRange(name=name, value=str(value)[:16], low=low, high=high) from None
    if number != number or not low <= number <= high:  # NaN or out of range
        raise OutOfRange(name=name, value=str(value)[:16], low=low, high=high)
    return round(number, 3)


def normalize_style(style: str) -> str:
    """A /style value: a preset key (Chinese or its English alias) or free text of at most 100 characters."""
    raw = textmod.strip_control_tokens(textmod.normalize_input(style)).strip()
    raw = re.sub(r"[<>]", "", raw)
    if not raw:
        raise InvalidValue(name="style", value=style[:16], allowed=", ".join(STYLE_PRESETS))
    alias = STYLE_ALIASES.get(raw.lower())
    if alias:
        return alias
    if len(raw) > STYLE_MAX_CHARS:
        raise OutOfRange(name="name_style_length", value=len(raw), low=1, high=STYLE_MAX_CHARS)
    return raw

"""/settings (with buttons), /speed, /gain, /lang (speech and reply language), /style, chat defaults."""

from __future__ import annotations

from telegram import CallbackQuery

from core.errors import InvalidValue, PermissionDenied
from core.i18n import OFF_WORDS, platform_names, set_locale
from core.models import SettingsPatch
from core.settings import SETTING_NAMES, SettingsView

from .. import keyboards
from ..context import Ctx, edit_text, group_handler, handler, shown_key_hint
from ..keyboards import STYLE_KEYS, Callback
from ..strings import LANGUAGE_NAMES, UI_NAMES
from . import voices as voices_module
from .common import answer, callback, is_chat_admin, num, signed

RESET_WORDS = OFF_WORDS
UI_RESET_WORDS = OFF_WORDS | {"auto"}


def _patch_text(patch: SettingsPatch) -> str:
    return ", ".join(f"{k}={v}" for k, v in patch.as_dict().items())


def settings_text(ctx: Ctx, view: SettingsView) -> str:
    e = view.effective
    text = ctx.tr(
        "settings_card", voice=view.voice_name, speed=num(e.speed), gain=signed(e.gain),
        language=LANGUAGE_NAMES.get(e.language, e.language), style=e.style or ctx.tr("value_none"),
        ui=UI_NAMES.get(view.ui_language, view.ui_language),
        engine=ctx.tr(f"engine_{view.engine}") if view.engine in ("siliconflow", "local") else view.engine,
        api_key=shown_key_hint(ctx, view) or ctx.tr("key_none_operator"),
    )
    if view.pronunciations:
        text += "\n" + ctx.tr("settings_pronunciations_count", count=view.pronunciations)
    if view.linked:
        text += "\n" + ctx.tr("settings_linked_with", platforms=platform_names(list(view.linked)))
    if not ctx.is_private and not view.scope.is_empty():
        text += ctx.tr("settings_chat_defaults", values=_patch_text(view.scope))
    return text


def lang_text(ctx: Ctx, view: SettingsView) -> str:
    return ctx.tr("language_usage", speech=LANGUAGE_NAMES.get(view.effective.language, view.effective.language),
                  ui=UI_NAMES.get(view.ui_language, view.ui_language))


def style_text(ctx: Ctx, view: SettingsView) -> str:
    return ctx.tr("style_usage", value=view.user.style or view.effective.style or ctx.tr("value_none"))


@group_handler
async def settings_command(ctx: Ctx) -> None:
    chat = bool(ctx.args) and ctx.args[0].lower() == "chat"
    if ctx.on_behalf_of is not None and not (chat and ctx.on_behalf_of == "group"):
        return  # posted as the group (an anonymous admin) counts for the group's settings only
    if chat:
        await _chat_settings(ctx, ctx.args[1:])
        return
    view = await ctx.service.settings(ctx.ref)
    await ctx.reply(settings_text(ctx, view), reply_markup=keyboards.settings(ctx.user.id, view, ctx.lang))


async def _chat_settings(ctx: Ctx, args: list[str]) -> None:
    """``/settings chat FIELD VALUE`` — a group's defaults, for its admins."""
    if ctx.is_private:
        raise PermissionDenied(action="action_scope_settings_private")
    if len(args) < 2:
        view = await ctx.service.settings(ctx.ref)
        current = _patch_text(view.scope) or ctx.tr("value_none")
        await ctx.reply(ctx.tr("chat_defaults_usage") + "\n" + ctx.tr("settings_chat_defaults", values=current).strip())
        return
    field = args[0].lower()
    if field == "lang":
        field = "language"
    if field not in SETTING_NAMES:
        raise InvalidValue(name="setting", value=field[:16], allowed=", ".join(SETTING_NAMES))
    value: str | None = " ".join(args[1:])
    if value.lower() in RESET_WORDS:
        value = None
    patch = await ctx.service.update_scope_settings(ctx.ref, is_admin=await is_chat_admin(ctx), **{field: value})
    shown = patch.as_dict().get(field)
    await ctx.reply(ctx.tr("chat_default_set", name=field, value=shown if shown is not None else ctx.tr("value_none")))


@handler
async def speed_command(ctx: Ctx) -> None:
    if not ctx.args:
        view = await ctx.service.settings(ctx.ref)
        await ctx.reply(ctx.tr("speed_usage", value=num(view.effective.speed)))
        return
    view = await ctx.service.update_settings(ctx.ref, speed=ctx.args[0])
    await ctx.reply(ctx.tr("speed_set", value=num(view.effective.speed)))


@handler
async def gain_command(ctx: Ctx) -> None:
    if not ctx.args:
        view = await ctx.service.settings(ctx.ref)
        await ctx.reply(ctx.tr("gain_usage", value=signed(view.effective.gain)))
        return
    view = await ctx.service.update_settings(ctx.ref, gain=ctx.args[0])
    await ctx.reply(ctx.tr("gain_set", value=signed(view.effective.gain)))


@handler
async def lang_command(ctx: Ctx) -> None:
    args = [a.lower() for a in ctx.args]
    if not args or (args[0] == "ui" and len(args) == 1):
        view = await ctx.service.settings(ctx.ref)
        await ctx.reply(lang_text(ctx, view),
                        reply_markup=keyboards.language(ctx.user.id, view.effective.language, view.ui_language))
        return
    if args[0] == "ui":
        new = await ctx.service.set_ui_language(ctx.ref, None if args[1] in UI_RESET_WORDS else args[1])
        ctx.lang = set_locale(new)
        await ctx.reply(ctx.tr("reply_language_set"))
        return
    view = await ctx.service.update_settings(ctx.ref, language=args[0])
    await ctx.reply(ctx.tr("language_set", value=LANGUAGE_NAMES.get(view.effective.language, view.effective.language)))


@handler
async def style_command(ctx: Ctx) -> None:
    style = ctx.text_after_command()
    if not style:
        view = await ctx.service.settings(ctx.ref)
        await ctx.reply(style_text(ctx, view), reply_markup=keyboards.styles(ctx.user.id, view.user.style, ctx.lang))
        return
    view = await ctx.service.set_style(ctx.ref, style)
    if view.user.style:
        await ctx.reply(ctx.tr("style_set", value=view.user.style))
    else:
        await ctx.reply(ctx.tr("style_off"))


async def _apply(ctx: Ctx, op: str, value: str | None) -> SettingsView:
    """One button press of the settings or /lang keyboards."""
    service = ctx.service
    if op == "sp" and value in ("+", "-"):
        view = await service.settings(ctx.ref)
        return await service.update_settings(ctx.ref, speed=keyboards.speed_step(view.effective.speed, value))
    if op == "g" and value in ("+", "-"):
        view = await service.settings(ctx.ref)
        return await service.update_settings(ctx.ref, gain=keyboards.gain_step(view.effective.gain, value))
    if op == "l" and value:
        return await service.update_settings(ctx.ref, language=value)
    if op == "u" and value:
        ctx.lang = set_locale(await service.set_ui_language(ctx.ref, value))
        return await service.settings(ctx.ref)
    return await service.settings(ctx.ref)


@callback
async def on_settings_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:s:<owner>:<op>[:<value>]`` from the /settings message."""
    op = cb.args[0] if cb.args else ""
    if op == "voices":
        await answer(query)
        text, keyboard = await voices_module.render(ctx)
        await edit_text(query.message, text, reply_markup=keyboard)
        return
    view = await _apply(ctx, op, cb.args[1] if len(cb.args) > 1 else None)
    await answer(query)
    await edit_text(query.message, settings_text(ctx, view), reply_markup=keyboards.settings(ctx.user.id, view, ctx.lang))


@callback
async def on_lang_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:l:<owner>:l|u:<code>`` from a bare /lang message."""
    view = await _apply(ctx, cb.args[0] if cb.args else "", cb.args[1] if len(cb.args) > 1 else None)
    await answer(query)
    await edit_text(query.message, lang_text(ctx, view),
                    reply_markup=keyboards.language(ctx.user.id, view.effective.language, view.ui_language))


@callback
async def on_style_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:y:<owner>:<preset index>|off``."""
    arg = cb.args[0] if cb.args else "off"
    if arg == "off":
        style = None
    else:
        try:
            style = STYLE_KEYS[int(arg)]
        except (ValueError, IndexError):
            await answer(query)
            return
    view = await ctx.service.set_style(ctx.ref, style)
    await answer(query, ctx.plain("style_set", value=view.user.style) if view.user.style else ctx.plain("style_off"))
    await edit_text(query.message, style_text(ctx, view),
                    reply_markup=keyboards.styles(ctx.user.id, view.user.style, ctx.lang))


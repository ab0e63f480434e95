"""/voices (a list with an inline keyboard to pick) and /voice NAME."""

from __future__ import annotations

from telegram import CallbackQuery

from core.errors import UnknownVoice
from core.i18n import NO_WORDS, ON_WORDS, quoted
from core.models import PRESET_LABELS

from .. import keyboards
from ..context import Ctx, edit_text, esc, handler
from ..keyboards import Callback
from .common import answer, callback


async def render(ctx: Ctx) -> tuple[str, keyboards.InlineKeyboardMarkup]:
    """The /voices message: text and keyboard for the user of ``ctx``."""
    listing = await ctx.service.voices(ctx.ref)
    view = await ctx.service.settings(ctx.ref)
    lines = [ctx.tr("voices_menu_title", current=listing.current or view.voice_name), ""]
    lines.append(f"<b>{ctx.tr('voices_section_presets')}</b>")
    lines.append(", ".join(f"{v.name} ({PRESET_LABELS.get(v.name, {}).get(ctx.lang, v.label or '')})"
                           for v in listing.presets))
    lines.append("")
    lines.append(f"<b>{ctx.tr('voices_section_clones')}</b>")
    if listing.clones:
        lines.append(", ".join(esc(v.name) for v in listing.clones))
    else:
        lines.append(ctx.tr("voices_no_clones_send_note"))
    if listing.shared:
        lines.append("")
        lines.append(f"<b>{ctx.tr('voices_section_shared', place='place_chat')}</b>")
        lines.append(", ".join(esc(v.name) for v in listing.shared))
    keyboard = keyboards.voices(ctx.user.id, listing, view.effective.voice, ctx.lang)
    return "\n".join(lines), keyboard


@handler
async def voices_command(ctx: Ctx) -> None:
    text, keyboard = await render(ctx)
    await ctx.reply(text, reply_markup=keyboard)


@handler
async def voice_command(ctx: Ctx) -> None:
    name = ctx.text_after_command()
    if not name:
        text, keyboard = await render(ctx)
        await ctx.reply(ctx.tr("voice_usage") + "\n\n" + text, reply_markup=keyboard)
        return
    view = await ctx.service.set_voice(ctx.ref, name)
    await ctx.reply(ctx.tr("voice_chosen", name=quoted(view.voice_name, ctx.lang)))


#: The last word of /share_voice NAME on|off.
SHARE_WORDS = {**dict.fromkeys(ON_WORDS, True), **dict.fromkeys(NO_WORDS, False)}


@handler
async def share_voice_command(ctx: Ctx) -> None:
    """/share_voice NAME on|off: whether others may speak with your clone NAME (through characters)."""
    name, _, word = ctx.text_after_command().strip().rpartition(" ")
    shared = SHARE_WORDS.get(word.strip().lower())
    if not name.strip() or shared is None:
        await ctx.reply(ctx.tr("share_voice_usage"))
        return
    voice = await ctx.service.share_voice(ctx.ref, name.strip(), shared)
    await ctx.reply(ctx.tr("voice_shared" if shared else "voice_private", name=voice.name))


@callback
async def on_voice_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:v:<owner>:p:<preset>`` or ``vb:v:<owner>:c:<clone id>``."""
    if len(cb.args) != 2:
        await answer(query)
        return
    kind, value = cb.args
    name = value
    if kind == "c":
        listing = await ctx.service.voices(ctx.ref)
        match = [v for v in listing.clones if str(v.id) == value]
        if not match:
            raise UnknownVoice(name="?")
        name = match[0].name
    view = await ctx.service.set_voice(ctx.ref, name)
    await answer(query, ctx.plain("voice_chosen", name=quoted(view.voice_name, ctx.lang)))
    text, keyboard = await render(ctx)
    await edit_text(query.message, text, reply_markup=keyboard)

"""/voices (a list with an inline keyboard to pick, ▶ samples, and the clones' IDs in a private chat), /voice NAME,
/share_voice, /adopt_voice (a ``speech:…`` ID made elsewhere) and /delete_voice."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from core.errors import UnknownVoice
from core.i18n import NO_WORDS, ON_WORDS, quoted
from core.models import PRESET_LABELS

from .. import keyboards
from ..context import Ctx, edit_text, esc, handler
from ..keyboards import Callback
from ..sending import send_note
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
    if listing.clones and ctx.is_private:  # a clone's ID is shown to its owner only
        shown = listing.clones[:keyboards.MAX_CLONE_BUTTONS]  # whole lines: the message stays under 4096
        lines.extend(f"🎙 {esc(v.name)} — <code>{esc(v.provider_id)}</code>" if v.provider_id else f"🎙 {esc(v.name)}"
                     for v in shown)
        if len(listing.clones) > len(shown):
            lines.append(", ".join(esc(v.name) for v in listing.clones[len(shown):]))
    elif listing.clones:
        lines.append(", ".join(esc(v.name) for v in listing.clones))
        lines.append(ctx.tr("voice_ids_private_hint"))
    else:
        lines.append(ctx.tr("voices_no_clones_send_note"))
    if listing.shared:
        lines.append("")
        lines.append(f"<b>{ctx.tr('voices_section_shared', place='place_chat')}</b>")
        lines.append(", ".join(esc(v.name) for v in listing.shared))
    lines += ["", ctx.tr("voices_samples_hint")]
    keyboard = keyboards.voices(ctx.user.id, listing, view.effective.voice, ctx.lang)
    return "\n".join(lines), with_samples(keyboard, ctx.user.id, listing)


def with_samples(keyboard: InlineKeyboardMarkup, owner: int, listing) -> InlineKeyboardMarkup:
    """``keyboard`` and a ▶ button per voice below it (``vb:p:<owner>:p:<preset>`` / ``…:c:<clone id>``)."""
    presets = [InlineKeyboardButton(f"▶ {v.name}", callback_data=keyboards.data("p", owner, "p", v.name))
               for v in listing.presets]
    clones = [InlineKeyboardButton(f"▶ {v.name}", callback_data=keyboards.data("p", owner, "c", v.id))
              for v in listing.clones[:keyboards.MAX_CLONE_BUTTONS] if v.id is not None]
    rows = [list(row) for row in keyboard.inline_keyboard]
    rows += [presets[i:i + 4] for i in range(0, len(presets), 4)]
    rows += [clones[i:i + 2] for i in range(0, len(clones), 2)]
    return InlineKeyboardMarkup(rows)


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


# --- the seed's voice workflow: voice IDs, /delete_voice, samples ---------------------------------


async def _clone_by_id(ctx: Ctx, value: str):
    """One of the user's clones by its numeric id (from a button); UnknownVoice if it is gone."""
    listing = await ctx.service.voices(ctx.ref)
    match = [v for v in listing.clones if str(v.id) == value]
    if not match:
        raise UnknownVoice(name="?")
    return match[0]


@handler
async def adopt_voice_command(ctx: Ctx) -> None:
    """/adopt_voice speech:… NAME: add a voice you cloned elsewhere with your own key (checked against your
    key's voice list at the provider)."""
    voice_id, _, name = ctx.text_after_command().strip().partition(" ")
    if not voice_id or not name.strip():
        await ctx.reply(ctx.tr("adopt_voice_usage"))
        return
    voice = await ctx.service.adopt_voice(ctx.ref, voice_id, name.strip())
    await ctx.reply(ctx.tr("voice_adopted", name=voice.name))


@handler
async def delete_voice_command(ctx: Ctx) -> None:
    """/delete_voice NAME: delete one of your clones, at the provider too (asks first)."""
    name = ctx.text_after_command().strip()
    if not name:
        await ctx.reply(ctx.tr("delete_voice_usage"))
        return
    listing = await ctx.service.voices(ctx.ref)
    match = [v for v in listing.clones if v.name.lower() == name.lower() and v.id is not None]
    if not match:
        raise UnknownVoice(name=name[:64])
    voice, owner = match[0], ctx.user.id
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton("🗑 " + ctx.plain("button_delete_this_voice"),
                             callback_data=keyboards.data("d", owner, "ok", voice.id)),
        InlineKeyboardButton(ctx.plain("button_cancel"), callback_data=keyboards.data("d", owner, "no", voice.id)),
    ]])
    await ctx.reply(ctx.tr("delete_voice_ask", name=voice.name), reply_markup=markup)


@callback
async def on_delete_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:d:<owner>:ok|no:<clone id>``: delete the clone (at the provider too) or keep it."""
    if len(cb.args) != 2:
        await answer(query)
        return
    decision, value = cb.args
    if decision != "ok":
        await answer(query)
        await edit_text(query.message, ctx.tr("delete_voice_kept"))
        return
    voice = await ctx.service.delete_voice(ctx.ref, (await _clone_by_id(ctx, value)).name)
    await answer(query)
    await edit_text(query.message, ctx.tr("voice_deleted_named", name=voice.name))


@callback
async def on_sample_button(ctx: Ctx, query: CallbackQuery, cb: Callback) -> None:
    """``vb:p:<owner>:p:<preset>`` or ``vb:p:<owner>:c:<clone id>``: a short sample of that voice (made once)."""
    if len(cb.args) != 2:
        await answer(query)
        return
    kind, value = cb.args
    name = (await _clone_by_id(ctx, value)).name if kind == "c" else value
    async with ctx.deps.gate.enter(ctx.user.id):
        note = await ctx.service.voice_sample(ctx.ref, name, ctx.lang)
    await answer(query)
    message = query.message
    await send_note(ctx.deps, ctx.context.bot, ctx.chat.id, note,
                    reply_to=message.message_id if message is not None else None,
                    thread_id=message.message_thread_id if isinstance(message, Message) and message.is_topic_message
                    else None, caption=ctx.tr("voice_sample_caption", name=name), lang=ctx.lang)

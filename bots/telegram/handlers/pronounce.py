"""/pronounce: how a word is read — the user's own dictionary, and a group's (for its admins)."""

from __future__ import annotations

from core.errors import PermissionDenied
from core.lexicon import parse_entry
from core.models import Pronunciation

from ..context import Ctx, group_handler
from .common import is_chat_admin

#: Room left for the header and usage lines of a listing within Telegram's 4096 characters.
LISTING_BUDGET = 3300


def _entries(ctx: Ctx, title_key: str, entries: list[Pronunciation], budget: int) -> tuple[str, int]:
    lines = [ctx.tr(title_key)]
    used = 0
    for shown, entry in enumerate(entries):
        line = ctx.tr("pronunciation_entry", word=entry.word, spoken=entry.spoken)
        if used + len(line) > budget:
            lines.append(f"… +{len(entries) - shown}")
            break
        lines.append(line)
        used += len(line) + 1
    if not entries:
        lines.append(ctx.tr("pronunciations_none_yet"))
    return "\n".join(lines), used


async def _listing(ctx: Ctx, *, chat_only: bool) -> str:
    parts = []
    budget = LISTING_BUDGET
    if not chat_only:
        text, used = _entries(ctx, "pronunciations_heading_mine", await ctx.service.pronunciations(ctx.ref), budget)
        parts.append(text)
        budget -= used
    if not ctx.is_private:
        text, _ = _entries(ctx, "pronunciations_heading_chat", await ctx.service.pronunciations(ctx.ref, server=True),
                           max(budget, 200))
        parts.append(text)
    parts.append(ctx.tr("pronounce_usage"))
    return "\n\n".join(parts)


@group_handler
async def pronounce_command(ctx: Ctx) -> None:
    text = ctx.text_after_command()
    first, _, rest = text.partition(" ")
    chat = first.lower() == "chat"
    if ctx.on_behalf_of is not None and not (chat and ctx.on_behalf_of == "group"):
        return  # posted as the group (an anonymous admin) counts for the group's dictionary only
    if chat:
        if ctx.is_private:
            raise PermissionDenied(action="action_scope_settings_private")
        text = rest.strip()
    if not text:
        await ctx.reply(await _listing(ctx, chat_only=chat))
        return
    word, spoken = parse_entry(text)
    is_admin = await is_chat_admin(ctx) if chat else False
    if spoken is None:
        removed = await ctx.service.remove_pronunciation(ctx.ref, word, server=chat, is_admin=is_admin)
        await ctx.reply(ctx.tr("pronunciation_removed", word=removed.word))
        return
    entry = await ctx.service.set_pronunciation(ctx.ref, word, spoken, server=chat, is_admin=is_admin)
    await ctx.reply(ctx.tr("pronunciation_set_for_all" if chat else "pronunciation_set",
                           word=entry.word, spoken=entry.spoken, place="place_chat"))

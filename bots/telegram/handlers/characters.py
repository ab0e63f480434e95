"""/character: characters with a voice and a persona. In a private chat they are the user's own; in a group, the
group's (its creator or a group admin may change one). Persona and greeting may be long: they are the rest of the
message after the name (line breaks kept), or the text of the message the command replies to."""

from __future__ import annotations

from core.i18n import OFF_WORDS, t
from core.models import Character

from .. import talk_strings  # noqa: F401 - registers the sentences
from ..context import Ctx, handler
from .common import is_chat_admin

#: /character SUBCOMMAND → the field it sets.
FIELDS = {"persona": "persona", "greeting": "greeting", "lang": "reply_language", "language": "reply_language",
          "voice": "voice", "style": "style", "model": "model"}
NEW_WORDS = frozenset({"new", "create", "add"})
DELETE_WORDS = frozenset({"delete", "remove", "del"})
QUOTES = {'"': '"', "“": "”", "「": "」", "'": "'"}


def split_name(text: str) -> tuple[str, str]:
    """``NAME rest`` → (name, rest); a name with spaces is quoted (``"Doctor Who" rest``)."""
    text = text.strip()
    close = QUOTES.get(text[:1])
    if close:
        end = text.find(close, 1)
        if end > 0:
            return text[1:end].strip(), text[end + 1:].strip()
    name, _, rest = text.partition(" ")
    if "\n" in name:
        name, _, more = name.partition("\n")
        rest = f"{more} {rest}".strip()
    return name.strip(), rest.strip()


@handler
async def character_command(ctx: Ctx) -> None:
    """/character — your characters (a group's in a group); /character new NAME [VOICE]; /character show NAME;
    /character persona|greeting|lang|voice|style|model NAME VALUE (off clears; persona and greeting may be the text
    of the message you reply to); /character delete NAME."""
    sub, _, rest = ctx.text_after_command().partition(" ")
    sub = sub.strip().lower()
    personal = ctx.is_private
    if not sub or sub == "list":
        await _list(ctx)
        return
    name, value = split_name(rest)
    if not name:
        await ctx.reply(ctx.tr("talk_character_usage"))
        return
    service = ctx.service
    if sub in NEW_WORDS:
        char = await service.create_character(ctx.ref, name, voice=value or None, personal=personal)
        await ctx.reply(ctx.tr("talk_character_created", name=char.name, voice=await service.character_voice_name(char)))
        return
    if sub == "show":
        await ctx.reply(await _details(ctx, await service.find_character(ctx.ref, name)))
        return
    is_admin = await is_chat_admin(ctx)
    if sub in DELETE_WORDS:
        char = await service.delete_character(ctx.ref, name, is_admin=is_admin, personal=personal)
        await ctx.reply(ctx.tr("talk_character_deleted", name=char.name))
        return
    field = FIELDS.get(sub)
    if field is None:
        await ctx.reply(ctx.tr("talk_character_usage"))
        return
    replied = ctx.message.reply_to_message if ctx.message else None
    if not value and replied is not None and field in ("persona", "greeting"):
        value = (replied.text or replied.caption or "").strip()
    if not value:
        await ctx.reply(ctx.tr("talk_character_usage"))
        return
    cleared = value.strip().lower() in OFF_WORDS
    char = await service.update_character(ctx.ref, name, is_admin=is_admin, personal=personal,
                                          **{field: None if cleared else value})
    await ctx.reply(ctx.tr("talk_character_updated", name=char.name))


async def _list(ctx: Ctx) -> None:
    service = ctx.service
    sections: list[tuple[str, list[Character]]] = []
    if not ctx.is_private:
        sections.append(("talk_character_list_group", await service.characters(ctx.ref.scope or "")))
    own_scope = await service.character_scope(ctx.ref, personal=True)
    sections.append(("talk_character_list_own", await service.characters(own_scope or "")))
    lines: list[str] = []
    for title, chars in sections:
        if not chars:
            continue
        lines.append(ctx.tr(title))
        for char in chars:
            lines.append(ctx.tr("talk_character_line", name=char.name, voice=await service.character_voice_name(char),
                                persona=t("talk_character_has_persona", ctx.lang) if char.persona else ""))
    await ctx.reply("\n".join(lines) if lines else ctx.tr("talk_character_none"))


async def _details(ctx: Ctx, char: Character) -> str:
    unset = t("talk_character_unset", ctx.lang)
    return ctx.tr(
        "talk_character_details", name=char.name, voice=await ctx.service.character_voice_name(char),
        style=char.settings.style or unset,
        language=char.reply_language or t("talk_character_reply_language_default", ctx.lang),
        model=char.model or t("talk_character_model_default", ctx.lang),
        greeting=char.greeting or unset, persona=char.persona or unset)

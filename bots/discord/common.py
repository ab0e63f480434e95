"""Helpers shared by every Discord cog (text side and voice side).

* :func:`user_ref` — who is asking and where, as the core's :class:`~core.models.UserRef`;
* :func:`ui_lang` — the language to answer in;
* :func:`is_manager` — whether the member has Manage Server here;
* :func:`mention_names` — ``{id: name}`` for the mentions in a text, for :func:`bots.discord.markup.to_plain`;
* :func:`reply` — answer ephemerally whether or not the interaction was deferred;
* :class:`VoiceBridgeTree` — the one error handler: a :class:`~core.errors.VoiceBridgeError` becomes its
  sentence in the user's language (ephemeral); anything unexpected is logged once with its traceback
  and answered with a short generic sentence;
* :class:`OwnerView` — a ``discord.ui.View`` only its invoker may press, whose errors go to the same handler.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bots.discord import strings as _strings  # noqa: F401  (registers the adapter's sentences)
from core.errors import InvalidValue, PermissionDenied, VoiceBridgeError
from core.i18n import error_text, normalize_language, set_locale, t
from core.models import UserRef
from core.text import normalize_input

if TYPE_CHECKING:
    from core.service import VoiceService

log = logging.getLogger("bots.discord")

PLATFORM = "discord"
#: Discord's limit on message content.
CONTENT_LIMIT = 2000
_LANG_KEY = "voicebridge_lang"


# --- who and where ------------------------------------------------------------------------------


def user_ref(interaction: discord.Interaction, *, is_private: bool | None = None) -> UserRef:
    """The core's view of the invoker: Discord user id, guild id as scope, the client's locale.

    ``is_private`` defaults to "this is a DM"; pass ``True`` for answers that only the invoker can see
    (``/key`` is an ephemeral-only slash command, so its key is never visible to anyone else).
    """
    user = interaction.user
    private = interaction.guild_id is None if is_private is None else is_private
    return UserRef(
        platform=PLATFORM,
        user_id=str(user.id),
        scope_id=str(interaction.guild_id) if interaction.guild_id else None,
        language_hint=str(interaction.locale) if interaction.locale else None,
        display_name=getattr(user, "display_name", None) or getattr(user, "name", None),
        is_private=private,
    )


def member_ref(member: discord.Member | discord.User, guild_id: int | None, *,
               locale: str | None = None) -> UserRef:
    """A UserRef for someone who did not use a command (auto-read of a message, a voice-channel event)."""
    return UserRef(
        platform=PLATFORM,
        user_id=str(member.id),
        scope_id=str(guild_id) if guild_id else None,
        language_hint=locale,
        display_name=getattr(member, "display_name", None) or member.name,
        is_private=guild_id is None,
    )


def with_private(user: UserRef, private: bool = True) -> UserRef:
    return dataclasses.replace(user, is_private=private)


async def ui_lang(service: VoiceService, interaction: discord.Interaction) -> str:
    """The reply language for this interaction: the user's pinned choice, else the client's locale.

    Remembered on the interaction, so one command asks the store once, and set as the locale of the task
    handling it (:func:`core.i18n.set_locale`). Never raises: if the store is unavailable the client's
    locale decides.
    """
    cached = interaction.extras.get(_LANG_KEY)
    if cached:
        return set_locale(cached)
    try:
        lang = await service.ui_language(user_ref(interaction))
    except Exception:  # the store is down: answer in the client's language rather than fail twice
        log.warning("could not read the UI language; using the client's locale", exc_info=True)
        lang = normalize_language(str(interaction.locale) if interaction.locale else None)
    interaction.extras[_LANG_KEY] = lang
    return set_locale(lang)


def forget_ui_lang(interaction: discord.Interaction) -> None:
    """Drop the remembered language (after /uilang changed it)."""
    interaction.extras.pop(_LANG_KEY, None)


def is_manager(interaction: discord.Interaction) -> bool:
    """True when the invoker has Manage Server in this guild (False in DMs)."""
    if interaction.guild_id is None:
        return False
    perms = interaction.permissions
    return bool(perms.manage_guild or perms.administrator)


_MENTION = re.compile(r"<(@[!&]?|#)(\d{15,21})>")


def mention_names(guild: discord.Guild | None, text: str,
                  extra: Mapping[int, str] | None = None) -> dict[str, str]:
    """``{id: readable name}`` for the user, role and channel mentions in ``text`` that can be resolved."""
    names: dict[str, str] = {}
    for kind, raw_id in _MENTION.findall(text or ""):
        ident = int(raw_id)
        name: str | None = (extra or {}).get(ident)
        if name is None and guild is not None:
            if kind in ("@", "@!"):
                member = guild.get_member(ident) or guild._state.get_user(ident)
                name = member.display_name if member else None
            elif kind == "@&":
                role = guild.get_role(ident)
                name = role.name if role else None
            else:
                channel = guild.get_channel_or_thread(ident)
                name = channel.name if channel else None
        if name:
            names[raw_id] = name
    return names


def clip(text: str, limit: int = CONTENT_LIMIT) -> str:
    """Trim ``text`` to fit a Discord message."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- answering ----------------------------------------------------------------------------------


def _deferred(interaction: discord.Interaction) -> bool:
    return interaction.response.type is discord.InteractionResponseType.deferred_channel_message


async def reply(interaction: discord.Interaction, content: str | None = None, *,
                embed: discord.Embed | None = None, view: discord.ui.View | None = None,
                file: discord.File | None = None) -> None:
    """Answer the invoker only.

    Not yet answered: an ephemeral response. Deferred (we always defer ephemerally, "thinking…"):
    edit that reply. Otherwise: an ephemeral followup.
    """
    content = clip(content) if content is not None else None
    if _deferred(interaction) and interaction.response.is_done():
        edit: dict[str, Any] = {"content": content, "embed": embed, "view": view}
        if file is not None:
            edit["attachments"] = [file]
        await interaction.edit_original_response(**edit)
        return
    # A new message (first response or followup) takes only the parts that are set.
    extras: dict[str, Any] = {k: v for k, v in (("embed", embed), ("view", view), ("file", file)) if v is not None}
    if not interaction.response.is_done():
        await interaction.response.send_message(content, ephemeral=True, **extras)
    else:
        await interaction.followup.send(content or discord.utils.MISSING, ephemeral=True, **extras)


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the invoker about ``error`` in their language (never raises)."""
    if interaction.type is discord.InteractionType.autocomplete:
        return  # an autocomplete can only answer with choices
    service = getattr(interaction.client, "service", None)
    if service is not None:
        lang = await ui_lang(service, interaction)
    else:
        lang = normalize_language(str(interaction.locale) if interaction.locale else None)
    if isinstance(error, VoiceBridgeError):
        text = error_text(error, lang)
    elif isinstance(error, discord.Forbidden):
        text = t("missing_post_permission", lang)
    else:
        text = t("internal", lang)
    try:
        if interaction.is_expired():
            return
        if _deferred(interaction):
            # The error replaces "thinking…"; buttons, embeds and files of that reply go away.
            await interaction.edit_original_response(content=clip(text), view=None, embed=None, attachments=[])
        else:
            await reply(interaction, text)
    except discord.HTTPException as exc:
        log.warning("could not deliver an error message (%s %s)", exc.status, exc.code)
    except Exception:
        log.exception("could not deliver an error message")


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, VoiceBridgeError):
        return error.__cause__
    return error


def translate_check_failure(error: BaseException) -> BaseException:
    """Map discord.py's check failures onto the core error tree (so they get a sentence)."""
    if isinstance(error, app_commands.MissingPermissions):
        return PermissionDenied(action="action_server_settings")
    if isinstance(error, app_commands.NoPrivateMessage):
        return PermissionDenied(action="action_outside_server")
    if isinstance(error, app_commands.TransformerError):  # e.g. a member who has left the server
        return InvalidValue(name=str(getattr(error.transformer, "_error_display_name", "option")),
                            value=str(error.value)[:32], allowed="allowed_existing_member")
    if isinstance(error, app_commands.CommandOnCooldown):
        from core.errors import TooManyRequests

        return TooManyRequests(retry_after=max(1, int(error.retry_after + 0.999)))
    return error


async def handle_error(interaction: discord.Interaction, error: BaseException) -> None:
    """The one error handler, for commands and components alike."""
    original = translate_check_failure(_unwrap(error))
    if isinstance(original, VoiceBridgeError):
        log.info("command %s: %s", _command_name(interaction), type(original).__name__)
    elif isinstance(original, app_commands.CheckFailure):
        original = PermissionDenied(action="action_command_here")
    elif isinstance(original, discord.Forbidden):
        log.warning("command %s: Discord refused (%s %s)", _command_name(interaction), original.status,
                    original.code)
    else:
        log.error("unexpected error in %s", _command_name(interaction), exc_info=original)
    await send_error(interaction, original)


def _command_name(interaction: discord.Interaction) -> str:
    command = interaction.command
    if command is not None:
        return "/" + command.qualified_name
    data: Mapping[str, object] = interaction.data or {}
    return str(data.get("custom_id") or data.get("name") or "interaction")


def _normalized(value: Any) -> Any:
    """Option values with lone surrogates made safe (``core.text.normalize_input``), nested as they come."""
    if isinstance(value, str):
        return normalize_input(value)
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


class VoiceBridgeTree(app_commands.CommandTree):
    """The command tree with the one error handler; text enters the bot normalised (the edge)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        data = interaction.data
        if isinstance(data, dict) and "options" in data:  # before discord.py reads the options
            data["options"] = _normalized(data["options"])  # type: ignore[typeddict-item, typeddict-unknown-key]
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await handle_error(interaction, error)


class OwnerView(discord.ui.View):
    """A view that only the invoker may use; errors go to :func:`handle_error`."""

    def __init__(self, owner_id: int, *, lang: str = "en", timeout: float | None = 120.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.lang = lang

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        lang = normalize_language(str(interaction.locale) if interaction.locale else None)
        service = getattr(interaction.client, "service", None)
        if service is not None:
            lang = await ui_lang(service, interaction)
        await interaction.response.send_message(t("buttons_invoker_only", lang), ephemeral=True)
        return False

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item, /) -> None:
        await handle_error(interaction, error)


class ConfirmView(OwnerView):
    """Confirm / Cancel buttons for the invoker. After :meth:`wait`, ``value`` is True, False or None
    (timed out) and ``pressed`` is the button's interaction (not yet answered) when one was pressed."""

    def __init__(self, owner_id: int, *, lang: str = "en", confirm_label: str | None = None,
                 danger: bool = False, timeout: float = 120.0) -> None:
        super().__init__(owner_id, lang=lang, timeout=timeout)
        self.value: bool | None = None
        self.pressed: discord.Interaction | None = None
        self.confirm.label = (confirm_label or t("button_confirm", lang))[:80]
        self.confirm.style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success
        self.cancel.label = t("button_cancel", lang)
        token = secrets.token_hex(6)
        self.confirm.custom_id = f"vb:confirm:{token}"
        self.cancel.custom_id = f"vb:cancel:{token}"

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.value, self.pressed = True, interaction
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.value, self.pressed = False, interaction
        self.stop()


async def ask_confirmation(interaction: discord.Interaction, text: str, *, lang: str,
                           confirm_label: str | None = None, danger: bool = False,
                           timeout: float = 120.0) -> discord.Interaction | None:
    """Show ``text`` with Confirm / Cancel to the invoker and wait.

    Returns the confirming button's interaction (not yet answered: answer it within 3 s), or None after
    Cancel or the timeout, in which case the prompt has already been replaced by "cancelled".
    """
    view = ConfirmView(interaction.user.id, lang=lang, confirm_label=confirm_label, danger=danger,
                       timeout=timeout)
    await reply(interaction, text, view=view)
    await view.wait()
    if view.value:
        return view.pressed
    if view.pressed is not None:
        await view.pressed.response.edit_message(content=t("confirmation_cancelled", lang), view=None, embed=None)
    else:
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=t("confirmation_timed_out", lang), view=None, embed=None)
    return None


__all__ = [
    "CONTENT_LIMIT",
    "ConfirmView",
    "OwnerView",
    "VoiceBridgeTree",
    "ask_confirmation",
    "clip",
    "forget_ui_lang",
    "handle_error",
    "is_manager",
    "member_ref",
    "mention_names",
    "reply",
    "send_error",
    "translate_check_failure",
    "ui_lang",
    "user_ref",
    "with_private",
]

"""The helpers every Discord cog shares (bots/discord/common.py), on real discord.py interactions answered by
the fake Discord: the one error handler, the references and checks every command makes, the replies and the
confirmation buttons."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bots.discord.common import (
    OwnerView,
    ask_confirmation,
    clip,
    forget_ui_lang,
    handle_error,
    is_manager,
    member_ref,
    mention_names,
    reply,
    send_error,
    translate_check_failure,
    ui_lang,
    user_ref,
    with_private,
)
from core.errors import EmptyText, InvalidValue, PermissionDenied, QuotaExceeded, TooManyRequests
from core.i18n import error_text
from tests.fakes.discord import (
    GUILD_ID,
    MANAGER_PERMISSIONS,
    OTHER_USER_ID,
    USER_ID,
    http_error,
    make_component_interaction,
    make_interaction,
    press,
    run_command,
)

INTERNAL = "Something went wrong on our side. Please try again."


def errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


class Languages:
    """A service that only knows each user's reply language (and counts the lookups)."""

    def __init__(self, lang: str = "en", *, down: bool = False) -> None:
        self.lang, self.down, self.asked = lang, down, 0

    async def ui_language(self, user) -> str:
        self.asked += 1
        if self.down:
            raise ConnectionError("store down")
        return self.lang


# --- who and where ------------------------------------------------------------------------------


def test_member_ref_for_someone_who_did_not_run_a_command() -> None:
    member = SimpleNamespace(id=7, display_name=None, name="kurisu")
    ref = member_ref(member, GUILD_ID, locale="ja")
    assert (ref.platform, ref.user_id, ref.scope_id, ref.language_hint, ref.display_name, ref.is_private) == \
        ("discord", "7", str(GUILD_ID), "ja", "kurisu", False)
    dm = member_ref(SimpleNamespace(id=7, display_name="Kurisu", name="kurisu"), None)
    assert dm.scope_id is None and dm.is_private and dm.display_name == "Kurisu"
    assert with_private(ref).is_private and not with_private(dm, False).is_private


def test_is_manager_needs_manage_server_or_administrator(bot) -> None:
    assert is_manager(make_interaction(bot, "settings", permissions=discord.Permissions(administrator=True)))
    assert not is_manager(make_interaction(bot, "settings", permissions=discord.Permissions(
        manage_channels=True, mute_members=True, moderate_members=True)))


async def test_ui_lang_is_asked_once_per_interaction_and_survives_a_store_outage(bot, caplog) -> None:
    inter = make_interaction(bot, "settings", locale="ja")
    service = Languages("zh")
    assert await ui_lang(service, inter) == "zh"
    assert await ui_lang(service, inter) == "zh" and service.asked == 1
    forget_ui_lang(inter)
    service.lang = "en"
    assert await ui_lang(service, inter) == "en" and service.asked == 2

    with caplog.at_level(logging.WARNING, logger="bots.discord"):
        assert await ui_lang(Languages(down=True), make_interaction(bot, "settings", locale="ja")) == "ja"
    assert any("UI language" in r.getMessage() for r in caplog.records)


def test_mention_names_resolves_members_roles_and_channels() -> None:
    okabe, daru, lab_role, lab_channel, stranger = (101000000000000001, 102000000000000002, 201000000000000001,
                                                    301000000000000001, 999000000000000009)
    guild = SimpleNamespace(get_member={okabe: SimpleNamespace(display_name="Okabe")}.get,
                            _state=SimpleNamespace(get_user={daru: SimpleNamespace(display_name="Daru")}.get),
                            get_role={lab_role: SimpleNamespace(name="Lab")}.get,
                            get_channel_or_thread={lab_channel: SimpleNamespace(name="lab")}.get)
    text = f"<@{okabe}> <@!{daru}> <@&{lab_role}> <#{lab_channel}> <@{stranger}> <@5>"
    assert mention_names(guild, text) == {str(okabe): "Okabe", str(daru): "Daru", str(lab_role): "Lab",
                                          str(lab_channel): "lab"}  # unknown ids and short numbers left alone
    assert mention_names(None, f"<@{stranger}> <@{okabe}>", {stranger: "Mayuri", okabe: "Hououin"}) == {
        str(stranger): "Mayuri", str(okabe): "Hououin"}
    assert mention_names(guild, f"<@{okabe}>", {okabe: "Hououin"}) == {str(okabe): "Hououin"}  # extra first
    assert mention_names(guild, "") == {} and mention_names(guild, None) == {}


def test_clip_fits_a_discord_message() -> None:
    assert clip("short") == "short" and clip(None) == ""
    clipped = clip("x" * 2500)
    assert len(clipped) == 2000 and clipped.endswith("…") and clipped[:1999] == "x" * 1999
    assert clip("abcdef", 4) == "abc…" and clip("abcd", 4) == "abcd"


# --- answering ----------------------------------------------------------------------------------


async def test_reply_answers_then_follows_up_always_ephemerally(bot) -> None:
    inter = make_interaction(bot, "settings")
    await reply(inter, "first")
    await reply(inter, "second", embed=discord.Embed(title="more"))
    first, second = bot.fake.replies(inter.token)
    assert first.callback_type == 4 and first.content == "first" and first.ephemeral
    assert second.method == "POST" and "/callback" not in second.path
    assert second.content == "second" and second.ephemeral and second.embeds[0]["title"] == "more"


async def test_reply_after_a_defer_edits_the_thinking_message(bot) -> None:
    inter = make_interaction(bot, "settings")
    await inter.response.defer(ephemeral=True, thinking=True)
    await reply(inter, "y" * 2100)
    [answer] = bot.fake.replies(inter.token)
    assert answer.method == "PATCH" and answer.path.endswith("/messages/@original")
    assert len(answer.content) == 2000  # clipped


async def test_send_error_says_what_went_wrong_in_the_users_language(bot) -> None:
    inter = make_interaction(bot, "settings")
    await send_error(inter, EmptyText())
    assert bot.fake.last_reply(inter.token).content == error_text(EmptyText(), "en")
    inter = make_interaction(bot, "settings", locale="zh-CN")
    await send_error(inter, EmptyText())
    assert bot.fake.last_reply(inter.token).content == error_text(EmptyText(), "zh")
    inter = make_interaction(bot, "settings")
    await send_error(inter, http_error(403, 50013))
    assert "not allowed to post" in bot.fake.last_reply(inter.token).content
    inter = make_interaction(bot, "settings")
    await send_error(inter, RuntimeError("internals"))
    assert bot.fake.last_reply(inter.token).content == INTERNAL

    inter = make_interaction(bot, "settings")
    await inter.response.defer(ephemeral=True, thinking=True)
    await send_error(inter, EmptyText())
    answer = bot.fake.last_reply(inter.token)
    assert answer.method == "PATCH" and answer.payload["components"] == [] and answer.payload["attachments"] == []

    typing = make_interaction(bot, "voice", {"name": "a"}, focused="name")
    await send_error(typing, EmptyText())  # an autocomplete can only answer with choices
    assert bot.fake.interaction_calls(typing.token) == []


def test_check_failures_become_core_errors() -> None:
    assert isinstance(translate_check_failure(app_commands.MissingPermissions(["manage_guild"])), PermissionDenied)
    assert isinstance(translate_check_failure(app_commands.NoPrivateMessage()), PermissionDenied)
    slow = translate_check_failure(app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), 2.2))
    assert isinstance(slow, TooManyRequests) and slow.params == {"retry_after": 3}
    soon = translate_check_failure(app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), 0.01))
    assert soon.params == {"retry_after": 1}
    transformer = SimpleNamespace(_error_display_name="member")
    gone = translate_check_failure(app_commands.TransformerError("z" * 40, discord.AppCommandOptionType.user,
                                                                 transformer))
    assert isinstance(gone, InvalidValue) and gone.params["name"] == "member" and gone.params["value"] == "z" * 32
    other = RuntimeError("x")
    assert translate_check_failure(other) is other


async def test_handle_error_unwraps_logs_once_and_answers(bot, caplog) -> None:
    command = bot.tree.get_command("settings")
    caplog.set_level(logging.INFO, logger="bots.discord")

    inter = make_interaction(bot, "settings")
    await handle_error(inter, app_commands.CommandInvokeError(command, EmptyText()))
    assert bot.fake.last_reply(inter.token).content == error_text(EmptyText(), "en")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    inter = make_interaction(bot, "settings")
    await handle_error(inter, app_commands.CheckFailure())
    assert bot.fake.last_reply(inter.token).content == error_text(PermissionDenied(action="action_command_here"), "en")

    inter = make_interaction(bot, "settings")
    await handle_error(inter, app_commands.CommandInvokeError(command, RuntimeError("boom")))
    assert bot.fake.last_reply(inter.token).content == INTERNAL
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "/settings" in record.getMessage() and record.exc_info[0] is RuntimeError


async def test_the_tree_normalises_option_text_before_the_command_reads_it(bot) -> None:
    inter = make_interaction(bot, "speak", [{"name": "text", "type": 3, "value": "a\ud83d\ude00b\ud800"},
                                            {"name": "nested", "type": 1, "options": [
                                                {"name": "x", "type": 3, "value": "\udfff"}]}])
    assert await bot.tree.interaction_check(inter) is True
    [text, nested] = inter.data["options"]
    assert text["value"] == "a\N{GRINNING FACE}b\ufffd" and nested["options"][0]["value"] == "\ufffd"


# --- buttons ------------------------------------------------------------------------------------


async def test_owner_view_turns_away_everyone_else(bot) -> None:
    view = OwnerView(USER_ID)
    stranger = make_component_interaction(bot, "vb:x", message_id=1, user_id=OTHER_USER_ID)
    assert await view.interaction_check(stranger) is False
    answer = bot.fake.last_reply(stranger.token)
    assert answer.ephemeral and answer.content == "Only the person who ran the command can press these buttons."
    owner = make_component_interaction(bot, "vb:x", message_id=1, user_id=USER_ID)
    assert await view.interaction_check(owner) is True
    assert bot.fake.interaction_calls(owner.token) == []
    view.stop()


@pytest.mark.parametrize("button", ["Forget", "Cancel"])
async def test_ask_confirmation_returns_the_confirming_press_only(bot, button) -> None:
    inter = make_interaction(bot, "settings")
    asking = asyncio.create_task(ask_confirmation(inter, "Really?", lang="en", confirm_label="Forget"))
    pressed = await press(bot, inter, button)
    result = await asyncio.wait_for(asking, 10)
    prompt = bot.fake.replies(inter.token)[0]
    assert prompt.content == "Really?" and [c["label"] for c in prompt.components[0]["components"]] == \
        ["Forget", "Cancel"]
    if button == "Forget":
        assert result is pressed and bot.fake.interaction_calls(pressed.token) == []  # the caller answers it
    else:
        assert result is None
        [cancelled] = bot.fake.interaction_calls(pressed.token)
        assert cancelled.callback_type == 7 and cancelled.content == "Cancelled. Nothing was changed."


async def test_ask_confirmation_gives_up_after_the_timeout(bot) -> None:
    inter = make_interaction(bot, "settings")
    assert await ask_confirmation(inter, "Really?", lang="en", timeout=0.05) is None
    expired = bot.fake.last_reply(inter.token)
    assert expired.method == "PATCH" and expired.content == "This took too long and was cancelled. Nothing was changed."


async def test_unexpected_error_is_logged_once_and_answered_briefly(bot, app, monkeypatch, caplog) -> None:
    async def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.service, "usage", boom)
    inter = await run_command(bot, "usage")
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral and answer.content == "Something went wrong on our side. Please try again."
    [record] = errors(caplog)
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "/usage" in record.getMessage()


async def test_unexpected_error_after_defer_edits_the_reply(bot, app, monkeypatch, caplog) -> None:
    async def boom(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(app.service.cases.speech, "prepare", boom)
    inter = await run_command(bot, "speak", {"text": "hi"})
    answer = bot.fake.last_reply(inter.token)
    assert answer.method == "PATCH" and answer.content == "Something went wrong on our side. Please try again."
    assert len(errors(caplog)) == 1


async def test_core_errors_become_their_sentence_in_the_users_language(bot, app, monkeypatch, caplog) -> None:
    async def over(*args, **kwargs):
        raise QuotaExceeded(used=10, limit=10)

    monkeypatch.setattr(app.service.cases.speech, "prepare", over)
    inter = await run_command(bot, "speak", {"text": "hi"}, locale="zh-CN")
    assert bot.fake.last_reply(inter.token).content.startswith("今日额度已用完（10/10 字节）")
    assert not errors(caplog)


async def test_failing_to_deliver_the_error_does_not_raise(bot, app, monkeypatch, caplog) -> None:
    async def over(*args, **kwargs):
        raise QuotaExceeded(used=10, limit=10)

    monkeypatch.setattr(app.service.cases.speech, "prepare", over)
    bot.fake.fail("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", status=404, code=10015,
                  times=5)
    await run_command(bot, "speak", {"text": "hi"})  # no exception escapes


def test_user_ref_and_manager(bot) -> None:
    inter = make_interaction(bot, "settings", locale="ja", permissions=MANAGER_PERMISSIONS)
    ref = user_ref(inter)
    assert (ref.platform, ref.user_id, ref.scope_id, ref.language_hint, ref.is_private) == \
        ("discord", str(USER_ID), str(GUILD_ID), "ja", False)
    assert user_ref(inter, is_private=True).is_private
    assert is_manager(inter)
    dm = make_interaction(bot, "settings", guild_id=None, permissions=discord.Permissions.all())
    assert user_ref(dm).is_private and user_ref(dm).scope_id is None
    assert not is_manager(dm)

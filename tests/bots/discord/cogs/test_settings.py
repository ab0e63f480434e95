"""Personal settings, /key, /usage and /forget."""

from __future__ import annotations

import logging

import pytest

from core.models import UserRef
from tests.fakes.discord import (
    OTHER_USER_ID,
    USER_ID,
    autocomplete,
    press,
    run_command,
    start_command,
)

USER_KEY = "sk-user-0123456789abcdefXYZ"


def me() -> UserRef:
    return UserRef(platform="discord", user_id=str(USER_ID), scope_id=None)


async def test_settings_is_an_ephemeral_embed(bot) -> None:
    inter = await run_command(bot, "settings")
    [answer] = bot.fake.replies(inter.token)
    assert answer.callback_type == 4 and answer.ephemeral
    [embed] = answer.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Voice"].startswith("anna") and "default" in fields["Voice"]


async def test_speed_gain_lang_change_and_show_their_source(bot, app) -> None:
    await run_command(bot, "speed", {"value": 1.5})
    await run_command(bot, "gain", {"db": -3.0})
    await run_command(bot, "lang", {"language": "ja"})
    view = await app.service.settings(me())
    assert (view.effective.speed, view.effective.gain, view.effective.language) == (1.5, -3.0, "ja")
    inter = await run_command(bot, "settings")
    fields = {f["name"]: f["value"] for f in bot.fake.last_reply(inter.token).embeds[0]["fields"]}
    assert fields["Speed"] == "1.5× · *yours*"


async def test_out_of_range_changes_nothing(bot, app) -> None:
    inter = await run_command(bot, "speed", {"value": 9.0})  # the client would refuse; the service too
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral and "between 0.25 and 4.0" in answer.content
    assert (await app.service.settings(me())).effective.speed == 1.0


async def test_style_autocomplete_and_set(bot, app) -> None:
    choices = await autocomplete(bot, "style", {"style": ""}, focused="style")
    values = [c["value"] for c in choices]
    assert values[0] == "off" and "开心" in values and len(choices) <= 25
    choices = await autocomplete(bot, "style", {"style": "wh"}, focused="style")
    assert "耳语" in [c["value"] for c in choices]
    assert choices[0]["value"] == "wh"  # free text is offered as typed
    inter = await run_command(bot, "style", {"style": "happy"})
    assert "开心" in bot.fake.last_reply(inter.token).content
    assert (await app.service.settings(me())).effective.style == "开心"
    inter = await run_command(bot, "style", {"style": "off"})
    assert bot.fake.last_reply(inter.token).content == "Style turned off."
    assert (await app.service.settings(me())).effective.style is None


async def test_uilang_switches_the_reply_language(bot) -> None:
    inter = await run_command(bot, "uilang", {"language": "zh"})
    assert bot.fake.last_reply(inter.token).content == "我会用中文回复你。"
    inter = await run_command(bot, "speed", {"value": 2.0})
    assert bot.fake.last_reply(inter.token).content == "语速已设为 2×。"


async def test_errors_follow_the_discord_locale(bot) -> None:
    inter = await run_command(bot, "voice", {"name": "nobody"}, locale="ja")
    assert bot.fake.last_reply(inter.token).content == "「nobody」という声はありません。/voices を見てください。"


async def test_reset_clears_a_setting(bot, app) -> None:
    await run_command(bot, "speed", {"value": 2.0})
    await run_command(bot, "reset", {"setting": "speed"})
    assert (await app.service.settings(me())).user.speed is None


# --- /key ---------------------------------------------------------------------------------------


async def test_key_is_private_encrypted_and_never_echoed(bot, app, fake_siliconflow, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fake_siliconflow.add_api_key(USER_KEY)
    inter = await run_command(bot, "key", {"key": USER_KEY})  # in a server channel
    calls = bot.fake.interaction_calls(inter.token)
    assert calls[0].callback_type == 5 and calls[0].ephemeral  # deferred ephemerally before anything else
    answer = bot.fake.last_reply(inter.token)
    assert "…" in answer.content and "saved" in answer.content
    assert USER_KEY not in bot.fake.everything_sent()
    assert USER_KEY[4:-4] not in bot.fake.everything_sent()
    assert USER_KEY not in caplog.text
    # stored encrypted: not in the database file, but readable through the store
    db_file = app.config.data_dir / "voicebridge.db"
    raw = b"".join(p.read_bytes() for p in db_file.parent.glob("voicebridge.db*"))
    assert USER_KEY.encode() not in raw
    uid = await app.service.user_id(me())
    assert await app.store.get_api_key(uid) == USER_KEY
    # and it is used for the user's speech from now on
    await run_command(bot, "speak", {"text": "With my own key."})
    assert fake_siliconflow.requests_for("speech")[-1].api_key == USER_KEY
    inter = await run_command(bot, "settings")
    fields = {f["name"]: f["value"] for f in bot.fake.last_reply(inter.token).embeds[0]["fields"]}
    assert fields["API key"] == "…" + USER_KEY[-4:]


async def test_key_clear(bot, app, fake_siliconflow) -> None:
    fake_siliconflow.add_api_key(USER_KEY)
    await run_command(bot, "key", {"key": USER_KEY}, guild_id=None)
    inter = await run_command(bot, "key", {"key": "clear"})
    assert bot.fake.last_reply(inter.token).content == "Your key was removed."
    assert await app.store.get_api_key(await app.service.user_id(me())) is None


@pytest.mark.parametrize("key", ["short", "sk-refused-0123456789abcdef"])
async def test_bad_key_is_refused_and_not_stored(bot, app, key) -> None:
    inter = await run_command(bot, "key", {"key": key})
    answer = bot.fake.last_reply(inter.token)
    assert answer.content == "That doesn't look like an API key."
    assert key not in bot.fake.everything_sent()
    assert await app.store.get_api_key(await app.service.user_id(me())) is None


# --- /usage and /forget -------------------------------------------------------------------------


async def test_usage_counts_bytes(bot) -> None:
    await run_command(bot, "speak", {"text": "twelve bytes"})
    inter = await run_command(bot, "usage")
    content = bot.fake.last_reply(inter.token).content
    assert "Today: 12 bytes in 1 requests" in content
    assert "on the bot's key" not in content  # no daily limit set


async def test_forget_asks_first_and_deletes(bot, app) -> None:
    await run_command(bot, "speed", {"value": 2.0})
    inter, task = start_command(bot, "forget")
    await press(bot, inter, "vb:confirm")
    await task
    assert "everything about you was deleted" in bot.fake.last_reply(inter.token).content
    assert await app.store.find_user("discord", str(USER_ID)) is None


async def test_forget_cancel_keeps_everything(bot, app) -> None:
    await run_command(bot, "speed", {"value": 2.0})
    inter, task = start_command(bot, "forget")
    pressed = await press(bot, inter, "vb:cancel")
    await task
    [update] = [c for c in bot.fake.replies(pressed.token)]
    assert update.callback_type == 7 and update.content == "Cancelled. Nothing was changed."
    assert (await app.service.settings(me())).effective.speed == 2.0


async def test_only_the_invoker_may_press(bot, app) -> None:
    await run_command(bot, "speed", {"value": 2.0})
    inter, task = start_command(bot, "forget")
    intruder = await press(bot, inter, "vb:confirm", user_id=OTHER_USER_ID)
    await bot.fake.wait_for(lambda: bot.fake.replies(intruder.token))
    [refusal] = bot.fake.replies(intruder.token)
    assert refusal.ephemeral and "Only the person who ran the command" in refusal.content
    assert not task.done()
    await press(bot, inter, "vb:cancel")
    await task
    assert (await app.service.settings(me())).effective.speed == 2.0

"""``/speak`` end to end: the real service on the fake SiliconFlow, the bot on the fake Discord."""

from __future__ import annotations

import logging

import discord
import pytest

from core.models import UserRef
from tests.bots.discord.helpers import assert_audio_file, assert_voice_message
from tests.fakes.discord import (
    BOT_PERMISSIONS,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    USER_ID,
    invoke,
    make_interaction,
    run_command,
)

SPEAK_PATH = "/channels/{channel_id}/messages"


async def test_speak_posts_a_voice_message_after_an_ephemeral_defer(bot, fake_siliconflow) -> None:
    inter = await run_command(bot, "speak", {"text": "Hello there, this is a test."})
    calls = bot.fake.calls
    # 1. deferred within the deadline: the very first request, ephemeral "thinking"
    first = calls[0]
    assert first.kind == "webhook" and first.callback_type == 5 and first.flags == 64
    # 2. the voice message, with the bot token, in the channel
    [post] = bot.fake.channel_messages(CHANNEL_ID)
    meta = assert_voice_message(post)
    assert meta["duration_secs"] > 0.5
    # 3. the deferred reply edited last
    last = calls[-1]
    assert last.method == "PATCH" and last.path.endswith("/messages/@original")
    assert last.content == "Sent."
    assert calls.index(post) < calls.index(last)
    assert fake_siliconflow.requests_for("speech")
    assert inter.response.is_done()


async def test_speak_falls_back_to_audio_file_without_voice_message_permission(bot) -> None:
    perms = discord.Permissions(BOT_PERMISSIONS.value)
    perms.send_voice_messages = False
    await run_command(bot, "speak", {"text": "No voice messages here."}, app_permissions=perms)
    [post] = bot.fake.channel_messages()
    assert_audio_file(post, caption="No voice messages here.")
    assert "audio file" in bot.fake.calls[-1].content


async def test_speak_falls_back_when_discord_refuses_with_50173(bot) -> None:
    bot.fake.fail("POST", SPEAK_PATH, status=403, code=50173, message="Cannot send voice messages in this channel")
    await run_command(bot, "speak", {"text": "Refused as voice."})
    failed, sent = bot.fake.find("POST", SPEAK_PATH)
    assert failed.status == 403
    assert_voice_message(failed)
    assert_audio_file(sent, caption="Refused as voice.")


async def test_speak_without_send_permission_answers_privately(bot) -> None:
    perms = discord.Permissions(view_channel=True)
    inter = await run_command(bot, "speak", {"text": "Only for me."}, app_permissions=perms)
    assert not bot.fake.find("POST", SPEAK_PATH)
    edit = bot.fake.last_reply(inter.token)
    assert edit.method == "PATCH"
    assert edit.files and edit.files[0].data[:4] == b"OggS"
    assert "just for you" in edit.payload["content"]


async def test_speak_when_discord_forbids_posting_answers_privately(bot) -> None:
    bot.fake.fail("POST", SPEAK_PATH, status=403, code=50001, message="Missing Access")
    inter = await run_command(bot, "speak", {"text": "Not a member here."})
    edit = bot.fake.last_reply(inter.token)
    assert edit.files and "just for you" in edit.payload["content"]


async def test_speak_in_dm_posts_to_the_dm_channel(bot) -> None:
    await run_command(bot, "speak", {"text": "Hello in private."}, guild_id=None, app_permissions=0)
    [post] = bot.fake.channel_messages()
    assert int(post.route_params["channel_id"]) == DM_CHANNEL_ID
    assert_voice_message(post)


async def test_long_text_becomes_several_voice_messages_in_order(bot) -> None:
    sentence = "This sentence is here to make the text long enough for several notes. "
    await run_command(bot, "speak", {"text": (sentence * 25)[:1990]})
    posts = bot.fake.channel_messages()
    assert len(posts) >= 2
    for post in posts:
        assert_voice_message(post)
    assert bot.fake.calls[-1].content == f"Sent {len(posts)} voice messages."


async def test_note_larger_than_upload_limit_is_refused(bot) -> None:
    inter = await run_command(bot, "speak", {"text": "Too big for this server."}, filesize_limit=100)
    assert not bot.fake.channel_messages()
    assert "upload limit" in bot.fake.last_reply(inter.token).content


async def test_empty_text_after_cleanup(bot, fake_siliconflow) -> None:
    inter = await run_command(bot, "speak", {"text": "```print(1)```"})  # code only (emoji are read by name)
    assert not bot.fake.channel_messages()
    assert "nothing to say" in bot.fake.last_reply(inter.token).content
    assert not fake_siliconflow.requests_for("speech")


async def test_mentions_are_read_as_names(bot, fake_siliconflow) -> None:
    from tests.fakes.discord import GUILD_ID, add_guild

    role = {"id": "800000000000000555", "name": "Moderators", "permissions": "0", "position": 1, "color": 0,
            "hoist": False, "managed": False, "mentionable": True, "flags": 0}
    everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": "0", "position": 0, "color": 0,
                "hoist": False, "managed": False, "mentionable": False, "flags": 0}
    add_guild(bot, roles=[everyone, role])
    await run_command(bot, "speak", {"text": f"hi <@{USER_ID}> and <@&800000000000000555>"}, user_name="alice")
    [req] = fake_siliconflow.requests_for("speech")
    spoken = (req.json or {}).get("input", "")
    assert "Alice" in spoken and "Moderators" in spoken and "<@" not in spoken


async def test_rate_limited_provider_is_retried(bot, fake_siliconflow) -> None:
    fake_siliconflow.fail(429, retry_after=0.05, times=1, endpoint="speech")
    await run_command(bot, "speak", {"text": "Retry me please."})
    assert len(fake_siliconflow.requests_for("speech")) == 2
    assert_voice_message(bot.fake.channel_messages()[0])


async def test_provider_down_falls_back_to_the_offline_engine_with_a_notice(bot, fake_siliconflow) -> None:
    fake_siliconflow.fail(500, times=None, endpoint="speech")
    inter = await run_command(bot, "speak", {"text": "Spoken offline."})
    assert_voice_message(bot.fake.channel_messages()[0])
    reply = bot.fake.last_reply(inter.token).content
    assert reply.startswith("Sent.")
    assert len(reply.splitlines()) == 2  # + the "offline engine" notice


class FakeVoiceManager:
    def __init__(self, shares: bool) -> None:
        self.shares = shares
        self.calls: list[tuple[discord.Interaction, UserRef, str, str | None]] = []

    def shares_channel(self, member: discord.Member) -> bool:
        return self.shares

    async def enqueue_speech(self, interaction, user, text, *, character=None) -> str:
        self.calls.append((interaction, user, text, character))
        return "Queued (position 1)."


async def test_speak_in_a_shared_voice_channel_goes_to_the_voice_manager(bot) -> None:
    bot.voice_manager = FakeVoiceManager(shares=True)
    inter = await run_command(bot, "speak", {"text": "Say it aloud."})
    [(_, user, text, character)] = bot.voice_manager.calls
    assert (user.platform, user.user_id, text, character) == ("discord", str(USER_ID), "Say it aloud.", None)
    assert not bot.fake.channel_messages()
    assert bot.fake.last_reply(inter.token).content == "Queued (position 1)."


async def test_speak_without_shared_channel_posts_a_voice_message(bot) -> None:
    bot.voice_manager = FakeVoiceManager(shares=False)
    await run_command(bot, "speak", {"text": "Not in voice."})
    assert not bot.voice_manager.calls
    assert_voice_message(bot.fake.channel_messages()[0])


async def test_speak_never_logs_an_unexpected_error(bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await run_command(bot, "speak", {"text": "Quiet logs."})
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_interaction_payload_shape(bot) -> None:
    inter = make_interaction(bot, "speak", {"text": "x"})
    assert inter.guild_id and inter.channel_id == CHANNEL_ID and inter.user.id == USER_ID
    assert inter.app_permissions.send_voice_messages


async def test_provider_down_with_a_cloned_voice_gives_a_plain_message(bot, app, fake_siliconflow, caplog) -> None:
    from tests.bots.discord.cogs.test_voices import add_clones

    caplog.set_level(logging.INFO)
    await add_clones(app, ["kurisu"])
    await run_command(bot, "voice", {"name": "kurisu"})
    fake_siliconflow.fail(500, times=None, endpoint="speech")
    inter = await run_command(bot, "speak", {"text": "In my cloned voice."})
    assert len(fake_siliconflow.requests_for("speech")) > 1  # retried first
    assert not bot.fake.channel_messages()
    answer = bot.fake.last_reply(inter.token)
    assert answer.method == "PATCH"
    assert answer.content == "The speech service is unavailable right now. Please try again shortly."
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # nothing about the user's settings was lost
    assert (await app.service.settings(UserRef(platform="discord", user_id=str(USER_ID)))).voice_name == "kurisu"


# --- the message menu: Apps → Read aloud ------------------------------------------------------------------


def _read_aloud(bot, content: str, **kwargs) -> discord.Interaction:
    from bots.discord.cogs.speak import READ_ALOUD
    from tests.fakes.discord import OTHER_USER_ID, message_payload, user_payload

    target = message_payload(content=content, author=user_payload(OTHER_USER_ID), guild_id=GUILD_ID)
    return make_interaction(bot, READ_ALOUD, target_message=target, **kwargs)


async def test_read_aloud_is_a_message_menu_entry(bot) -> None:
    from bots.discord.cogs.speak import READ_ALOUD

    [menu] = [c for c in bot.tree.get_commands(type=discord.AppCommandType.message)]
    assert menu.name == READ_ALOUD and len(READ_ALOUD) <= 32


async def test_read_aloud_gives_the_message_in_my_voice_only_to_me(bot, app, fake_siliconflow) -> None:
    await app.service.set_voice(UserRef(platform="discord", user_id=str(USER_ID), scope_id=str(GUILD_ID)), "claire")
    inter = _read_aloud(bot, "Please read **this** for me: https://example.com/page")
    await invoke(bot, inter)
    assert not bot.fake.find("POST", SPEAK_PATH)  # nothing posted in the channel
    edit = bot.fake.last_reply(inter.token)
    assert edit.method == "PATCH" and edit.files and edit.files[0].data[:4] == b"OggS"
    spoken = fake_siliconflow.requests_for("speech")[-1].json
    assert spoken["voice"].endswith(":claire")  # the invoker's voice, not the author's
    assert spoken["input"].startswith("Please read this for me") and "example.com" not in spoken["input"]


async def test_read_aloud_of_a_message_with_no_text_says_so(bot, fake_siliconflow) -> None:
    inter = _read_aloud(bot, "")
    await invoke(bot, inter)
    assert "nothing to say" in bot.fake.last_reply(inter.token).content
    assert not fake_siliconflow.requests_for("speech")

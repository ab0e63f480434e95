"""The voice-channel cog (bots/discord/cogs/voice_channel.py) on the fake Discord (tests/fakes/discord.py), with
the real app on the fake SiliconFlow, the real Opus encoder and a fake voice connection running discord.py's
player thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace

import discord

from bots.discord.voice_channel.manager import VoiceChannelManager
from tests.bots.discord.voice_channel.fakes import wait_for
from tests.bots.discord.voice_guild import (
    FAST,
    OTHER_VOICE_ID,
    ROLE_ID,
    THIRD_USER_ID,
    VOICE_ID,
    connection,
    guild,
    join,
    message,
    move,
    resolved_member,
    resolved_role,
    spoken,
)
from tests.fakes.discord import (
    BOT_USER_ID,
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMISSIONS,
    OTHER_USER_ID,
    USER_ID,
    message_payload,
    run_command,
    user_payload,
)

# --- start-up --------------------------------------------------------------------------------------


async def test_cogs_load_and_register_the_commands(vbot) -> None:
    assert isinstance(vbot.voice_manager, VoiceChannelManager)
    names = {c.qualified_name for c in vbot.tree.walk_commands()}
    for expected in ("join", "leave", "skip", "clear", "autoread on", "autoread off", "voiceconfig show",
                     "voiceconfig join_on_speak", "voiceconfig max_seconds", "character create",
                     "character speak", "character list", "character edit", "character delete", "speak"):
        assert expected in names, expected


async def test_without_voice_libraries_commands_say_so_and_speak_falls_back(vbot) -> None:
    manager = vbot.voice_manager
    manager.available, manager.unavailable_reason = False, "voice is not available: davey missing"
    inter = await run_command(vbot, "join")
    assert "install discord.py[voice]" in vbot.fake.last_reply(inter.token).content
    assert manager.shares_channel(guild(vbot).get_member(USER_ID)) is False
    await run_command(vbot, "speak", {"text": "still works"})
    assert vbot.fake.channel_messages()  # a voice message instead


# --- join, speak, leave ----------------------------------------------------------------------------


async def test_join_needs_a_voice_channel(vbot) -> None:
    inter = await run_command(vbot, "join", user_id=OTHER_USER_ID)
    assert vbot.fake.last_reply(inter.token).content == "Join a voice channel first."
    assert not vbot.voice_manager.connector.connections


async def test_join_then_speak_plays_in_the_voice_channel(vbot) -> None:
    await join(vbot)
    assert connection(vbot).channel.id == VOICE_ID
    inter = await run_command(vbot, "speak", {"text": "Hello there, voice channel."})
    assert f"<#{VOICE_ID}>" in vbot.fake.last_reply(inter.token).content
    assert not vbot.fake.channel_messages()  # no voice message: it is heard in the channel
    player = vbot.voice_manager.player(GUILD_ID)
    await wait_for(lambda: player.stats.items_spoken == 1, timeout=10)
    assert len(spoken(vbot)) > 10


async def test_join_is_idempotent_and_leave_disconnects(vbot) -> None:
    await join(vbot)
    inter = await run_command(vbot, "join")
    assert "already" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "leave", user_id=OTHER_USER_ID)  # not in the channel, not a manager
    assert "permission" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "leave")
    assert "Left" in vbot.fake.last_reply(inter.token).content
    assert connection(vbot).disconnected and vbot.voice_manager.player(GUILD_ID) is None


async def test_join_does_not_take_the_bot_from_other_listeners(vbot) -> None:
    await join(vbot)
    move(vbot, OTHER_USER_ID, OTHER_VOICE_ID)
    inter = await run_command(vbot, "join", user_id=OTHER_USER_ID)
    assert "speaking in" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "join", user_id=OTHER_USER_ID, permissions=MANAGER_PERMISSIONS)
    assert "Joined" in vbot.fake.last_reply(inter.token).content
    assert ("move", OTHER_VOICE_ID) in connection(vbot).log


async def test_speak_joins_the_callers_channel_when_the_server_allows_it(vbot) -> None:
    manager = vbot.voice_manager
    member = guild(vbot).get_member(USER_ID)
    await run_command(vbot, "voiceconfig join_on_speak", {"enabled": True}, permissions=MANAGER_PERMISSIONS)
    assert manager.shares_channel(member) is True
    inter = await run_command(vbot, "speak", {"text": "I was not here before."})
    assert "Speaking in" in vbot.fake.last_reply(inter.token).content
    assert connection(vbot).channel.id == VOICE_ID


async def test_skip_and_clear(vbot) -> None:
    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    inter = await run_command(vbot, "skip")
    assert vbot.fake.last_reply(inter.token).content == "Nothing is being read right now."
    long_text = "This is a rather long sentence that takes a while to say. " * 4
    await run_command(vbot, "speak", {"text": long_text})
    await run_command(vbot, "speak", {"text": "Second one."})
    await run_command(vbot, "speak", {"text": "Third one."})
    await wait_for(lambda: player.now_playing is not None)
    inter = await run_command(vbot, "skip", user_id=OTHER_USER_ID)
    assert "skip someone else's message" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "clear", user_id=OTHER_USER_ID)  # their own: nothing
    assert vbot.fake.last_reply(inter.token).content == "Removed 0 waiting message(s)."
    inter = await run_command(vbot, "skip")
    assert vbot.fake.last_reply(inter.token).content == "Skipped."
    inter = await run_command(vbot, "clear", permissions=MANAGER_PERMISSIONS)
    assert "Removed" in vbot.fake.last_reply(inter.token).content
    await wait_for(lambda: not player.queue.current and len(player.queue) == 0, timeout=10)
    assert player.stats.items_skipped == 1
    assert vbot.service.limits._in_flight == {}


# --- auto-read -------------------------------------------------------------------------------------


async def test_autoread_on_needs_a_manager_and_is_stored(vbot) -> None:
    inter = await run_command(vbot, "autoread on")
    assert "permission" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    assert "Auto-read is on" in vbot.fake.last_reply(inter.token).content
    assert "/join" in vbot.fake.last_reply(inter.token).content  # not in voice yet
    stored = await vbot.service.scope_options(f"discord:{GUILD_ID}")
    assert stored["autoread_channels"] == [str(CHANNEL_ID)]
    inter = await run_command(vbot, "autoread off", permissions=MANAGER_PERMISSIONS)
    assert "off" in vbot.fake.last_reply(inter.token).content
    stored = await vbot.service.scope_options(f"discord:{GUILD_ID}")
    assert "autoread_channels" not in stored


def spy_on_prepare(vbot) -> list[str]:
    """The cleaned text of every utterance the service prepares from now on."""
    prepared: list[str] = []
    real_prepare = vbot.service.prepare

    async def spy(user, text, **kwargs):
        utt = await real_prepare(user, text, **kwargs)
        prepared.append(utt.text)
        return utt

    vbot.service.prepare = spy
    return prepared


async def test_autoread_reads_messages_of_people_in_the_voice_channel(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    player = vbot.voice_manager.player(GUILD_ID)
    prepared = spy_on_prepare(vbot)
    mention = f"<@{THIRD_USER_ID}>"
    for msg in [
        message(vbot, f"hello {mention}, look at https://example.com/x"),  # read, cleaned
        message(vbot, "-not this one"),  # skip prefix
        message(vbot, "quiet please", flags=1 << 12),  # @silent
        message(vbot, "from a bot", author_id=600000000000000009, bot_author=True),  # bots ignored
        message(vbot, "from a webhook", webhook=True),
        message(vbot, "not in voice", author_id=OTHER_USER_ID),  # not in our voice channel
        message(vbot, "ignored role", author_id=THIRD_USER_ID, roles=[ROLE_ID]),  # not ignored yet
    ]:
        await cog.on_message(msg)
    await run_command(vbot, "voiceconfig ignore_role", {"role": str(ROLE_ID)}, permissions=MANAGER_PERMISSIONS,
                      resolved=resolved_role(ROLE_ID, "muted-reader"))
    await cog.on_message(message(vbot, "ignored now", author_id=THIRD_USER_ID, roles=[ROLE_ID]))
    assert len(prepared) == 2
    assert prepared[0].startswith("hello User0003") and "link" in prepared[0] and "example" not in prepared[0]
    assert prepared[1] == "ignored role"
    await wait_for(lambda: player.stats.items_spoken == 2, timeout=10)


async def test_voice_gauges_follow_connections_and_the_queue(vbot) -> None:
    registry = vbot.app.metrics.registry
    assert registry.get_sample_value("voicebridge_voice_connections") == 0
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    assert registry.get_sample_value("voicebridge_voice_connections") == 1
    cog = vbot.get_cog("VoiceChannel")
    for i in range(3):
        await cog.on_message(message(vbot, f"long message number {i} " * 20, author_id=THIRD_USER_ID))
    queue = vbot.voice_manager.player(GUILD_ID).queue
    assert queue.waiting() + len(queue.current) == 3 and queue.waiting() >= 1
    assert registry.get_sample_value("voicebridge_voice_queue_depth") == queue.waiting()
    await run_command(vbot, "leave")
    assert registry.get_sample_value("voicebridge_voice_connections") == 0


async def test_read_aloud_plays_in_the_voice_channel_we_share(vbot) -> None:
    from bots.discord.cogs.speak import READ_ALOUD
    from tests.fakes.discord import invoke, make_interaction

    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    prepared = spy_on_prepare(vbot)
    target = message_payload(content=f"hi <@{THIRD_USER_ID}>", author=user_payload(OTHER_USER_ID), guild_id=GUILD_ID)
    target["mentions"] = [user_payload(THIRD_USER_ID)]
    inter = make_interaction(vbot, READ_ALOUD, target_message=target)
    await invoke(vbot, inter)
    assert prepared == ["hi User0003"]
    assert vbot.fake.last_reply(inter.token).content == f"Speaking in <#{VOICE_ID}>."
    await wait_for(lambda: player.stats.items_spoken == 1, timeout=10)
    assert not vbot.fake.find("POST", "/channels/{channel_id}/messages")  # no voice message as well


async def test_a_required_role_limits_auto_read_to_its_members(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    inter = await run_command(vbot, "voiceconfig required_role", {"role": str(ROLE_ID)},
                              permissions=MANAGER_PERMISSIONS, resolved=resolved_role(ROLE_ID, "muted-reader"))
    assert "required_role" in vbot.fake.last_reply(inter.token).content
    await cog.on_message(message(vbot, "no role, not read"))
    await cog.on_message(message(vbot, "has the role", author_id=THIRD_USER_ID, roles=[ROLE_ID]))
    assert prepared == ["has the role"]
    inter = await run_command(vbot, "voiceconfig show", permissions=MANAGER_PERMISSIONS)
    assert f"Required role: <@&{ROLE_ID}>" in vbot.fake.last_reply(inter.token).content
    await run_command(vbot, "voiceconfig required_role", {}, permissions=MANAGER_PERMISSIONS)
    await cog.on_message(message(vbot, "everyone again"))
    assert prepared == ["has the role", "everyone again"]


async def test_mute_yourself_or_others_as_a_moderator(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    # a member mutes themselves, and can undo it
    inter = await run_command(vbot, "autoread mute")
    assert "won't read your messages" in vbot.fake.last_reply(inter.token).content
    await cog.on_message(message(vbot, "not read"))
    inter = await run_command(vbot, "autoread unmute")
    assert vbot.fake.last_reply(inter.token).content == "I'll read your messages aloud again."
    await cog.on_message(message(vbot, "read again"))
    assert prepared == ["read again"]

    # muting someone else needs a moderator
    other = {"member": str(THIRD_USER_ID)}
    inter = await run_command(vbot, "autoread mute", other, resolved=resolved_member(THIRD_USER_ID))
    assert "permission" in vbot.fake.last_reply(inter.token).content
    moderator = discord.Permissions(mute_members=True)
    inter = await run_command(vbot, "autoread mute", other, resolved=resolved_member(THIRD_USER_ID),
                              permissions=moderator)
    assert vbot.fake.last_reply(inter.token).content == (
        f"I won't read <@{THIRD_USER_ID}>'s messages aloud in this server.")
    await cog.on_message(message(vbot, "muted by a moderator", author_id=THIRD_USER_ID))
    # … and the muted member can't lift a moderator's mute, nor turn it into a self-mute
    inter = await run_command(vbot, "autoread mute", user_id=THIRD_USER_ID)
    inter = await run_command(vbot, "autoread unmute", user_id=THIRD_USER_ID)
    assert "permission" in vbot.fake.last_reply(inter.token).content
    assert dict((await vbot.voice_manager.options(GUILD_ID, refresh=True)).muted) == {str(THIRD_USER_ID): "mod"}
    inter = await run_command(vbot, "voiceconfig show", permissions=MANAGER_PERMISSIONS)
    assert f"Muted: <@{THIRD_USER_ID}>" in vbot.fake.last_reply(inter.token).content
    await run_command(vbot, "autoread unmute", other, resolved=resolved_member(THIRD_USER_ID),
                      permissions=MANAGER_PERMISSIONS)
    await cog.on_message(message(vbot, "back", author_id=THIRD_USER_ID))
    assert prepared == ["read again", "back"]
    inter = await run_command(vbot, "autoread unmute", other, resolved=resolved_member(THIRD_USER_ID),
                              permissions=MANAGER_PERMISSIONS)
    assert vbot.fake.last_reply(inter.token).content == f"<@{THIRD_USER_ID}> is not muted."


async def test_changes_to_voice_options_made_elsewhere_are_not_lost(vbot) -> None:
    """The manager's cached options are stale once another process (or a concurrent command) changes the
    stored ones: a change here edits what is stored, entry by entry, instead of writing the copy back."""
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    assert (await vbot.voice_manager.options(GUILD_ID)).autoread_channels == (str(CHANNEL_ID),)  # cached
    scope = f"discord:{GUILD_ID}"
    await vbot.service.update_scope_options(scope, autoread_channels=[str(CHANNEL_ID), "4242"],
                                            voice_muted={str(THIRD_USER_ID): "mod"})
    await run_command(vbot, "autoread mute")
    stored = await vbot.service.scope_options(scope)
    assert stored["voice_muted"] == {str(THIRD_USER_ID): "mod", str(USER_ID): "self"}
    assert stored["autoread_channels"] == [str(CHANNEL_ID), "4242"]
    await run_command(vbot, "autoread off", permissions=MANAGER_PERMISSIONS)
    stored = await vbot.service.scope_options(scope)
    assert stored["autoread_channels"] == ["4242"] and len(stored["voice_muted"]) == 2
    # two edits at once: both survive
    manager = vbot.voice_manager
    await asyncio.gather(*(manager.edit_options(GUILD_ID, lambda o, i=i: dataclasses.replace(
        o, muted={**o.muted, str(9000 + i): "mod"})) for i in range(5)))
    assert len((await manager.options(GUILD_ID, refresh=True)).muted) == 7


async def test_muting_drops_what_the_member_has_waiting(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    cog = vbot.get_cog("VoiceChannel")
    for i in range(3):
        await cog.on_message(message(vbot, f"long message number {i} " * 20, author_id=THIRD_USER_ID))
    theirs = str(THIRD_USER_ID)
    assert player.queue.waiting(theirs) + len(player.queue.current) == 3
    await run_command(vbot, "autoread mute", {"member": theirs}, resolved=resolved_member(THIRD_USER_ID),
                      permissions=MANAGER_PERMISSIONS)
    assert player.queue.waiting(theirs) == 0
    assert all(item.skipped for item in player.queue.current if item.author == theirs)
    await wait_for(lambda: not player.queue.current, timeout=10)
    assert player.stats.items_spoken < 3


async def test_autoread_as_a_character(vbot) -> None:
    inter = await run_command(vbot, "character create", {"name": "Kurisu", "voice": "claire", "speed": 1.2})
    assert "Kurisu" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "autoread on", {"character": "kurisu"}, permissions=MANAGER_PERMISSIONS)
    assert "as Kurisu" in vbot.fake.last_reply(inter.token).content
    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    await vbot.get_cog("VoiceChannel").on_message(message(vbot, "El Psy Kongroo"))
    await wait_for(lambda: player.stats.items_spoken == 1, timeout=10)
    # deleting the character sends the channel back to people's own voices
    await run_command(vbot, "character delete", {"name": "Kurisu"})
    opts = await vbot.voice_manager.options(GUILD_ID)
    assert opts.autoread_channels == (str(CHANNEL_ID),) and dict(opts.autoread_characters) == {}


async def test_autoread_character_must_exist(vbot) -> None:
    inter = await run_command(vbot, "autoread on", {"character": "nobody"}, permissions=MANAGER_PERMISSIONS)
    assert "No character called" in vbot.fake.last_reply(inter.token).content


async def test_voiceconfig_show_and_set(vbot) -> None:
    inter = await run_command(vbot, "voiceconfig skip_prefix", {"prefix": "!"})
    assert "permission" in vbot.fake.last_reply(inter.token).content
    await run_command(vbot, "voiceconfig skip_prefix", {"prefix": "!"}, permissions=MANAGER_PERMISSIONS)
    await run_command(vbot, "voiceconfig max_seconds", {"seconds": 12.0}, permissions=MANAGER_PERMISSIONS)
    await run_command(vbot, "voiceconfig announce", {"enabled": False}, permissions=MANAGER_PERMISSIONS)
    inter = await run_command(vbot, "voiceconfig show", permissions=MANAGER_PERMISSIONS)
    shown = vbot.fake.last_reply(inter.token).content
    assert "Skip prefix: `!`" in shown and "12 s" in shown and "\"NAME said\": off" in shown
    opts = await vbot.voice_manager.options(GUILD_ID)
    assert (opts.skip_prefix, opts.max_seconds, opts.announce) == ("!", 12.0, False)


# --- voice state events ----------------------------------------------------------------------------


async def test_reconnects_when_dropped_and_leaves_when_alone(vbot) -> None:
    await join(vbot)
    manager = vbot.voice_manager
    player = manager.player(GUILD_ID)
    me = guild(vbot).me
    lounge = guild(vbot).get_channel(VOICE_ID)
    connection(vbot).drop()  # Discord dropped us
    manager.on_voice_state_update(me, SimpleNamespace(channel=lounge), SimpleNamespace(channel=None))
    await wait_for(lambda: len(manager.connector.connections) == 2)
    assert player.stats.reconnects == 1
    # everyone leaves: the player notices and leaves (alone_grace 0 here)
    player.settings = dataclasses.replace(FAST, alone_grace=0.0)
    for uid in (USER_ID, THIRD_USER_ID):
        move(vbot, uid, None)
        member = guild(vbot).get_member(uid)
        manager.on_voice_state_update(member, SimpleNamespace(channel=lounge), SimpleNamespace(channel=None))
    await wait_for(lambda: player.closed)
    assert player.close_reason == "alone" and manager.player(GUILD_ID) is None


# --- characters ------------------------------------------------------------------------------------


async def test_bot_id_is_the_fakes(vbot) -> None:
    assert vbot.user.id == BOT_USER_ID


# --- pure rules ---------------------------------------------------------------------------------------


def test_ignore_rules_in_order() -> None:
    from bots.discord.cogs.voice_channel import ignore_reason
    from bots.discord.voice_channel.manager import VoiceOptions

    vc = SimpleNamespace(id=VOICE_ID)
    member = SimpleNamespace(id=1, bot=False, roles=[SimpleNamespace(id=ROLE_ID)], voice=SimpleNamespace(channel=vc))
    opts = VoiceOptions(autoread_channels=(str(CHANNEL_ID),))

    def msg(content="hi", author=member, channel=CHANNEL_ID, silent=False, webhook=None, kind=None):
        return SimpleNamespace(author=author, channel=SimpleNamespace(id=channel), content=content,
                               flags=SimpleNamespace(suppress_notifications=silent), webhook_id=webhook,
                               type=kind or discord.MessageType.default)

    def why(m, o=opts, voice=VOICE_ID, join=False):
        return ignore_reason(m, o, bot_user_id=BOT_USER_ID, voice_channel_id=voice, join_on_speak=join)

    assert why(msg()) is None
    assert why(msg(channel=1)) == "channel"
    assert why(msg(author=SimpleNamespace(id=BOT_USER_ID, bot=True))) == "self"
    assert why(msg(kind=discord.MessageType.pins_add)) == "type"
    assert why(msg(webhook=5)) == "bot"
    assert why(msg(silent=True)) == "silent"
    assert why(msg("   ")) == "empty"
    assert why(msg("- skip me")) == "prefix"
    assert why(msg("- read me"), dataclasses.replace(opts, skip_prefix="")) is None
    assert why(msg(), dataclasses.replace(opts, ignore_role=str(ROLE_ID))) == "role"
    assert why(msg(), dataclasses.replace(opts, muted={"1": "self"})) == "muted"
    assert why(msg(), dataclasses.replace(opts, required_role="42")) == "role required"
    assert why(msg(), dataclasses.replace(opts, required_role=str(ROLE_ID))) is None
    assert why(msg(webhook=5, author=SimpleNamespace(id=3, bot=True)),
               dataclasses.replace(opts, ignore_bots=False, required_role="42")) is None  # webhooks have no roles
    assert why(msg(author=SimpleNamespace(id=2, bot=False, roles=[], voice=None))) == "not in voice"
    assert why(msg(), voice=OTHER_VOICE_ID) == "other voice channel"
    assert why(msg(), voice=None) == "not connected"
    assert why(msg(), voice=None, join=True) is None  # join-on-speak: the bot will come
    # with "ignore bots" off, a webhook in an auto-read channel is read while the bot is in voice
    assert why(msg(webhook=5, author=SimpleNamespace(id=3, bot=True)), dataclasses.replace(opts, ignore_bots=False)) is None


async def test_shares_channel_learns_join_on_speak_in_the_background(vbot) -> None:
    manager = vbot.voice_manager
    await vbot.service.update_scope_options(f"discord:{GUILD_ID}", voice_join_on_speak=True)
    member = guild(vbot).get_member(USER_ID)
    assert manager.shares_channel(member) is False  # not known yet: a voice message this time …
    await wait_for(lambda: manager.cached_options(GUILD_ID) is not None)
    assert manager.shares_channel(member) is True  # … and from now on the bot joins


async def test_speak_does_not_take_the_bot_from_people_in_another_channel(vbot) -> None:
    await run_command(vbot, "voiceconfig join_on_speak", {"enabled": True}, permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    move(vbot, OTHER_USER_ID, OTHER_VOICE_ID)
    member = guild(vbot).get_member(OTHER_USER_ID)
    assert vbot.voice_manager.shares_channel(member) is False  # others listen in the Lounge
    await run_command(vbot, "speak", {"text": "over here"}, user_id=OTHER_USER_ID)
    assert len(vbot.fake.channel_messages()) == 1  # a voice message instead
    assert connection(vbot).channel.id == VOICE_ID


async def test_join_on_speak_is_known_from_the_start_after_a_restart(vbot) -> None:
    """on_ready preloads every guild that turned join-on-speak on, so the first /speak already joins."""
    manager = vbot.voice_manager
    await vbot.service.update_scope_options(f"discord:{GUILD_ID}", voice_join_on_speak=True)
    await vbot.service.update_scope_options("discord:999", voice_announce=False)  # another option only
    manager._options.clear()  # as after a restart
    assert await manager.preload_join_on_speak() == 1
    assert manager.cached_options(GUILD_ID).join_on_speak is True
    assert manager.cached_options(999) is None
    assert manager.shares_channel(guild(vbot).get_member(USER_ID)) is True

"""VoiceChannelManager on its own: the join decision, joining and moving, the queue hand-off, leaving, and the
guild options' storage form — with the fake connection, channels, members and speech service of ``fakes``."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from bots.discord.voice_channel.manager import (
    BusyElsewhere,
    ConnectFailed,
    JoinOutcome,
    NotConnected,
    NotInVoice,
    NoVoicePermission,
    VoiceChannelManager,
    VoiceOptions,
    VoiceUnavailable,
)
from bots.discord.voice_channel.player import PlayerSettings
from core.errors import Busy
from tests.bots.discord.voice_channel.fakes import (
    FakeChannel,
    FakeConnector,
    FakeMember,
    SlowFirstChunkService,
    TaggingEncoder,
    user,
    wait_for,
)

GUILD_ID = 42
BOT_ID = 900
QUIET = PlayerSettings(idle_timeout=0, alone_grace=3600, keepalive_interval=3600, prefetch_seconds=0.02,
                       reconnect_delay=0.01, stable_after=0)


@dataclass
class Guild:
    id: int = GUILD_ID
    me: Any = None  # None: the manager skips the permission check


@dataclass(eq=False)
class Channel(FakeChannel):
    """A voice channel whose permissions for the bot can be set."""

    can_connect: bool = True
    can_speak: bool = True

    def permissions_for(self, member: Any) -> Any:
        return SimpleNamespace(connect=self.can_connect, speak=self.can_speak)


class Service(SlowFirstChunkService):
    """The fake speech service, with the guild-option calls of VoiceService the manager makes."""

    async def edit_scope_options(self, scope: str, edit: Callable[[dict], dict]) -> dict:
        self.options[scope] = {k: v for k, v in edit(dict(self.options.get(scope, {}))).items() if v is not None}
        return dict(self.options[scope])

    async def scopes_with_option(self, key: str, *, platform: str) -> list[tuple[str, dict]]:
        return [(scope, dict(opts)) for scope, opts in self.options.items()
                if scope.startswith(platform + ":") and opts.get(key) is not None]


@dataclass
class World:
    manager: VoiceChannelManager
    service: Service
    connector: FakeConnector
    guild: Guild
    lounge: Channel
    quiet: Channel

    def member(self, uid: int, channel: Channel | None = None, *, bot: bool = False) -> FakeMember:
        member = FakeMember(uid, display_name=f"member{uid}", bot=bot, guild=self.guild,
                            voice=SimpleNamespace(channel=channel) if channel is not None else None)
        if channel is not None:
            channel.members.append(member)
        return member

    def join_on_speak(self, enabled: bool = True) -> None:
        self.service.options[f"discord:{GUILD_ID}"] = {"voice_join_on_speak": enabled}


@pytest.fixture
async def world() -> AsyncIterator[World]:
    service = Service(seconds=0.1)
    connector = FakeConnector()
    manager = VoiceChannelManager(SimpleNamespace(user=SimpleNamespace(id=BOT_ID)), service, connector=connector,
                                  settings=QUIET, encoder_factory=TaggingEncoder, support=(True, None))
    guild = Guild()
    w = World(manager, service, connector, guild, Channel(1, "Lounge", guild=guild), Channel(2, "Quiet", guild=guild))
    try:
        yield w
    finally:
        await manager.close()


def interaction(member: FakeMember, guild: Guild) -> Any:
    """What enqueue_speech reads of an interaction (the reply language is already known)."""
    return SimpleNamespace(user=member, guild=guild, guild_id=guild.id, extras={"voicebridge_lang": "en"})


# --- the join decision ------------------------------------------------------------------------------


async def test_join_decision_when_the_bot_is_in_no_channel(world) -> None:
    manager = world.manager
    asker = world.member(1, world.lounge)
    decision = manager.join_decision(GUILD_ID, None, requester_id=asker.id)
    assert decision.outcome is JoinOutcome.NOT_IN_VOICE and decision.refused
    assert isinstance(decision.refusal(), NotInVoice)
    decision = manager.join_decision(GUILD_ID, world.lounge, requester_id=asker.id)
    assert decision.outcome is JoinOutcome.JOIN and not decision.refused and decision.refusal() is None
    assert decision.target is world.lounge and decision.current is None
    decision = manager.join_decision(GUILD_ID, world.lounge, requester_id=asker.id, may_join=False)
    assert decision.outcome is JoinOutcome.JOINING_OFF and decision.refused
    assert isinstance(decision.refusal(), NotConnected)


async def test_join_decision_when_the_bot_is_in_a_channel(world) -> None:
    manager = world.manager
    listener = world.member(1, world.lounge)
    asker = world.member(2, world.quiet)
    await manager.join(world.lounge, requester=listener)

    here = manager.join_decision(GUILD_ID, world.lounge, requester_id=listener.id, may_join=False)
    assert here.outcome is JoinOutcome.ALREADY_HERE and not here.refused  # joining off does not matter here
    busy = manager.join_decision(GUILD_ID, world.quiet, requester_id=asker.id)
    assert busy.outcome is JoinOutcome.OTHERS_LISTENING and busy.current is world.lounge
    refusal = busy.refusal()
    assert isinstance(refusal, BusyElsewhere) and refusal.params == {"channel": "#Lounge"}
    forced = manager.join_decision(GUILD_ID, world.quiet, requester_id=asker.id, force=True)
    assert forced.outcome is JoinOutcome.MOVE and not forced.refused
    off = manager.join_decision(GUILD_ID, world.quiet, requester_id=asker.id, force=True, may_join=False)
    assert off.outcome is JoinOutcome.JOINING_OFF
    assert isinstance(off.refusal(), BusyElsewhere) and off.refusal().params == {"channel": "#Lounge"}

    # only the asker (and bots) left in the Lounge: nobody else would lose the bot
    world.lounge.members[:] = [world.member(3, bot=True)]
    assert manager.join_decision(GUILD_ID, world.quiet, requester_id=asker.id).outcome is JoinOutcome.MOVE
    world.lounge.members.append(asker)
    assert manager.join_decision(GUILD_ID, world.quiet, requester_id=asker.id).outcome is JoinOutcome.MOVE
    assert manager.join_decision(GUILD_ID, world.quiet, requester_id=None).outcome is JoinOutcome.OTHERS_LISTENING


# --- joining, moving, refusing ---------------------------------------------------------------------------


async def test_join_connects_once_and_moves_only_when_nobody_else_listens(world) -> None:
    manager = world.manager
    listener = world.member(1, world.lounge)
    asker = world.member(2, world.quiet)
    player = await manager.join(world.lounge, requester=listener)
    assert manager.player(GUILD_ID) is player and manager.voice_channel_of(GUILD_ID) is world.lounge
    assert manager.connection_count() == 1 and world.connector.attempts == 1
    assert await manager.join(world.lounge, requester=listener) is player  # already here: no new connection
    assert world.connector.attempts == 1

    with pytest.raises(BusyElsewhere):
        await manager.join(world.quiet, requester=asker)
    assert manager.voice_channel_of(GUILD_ID) is world.lounge

    assert await manager.join(world.quiet, requester=asker, force=True) is player
    assert ("move", world.quiet.id) in world.connector.last.log and world.connector.attempts == 1
    assert manager.voice_channel_of(GUILD_ID) is world.quiet


async def test_join_refuses_without_permissions_and_reports_a_failed_connection(world) -> None:
    manager = world.manager
    world.guild.me = world.member(BOT_ID, bot=True)
    world.lounge.can_speak = False
    with pytest.raises(NoVoicePermission) as refused:
        await manager.join(world.lounge)
    assert refused.value.params == {"channel": "#Lounge"} and world.connector.attempts == 0

    world.connector.fail_times = 1
    with pytest.raises(ConnectFailed):
        await manager.join(world.quiet)
    assert manager.player(GUILD_ID) is None and manager.connection_count() == 0
    assert (await manager.join(world.quiet)).connected  # the next try connects


async def test_nothing_joins_without_the_voice_libraries(world) -> None:
    manager = world.manager
    member = world.member(1, world.lounge)
    manager.available = False
    with pytest.raises(VoiceUnavailable):
        await manager.join(world.lounge)
    assert manager.shares_channel(member) is False and world.connector.attempts == 0


# --- shares_channel: does /speak play in voice? ------------------------------------------------------


async def test_shares_channel_follows_the_join_decision(world) -> None:
    manager = world.manager
    listener = world.member(1, world.lounge)
    asker = world.member(2, world.quiet)
    assert manager.shares_channel(world.member(3)) is False  # in no voice channel
    assert manager.shares_channel(None) is False

    world.join_on_speak()
    assert manager.shares_channel(asker) is False  # options not known yet: loaded in the background
    await wait_for(lambda: manager.cached_options(GUILD_ID) is not None)
    assert manager.shares_channel(asker) is True  # the bot is free: it will join

    await manager.join(world.lounge, requester=listener)
    assert manager.shares_channel(listener) is True  # we are in their channel
    assert manager.shares_channel(asker) is False  # others listen in the Lounge
    world.lounge.members.remove(listener)
    assert manager.shares_channel(asker) is True  # nobody does any more: it will move

    await manager.update_options(GUILD_ID, join_on_speak=False)
    assert world.service.options[f"discord:{GUILD_ID}"] == {"voice_join_on_speak": False}
    assert manager.shares_channel(asker) is False  # not invited


# --- enqueue_speech: /speak in voice ---------------------------------------------------------------------


async def test_enqueue_speech_refuses_before_preparing_anything(world) -> None:
    manager = world.manager
    listener = world.member(1, world.lounge)
    asker = world.member(2, world.quiet)
    with pytest.raises(NotInVoice):
        await manager.enqueue_speech(interaction(world.member(3), world.guild), user(3), "hello")
    with pytest.raises(NotConnected):  # join-on-speak is off and the bot is nowhere
        await manager.enqueue_speech(interaction(asker, world.guild), user(2), "hello")
    await manager.join(world.lounge, requester=listener)
    with pytest.raises(BusyElsewhere):  # join-on-speak off, the bot elsewhere
        await manager.enqueue_speech(interaction(asker, world.guild), user(2), "hello")
    world.join_on_speak()
    await manager.options(GUILD_ID, refresh=True)
    with pytest.raises(BusyElsewhere):  # join-on-speak on, but others listen in the Lounge
        await manager.enqueue_speech(interaction(asker, world.guild), user(2), "hello")
    assert world.service.prepared == [] and manager.voice_channel_of(GUILD_ID) is world.lounge


async def test_enqueue_speech_joins_when_invited_and_says_where(world) -> None:
    manager = world.manager
    asker = world.member(2, world.quiet)
    world.join_on_speak()
    world.service.first_chunk_delay = 0.2  # the first message is still playing when the second comes
    status = await manager.enqueue_speech(interaction(asker, world.guild), user(2), "first")
    assert manager.voice_channel_of(GUILD_ID) is world.quiet
    assert status == "Speaking in #Quiet."
    status = await manager.enqueue_speech(interaction(asker, world.guild), user(2), "second")
    assert status == "Queued in #Quiet: 1 message(s) before yours."
    player = manager.player(GUILD_ID)
    await wait_for(lambda: player.stats.items_spoken == 2, timeout=10)
    assert world.connector.attempts == 1


# --- the queue hand-off ---------------------------------------------------------------------------------


async def test_enqueue_hands_a_prepared_speech_to_the_player(world) -> None:
    manager = world.manager
    member = world.member(1, world.lounge)
    with pytest.raises(NotConnected):
        await manager.enqueue(world.guild, member, user(1), "too early")
    with pytest.raises(NotInVoice):
        await manager.enqueue(world.guild, world.member(3), user(3), "nowhere", join=True)
    assert world.service.prepared == []

    world.service.options[f"discord:{GUILD_ID}"] = {"voice_announce": False, "voice_max_seconds": 12}
    player, item = await manager.enqueue(world.guild, member, user(1), "hello there", join=True, origin="here")
    assert manager.player(GUILD_ID) is player and player.channel is world.lounge
    assert item.author == "1" and item.label == "hello there"
    speech = item.payload
    assert speech.utt is world.service.prepared[0] and speech.utt.text == "hello there"
    assert (speech.speaker, speech.announce, speech.max_seconds, speech.origin) == ("member1", False, 12.0, "here")
    await wait_for(lambda: player.stats.items_spoken == 1, timeout=10)
    assert world.service.in_flight == {"1": 0}


async def test_a_full_queue_releases_the_prepared_utterance(world) -> None:
    manager = world.manager
    member = world.member(1, world.lounge)
    manager.settings = dataclasses.replace(QUIET, per_user=1)
    player = await manager.join(world.lounge)
    world.service.first_chunk_delay = 0.5
    await manager.enqueue(world.guild, member, user(1), "one")
    await wait_for(lambda: bool(player.queue.current))  # being spoken: no longer waiting
    await manager.enqueue(world.guild, member, user(1), "two")
    with pytest.raises(Busy):
        await manager.enqueue(world.guild, member, user(1), "three")
    [three] = [u for u in world.service.prepared if u.text == "three"]
    assert three._released


# --- leaving ------------------------------------------------------------------------------------------


async def test_leave_and_close_disconnect_and_forget_the_player(world) -> None:
    manager = world.manager
    player = await manager.join(world.lounge)
    connection = world.connector.last
    assert await manager.leave(GUILD_ID) is True
    assert connection.disconnected and player.closed and manager.player(GUILD_ID) is None
    assert manager.connection_count() == 0 and manager.queue_depth() == 0
    assert await manager.leave(GUILD_ID) is False  # not connected any more

    other = Guild(id=43)
    await manager.join(world.lounge)
    await manager.join(Channel(5, "Elsewhere", guild=other))
    assert manager.connection_count() == 2
    await manager.close()
    assert manager.players == {} and all(c.disconnected for c in world.connector.connections)


async def test_a_player_that_closes_itself_is_forgotten(world) -> None:
    manager = world.manager
    player = await manager.join(world.lounge)
    await player.close("alone")
    assert manager.players == {} and manager.player(GUILD_ID) is None
    assert manager.voice_channel_of(GUILD_ID) is None


async def test_voice_state_updates_reach_the_player(world) -> None:
    manager = world.manager
    player = await manager.join(world.lounge)
    me = world.member(BOT_ID, bot=True)
    manager.on_voice_state_update(me, SimpleNamespace(channel=world.lounge), SimpleNamespace(channel=world.quiet))
    assert player.channel is world.quiet  # someone moved the bot: it follows
    world.quiet.members.append(world.member(1))
    world.connector.last.drop()
    manager.on_voice_state_update(me, SimpleNamespace(channel=world.quiet), SimpleNamespace(channel=None))
    await wait_for(lambda: len(world.connector.connections) == 2)  # dropped: it reconnects
    assert player.stats.reconnects == 1


# --- the options' storage form ----------------------------------------------------------------------------


def test_voice_options_read_clamp_and_skip_what_is_malformed() -> None:
    opts = VoiceOptions.from_options({
        "autoread_channels": [1, "2"], "autoread_characters": {3: "Kurisu"}, "voice_join_on_speak": 1,
        "voice_max_seconds": 9999, "voice_muted": {"7": "self", "8": "anything"}, "voice_announce": None,
        "voice_skip_prefix": "!", "voice_ignore_role": 55})
    assert opts.autoread_channels == ("1", "2") and dict(opts.autoread_characters) == {"3": "Kurisu"}
    assert opts.join_on_speak is True and opts.max_seconds == 300.0 and opts.announce is True
    assert dict(opts.muted) == {"7": "self", "8": "mod"}
    assert (opts.skip_prefix, opts.ignore_role) == ("!", "55")
    assert VoiceOptions.from_options({"voice_max_seconds": 0.5}).max_seconds == 3.0
    assert VoiceOptions.from_options({"voice_max_seconds": "soon"}) == VoiceOptions()
    assert VoiceOptions.from_options(None) == VoiceOptions()


def test_voice_options_store_empty_collections_as_none() -> None:
    opts = VoiceOptions(autoread_channels=("1",), join_on_speak=True)
    assert opts.to_options("autoread_channels", "muted", "join_on_speak") == {
        "autoread_channels": ["1"], "voice_muted": None, "voice_join_on_speak": True}
    stored = opts.to_options()
    assert set(stored) == set(VoiceOptions.KEYS.values())
    assert VoiceOptions.from_options(stored) == opts


def test_startup_check_names_the_missing_library(monkeypatch, caplog) -> None:
    from discord import voice_client, voice_state

    from bots.discord.voice_channel.manager import voice_support

    assert voice_support() == (True, None)
    monkeypatch.setattr(voice_state, "has_dave", False)
    ok, reason = voice_support()
    assert not ok and "davey" in reason and "discord.py[voice]" in reason
    monkeypatch.setattr(voice_client, "has_nacl", False)
    with caplog.at_level("WARNING"):
        manager = VoiceChannelManager(SimpleNamespace(), SimpleNamespace())
    assert not manager.available
    assert [r.message for r in caplog.records if "voice is not available" in r.message] == [manager.unavailable_reason]

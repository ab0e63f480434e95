"""GuildPlayer with a fake provider (slow first chunk) and a fake connection running discord.py's
own player thread. Assertions count packets and check their order; nothing asserts on time."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest

from bots.discord.voice_channel.player import (
    GuildPlayer,
    PlayerSettings,
    PlayerState,
    Speech,
    announcement,
    encoded_silence,
)
from bots.discord.voice_channel.source import OPUS_SILENCE
from core.errors import PermissionDenied
from tests.bots.discord.voice_channel.fakes import (
    FakeChannel,
    FakeConnector,
    FakeMember,
    SlowFirstChunkService,
    TaggingEncoder,
    lead_in,
    user,
    wait_for,
)

LEAD = TaggingEncoder.LEAD
QUIET = {"idle_timeout": 0, "alone_grace": 3600, "keepalive_interval": 3600, "prefetch_seconds": 0.02,
         "reconnect_delay": 0.01, "stable_after": 0}


def settings(**over) -> PlayerSettings:
    return PlayerSettings(**{**QUIET, **over})


@pytest.fixture
async def make() -> AsyncIterator:
    players: list[GuildPlayer] = []

    async def factory(*, service: SlowFirstChunkService | None = None, connector: FakeConnector | None = None,
                      listeners=lambda channel: 1, encoder=TaggingEncoder, lead=lead_in, **over):
        service = service or SlowFirstChunkService()
        connector = connector or FakeConnector()
        player = GuildPlayer(1, service=service, connector=connector, settings=settings(**over),
                             encoder_factory=encoder, lead_in=lead, listeners=listeners)
        await player.connect(FakeChannel(10, members=[FakeMember(1)]))
        players.append(player)
        return player, service, connector

    yield factory
    for player in players:
        await player.close("test over")


async def say(player: GuildPlayer, service: SlowFirstChunkService, author: int, text: str, **speech):
    utt = await service.prepare(user(author), text)
    return player.enqueue(str(author), Speech(utt, speaker=f"user{author}", **speech))


def speech_of(packets: list[bytes]) -> list[bytes]:
    """The packets that are not silence (underrun, pause or keepalive)."""
    return [p for p in packets if p != OPUS_SILENCE]


def runs(packets: list[bytes]) -> list[bytes]:
    """Collapse the speech packets (b"P" + marker) into the sequence of markers heard."""
    markers = [p[1:2] for p in packets if p.startswith(b"P")]
    return [key for key, _ in itertools.groupby(markers)]


# --- streaming ----------------------------------------------------------------------------------


async def test_first_packets_go_out_after_the_first_chunk_not_the_whole_clip(make) -> None:
    player, service, connector = await make()
    service.seconds = 0.4  # 10 chunks of 40 ms
    service.gates = {0: asyncio.Event(), 1: asyncio.Event()}
    item = await say(player, service, 1, "hello")
    conn = connector.last
    # the 200 ms lead-in goes out while the provider is still thinking …
    await wait_for(lambda: len(speech_of(conn.packets())) >= 10)
    await asyncio.sleep(0.02)
    assert speech_of(conn.packets()) == [LEAD] * 10  # … and nothing else: the provider said nothing yet
    service.gates[0].set()  # the first 40 ms chunk arrives; the second is held back
    await wait_for(lambda: len(speech_of(conn.packets())) >= 12)
    assert service.chunks_sent["hello"] == 1
    assert speech_of(conn.packets()) == [LEAD] * 10 + [b"Ph", b"Ph"]  # 200 ms lead-in, then speech
    service.gates[1].set()
    await wait_for(lambda: item not in player.queue.current)
    heard = speech_of(conn.packets())
    assert heard == [LEAD] * 10 + [b"Ph"] * 20 + [b"END"]


async def test_continuous_keepalive_sends_silence_while_waiting_for_the_first_chunk(make) -> None:
    player, service, connector = await make(keepalive="continuous")
    conn = connector.last
    await wait_for(lambda: len(conn.packets()) >= 20)  # idle: the player thread keeps reading silence
    assert set(conn.packets()) == {OPUS_SILENCE}
    service.gate = asyncio.Event()
    await say(player, service, 1, "x")
    # the lead-in, then underrun silence while the provider has not answered
    await wait_for(lambda: LEAD in conn.packets() and set(conn.packets()[-5:]) == {OPUS_SILENCE}
                   and conn.packets().count(LEAD) == 10)
    assert not [p for p in conn.packets() if p.startswith(b"P")]
    service.gate.set()
    await wait_for(lambda: b"END" in conn.packets())
    packets = conn.packets()
    first = packets.index(LEAD)
    assert set(packets[:first]) == {OPUS_SILENCE}
    assert packets[first:first + 10] == [LEAD] * 10
    assert "pause" not in conn.kinds()


async def test_items_play_in_fair_order_without_mixing(make) -> None:
    player, service, connector = await make()
    service.seconds = 0.12
    # enqueued together: A twice, then B once, then C
    for author, text in [(1, "a1"), (1, "c2"), (2, "b1"), (3, "d1")]:
        await say(player, service, author, text)
    await wait_for(lambda: len(service.streams_closed) == 4 and not player.queue.current)
    conn = connector.last
    assert runs(conn.packets()) == [b"a", b"b", b"d", b"c"]
    heard = speech_of(conn.packets())
    assert heard.count(b"END") == 4 and heard.count(LEAD) == 40
    assert service.in_flight == {"1": 0, "2": 0, "3": 0}


async def test_skip_mid_stream_closes_the_synthesis_and_moves_on(make) -> None:
    player, service, connector = await make()
    service.seconds = 2.0  # 50 chunks
    hold = asyncio.Event()
    service.gates = {("long", 5): hold}  # the provider stalls after 5 chunks of the first item
    first = await say(player, service, 1, "long")
    await say(player, service, 2, "next")
    conn = connector.last
    await wait_for(lambda: conn.packets().count(b"Pl") == 10)  # 5 chunks heard, provider stalled
    with pytest.raises(PermissionDenied):
        player.skip("2")  # not the author, not a manager
    assert player.skip("1") is first
    await wait_for(lambda: b"END" in conn.packets())
    hold.set()
    assert "long" in service.streams_closed  # the provider stream was closed, not drained
    assert service.chunks_sent["long"] == 5
    assert runs(conn.packets()) == [b"l", b"n"]
    assert speech_of(conn.packets()).count(b"Pn") == 100
    assert player.stats.items_skipped == 1
    assert service.in_flight["1"] == 0


async def test_skip_of_buffered_audio_drops_its_packets(make) -> None:
    player, service, connector = await make(prefetch_seconds=0.0)
    service.seconds = 2.0  # synthesized at once, heard over 100 packets
    first = await say(player, service, 1, "buffered")
    await say(player, service, 2, "after")
    conn = connector.last
    await wait_for(lambda: conn.packets().count(b"Pb") >= 5)
    # the feed is done: everything is in the source (its last encoder calls may still be in a worker thread)
    await wait_for(lambda: "buffered" in service.streams_closed)
    assert conn.packets().count(b"Pb") < 100  # and the item is still playing
    player.skip("9", is_manager=True)
    await wait_for(lambda: b"END" in conn.packets() and conn.packets().count(b"Pa") == 100)
    heard = speech_of(conn.packets())
    assert heard.count(b"Pb") < 100  # the rest of the skipped item was never sent
    assert heard.index(b"Pa") > max(i for i, p in enumerate(heard) if p == b"Pb")
    assert first not in player.queue.current


async def test_per_message_cap_stops_feeding(make) -> None:
    player, service, connector = await make(max_seconds=30)
    service.seconds = 2.0
    await say(player, service, 1, "capped", max_seconds=0.1)
    conn = connector.last
    await wait_for(lambda: b"END" in conn.packets())
    assert speech_of(conn.packets()) == [LEAD] * 10 + [b"Pc"] * 5 + [b"END"]
    assert service.chunks_sent["capped"] < 50  # the stream was closed early
    assert player.stats.items_capped == 1


async def test_provider_failure_mid_stream_is_reported_and_the_queue_goes_on(make) -> None:
    failures: list[str] = []
    player, service, connector = await make()
    player.on_error = lambda item, exc: failures.append(type(exc).__name__)
    service.fail_after_chunks = 2
    await say(player, service, 1, "broken")
    await wait_for(lambda: failures)
    service.fail_after_chunks = None
    await say(player, service, 2, "fine")
    conn = connector.last
    await wait_for(lambda: conn.packets().count(b"END") == 1 and not player.queue.current)
    assert failures == ["ProviderStreamCut"]
    assert runs(conn.packets()) == [b"b", b"f"]
    assert service.in_flight == {"1": 0, "2": 0}


async def test_announcement_is_not_repeated_for_consecutive_messages_of_one_person(make) -> None:
    player, service, _ = await make()
    one = await say(player, service, 1, "hello", announce=True)
    two = await say(player, service, 1, "again", announce=True)
    await wait_for(lambda: len(service.streams_closed) == 2)
    three = await say(player, service, 2, "other", announce=True)
    four = await say(player, service, 1, "back", announce=True)
    await wait_for(lambda: len(service.streams_closed) == 4)
    texts = [i.payload.utt.text for i in (one, two, three, four)]
    assert texts == ["user1 said: hello", "again", "user2 said: other", "user1 said: back"]


async def test_the_announced_name_goes_through_the_pronunciation_dictionary(make) -> None:
    from core import lexicon

    player, service, _ = await make()
    utt = await service.prepare(user(1), "hello")
    utt.dictionary = lexicon.merge([("user1", "Captain Kirk")])
    item = player.enqueue("1", Speech(utt, speaker="user1", announce=True))
    await wait_for(lambda: len(service.streams_closed) == 1)
    assert item.payload.utt.text == "Captain Kirk said: hello"


def test_announcement_language_follows_the_text() -> None:
    assert announcement("Ann", "你好") == "Ann说："
    assert announcement("Ann", "こんにちは") == "Annさん："
    assert announcement("Ann", "hi", "en") == "Ann said: "


# --- keepalive, idle, alone ----------------------------------------------------------------------


async def test_burst_keepalive_pauses_between_utterances_and_sends_silence_bursts(make) -> None:
    player, service, connector = await make(keepalive_interval=0.03, keepalive_frames=5)
    conn = connector.last
    await wait_for(lambda: conn.kinds().count("keepalive") >= 2)
    assert "pause" in conn.kinds()
    assert conn.log[conn.kinds().index("keepalive")] == ("keepalive", 5)
    assert set(conn.packets()) == {OPUS_SILENCE}
    before = len(conn.packets())
    await say(player, service, 1, "wake")
    await wait_for(lambda: b"END" in conn.packets())
    assert "resume" in conn.kinds()
    assert len(conn.packets()) > before
    await wait_for(lambda: conn.kinds().count("pause") >= 2)  # paused again once it was heard
    assert player.stats.keepalive_bursts >= 2


async def test_idle_connection_is_not_quiet_for_long(make) -> None:
    """Between any two packets there is at most one keepalive interval (counted in bursts)."""
    player, _, connector = await make(keepalive_interval=0.02)
    conn = connector.last
    await wait_for(lambda: player.stats.keepalive_bursts >= 5)
    kinds = conn.kinds()
    bursts = [entry for entry in conn.log if entry[0] == "keepalive"]
    assert len(bursts) >= 5 and all(n == 5 for _, n in bursts)
    assert kinds.count("resume") == 0  # keepalive needs no resume


async def test_leaves_after_idle_timeout(make) -> None:
    closed: list[str] = []
    player, service, connector = await make(idle_timeout=0.05)
    player.on_close = lambda p, reason: closed.append(reason)
    await say(player, service, 1, "bye")
    await asyncio.wait_for(player.wait_closed(), 5)
    assert closed == ["idle"] and player.state is PlayerState.CLOSED
    assert connector.last.disconnected
    assert b"END" in connector.last.packets()  # it finished speaking before leaving


async def test_leaves_when_alone(make) -> None:
    listeners = {"count": 1}
    player, _, connector = await make(alone_grace=0.0, listeners=lambda channel: listeners["count"])
    await asyncio.sleep(0.01)
    assert not player.closed
    listeners["count"] = 0
    player.notify_members_changed()
    await asyncio.wait_for(player.wait_closed(), 5)
    assert player.close_reason == "alone"
    assert connector.last.disconnected


async def test_close_releases_everything_queued(make) -> None:
    player, service, connector = await make()
    service.gate = asyncio.Event()
    for n in range(3):
        await say(player, service, 1, f"q{n}")
    await wait_for(lambda: service.streams_started)
    await player.close("leave")
    assert service.in_flight == {"1": 0}
    assert player.source is not None and player.source.ended
    assert "disconnect" in connector.last.kinds()


# --- reconnect --------------------------------------------------------------------------------------


async def test_reconnects_after_a_drop_and_keeps_the_queue(make) -> None:
    player, service, connector = await make()
    service.gate = asyncio.Event()
    await say(player, service, 1, "survives")
    first = connector.last
    await wait_for(lambda: first.packets().count(LEAD) == 10)  # the lead-in went out; the provider is slow
    first.drop()  # the player thread waits, gives up and calls after(); the player reconnects
    await wait_for(lambda: len(connector.connections) == 2)
    service.gate.set()
    second = connector.last
    await wait_for(lambda: b"END" in second.packets())
    assert speech_of(second.packets()) == [b"Ps"] * 10 + [b"END"]  # the queued item plays on the new connection
    assert player.stats.reconnects == 1 and not player.closed


async def test_reconnect_on_voice_state_drop_with_backoff(make) -> None:
    connector = FakeConnector()
    player, service, _ = await make(connector=connector)
    connector.fail_times = 2  # two failed attempts, the third works
    connector.last.drop()
    player.notify_disconnected()
    await wait_for(lambda: len(connector.connections) == 2)
    assert connector.attempts == 4  # the first connect + 3 reconnect attempts
    await say(player, service, 1, "ok")
    await wait_for(lambda: b"END" in connector.last.packets())


async def test_gives_up_after_bounded_attempts(make) -> None:
    connector = FakeConnector()
    player, _, _ = await make(connector=connector, reconnect_attempts=2)
    connector.fail_times = 10
    connector.last.drop()
    player.notify_disconnected()
    await asyncio.wait_for(player.wait_closed(), 5)
    assert player.close_reason == "reconnect_failed"
    assert connector.attempts == 3


async def test_a_second_drop_right_after_a_reconnect_means_leave(make) -> None:
    connector = FakeConnector()
    player, _, _ = await make(connector=connector, stable_after=3600)
    connector.last.drop()
    player.notify_disconnected()
    await wait_for(lambda: player.stats.reconnects == 1)
    connector.last.drop()
    player.notify_disconnected()  # someone keeps disconnecting the bot
    await asyncio.wait_for(player.wait_closed(), 5)
    assert player.close_reason == "dropped" and len(connector.connections) == 2


async def test_a_disconnect_event_for_a_live_connection_is_ignored(make) -> None:
    """E.g. the echo of our own disconnect during a reconnect: the connection is fine, keep it."""
    connector = FakeConnector()
    player, service, _ = await make(connector=connector)
    player.notify_disconnected()
    await say(player, service, 1, "still here")
    await wait_for(lambda: b"END" in connector.last.packets())
    assert len(connector.connections) == 1 and player.stats.reconnects == 0 and not player.closed


async def test_failed_play_thread_is_restarted_on_the_same_connection(make) -> None:
    player, service, connector = await make()
    conn = connector.last
    conn._player.stop()  # the thread ends while still connected (like an error in the player)
    await wait_for(lambda: conn.kinds().count("play") == 2)
    assert len(connector.connections) == 1
    await say(player, service, 1, "again")
    await wait_for(lambda: b"END" in conn.packets())


# --- the real encoder -----------------------------------------------------------------------------


async def test_real_opus_encoder_end_to_end(make) -> None:
    import numpy as np

    from bots.discord.opus import OpusPacketEncoder

    service = SlowFirstChunkService(seconds=0.4, chunk_ms=43)
    tone = (np.sin(np.arange(24000) / 3.0) * 8000).astype("<i2").tobytes()
    service.pcm_factory = lambda utt, index, samples: tone[: samples * 2]
    player, _, connector = await make(service=service, encoder=lambda: OpusPacketEncoder(leading_silence_ms=0),
                                      lead=encoded_silence)
    await say(player, service, 1, "tone")
    conn = connector.last
    await wait_for(lambda: player.stats.items_spoken == 1)
    packets = speech_of(conn.packets())
    lead = packets[:10]
    assert all(len(p) <= 8 for p in lead)  # encoded digital silence
    speech = packets[10:]
    assert len(speech) >= 20 and all(len(p) > 20 for p in speech[:15])


# --- gathering chunks for one encoder call ----------------------------------------------------------


async def test_chunks_are_encoded_together_while_the_queue_runs_ahead(make, monkeypatch) -> None:
    from bots.discord.voice_channel import player as playermod

    monkeypatch.setattr(playermod, "BATCH_AHEAD", 0.0)  # as if the listener always had plenty queued
    service = SlowFirstChunkService(seconds=3.0, chunk_ms=40)  # 75 chunks
    player, _, connector = await make(service=service)
    await say(player, service, 1, "fast")
    await wait_for(lambda: player.stats.items_spoken == 1)
    # The first chunk alone (speech starts at once), then 200 ms (5 chunks) per call, the last 4 with the flush.
    assert player.stats.encode_calls == 1 + 14 + 1
    assert speech_of(connector.last.packets()) == [LEAD] * 10 + [b"Pf"] * 150 + [b"END"]
    assert round(player.stats.audio_seconds, 6) == 3.0


async def test_every_chunk_is_encoded_at_once_while_little_is_queued(make, monkeypatch) -> None:
    from bots.discord.voice_channel import player as playermod

    monkeypatch.setattr(playermod, "BATCH_AHEAD", float("inf"))
    service = SlowFirstChunkService(seconds=3.0, chunk_ms=40)
    player, _, connector = await make(service=service)
    await say(player, service, 1, "slow")
    await wait_for(lambda: player.stats.items_spoken == 1)
    assert player.stats.encode_calls == 75 + 1  # each chunk, then the flush
    assert speech_of(connector.last.packets()) == [LEAD] * 10 + [b"Ps"] * 150 + [b"END"]


async def test_gathered_chunks_are_cut_by_the_cap(make, monkeypatch) -> None:
    from bots.discord.voice_channel import player as playermod

    monkeypatch.setattr(playermod, "BATCH_AHEAD", 0.0)
    service = SlowFirstChunkService(seconds=3.0, chunk_ms=40)
    player, _, connector = await make(service=service)
    await say(player, service, 1, "capped", max_seconds=0.5)
    await wait_for(lambda: player.stats.items_spoken == 1)
    assert speech_of(connector.last.packets()) == [LEAD] * 10 + [b"Pc"] * 25 + [b"END"]
    assert player.stats.items_capped == 1

"""The one voice sender (bots/discord/voice_channel/sender.py): many connections ticked by one thread, one packet
per connection per tick in order, absolute deadlines, pause/keepalive silence, the end of a source, a dropped
connection, a failing connection that does not stop the others, and discord.py's real send path (DAVE, RTP,
transport encryption) to a UDP socket on loopback. Timing is asserted in ticks (the sender's own counter) or on
an injected clock, never on the wall clock."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from types import SimpleNamespace

import discord
import nacl.secret
import pytest

from bots.discord.opus import OPUS_SILENCE
from bots.discord.voice_channel.sender import PAUSE_SILENCE_FRAMES, VoiceSender
from bots.discord.voice_channel.source import StreamingOpusSource
from tests.bots.discord.voice_channel.fakes import FakeChannel, FakeVoiceConnection, wait_for


@pytest.fixture
def sender():
    made: list[VoiceSender] = []

    def factory(**kwargs) -> VoiceSender:
        made.append(VoiceSender(**{"interval": 0.002, "phases": 1, **kwargs}))
        return made[-1]

    yield factory
    for s in made:
        s.close()


class TickClient(FakeVoiceConnection):
    """A fake connection that also notes in which tick of its sender each packet went out."""

    def __init__(self, channel_id: int, sender: VoiceSender, *, fail_on: bytes | None = None) -> None:
        super().__init__(FakeChannel(channel_id), sender=sender)
        self.ticks: list[int] = []
        self.fail_on = fail_on

    def send_audio_packet(self, data: bytes, *, encode: bool = True) -> None:
        if data == self.fail_on:
            raise RuntimeError("DAVE encryption failed")
        self.ticks.append(self.sender.stats.ticks)
        super().send_audio_packet(data, encode=encode)


def packets_of(name: int, n: int) -> list[bytes]:
    return [b"%d:%d" % (name, k) for k in range(n)]


async def test_one_thread_ticks_many_connections_one_packet_each_per_tick_in_order(sender) -> None:
    s = sender()
    before = threading.active_count()
    clients, ended = [], []
    sources = []
    for n in range(40):
        client = TickClient(n, s)
        source = StreamingOpusSource()
        source.push(packets_of(n, 25))
        source.finish()
        sources.append(source)
        clients.append(client)
    with s._cond:  # register all of them between two ticks, so they start on the same tick
        for client, source in zip(clients, sources, strict=True):
            client.play(source, after=ended.append)
    await wait_for(lambda: len(ended) == 40)
    assert ended == [None] * 40  # every source ran out: a normal end
    assert threading.active_count() <= before + 1  # one sender thread, not one per connection
    for n, client in enumerate(clients):
        assert client.packets() == packets_of(n, 25)  # everything, in order
        assert client.ticks == list(range(client.ticks[0], client.ticks[0] + 25))  # one per tick, no gap
    assert len({client.ticks[0] for client in clients}) == 1  # all on the same grid
    assert s.playbacks == 0 and s.stats.errors == 0


async def test_a_connection_that_errors_does_not_stop_the_others(sender) -> None:
    s = sender()
    ended: dict[int, list] = {0: [], 1: [], 2: []}
    clients = [TickClient(n, s, fail_on=b"1:3" if n == 1 else None) for n in range(3)]
    for n, client in enumerate(clients):
        source = StreamingOpusSource()
        source.push(packets_of(n, 10))
        source.finish()
        client.play(source, after=ended[n].append)
    await wait_for(lambda: all(ended.values()))
    assert clients[1].packets() == packets_of(1, 3)  # up to the failure
    assert isinstance(ended[1][0], RuntimeError)  # its after() hears why, as from discord.py's player
    assert clients[0].packets() == packets_of(0, 10) and clients[2].packets() == packets_of(2, 10)
    assert ended[0] == ended[2] == [None] and s.stats.errors == 1


async def test_underrun_sends_silence_and_pause_sends_five_frames_then_nothing(sender) -> None:
    s = sender()
    client = TickClient(1, s)
    source = StreamingOpusSource()
    client.play(source, after=lambda e: None)
    await wait_for(lambda: len(client.packets()) >= 3)
    assert set(client.packets()) == {OPUS_SILENCE}  # nothing queued: underrun silence every tick
    source.push([b"a", b"b"])
    await wait_for(lambda: b"b" in client.packets())
    client.pause()
    await wait_for(lambda: client.packets()[-PAUSE_SILENCE_FRAMES:] == [OPUS_SILENCE] * PAUSE_SILENCE_FRAMES
                   and client._player.is_paused() and client._player._silence == 0)
    count, ticks = len(client.packets()), list(client.ticks[-PAUSE_SILENCE_FRAMES:])
    assert ticks == list(range(ticks[0], ticks[0] + PAUSE_SILENCE_FRAMES))  # one frame per tick
    source.push([b"held"])
    await asyncio.sleep(0.02)
    assert len(client.packets()) == count  # paused: the source is not read
    client.send_silence(2)  # keepalive while paused goes out through the sender too
    await wait_for(lambda: len(client.packets()) == count + 2)
    client.resume()
    await wait_for(lambda: b"held" in client.packets())
    # The speaking state is set on the client's loop (as discord.py's player does), so it may land a moment
    # after the packet: wait for the third change, then check the whole sequence.
    def speaking() -> list[int]:
        return [entry[1] for entry in client.log if entry[0] == "speak"]

    await wait_for(lambda: len(speaking()) >= 3)
    assert speaking() == [1, 0, 1]  # on at play, off at pause, on at resume
    client.stop()
    client.join_player()
    assert client._player is None or client._player.ended


async def test_an_idle_sender_does_not_tick(sender) -> None:
    s = sender()
    client = TickClient(1, s)
    client.play(StreamingOpusSource(), after=lambda e: None)
    client.pause()
    await wait_for(lambda: client._player._silence == 0 and client._player.is_paused())
    await asyncio.sleep(0.01)
    ticks = s.stats.ticks
    await asyncio.sleep(0.03)
    assert s.stats.ticks in (ticks, ticks + 1)  # asleep on its condition, not waking every 2 ms
    client.resume()
    await wait_for(lambda: s.stats.ticks > ticks + 3)


async def test_a_dropped_connection_ends_after_the_clients_timeout_unless_it_comes_back(sender) -> None:
    s = sender()
    client = TickClient(1, s)
    client.timeout = 3600
    ended: list = []
    source = StreamingOpusSource()
    client.play(source, after=ended.append)
    await wait_for(lambda: client.packets())
    client.drop()
    await asyncio.sleep(0.01)
    count = len(client.packets())
    source.push([b"after the drop"])
    await asyncio.sleep(0.01)
    assert len(client.packets()) == count and not ended  # nothing sent while down, still waiting
    client._connected.set()  # discord.py reconnected by itself
    await wait_for(lambda: b"after the drop" in client.packets())
    assert [e for e in client.log if e[0] == "speak"][-1] == ("speak", 1)  # speaking again
    client.timeout = 0.0
    client.drop()
    await wait_for(lambda: ended == [None])  # gave up waiting: the guild player reconnects


def test_deadlines_are_absolute_and_a_stall_is_skipped_not_burst() -> None:
    """On an injected clock: every tick costs 3 ms, so sleeping 20 ms each time would drift 3 ms a tick; the
    sender sleeps to start + k × 20 ms instead. One 300 ms stall is caught up by at most 5 ticks, the rest
    skipped."""
    now = [100.0]
    sends: list[float] = []
    stall = {8: 0.300}

    class Clock:
        def __call__(self) -> float:
            return now[0]

    s = VoiceSender(interval=0.020, clock=Clock(), sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
                    max_catch_up=5)
    done = threading.Event()

    class Client:
        def is_connected(self) -> bool:
            return True

        def send_audio_packet(self, data: bytes, *, encode: bool) -> None:
            sends.append(now[0])
            now[0] += 0.003 + stall.pop(len(sends), 0.0)
            if len(sends) == 30:
                done.set()

    try:
        source = StreamingOpusSource()
        source.push([b"x"] * 100)
        s.play(Client(), source)
        assert done.wait(5)
    finally:
        s.close()
    start = sends[0]
    grid = [round((t - start) / 0.020, 6) for t in sends[:8]]
    assert grid == list(range(8))  # no drift: tick k starts at start + k × 20 ms exactly
    assert s.stats.skipped_ticks >= 9  # 300 ms behind: 15 ticks, at most 5 caught up
    after = [round((t - start) / 0.020, 6) for t in sends[8:]]
    assert all(b - a <= 1.0 + 1e-6 for a, b in zip(after, after[1:]))
    assert all(float(x).is_integer() for x in after[1:])  # back on the 20 ms grid


def _clocked_sender(phases: int, packets: int, clients: int) -> tuple[VoiceSender, dict[int, list[float]], list[float]]:
    """A sender on an injected clock (every send costs 0.1 ms) serving ``clients`` playbacks of ``packets`` each;
    returns it, each client's send times, and every sleep it took."""
    now = [50.0]
    sleeps: list[float] = []
    sends: dict[int, list[float]] = {n: [] for n in range(clients)}
    done = threading.Event()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    s = VoiceSender(interval=0.020, clock=lambda: now[0], sleep=sleep, phases=phases)

    class Client:
        def __init__(self, n: int) -> None:
            self.n = n

        def is_connected(self) -> bool:
            return True

        def send_audio_packet(self, data: bytes, *, encode: bool) -> None:
            sends[self.n].append(now[0])
            now[0] += 0.0001
            if sum(map(len, sends.values())) == packets * clients:
                done.set()

    try:
        with s._cond:  # all registered before the first tick
            for n in range(clients):
                source = StreamingOpusSource()
                source.push([b"x"] * packets)
                source.finish()
                s.play(Client(n), source)
        assert done.wait(5)
    finally:
        s.close()
    return s, sends, sleeps


def test_playbacks_are_spread_over_the_phases_of_the_period_each_on_its_own_20_ms_grid() -> None:
    """8 playbacks on 4 phases: two per phase; a phase's packets go out 5 ms after the previous phase's, and
    every playback still sends exactly one packet every 20 ms."""
    s, sends, _ = _clocked_sender(phases=4, packets=10, clients=8)
    first = min(times[0] for times in sends.values())
    offsets = sorted(round((times[0] - first) * 1000) for times in sends.values())
    assert offsets[::2] == [0, 5, 10, 15] and offsets[1::2] == offsets[::2]  # two playbacks a phase
    for times in sends.values():
        steps = [round((b - a) * 1000, 6) for a, b in zip(times, times[1:])]
        assert steps == [20.0] * 9  # one packet per 20 ms on its grid, no drift
    assert s.stats.ticks >= 10 and s.stats.late_packets == 0


def test_one_playback_wakes_the_sender_once_per_period_not_once_per_phase() -> None:
    s, sends, sleeps = _clocked_sender(phases=4, packets=10, clients=1)
    assert [round((b - a) * 1000, 6) for a, b in zip(sends[0], sends[0][1:])] == [20.0] * 9
    assert len(sleeps) <= 11  # one a period (10 packets, then the end): empty phases are not slept through
    assert all(x > 0.015 for x in sleeps)


# --- discord.py's real send path ----------------------------------------------------------------------


class FakeDave:
    """Stands in for davey's session: E2EE "encryption" that the receiver can recognise."""

    ready = True
    voice_privacy_code = "123"

    def encrypt_opus(self, data: bytes) -> bytes:
        return b"DAVE" + bytes(data)


async def test_packets_go_through_discord_pys_own_send_path_with_dave(sender) -> None:
    """A real ``discord.VoiceClient``: ``send_audio_packet(data, encode=False)`` applies DAVE
    (``dave_session.encrypt_opus``), writes the RTP header and encrypts with the transport's AEAD; a UDP socket
    on loopback receives what Discord would."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.connect(receiver.getsockname())
    key = bytes(range(32))
    spoken: list = []

    class WS:
        async def speak(self, state):
            spoken.append(state)

    state = SimpleNamespace(
        ssrc=4242, mode="aead_xchacha20_poly1305_rtpsize", secret_key=list(key), dave_session=FakeDave(),
        can_encrypt=True, ws=WS(), timeout=1.0, is_connected=lambda: True, send_packet=out.send)
    client = discord.VoiceClient.__new__(discord.VoiceClient)
    client.client = SimpleNamespace(loop=asyncio.get_running_loop())
    client.sequence = client.timestamp = client._incr_nonce = 0
    client._connection = state
    s = sender()
    source = StreamingOpusSource()
    source.push(packets_of(7, 5))
    source.finish()
    ended: list = []
    s.play(client, source, after=ended.append)
    got = []
    for _ in range(5):
        got.append(await asyncio.to_thread(receiver.recv, 2048))
    await wait_for(lambda: ended == [None])
    box = nacl.secret.Aead(key)
    payloads, sequences, timestamps = [], [], []
    for packet in got:
        header, body, nonce = packet[:12], packet[12:-4], packet[-4:]
        _, _, sequence, timestamp, ssrc = struct.unpack(">BBHII", header)
        assert ssrc == 4242
        payloads.append(box.decrypt(body, header, nonce + bytes(20)))
        sequences.append(sequence)
        timestamps.append(timestamp)
    assert payloads == [b"DAVE" + p for p in packets_of(7, 5)]  # DAVE, then transport encryption, in order
    assert sequences == [1, 2, 3, 4, 5] and timestamps == [0, 960, 1920, 2880, 3840]
    await wait_for(lambda: spoken)
    assert spoken[0] == discord.SpeakingState.voice
    receiver.close()
    out.close()


async def test_while_something_plays_the_collector_runs_between_ticks_and_is_given_back_after(sender) -> None:
    import gc

    assert gc.isenabled()
    s = sender(interval=0.02, pace_gc=True)
    client = TickClient(1, s)
    source = StreamingOpusSource()
    ended: list[object] = []
    client.play(source, after=ended.append)
    source.push(packets_of(1, 25))
    await wait_for(lambda: not gc.isenabled())  # held by the sender while it plays
    for _ in range(2 * gc.get_threshold()[0]):  # cyclic garbage (only the collector frees it): a pass is due
        loop: list[object] = []
        loop.append(loop)
    await wait_for(lambda: s.stats.collections > 0)  # run by the sender, in a tick's slack
    source.finish()
    await wait_for(lambda: ended == [None])
    await wait_for(gc.isenabled)  # idle again: the collector is back to normal

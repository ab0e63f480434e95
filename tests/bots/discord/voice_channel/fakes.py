"""Fakes for the voice side: a voice connection, a slow-first-chunk speech service, a fake encoder.

:class:`FakeVoiceConnection` plays through the **real** :class:`~bots.discord.voice_channel.sender.VoiceSender`
(pause, resume, the 5 silence frames on pause, the ``after`` callback, the wait-for-reconnect) and is itself
the client the sender sends to: it records every packet instead of encrypting and sending it. ``delay`` is the
sender's tick: 0.02 s like Discord (the bench), or shorter so tests run fast; every connection with the same
``delay`` shares one sender (one thread), as every connection of a real bot does.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from bots.discord.opus import OPUS_SILENCE
from bots.discord.voice_channel.sender import PACKET_SECONDS, Playback, VoiceSender
from core.errors import Busy, EmptyText
from core.models import PCMChunk, TTSSettings, UserRef

# --- Discord-ish objects ----------------------------------------------------------------------------


@dataclass(eq=False)
class FakeMember:
    id: int
    display_name: str = "member"
    bot: bool = False
    name: str = "member"
    roles: list[Any] = field(default_factory=list)
    voice: Any = None
    guild: Any = None
    guild_permissions: Any = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str = "voice"
    members: list[Any] = field(default_factory=list)
    guild: Any = None


class _FakeWS:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    async def speak(self, state: Any) -> None:
        self.log.append(("speak", int(getattr(state, "value", state))))


class _Client:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop


_SENDERS: dict[float, VoiceSender] = {}


def shared_sender(delay: float) -> VoiceSender:
    """The one sender ticking every ``delay`` seconds that fake connections with that delay share."""
    sender = _SENDERS.get(delay)
    if sender is None or sender._closed:
        # at the real 20 ms tick (the bench), as the process's own sender does: it paces the collector
        sender = _SENDERS[delay] = VoiceSender(interval=delay, name=f"voice-sender-{delay:g}",
                                               pace_gc=delay >= PACKET_SECONDS)
    return sender


class FakeVoiceConnection:
    """A :class:`~bots.discord.voice_channel.connection.VoiceConnection` that records what would go out."""

    def __init__(self, channel: Any, *, delay: float = 0.002, reconnect_timeout: float = 0.05,
                 loop: asyncio.AbstractEventLoop | None = None, sender: VoiceSender | None = None) -> None:
        self.channel = channel
        self.delay = delay
        self.sender = sender or shared_sender(delay)
        self.timeout = reconnect_timeout  # the sender waits this long for a reconnect
        self.log: list[Any] = []  # ("play"|"pause"|"resume"|"stop"|"keepalive"|"disconnect"|"speak", …)
        self.sent: list[bytes] = []  # every packet "sent", in order (player thread and keepalive)
        self.sent_at: list[float] = []  # perf_counter of each
        self.lock = threading.Lock()
        self.ws = _FakeWS(self.log)
        self.client = _Client(loop or asyncio.get_running_loop())
        self._connected = threading.Event()
        self._connected.set()
        self._player: Playback | None = None
        self.on_packet: Any = None  # optional hook(packet, perf_counter) called in the sender thread
        self.disconnected = False

    # what the sender (and discord.py's AudioPlayer) calls on its client
    def is_connected(self) -> bool:
        return self._connected.is_set()

    def wait_until_connected(self, timeout: float | None = 30.0) -> bool:
        return self._connected.wait(timeout)

    def send_audio_packet(self, data: bytes, *, encode: bool = True) -> None:
        assert not encode, "the voice source must hand over ready Opus packets"
        now = time.perf_counter()
        with self.lock:
            self.sent.append(bytes(data))
            self.sent_at.append(now)
        if self.on_packet is not None:
            self.on_packet(bytes(data), now)

    # the VoiceConnection interface
    def play(self, source: Any, *, after: Any) -> None:
        if not self.is_connected():
            raise RuntimeError("Not connected to voice.")
        if self._player is not None and not self._player.ended:
            raise RuntimeError("Already playing audio.")
        self.log.append(("play",))
        self._player = self.sender.play(self, source, after=after)

    def stop(self) -> None:
        self.log.append(("stop",))
        if self._player is not None:
            self._player.stop()
            self._player = None

    def pause(self) -> None:
        self.log.append(("pause",))
        if self._player is not None:
            self._player.pause()

    def resume(self) -> None:
        self.log.append(("resume",))
        if self._player is not None:
            self._player.resume()

    def send_silence(self, frames: int) -> None:
        self.log.append(("keepalive", frames))
        if self._player is not None and not self._player.ended:
            self._player.send_silence(frames)
        else:
            for _ in range(frames):
                self.send_audio_packet(OPUS_SILENCE, encode=False)

    async def disconnect(self) -> None:
        self.log.append(("disconnect",))
        self.disconnected = True
        self.stop()
        self._connected.clear()

    async def move_to(self, channel: Any) -> None:
        self.log.append(("move", getattr(channel, "id", None)))
        self.channel = channel

    # test controls
    def drop(self) -> None:
        """Simulate a lost connection: the playback ends after its reconnect wait."""
        self.log.append(("drop",))
        self._connected.clear()

    def join_player(self, timeout: float = 2.0) -> None:
        if self._player is not None:
            self._player.wait_ended(timeout)

    def kinds(self) -> list[str]:
        return [entry[0] for entry in self.log]

    def packets(self) -> list[bytes]:
        with self.lock:
            return list(self.sent)


class FakeConnector:
    """``connector(channel)`` for a GuildPlayer: hands out FakeVoiceConnections and can be told to fail."""

    def __init__(self, *, delay: float = 0.002, fail_times: int = 0) -> None:
        self.delay = delay
        self.fail_times = fail_times
        self.connections: list[FakeVoiceConnection] = []
        self.attempts = 0

    async def __call__(self, channel: Any) -> FakeVoiceConnection:
        self.attempts += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            raise ConnectionError("voice server unreachable")
        conn = FakeVoiceConnection(channel, delay=self.delay)
        self.connections.append(conn)
        return conn

    @property
    def last(self) -> FakeVoiceConnection:
        return self.connections[-1]


# --- a fake encoder: readable packets instead of Opus ------------------------------------------------


class TaggingEncoder:
    """Stands in for ``OpusPacketEncoder``: one packet per 20 ms of input named after the first byte of
    the PCM it came from (so tests can see whose audio it was), ``b"END"`` on flush. The player's
    lead-in is :func:`lead_in` (``b"LEAD"`` packets)."""

    LEAD = b"LEAD"

    def __init__(self, leading: int = 0) -> None:
        self.leading = leading
        self.started = False
        self.carry = 0.0
        self.flushed = False
        self.fed_seconds = 0.0

    def feed(self, pcm: bytes, sample_rate: int) -> list[bytes]:
        out: list[bytes] = []
        if not self.started:
            self.started = True
            out.extend([self.LEAD] * self.leading)
        seconds = len(pcm) / 2 / sample_rate
        self.fed_seconds += seconds
        self.carry += seconds
        marker = pcm[:1] or b"?"
        while self.carry >= 0.02 - 1e-9:
            self.carry -= 0.02
            out.append(b"P" + marker)
        return out

    def flush(self) -> list[bytes]:
        if self.flushed or not self.started:
            return []
        self.flushed = True
        return [b"END"]


def lead_in(frames: int) -> list[bytes]:
    return [TaggingEncoder.LEAD] * frames


# --- a VoiceService stand-in ------------------------------------------------------------------------


@dataclass(slots=True)
class FakeUtterance:
    user: UserRef
    user_id: int
    text: str
    settings: TTSSettings = field(default_factory=TTSSettings)
    notices: list[str] = field(default_factory=list)
    character: str | None = None
    voice_name: str = "anna"
    dictionary: dict = field(default_factory=dict)
    _released: bool = False

    def pronounce(self, text: str) -> str:
        from core import lexicon

        return lexicon.apply(text, self.dictionary)


class SlowFirstChunkService:
    """``prepare`` / ``stream_pcm`` / ``release`` like VoiceService, with a scripted provider.

    Each utterance speaks ``seconds`` of audio in ``chunk_ms`` chunks at 24 kHz; the first chunk comes
    after ``first_chunk_delay`` (s) and the rest every ``chunk_interval`` (s). Every PCM byte of an
    utterance is the first character of its text, so the fake encoder's packets say whose audio they
    are. ``gate`` (an asyncio.Event), when set on the service, holds the first chunk until released.
    """

    def __init__(self, *, seconds: float = 0.2, chunk_ms: int = 40, first_chunk_delay: float = 0.0,
                 chunk_interval: float = 0.0, sample_rate: int = 24000, max_in_flight: int = 100) -> None:
        self.seconds = seconds
        self.chunk_ms = chunk_ms
        self.first_chunk_delay = first_chunk_delay
        self.chunk_interval = chunk_interval
        self.sample_rate = sample_rate
        self.max_in_flight = max_in_flight
        self.in_flight: dict[str, int] = {}
        self.prepared: list[FakeUtterance] = []
        self.streams_started: list[str] = []
        self.streams_closed: list[str] = []
        self.chunks_sent: dict[str, int] = {}
        self.gate: asyncio.Event | None = None
        self.gates: dict = {}  # chunk index or (text, index) -> event that must be set first
        self.fail_after_chunks: int | None = None
        self.stream_started_at: list[float] = []
        self.first_chunk_at: list[float] = []
        self.options: dict[str, dict] = {}
        self.pcm_factory: Any = None  # optional (utt, index, samples) -> bytes
        self._ids = itertools.count(1)

    async def prepare(self, user: UserRef, text: str, *, character: str | None = None,
                      override: Any = None, markup: Any = None) -> FakeUtterance:
        if not (text or "").strip():
            raise EmptyText()
        if self.in_flight.get(user.user_id, 0) >= self.max_in_flight:
            raise Busy(limit=self.max_in_flight)
        self.in_flight[user.user_id] = self.in_flight.get(user.user_id, 0) + 1
        utt = FakeUtterance(user=user, user_id=int(user.user_id) if user.user_id.isdigit() else 0,
                            text=text, character=character)
        self.prepared.append(utt)
        return utt

    def release(self, utt: FakeUtterance) -> None:
        if not utt._released:
            utt._released = True
            self.in_flight[utt.user.user_id] -= 1

    async def stream_pcm(self, utt: FakeUtterance) -> AsyncIterator[PCMChunk]:
        self.streams_started.append(utt.text)
        self.stream_started_at.append(time.perf_counter())
        try:
            samples = int(self.sample_rate * self.chunk_ms / 1000)
            total = int(self.seconds * 1000 / self.chunk_ms)
            marker = (utt.text[:1] or "?").encode()[:1]
            for index in range(total):
                if index == 0:
                    if self.gate is not None:
                        await self.gate.wait()
                    if self.first_chunk_delay:
                        await asyncio.sleep(self.first_chunk_delay)
                    self.first_chunk_at.append(time.perf_counter())
                elif self.chunk_interval:
                    await asyncio.sleep(self.chunk_interval)
                else:
                    await asyncio.sleep(0)
                gate = self.gates.get((utt.text, index)) or self.gates.get(index)
                if gate is not None:
                    await gate.wait()
                if self.fail_after_chunks is not None and index >= self.fail_after_chunks:
                    from core.errors import ProviderStreamCut

                    raise ProviderStreamCut()
                if self.pcm_factory is not None:
                    data = self.pcm_factory(utt, index, samples)
                else:
                    data = marker * (samples * 2)
                self.chunks_sent[utt.text] = self.chunks_sent.get(utt.text, 0) + 1
                yield PCMChunk(data, self.sample_rate)
        finally:
            self.streams_closed.append(utt.text)
            self.release(utt)

    # guild options, like VoiceService.scope_options / update_scope_options
    async def scope_options(self, scope: str) -> dict:
        return dict(self.options.get(scope, {}))

    async def update_scope_options(self, scope: str, **options: Any) -> dict:
        current = self.options.setdefault(scope, {})
        for key, value in options.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        return dict(current)


def user(uid: int | str, guild: int | str = 1, name: str | None = None) -> UserRef:
    return UserRef(platform="discord", user_id=str(uid), scope_id=str(guild),
                   display_name=name or f"user{uid}", is_private=False)


async def wait_for(predicate: Any, timeout: float = 15.0, interval: float = 0.005) -> None:
    """Poll ``predicate`` until true (fails the test after ``timeout``): waits on events, not on time."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)

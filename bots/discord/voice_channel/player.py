"""One guild's voice: the connection, its one long-lived source, the fair queue and one task that owns them.

Flow of one queued item (``Speech``; prepared by :meth:`VoiceService.prepare` at enqueue time, so
errors were already answered)::

    service.stream_pcm(utt) ──PCM chunks──▶ OpusPacketEncoder.feed (worker thread)
        ──20 ms packets──▶ StreamingOpusSource.push ──▶ the process's one VoiceSender (sender.py):
        one thread reads every connection's source every 20 ms and sends through discord.py's client

* Lead-in: ~200 ms of encoded silence (``lead_in_ms``, made by the core's Opus encoder) is pushed
  the moment the item starts, *while the provider is still thinking*, and (keepalive "burst") the
  paused player resumes at once. Speech needs that silence in front of it or Discord clients clip
  the first syllable; sending it during the provider's first-chunk wait instead of after it makes
  speech audible up to 200 ms sooner: it starts at max(first chunk, end of the lead-in), not at
  first chunk + 200 ms.
* Playback of speech starts with the first chunk: each chunk is encoded and pushed as it arrives,
  never the whole clip.
* The per-message cap stops feeding after N seconds of audio (the stream is closed, the encoder
  flushed, so the clip ends cleanly).
* ``/skip`` cancels the item's feed task (which closes the synthesis stream with ``aclose``) and drops
  its queued packets; the next item, or silence, follows within one 20 ms frame.
* The next item's synthesis starts while the current one still has ``prefetch_seconds`` of audio
  buffered, so consecutive messages follow without a gap, yet the fair queue decides late (a
  message posted while someone speaks still gets its fair place).

Keepalive (Discord drops the voice UDP route after ~60 s without outbound packets). Two modes, both
with ONE source and ONE ``play()`` for the life of the connection:

* ``burst`` (default): between utterances the player is **paused** — no packets, "speaking" off —
  and every ``keepalive_interval`` (15 s) :meth:`VoiceConnection.send_silence` sends 5 Opus silence
  frames. That is 5 packets / 15 s (≈0.3 pps) instead of 50 pps per idle guild, the speaking
  indicator only lights while the bot speaks, and resuming takes effect at the sender's next tick
  (within 20 ms; the packets then stay on the sender's 20 ms grid). A paused connection costs the
  sender a flag check per tick, and nothing at all while every connection is paused.
* ``continuous``: never pause; the source returns ``OPUS_SILENCE`` (underrun) 50 times a second. The
  simplest possible behaviour, for operators who prefer it; it costs ~50 pps (≈3 KB/s with RTP, DAVE
  and transport overhead, plus two encryptions per packet) for every connected idle guild.

Threading: the only code that runs in the sender thread is ``source.read()`` (lock-protected deque,
never blocks), the client's ``send_audio_packet`` and the ``after`` callback, which only does
``loop.call_soon_threadsafe``. Source
events (an item heard to its end, the buffer ran dry) also hop to the loop that way. Opus encoding
runs in a worker thread (``asyncio.to_thread``): a 43 ms provider chunk takes ~0.2 ms to encode (an
encoder's first ~4 ms, libopus being opened), which would otherwise sit on the event loop once per chunk
per speaking guild (``bench/voice.py`` measures it). While the listener has at least ``BATCH_AHEAD`` (1 s)
of packets queued, chunks are gathered and encoded together, up to ``BATCH_SECONDS`` (200 ms) per
worker-thread call: a provider faster than real time then costs a thread hop per 200 ms of audio instead
of one per chunk. The first chunk, and every chunk while less is queued, is encoded at once. (What is
gathered waits for the next chunk or the end of the stream: a provider that stalls for more than a second
leaves its gap up to 200 ms sooner, and one that fails loses up to 200 ms that it had sent.)

Reconnect: a drop is reported by the manager (the bot's own voice state went to no channel without
us leaving) or seen when the connection's playback ends without us stopping it (the sender gave up
waiting for discord.py to reconnect, or reading or sending failed). The player then reconnects
to the same channel with exponential backoff (``reconnect_attempts`` tries, 1 s, 2 s, 4 s …) and
restarts ``play()`` on the same source — queued items survive. If the channel is gone, nobody is
left in it, or the connection dropped again within ``stable_after`` seconds of the last reconnect
(someone keeps disconnecting the bot on purpose), it leaves instead.

Leaving: when the channel has no listeners for ``alone_grace`` seconds, when nothing was spoken or
queued for ``idle_timeout`` seconds (0 = never), on ``/leave``, or after a failed reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bots.discord.voice_channel.connection import Connector, VoiceConnection
from bots.discord.voice_channel.queue import (
    DEFAULT_PER_USER,
    DEFAULT_TOTAL,
    DEFAULT_TTL,
    FairQueue,
    QueueItem,
)
from bots.discord.voice_channel.source import (
    EVENT_DRAINED,
    EVENT_ITEM_DONE,
    EVENT_ITEM_STARTED,
    StreamingOpusSource,
)
from core import text as textmod
from core.audio.opus_frames import OpusFrames
from core.i18n import t

if TYPE_CHECKING:
    from core.utterance import Utterance

log = logging.getLogger(__name__)

PACKET_SECONDS = 0.02

#: Provider chunks are encoded together, one worker-thread call for up to this much PCM, while the
#: listener has at least :data:`BATCH_AHEAD` seconds of packets queued (a fast provider: 43 ms chunks
#: every 8.6 ms would otherwise cost a thread hop each, ~5,800 a second for 50 speaking channels).
BATCH_SECONDS = 0.2
#: Below this much queued audio every chunk is encoded at once (the first chunk always is).
BATCH_AHEAD = 1.0


def _default_encoder() -> Any:
    """One utterance's encoder; no leading silence of its own (the player sends the lead-in)."""
    from bots.discord.opus import OpusPacketEncoder

    return OpusPacketEncoder(leading_silence_ms=0)


_SILENCE_CACHE: list[bytes] = []


def encoded_silence(frames: int) -> list[bytes]:
    """``frames`` 20 ms packets of encoded digital silence from the Opus packet encoder (cached)."""
    if len(_SILENCE_CACHE) < frames:
        from bots.discord.opus import OpusPacketEncoder

        encoder = OpusPacketEncoder(leading_silence_ms=20 * frames)
        # Nothing but the encoder's own leading silence, from a 24 kHz encoder as speech usually is: its
        # packets (D8 FF FE) are told apart from the underrun frame OPUS_SILENCE (F8 FF FE, what a 48 kHz mono
        # encoder makes of digital silence) by the benches and tests that look for the lead-in.
        packets = encoder.feed(b"", 24000)
        _SILENCE_CACHE[:] = packets
    return list(_SILENCE_CACHE[:frames])


@dataclass(frozen=True, slots=True)
class PlayerSettings:
    """Knobs of a guild player (defaults suit production; tests shrink the times)."""

    idle_timeout: float = 300.0  # leave after this long with nothing said or queued; 0 = never
    alone_grace: float = 15.0  # leave after this long with no listener in the channel
    max_seconds: float = 30.0  # per-message cap in seconds of audio (an item may lower it)
    lead_in_ms: int = 200  # silence in front of each utterance (sent while the provider starts)
    keepalive: Literal["burst", "continuous"] = "burst"
    keepalive_interval: float = 15.0
    keepalive_frames: int = 5
    prefetch_seconds: float = 1.0  # start the next synthesis when this much audio is left buffered
    per_user: int = DEFAULT_PER_USER
    total: int = DEFAULT_TOTAL
    item_ttl: float | None = DEFAULT_TTL
    reconnect_attempts: int = 3
    reconnect_delay: float = 1.0  # first backoff; doubles each attempt
    stable_after: float = 60.0  # a drop sooner than this after a reconnect is not retried
    encode_in_thread: bool = True


@dataclass(slots=True)
class Speech:
    """What one queue item says: a prepared utterance and how to present it."""

    utt: Utterance
    speaker: str | None = None  # display name for the "NAME said" announcement
    announce: bool = False  # say "NAME said" first unless the previous item was by the same person
    max_seconds: float | None = None  # this item's cap (the guild option); None = the player's
    origin: Any = None  # where it came from (a text channel), for the error reporter
    started_at: float | None = None  # loop time the feed started (bench, status)


class PlayerState(enum.Enum):
    IDLE = "idle"  # connected, nothing to say
    SPEAKING = "speaking"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(slots=True)
class PlayerStats:
    items_spoken: int = 0
    items_skipped: int = 0
    items_failed: int = 0
    items_capped: int = 0
    reconnects: int = 0
    keepalive_bursts: int = 0
    encode_seconds: float = 0.0  # wall time spent in encoder.feed/flush
    encode_calls: int = 0  # encoder calls (worker-thread hops when encode_in_thread)
    audio_seconds: float = 0.0  # audio fed to the encoder
    first_push_delays: list[float] = field(default_factory=list)  # feed start → first speech push (s)


ErrorReporter = Callable[[QueueItem[Speech], BaseException], Awaitable[None] | None]
CloseCallback = Callable[["GuildPlayer", str], Any]


class GuildPlayer:
    """Owns one guild's connection; every change to it happens in :meth:`_run` (one task)."""

    def __init__(self, guild_id: Hashable, *, service: Any, connector: Connector,
                 settings: PlayerSettings | None = None,
                 encoder_factory: Callable[[], Any] = _default_encoder,
                 lead_in: Callable[[int], list[bytes]] = encoded_silence,
                 clock: Callable[[], float] = time.monotonic,
                 on_close: CloseCallback | None = None,
                 on_error: ErrorReporter | None = None,
                 listeners: Callable[[Any], int] | None = None) -> None:
        self.guild_id = guild_id
        self.service = service
        self.connector = connector
        self.settings = settings or PlayerSettings()
        self.encoder_factory = encoder_factory
        self.lead_in = lead_in
        self.clock = clock
        self.on_close = on_close
        self.on_error = on_error
        self._listeners = listeners or count_listeners
        self.queue: FairQueue[Speech] = FairQueue(
            per_user=self.settings.per_user, total=self.settings.total, ttl=self.settings.item_ttl,
            clock=clock, on_drop=self._on_drop, on_skip=self._on_skip)
        self.stats = PlayerStats()
        self.state = PlayerState.IDLE
        self.channel: Any = None
        self.conn: VoiceConnection | None = None
        self.source: StreamingOpusSource | None = None
        self.close_reason: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = asyncio.Event()
        self._closing = False
        self._feed_task: asyncio.Task[None] | None = None
        self._feeding: QueueItem[Speech] | None = None
        self._paused = False
        self._play_gen = itertools.count(1)
        self._current_gen = 0
        self._needs_reconnect = False
        self._needs_replay = False
        self._last_reconnect_at: float | None = None
        self._last_activity = clock()
        self._last_sent = clock()  # last time packets went out (keepalive clock)
        self._alone_since: float | None = None
        self._last_author: Hashable | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.conn is not None and not self._closing

    @property
    def closed(self) -> bool:
        return self.state is PlayerState.CLOSED

    async def connect(self, channel: Any) -> None:
        """Join ``channel`` (or move there) and start the player task. Raises if Discord refuses."""
        if self._closing:
            raise RuntimeError("player is closed")
        self._loop = asyncio.get_running_loop()
        if self.conn is not None and self.conn.is_connected():
            if getattr(self.channel, "id", None) != getattr(channel, "id", None):
                await self.conn.move_to(channel)
                self.channel = channel
            self._touch()
            return
        self.channel = channel
        conn = await self.connector(channel)
        self._attach(conn)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"voice-player:{self.guild_id}")
        self._touch()
        self._wake.set()

    def _attach(self, conn: VoiceConnection) -> None:
        """Start (or restart) the connection's playback of the one source on the sender."""
        if self.source is None or self.source.ended:
            self.source = StreamingOpusSource(on_event=self._source_event)
        self.conn = conn
        self.channel = getattr(conn, "channel", None) or self.channel
        gen = next(self._play_gen)
        self._current_gen = gen
        self._paused = False
        loop = self._loop or asyncio.get_running_loop()

        def after(error: Exception | None, gen: int = gen) -> None:  # runs in the sender thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing left to tell
                loop.call_soon_threadsafe(self._player_ended, gen, error)

        conn.play(self.source, after=after)
        self._last_sent = self.clock()
        self._needs_reconnect = self._needs_replay = False

    async def close(self, reason: str = "leave") -> None:
        """Leave: drop the queue, stop the playback, disconnect. Idempotent."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        self.close_reason = reason
        log.info("voice %s: leaving (%s)", self.guild_id, reason)
        self._wake.set()
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait({task})
        await self._teardown()

    async def _teardown(self) -> None:
        if self.state is PlayerState.CLOSED:
            return
        if self._feed_task is not None and not self._feed_task.done():
            self._feed_task.cancel()
            await asyncio.wait({self._feed_task})
        self.queue.clear()
        for item in list(self.queue.current):
            self._release(item)
            self.queue.done(item)
        self._current_gen = 0  # whatever the playback reports now is expected
        if self.source is not None:
            self.source.stop()
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.stop()
            try:
                await conn.disconnect()
            except Exception:
                log.warning("voice %s: disconnect failed", self.guild_id, exc_info=True)
        self.state = PlayerState.CLOSED
        self._closed.set()
        if self.on_close is not None:
            try:
                result = self.on_close(self, self.close_reason or "leave")
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("voice %s: close callback failed", self.guild_id)

    async def wait_closed(self) -> None:
        await self._closed.wait()

    # --- requests from commands ----------------------------------------------------------------

    def enqueue(self, author: Hashable, speech: Speech, *, label: str = "") -> QueueItem[Speech]:
        """Queue a prepared utterance (raises Busy when full — the caller releases the utterance)."""
        if self._closing:
            raise RuntimeError("player is closed")
        item = self.queue.put(author, speech, label=label)
        self._touch()
        self._wake.set()
        return item

    def skip(self, requester: Hashable, *, is_manager: bool = False) -> QueueItem[Speech]:
        """Skip what is being heard (its author or a manager); raises NotFound / PermissionDenied."""
        return self.queue.skip(requester, is_manager=is_manager)

    def clear(self, author: Hashable | None = None) -> int:
        """Empty the waiting queue (or one author's part of it); returns how many were removed."""
        removed = self.queue.clear(author)
        self._wake.set()
        return len(removed)

    def notify_disconnected(self) -> None:
        """The bot's voice state says it is in no channel, and we did not leave: reconnect."""
        if self._closing or self.conn is None:
            return
        log.info("voice %s: disconnected from voice unexpectedly", self.guild_id)
        self._needs_reconnect = True
        self._wake.set()

    def notify_moved(self, channel: Any) -> None:
        """Someone moved the bot to another channel: follow it."""
        self.channel = channel
        self._wake.set()

    def notify_members_changed(self) -> None:
        """A member joined or left a channel in this guild: re-check whether anyone still listens."""
        self._wake.set()

    def messages_ahead(self, item: QueueItem[Speech]) -> int:
        """How many messages will be heard before ``item`` (0: it is being heard, or is next on an idle player)."""
        current = [i for i in self.queue.current if not i.skipped]
        if item in current:
            return current.index(item)
        position = self.queue.position(item)
        if position is None:
            return 0
        return len(current) + position - 1

    @property
    def now_playing(self) -> QueueItem[Speech] | None:
        return next((i for i in self.queue.current if not i.skipped), None)

    # --- the task -----------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while not self._closing:
                self._wake.clear()
                if self._needs_reconnect or self._needs_replay:
                    if not await self._recover():
                        break
                    continue
                reason = self._check_leave()
                if reason:
                    self.close_reason = reason
                    break
                self._maybe_start_next()
                self._maybe_pause()
                self._maybe_keepalive()
                timeout = self._next_deadline()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    pass
        except asyncio.CancelledError:
            if not self._closing:
                raise
        except Exception:
            log.exception("voice %s: player task failed", self.guild_id)
            self.close_reason = "error"
        if not self._closing:
            self._closing = True
            await self._teardown()

    def _maybe_start_next(self) -> None:
        if self._feed_task is not None or self.source is None or self.conn is None:
            return
        if self.source.pending_seconds > self.settings.prefetch_seconds:
            return
        item = self.queue.get_nowait()
        if item is None:
            return
        self._feeding = item
        self.state = PlayerState.SPEAKING
        self._touch()
        self._feed_task = asyncio.create_task(self._feed(item), name=f"voice-feed:{self.guild_id}:{item.id}")
        self._feed_task.add_done_callback(self._feed_done)

    def _feed_done(self, task: asyncio.Task[None]) -> None:
        if self._feed_task is task:
            self._feed_task = None
            self._feeding = None
        self._wake.set()

    def _idle(self) -> bool:
        return self._feed_task is None and not self.queue.current and len(self.queue) == 0

    def _maybe_pause(self) -> None:
        if self.conn is None or self.source is None:
            return
        if self._idle():
            if self.state is PlayerState.SPEAKING:
                self.state = PlayerState.IDLE
            if (self.settings.keepalive == "burst" and not self._paused and self.source.pending == 0):
                self.conn.pause()
                self._paused = True
                self._last_sent = self.clock()

    def _resume(self) -> None:
        if self._paused and self.conn is not None:
            self._paused = False
            self.conn.resume()

    def _maybe_keepalive(self) -> None:
        if not self._paused or self.conn is None:
            return
        now = self.clock()
        if now - self._last_sent >= self.settings.keepalive_interval:
            self.conn.send_silence(self.settings.keepalive_frames)
            self._last_sent = now
            self.stats.keepalive_bursts += 1

    def _check_leave(self) -> str | None:
        now = self.clock()
        if self.channel is not None:
            if self._listeners(self.channel) > 0:
                self._alone_since = None
            elif self._alone_since is None:
                self._alone_since = now
            if self._alone_since is not None and now - self._alone_since >= self.settings.alone_grace:
                return "alone"
        timeout = self.settings.idle_timeout
        if timeout and self._idle() and now - self._last_activity >= timeout:
            return "idle"
        return None

    def _next_deadline(self) -> float | None:
        now = self.clock()
        deadlines: list[float] = []
        if self._paused:
            deadlines.append(self._last_sent + self.settings.keepalive_interval - now)
        if self.settings.idle_timeout and self._idle():
            deadlines.append(self._last_activity + self.settings.idle_timeout - now)
        if self._alone_since is not None:
            deadlines.append(self._alone_since + self.settings.alone_grace - now)
        if self._feed_task is None and len(self.queue) and self.source is not None:
            # wait for the buffer to drain down to the prefetch mark
            ahead = self.source.pending_seconds - self.settings.prefetch_seconds
            deadlines.append(max(ahead, PACKET_SECONDS))
        if not deadlines:
            return None
        return max(0.0, min(deadlines))

    # --- feeding one item ----------------------------------------------------------------------

    async def _feed(self, item: QueueItem[Speech]) -> None:
        speech = item.payload
        utt = speech.utt
        source = self.source
        assert source is not None
        tag = item.id
        speech.started_at = self.clock()
        if speech.announce and speech.speaker and item.author != self._last_author:
            utt.text = announcement(utt.pronounce(speech.speaker), utt.text, utt.settings.language) + utt.text
        self._last_author = item.author
        cap = speech.max_seconds if speech.max_seconds else self.settings.max_seconds
        stream = self._open_stream(utt)
        encoder = None
        batch: list[tuple[bytes, int]] = []  # PCM gathered for one encoder call
        batched = 0.0  # its seconds
        fed = 0.0
        pushed_any = False
        capped = False
        t0 = time.perf_counter()

        try:
            frames = -(-self.settings.lead_in_ms // 20)
            if frames and source.push(self.lead_in(frames), tag):
                pushed_any = True
                self._resume()
            first_speech = True
            async for chunk in stream:
                if item.skipped:
                    break
                if isinstance(chunk, OpusFrames):  # the engine's own 20 ms packets: straight through
                    packets = list(chunk.packets)
                    if cap and fed + len(packets) * PACKET_SECONDS > cap:
                        packets = packets[:max(0, round((cap - fed) / PACKET_SECONDS))]
                        capped = True
                    fed += len(packets) * PACKET_SECONDS
                    if encoder is not None:  # PCM came before: it and its last partial frame go first
                        packets = await self._encode(_encode_batch, encoder, batch, True) + packets
                        encoder, batch, batched = None, [], 0.0
                else:
                    data = chunk.data
                    rate = chunk.sample_rate
                    if not data or not rate:
                        continue
                    if cap and fed + len(data) / 2 / rate > cap:
                        keep = max(0, int((cap - fed) * rate)) * 2
                        data = data[:keep]
                        capped = True
                    packets = []
                    if data:
                        if encoder is None:
                            encoder = self.encoder_factory()
                        batch.append((data, rate))
                        batched += len(data) / 2 / rate
                        fed += len(data) / 2 / rate
                    if batch and (first_speech or capped or batched >= BATCH_SECONDS
                                  or source.pending_seconds < BATCH_AHEAD):
                        packets = await self._encode(_encode_batch, encoder, batch)
                        batch, batched = [], 0.0
                if item.skipped:
                    break
                if source.push(packets, tag):
                    if first_speech:
                        first_speech = False
                        self.stats.first_push_delays.append(time.perf_counter() - t0)
                    pushed_any = True
                    self._resume()
                if capped:
                    self.stats.items_capped += 1
                    break
            if not item.skipped and encoder is not None:
                packets = await self._encode(_encode_batch, encoder, batch, True)
                if source.push(packets, tag):
                    pushed_any = True
                    self._resume()
        except asyncio.CancelledError:
            item.skipped = item.skipped or not self._closing
            raise
        except Exception as exc:
            self.stats.items_failed += 1
            log.warning("voice %s: speech failed: %s", self.guild_id, type(exc).__name__,
                        exc_info=not _expected(exc))
            if self.on_error is not None and not self._closing:
                try:
                    result = self.on_error(item, exc)
                    if asyncio.iscoroutine(result):
                        await result
                except Exception:
                    log.exception("voice %s: error reporter failed", self.guild_id)
        finally:
            self.stats.audio_seconds += fed
            # Close the synthesis stream now (a skip must stop the provider, not wait for the GC).
            with contextlib.suppress(Exception):
                await asyncio.shield(_aclose(stream))
            self._release(item)
            if item.skipped:
                source.drop(tag)
                self.queue.done(item)
                self.stats.items_skipped += 1
            elif pushed_any:
                source.end_item(tag)  # done when the reader gets there
            else:
                self.queue.done(item)  # nothing to hear (empty audio or failure)
            self._touch()

    def _open_stream(self, utt: Utterance) -> Any:
        """The item's audio: the service's ``stream_voice`` (the engine's Opus passed through as
        :class:`OpusFrames` where it can be, PCM otherwise) when it has one, else ``stream_pcm``."""
        opener = getattr(self.service, "stream_voice", None)
        return opener(utt) if opener is not None else self.service.stream_pcm(utt)

    async def _encode(self, fn: Callable[..., list[bytes]], *args: Any) -> list[bytes]:
        start = time.perf_counter()
        if self.settings.encode_in_thread:
            packets = await asyncio.to_thread(fn, *args)
        else:
            packets = fn(*args)
        self.stats.encode_seconds += time.perf_counter() - start
        self.stats.encode_calls += 1
        return packets

    def _release(self, item: QueueItem[Speech]) -> None:
        try:
            self.service.release(item.payload.utt)
        except Exception:
            log.debug("release failed", exc_info=True)

    # --- callbacks (always on the loop) ---------------------------------------------------------

    def _on_drop(self, item: QueueItem[Speech], reason: str) -> None:
        self._release(item)
        if reason == "expired":
            log.info("voice %s: a queued message expired unspoken", self.guild_id)

    def _on_skip(self, item: QueueItem[Speech]) -> None:
        if self._feeding is item and self._feed_task is not None:
            self._feed_task.cancel()  # its finally drops the packets and frees the slot
        else:
            if self.source is not None:
                self.source.drop(item.id)
            self.queue.done(item)
            self.stats.items_skipped += 1
        self._touch()
        self._wake.set()

    def _source_event(self, name: str, tag: Hashable) -> None:
        """Called in the sender thread: hop to the loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._on_source_event, name, tag)

    def _on_source_event(self, name: str, tag: Hashable) -> None:
        if name == EVENT_ITEM_DONE:
            for item in list(self.queue.current):
                if item.id == tag:
                    self.queue.done(item)
                    self.stats.items_spoken += 1
            self._touch()
        elif name == EVENT_ITEM_STARTED:
            self._last_sent = self.clock()
        elif name == EVENT_DRAINED:
            pass
        self._wake.set()

    def _player_ended(self, gen: int, error: Exception | None) -> None:
        """The connection's playback ended (bridged from ``after``)."""
        if gen != self._current_gen or self._closing:
            return  # we stopped it ourselves
        self._current_gen = 0
        if error is not None:
            log.warning("voice %s: player stopped with %s", self.guild_id, type(error).__name__)
        else:
            log.info("voice %s: player stopped unexpectedly", self.guild_id)
        conn = self.conn
        if conn is not None and conn.is_connected():
            self._needs_replay = True
        else:
            self._needs_reconnect = True
        self._wake.set()

    # --- recovery ------------------------------------------------------------------------------

    async def _recover(self) -> bool:
        """Restart playback or reconnect; False means give up (the caller leaves)."""
        conn = self.conn
        if self._needs_replay and not self._needs_reconnect and conn is not None and conn.is_connected():
            try:
                self._current_gen = 0
                with contextlib.suppress(Exception):
                    conn.stop()
                self._attach(conn)
                log.info("voice %s: playback restarted", self.guild_id)
                return True
            except Exception:
                log.warning("voice %s: could not restart playback", self.guild_id, exc_info=True)
                self._needs_reconnect = True
        if conn is not None and self._current_gen != 0 and not self._needs_replay:
            # Only a voice-state event said "no channel" and our playback still runs. It may be
            # the echo of our own disconnect during a reconnect, or discord.py may still be handling
            # it: look again after a moment, and reconnect only if the connection really is gone.
            await self._sleep(self.settings.reconnect_delay)
            if self._closing:
                return False
            if conn is self.conn and conn.is_connected() and self._current_gen != 0:
                log.debug("voice %s: disconnect event ignored, the connection is alive", self.guild_id)
                self._needs_reconnect = False
                return True
        now = self.clock()
        if self._last_reconnect_at is not None and now - self._last_reconnect_at < self.settings.stable_after:
            log.info("voice %s: dropped again right after a reconnect; leaving", self.guild_id)
            self.close_reason = "dropped"
            return False
        self.state = PlayerState.RECONNECTING
        self._current_gen = 0
        self._paused = False
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.stop()
            with contextlib.suppress(Exception):
                await conn.disconnect()
        self.conn = None
        delay = self.settings.reconnect_delay
        for attempt in range(1, self.settings.reconnect_attempts + 1):
            await self._sleep(delay)
            if self._closing:
                return False
            if self.channel is None or self._listeners(self.channel) == 0:
                self.close_reason = "alone"
                return False
            try:
                new = await self.connector(self.channel)
                self._attach(new)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever failed, try again (bounded)
                log.warning("voice %s: reconnect attempt %d failed: %s", self.guild_id, attempt,
                            type(exc).__name__)
                delay *= 2
                continue
            self._last_reconnect_at = self.clock()
            self.stats.reconnects += 1
            self.state = PlayerState.SPEAKING if not self._idle() else PlayerState.IDLE
            log.info("voice %s: reconnected (attempt %d)", self.guild_id, attempt)
            return True
        self.close_reason = "reconnect_failed"
        return False

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake early when closing."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)

    # --- helpers -------------------------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = self.clock()


def count_listeners(channel: Any) -> int:
    """Members in ``channel`` who are not bots (the bot itself included)."""
    members = getattr(channel, "members", None) or []
    return sum(1 for m in members if not getattr(m, "bot", False))


def announcement(name: str, text: str, language: str = "auto") -> str:
    """``"NAME said, "`` in the language the text is spoken in."""
    lang = language if language in ("zh", "yue", "ja", "en") else textmod.detect_language(text)
    lang = {"yue": "zh"}.get(lang, lang)
    clean = textmod.clean_for_speech(name) or name
    return t("voice_announce_said", lang if lang in ("zh", "ja") else "en", name=clean)


def _expected(exc: BaseException) -> bool:
    from core.errors import VoiceBridgeError

    return isinstance(exc, VoiceBridgeError)


def _encode_batch(encoder: Any, batch: list[tuple[bytes, int]], flush: bool = False) -> list[bytes]:
    """Feed ``batch`` (PCM chunks and their rates, in order) to ``encoder``, then flush it if asked: one
    worker-thread call for all of it."""
    packets: list[bytes] = []
    for data, rate in batch:
        packets.extend(encoder.feed(data, rate))
    if flush:
        packets.extend(encoder.flush())
    return packets


async def _aclose(stream: Any) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        await closer()


__all__ = ["GuildPlayer", "PlayerSettings", "PlayerState", "PlayerStats", "Speech", "VoiceConnection",
           "announcement", "count_listeners"]

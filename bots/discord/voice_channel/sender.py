"""One sender for every voice connection of the process: a single thread that, every 20 ms, hands each
connection's next ready Opus packet to its ``discord.VoiceClient``.

discord.py's own ``VoiceClient.play`` starts one ``AudioPlayer`` thread per connection; 100 connections are
100 threads that wake 50 times a second each and fight for the GIL, so they fall behind (``python -m bench
scale``). Lavalink (koe's UDP queue) and songbird (its mixer workers) instead tick many connections from one
loop: sleep to an absolute deadline, serve every connection once, advance the deadline by 20 ms. That is
:class:`VoiceSender`:

* **Timing**: deadlines are absolute (``start + k × 20 ms``), so sleeping late once does not shift the grid.
  After a stall (the machine was busy) it catches up by serving ticks back to back, at most
  ``max_catch_up`` of them; past that it skips to the present (a gap, not a burst) and counts it.
* **Per tick** each connection costs one ``source.read()`` (a lock-protected deque pop, never blocks) and one
  ``client.send_audio_packet(data, encode=False)``. That is discord.py 2.7's own send path: DAVE end-to-end
  encryption (``dave_session.encrypt_opus`` once the DAVE session is ready), the RTP header, the transport
  encryption and a non-blocking UDP ``sendall``; so DAVE works exactly as with discord.py's player. Nothing is
  encoded here: the packets are pre-encoded 20 ms Opus frames.
* **Phases**: playbacks are spread over ``slots`` phases of the 20 ms period (the least-filled phase takes a
  new one), so a tick serves a quarter of them every 5 ms instead of all of them at once. Each connection still
  gets one packet every 20 ms on its own grid, but a packet waits for fewer others: at 400 channels, the last
  packet of a tick no longer leaves 7 ms after the first. An empty phase costs no wake-up.
* **The GIL**: :func:`bots.discord.voice_channel.wire.hold_gil_while_sending` makes each discord.py client
  encrypt and send its packets in C calls that keep the GIL, so a tick is not cut into hundreds of thread
  switches by a busy event loop (see that module).
* **Isolation**: an exception while reading or sending ends that connection's playback only (its ``after``
  gets the error, as discord.py's player does); the others keep their tick.
* **Idle**: a paused playback costs nothing but a flag check; when no playback has anything to send the thread
  sleeps on a condition until one does (no 50 Hz wake-ups on an idle bot).

Each connection's state is a :class:`Playback`, which behaves like discord.py's ``AudioPlayer`` towards the
guild player: ``pause`` (five silence frames, one per tick, then nothing; "speaking" off), ``resume``, ``stop``,
``after(error)`` called **in the sender thread** when the playback ends (the source returned ``b""``, ``stop``,
an error, or the connection stayed down longer than the client's ``timeout``). All packets of a connection,
keepalive silence included (:meth:`Playback.send_silence`), go out from the sender thread, so discord.py's
sequence, timestamp and nonce counters are only ever touched by one thread.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bots.discord.opus import OPUS_SILENCE
from bots.discord.voice_channel.wire import hold_gil_while_sending

log = logging.getLogger(__name__)

PACKET_SECONDS = 0.02
PAUSE_SILENCE_FRAMES = 5  # what discord.py sends when its player pauses or stops
PHASES = 4  # playbacks are spread over this many phases of the 20 ms period
LATE_AFTER = 0.005  # a packet handed over later than this after its tick's deadline counts as late

After = Callable[[Exception | None], Any]

# what Playback._tick did
SENT, IDLE, ENDED = 2, 1, 0


@dataclass(slots=True)
class SenderStats:
    """Counters since the sender started (the bench and tests read them)."""

    ticks: int = 0  # 20 ms periods served (each serves every phase that has playbacks once)
    packets: int = 0
    late_packets: int = 0  # handed to the client more than LATE_AFTER after the tick's deadline
    max_lateness: float = 0.0  # seconds, the worst of any packet
    skipped_ticks: int = 0  # ticks dropped after a stall longer than max_catch_up ticks
    busy_seconds: float = 0.0  # time spent serving ticks
    max_tick_seconds: float = 0.0  # the longest a phase took to serve
    errors: int = 0  # playbacks ended by an exception
    collections: int = 0  # garbage-collector passes the sender ran between ticks (pace_gc)


class Playback:
    """One connection's playback on a :class:`VoiceSender` (made by :meth:`VoiceSender.play`)."""

    def __init__(self, sender: VoiceSender, client: Any, source: Any, after: After | None) -> None:
        self.sender = sender
        self.client = client
        self.source = source
        self.after = after
        self.opus = bool(source.is_opus())
        self.phase = 0  # which of the sender's phases serves it (set by VoiceSender.play)
        self._paused = False
        self._silence = 0  # silence frames still to send (pause trail, keepalive)
        self._stopping = False
        self._ended = threading.Event()
        self._down_since: float | None = None  # the connection went down at (sender clock)
        self.packets = 0

    # --- the guild player's side (any thread) -------------------------------------------------

    def pause(self) -> None:
        """Stop reading the source; five silence frames follow (one per tick) and "speaking" goes off."""
        with self.sender._cond:
            if self._paused or self._stopping:
                return
            self._paused = True
            self._silence = PAUSE_SILENCE_FRAMES
            self.sender._cond.notify()
        self._speak(False)

    def resume(self) -> None:
        """Read the source again from the next tick on; "speaking" goes on."""
        with self.sender._cond:
            if not self._paused or self._stopping:
                return
            self._paused = False
            self._silence = 0
            self.sender._cond.notify()
        self._speak(True)

    def stop(self) -> None:
        """End the playback: ``after(None)`` is called from the sender thread at its next tick."""
        with self.sender._cond:
            if self._stopping:
                return
            self._stopping = True
            self.sender._cond.notify()
        self._speak(False)

    def send_silence(self, frames: int) -> None:
        """Send ``frames`` Opus silence frames, one per tick, even while paused (keepalive)."""
        with self.sender._cond:
            if not self._stopping:
                self._silence = max(self._silence, frames)
                self.sender._cond.notify()

    def is_paused(self) -> bool:
        return self._paused and not self._ended.is_set()

    def is_playing(self) -> bool:
        return not self._paused and not self._ended.is_set()

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def wait_ended(self, timeout: float | None = None) -> bool:
        """Block until the playback ended (``after`` was called); False on timeout."""
        return self._ended.wait(timeout)

    # --- the sender's side --------------------------------------------------------------------

    def _wants_tick(self) -> bool:
        return self._stopping or not self._paused or self._silence > 0

    def _tick(self, now: float) -> int:
        """Send this tick's packet: ``SENT``, ``IDLE`` (nothing to send now) or ``ENDED``."""
        if self._stopping:
            return ENDED
        client = self.client
        if not client.is_connected():
            if self._down_since is None:
                self._down_since = now
                log.debug("voice connection down, waiting up to %ss", getattr(client, "timeout", 0))
            return IDLE if now - self._down_since < float(getattr(client, "timeout", 30.0)) else ENDED
        if self._down_since is not None:  # back after a reconnect by discord.py
            self._down_since = None
            self._speak(not self._paused)
        if self._silence > 0:
            self._silence -= 1
            client.send_audio_packet(OPUS_SILENCE, encode=False)
            self.packets += 1
            return SENT
        if self._paused:
            return IDLE
        data = self.source.read()
        if not data:
            return ENDED
        client.send_audio_packet(data, encode=not self.opus)
        self.packets += 1
        return SENT

    def _finish(self, error: Exception | None) -> None:
        """Called once, in the sender thread, when the playback leaves the sender."""
        self._stopping = True
        try:
            if self.after is not None:
                self.after(error)
            elif error is not None:
                log.error("voice playback failed", exc_info=error)
        except Exception:
            log.exception("voice playback: the after callback failed")
        finally:
            self._ended.set()
            try:
                self.source.cleanup()
            except Exception:
                log.debug("source cleanup failed", exc_info=True)

    def _speak(self, on: bool) -> None:
        """Set the "speaking" flag the way discord.py's player does: ``ws.speak`` on the client's loop."""
        try:
            from discord import SpeakingState

            state = SpeakingState.voice if on else SpeakingState.none
            loop = self.client.client.loop
            asyncio.run_coroutine_threadsafe(self.client.ws.speak(state), loop)
        except Exception:  # noqa: BLE001 - like discord.py: a lost speaking update is only worth a log line
            log.debug("speaking update failed", exc_info=True)


class VoiceSender:
    """The one thread that ticks every :class:`Playback` every ``interval`` seconds (see the module doc)."""

    def __init__(self, *, interval: float = PACKET_SECONDS, max_catch_up: int = 5,
                 clock: Callable[[], float] = time.perf_counter, sleep: Callable[[float], None] = time.sleep,
                 name: str = "voice-sender", pace_gc: bool = False, phases: int = PHASES) -> None:
        if phases < 1:
            raise ValueError("phases must be at least 1")
        self.interval = interval
        self.phases = phases
        #: While anything plays, the collector runs only here, in a tick's slack (see :meth:`_collect`).
        self.pace_gc = pace_gc
        self._paused_gc = False
        self.max_catch_up = max_catch_up
        self.clock = clock
        self.sleep = sleep
        self.name = name
        self.stats = SenderStats()
        self._cond = threading.Condition()
        self._playbacks: list[Playback] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    def play(self, client: Any, source: Any, *, after: After | None = None) -> Playback:
        """Start sending ``source``'s packets to ``client`` from the next tick (``source.is_opus()`` should be
        True: the sender encodes nothing). "Speaking" goes on now, as with discord.py's player."""
        hold_gil_while_sending(client)
        playback = Playback(self, client, source, after)
        with self._cond:
            if self._closed:
                raise RuntimeError("the voice sender is closed")
            filled = [0] * self.phases
            for other in self._playbacks:
                filled[other.phase] += 1
            playback.phase = filled.index(min(filled))
            self._playbacks.append(playback)
            self._start_locked()
            self._cond.notify()
        playback._speak(True)
        return playback

    @property
    def playbacks(self) -> int:
        with self._cond:
            return len(self._playbacks)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def close(self, timeout: float = 2.0) -> None:
        """Stop the thread; playbacks still attached end with ``after(None)``."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _start_locked(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    # --- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self._hold_gc(False)  # whatever happened, the collector is never left off

    def _serve(self) -> None:
        step = self.interval / self.phases
        phase, deadline = 0, self.clock()  # the phase due next, and its deadline
        while True:
            with self._cond:
                while not self._closed and not any(p._wants_tick() for p in self._playbacks):
                    self._hold_gc(False)  # idle: the collector runs as usual
                    self._cond.wait()  # nothing to send: sleep until something changes
                    phase, deadline = 0, self.clock()  # a fresh grid after an idle spell
                if self._closed:
                    leftovers, self._playbacks = self._playbacks, []
                    break
                playbacks = [p for p in self._playbacks if p.phase == phase]
                occupied = {p.phase for p in self._playbacks}
            self._hold_gc(True)
            ended = self._tick(playbacks, deadline)
            if ended:
                with self._cond:
                    self._playbacks = [p for p in self._playbacks if p not in ended]
                for playback, error in ended.items():
                    playback._finish(error)
            advance = 1  # to the next phase that has playbacks (a whole period if only this one has)
            while advance < self.phases and (phase + advance) % self.phases not in occupied:
                advance += 1
            if phase + advance >= self.phases:
                self.stats.ticks += 1  # a period is over
            phase = (phase + advance) % self.phases
            deadline += advance * step
            now = self.clock()
            behind = now - deadline
            if behind > self.max_catch_up * self.interval:
                skipped = int(behind / self.interval)
                self.stats.skipped_ticks += skipped
                deadline += skipped * self.interval
                log.warning("voice sender fell %.0f ms behind; skipped %d ticks", behind * 1000, skipped)
            elif behind < 0:
                if self._paused_gc:
                    self._collect(-behind)
                    behind = self.clock() - deadline
                if behind < 0:
                    self.sleep(-behind)
        for playback in leftovers:
            playback._finish(None)

    # --- the garbage collector, paced by the ticks -------------------------------------------------
    #
    # A collector pass holds the GIL. Started by whichever thread allocates at the wrong moment, it delays a
    # tick by its whole length (at 200 channels, 1-8 % of packets were late with it, 0.3 % without it). While
    # something plays, automatic collection is off and the sender runs the passes that are due right after a
    # tick, when the next deadline is far enough away; so allocation never waits longer than a tick for them.

    #: Seconds left before the next deadline for a pass to start (a pass is a few ms; a young one far less).
    GC_SLACK = 0.003

    def _hold_gc(self, hold: bool) -> None:
        if not self.pace_gc or hold == self._paused_gc:
            return
        if hold:
            if not gc.isenabled():  # someone else turned it off: leave it to them
                return
            gc.disable()
        else:
            gc.enable()
        self._paused_gc = hold

    def _collect(self, slack: float) -> None:
        """Run the collector pass that is due (as CPython's thresholds would), if ``slack`` allows it, or when
        four times overdue whatever the slack."""
        count0, count1, count2 = gc.get_count()
        limit0, limit1, limit2 = gc.get_threshold()
        if count0 < limit0 or (slack < self.GC_SLACK and count0 < 4 * limit0):
            return
        gc.collect(2 if count2 >= limit2 else 1 if count1 >= limit1 else 0)
        self.stats.collections += 1

    def _tick(self, playbacks: list[Playback], deadline: float) -> dict[Playback, Exception | None]:
        """Serve every playback of one phase once; returns the ones that ended (with their error, if any)."""
        clock = self.clock
        stats = self.stats
        start = clock()
        ended: dict[Playback, Exception | None] = {}
        for playback in playbacks:
            try:
                outcome = playback._tick(start)
            except Exception as exc:  # noqa: BLE001 - one broken connection must not stop the others
                stats.errors += 1
                log.warning("voice playback failed: %s", type(exc).__name__, exc_info=exc)
                ended[playback] = exc
                continue
            if outcome != SENT:
                if outcome == ENDED:
                    ended[playback] = None
                continue
            now = clock()
            late = now - deadline
            stats.packets += 1
            if late > LATE_AFTER:
                stats.late_packets += 1
            if late > stats.max_lateness:
                stats.max_lateness = late
        cost = clock() - start
        stats.busy_seconds += cost
        stats.max_tick_seconds = max(stats.max_tick_seconds, cost)
        return ended


_default: VoiceSender | None = None
_default_lock = threading.Lock()


def default_sender() -> VoiceSender:
    """The process's one sender (made on first use; its thread starts with the first playback)."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = VoiceSender(pace_gc=True)
        return _default


__all__ = ["LATE_AFTER", "PACKET_SECONDS", "Playback", "SenderStats", "VoiceSender", "default_sender"]

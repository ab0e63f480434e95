"""``python -m bench scale [--sizes 1,50,100,200,400] [--provider pcm,opus] [--default-gc] [--released-gil]``: how many Discord voice channels one process keeps speaking.

N guilds each stream a 10 s utterance at the same moment, through the real pipeline: ``GuildPlayer`` →
``OpusPacketEncoder`` (worker threads) → ``StreamingOpusSource`` → the voice connection's playback at the real
20 ms tick (the test fake voice connection, no Discord). Each packet pays a real packet's sending cost (RTP
header, the transport's AEAD encryption, a UDP datagram to a loopback sink: ``bench/scale_wire.py``). The
provider is the voice bench's fake (first chunk after 150 ms, RTF 0.2).

Measured per N: CPU time per wall second (% of one core), underruns (a source ran dry in the middle of an
utterance: listeners hear a gap), late packets (a connection's k-th packet of the utterance handed to the client
more than 5 ms after its deadline on the connection's 20 ms grid, see :func:`lateness`; the pause's silence
frames around the utterance are not counted), the worst lateness, the most threads alive at once, and the resident memory before
and at its peak. The machine is shared, so the load average is printed with each size.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import threading
import time
from typing import Any

from bench.common import speech_like_pcm
from bench.voice import CHUNK_MS, CLIP_SECONDS, SAMPLE_RATE, BenchProvider

SIZES = (1, 50, 100, 200, 400)
PACKET = 0.020
LATE = 0.005  # a packet later than this after its deadline is late


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def lateness(stamps: list[tuple[float, bytes]], silence: bytes) -> list[float]:
    """Seconds past its deadline of each packet of the utterance (first to last packet that is not ``silence``).
    Packet k's deadline is ``start + k × 20 ms`` on the connection's own 20 ms grid, ``start`` the median of
    ``time_k - k × 20 ms`` (the grid most packets keep: discord.py's player sends the first packet after a resume
    one tick ahead of its grid, and a shared sender serves each connection at its own offset in the tick)."""
    marks = [i for i, (_, packet) in enumerate(stamps) if packet != silence]
    if not marks:
        return []
    window = stamps[marks[0]:marks[-1] + 1]
    start = statistics.median(at - k * PACKET for k, (at, _) in enumerate(window))
    return [at - (start + k * PACKET) for k, (at, _) in enumerate(window)]


def _playback_threads() -> int:
    return threading.active_count()


class OpusBenchProvider(BenchProvider):
    """The voice bench's provider answering in Opus (what SiliconFlow does with ``response_format: "opus"``):
    the same clip, encoded once up front into 20 ms packets, handed out as ``OpusFrames`` at the same pace
    (first after 150 ms, then RTF 0.2), so the player passes them through without encoding."""

    packets: list[bytes] = []

    async def stream_voice(self, utt: Any) -> Any:
        from core.audio.opus_frames import OpusFrames

        try:
            start = time.perf_counter()
            per_chunk = max(1, round(CHUNK_MS / 20))
            interval = per_chunk * 0.02 * self.rtf
            for index, offset in enumerate(range(0, len(self.packets), per_chunk)):
                delay = start + self.first_chunk + index * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                yield OpusFrames(tuple(self.packets[offset:offset + per_chunk]))
        finally:
            self.release(utt)


def _opus_packets(pcm: bytes) -> list[bytes]:
    from bots.discord.opus import OpusPacketEncoder

    encoder = OpusPacketEncoder(leading_silence_ms=0)
    return encoder.feed(pcm, SAMPLE_RATE) + encoder.flush()


async def _run(n: int, pcm: bytes, provider: str = "pcm", *, released: bool = False) -> dict[str, Any]:
    from bench.scale_wire import wire_connection
    from bots.discord.opus import OPUS_SILENCE
    from bots.discord.voice_channel.player import GuildPlayer, PlayerSettings, Speech
    from tests.bots.discord.voice_channel.fakes import FakeChannel, FakeConnector, FakeMember, user

    settings = PlayerSettings(idle_timeout=0, alone_grace=1e9, keepalive_interval=15.0, max_seconds=60.0)
    players, stamps, wires = [], [], []
    load = os.getloadavg()[0]
    for index in range(n):
        connector = FakeConnector(delay=PACKET)
        service = OpusBenchProvider(pcm) if provider == "opus" else BenchProvider(pcm)
        player = GuildPlayer(index, service=service, connector=connector, settings=settings,
                             listeners=lambda channel: 1)
        await player.connect(FakeChannel(index, members=[FakeMember(2)]))
        sent: list[tuple[float, bytes]] = []
        wires.append(wire_connection(connector.last, index + 1, sent, released=released))
        players.append(player)
        stamps.append(sent)
    await asyncio.sleep(0.2)  # let every connection settle (burst keepalive: paused)
    rss_before, peak, threads = _rss_mib(), 0.0, _playback_threads()
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    for index, player in enumerate(players):
        player.enqueue(str(index), Speech(await player.service.prepare(user(index), "ten seconds")))
    deadline = wall0 + CLIP_SECONDS * 3 + 10
    while any(p.stats.items_spoken < 1 for p in players) and time.perf_counter() < deadline:
        peak = max(peak, _rss_mib())
        threads = max(threads, _playback_threads())
        await asyncio.sleep(0.1)
    wall = time.perf_counter() - wall0
    cpu = _cpu_seconds() - cpu0
    done = sum(p.stats.items_spoken for p in players)
    underruns = sum(p.source.stats.underruns for p in players if p.source is not None)
    encode_calls = sum(p.stats.encode_calls for p in players)
    late_by = [x for sent in stamps for x in lateness(list(sent), OPUS_SILENCE)]
    late = sum(1 for x in late_by if x > LATE)
    for player in players:
        await player.close("bench over")
    for wire in wires:
        wire.close()
    return {"n": n, "done": done, "wall_s": wall, "cpu_s": cpu, "cpu_pct": cpu / wall * 100,
            "rss_before_mib": rss_before, "rss_peak_mib": max(peak, _rss_mib()), "threads": threads,
            "underruns": underruns, "encode_calls": encode_calls, "packets": len(late_by), "late": late,
            "late_pct": late / max(1, len(late_by)) * 100, "max_late_ms": max(late_by, default=0.0) * 1000,
            "load": load, "provider": provider, "sender": _sender_stats(connector.last) if n else None}


def _sender_stats(conn: Any) -> dict[str, Any] | None:
    sender = getattr(conn, "sender", None)
    if sender is None:
        return None
    stats = sender.stats
    return {"ticks": stats.ticks, "packets": stats.packets, "late_packets": stats.late_packets,
            "max_lateness_ms": stats.max_lateness * 1000, "skipped_ticks": stats.skipped_ticks,
            "busy_s": stats.busy_seconds, "max_tick_ms": stats.max_tick_seconds * 1000}


def _option(argv: list[str] | None, name: str, default: str) -> str:
    args = list(argv or [])
    return args[args.index(name) + 1] if name in args[:-1] else default


def _sizes(argv: list[str] | None) -> tuple[int, ...]:
    return tuple(int(x) for x in _option(argv, "--sizes", ",".join(map(str, SIZES))).split(","))


async def run(argv: list[str] | None = None) -> dict[str, Any]:
    from bots.cli import quiet_garbage_collector

    pcm = speech_like_pcm(CLIP_SECONDS, SAMPLE_RATE)
    OpusBenchProvider.packets = _opus_packets(pcm)
    if "--default-gc" not in (argv or []):
        quiet_garbage_collector()  # as `voicebridge run` does
    results = []
    for provider in _option(argv, "--provider", "pcm,opus").split(","):
        for n in _sizes(argv):
            results.append(await _run(n, pcm, provider, released="--released-gil" in (argv or [])))
            r = results[-1]
            print(f"  {provider} {n} channels: {r['done']}/{n} spoken, {r['cpu_pct']:.0f} % CPU, {r['underruns']} "
                  f"underruns, {r['late_pct']:.2f} % late (load {r['load']:.2f})", flush=True)
    rows = [[r["provider"], r["n"], f"{r['done']}/{r['n']}", f"{r['wall_s']:.1f} s", f"{r['cpu_pct']:.0f} %", r["underruns"],
             f"{r['late']} of {r['packets']} ({r['late_pct']:.2f} %)", f"{r['max_late_ms']:.0f} ms", r["threads"],
             f"{r['rss_before_mib']:.0f} MiB", f"{r['rss_peak_mib']:.0f} MiB", f"{r['load']:.2f}"]
            for r in results]
    return {
        "title": f"voice channels speaking at once: {CLIP_SECONDS:g} s each, fake provider (150 ms first chunk, "
                 "RTF 0.2), real packet sending cost",
        "columns": ["provider audio", "channels", "finished", "wall", "CPU (of one core)", "underruns",
                    f"late packets (> {LATE * 1000:.0f} ms)", "max lateness", "threads", "RSS before", "RSS peak",
                    "load (1 min)"],
        "rows": rows,
        "notes": ["provider audio: pcm = 24 kHz PCM encoded to mono 24 kHz Opus here (worker threads, chunks "
                  "gathered up to 200 ms per call while a second is queued; raw: encode_calls); opus = the "
                  "provider's own 20 ms Opus packets passed straight through (nothing encoded)",
                  "CPU includes the fake provider, the Opus encoders (worker threads) and the playback",
                  "load: the machine's 1-minute load average when the size started (the machine is shared)",
                  "packets encrypted and sent " + ("with PyNaCl and socket.send, which release the GIL "
                                                   "(--released-gil), as discord.py does"
                                                   if "--released-gil" in (argv or []) else
                                                   "by C calls that keep the GIL (bots/discord/voice_channel/"
                                                   "wire.py), as the bot does"),
                  "garbage collector: " + ("CPython's defaults (--default-gc)" if "--default-gc" in (argv or [])
                                           else "as `voicebridge run` sets it (bots.cli.quiet_garbage_collector)")],
        "raw": results,
    }

"""``python -m bench scale``: how many Discord voice channels one process can keep speaking at once.

N guilds each stream a 10 s utterance at the same moment, through the real pipeline: ``GuildPlayer`` →
``OpusPacketEncoder`` (worker threads) → ``StreamingOpusSource`` → discord.py's own ``AudioPlayer`` thread
per connection at its real 20 ms tick (the test fake voice client, no network). The provider is the
voice bench's fake (first chunk after 150 ms, RTF 0.2).

Measured per N: the process's resident memory before and at its peak, CPU time per wall second, underruns
(a source ran dry in the middle of an utterance, which listeners hear as a gap), and late packets (more than
40 ms after the previous one on the same connection, i.e. the player thread fell behind).

Seen on a 2-core machine: 50 guilds at once play cleanly at about 60 % of one core; at 100 the process falls
behind (underruns, and the 10 s clips take ~15 s), so a bot that big should run more than one process (shards).
"""

from __future__ import annotations

import asyncio
import resource
import time
from typing import Any

from bench.common import speech_like_pcm
from bench.voice import CLIP_SECONDS, SAMPLE_RATE, BenchProvider

SIZES = (1, 10, 25, 50, 100)
LATE_GAP = 0.040


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run(n: int, pcm: bytes) -> dict[str, Any]:
    from bots.discord.voice_channel.player import GuildPlayer, PlayerSettings, Speech
    from tests.bots.discord.voice_channel.fakes import FakeChannel, FakeConnector, FakeMember, user

    settings = PlayerSettings(idle_timeout=0, alone_grace=1e9, keepalive_interval=15.0, max_seconds=60.0)
    players, connectors, stamps = [], [], []
    for index in range(n):
        connector = FakeConnector(delay=0.02)
        player = GuildPlayer(index, service=BenchProvider(pcm), connector=connector, settings=settings,
                             listeners=lambda channel: 1)
        await player.connect(FakeChannel(index, members=[FakeMember(2)]))
        times: list[float] = []
        connector.last.on_packet = lambda packet, at, times=times: times.append(at)
        players.append(player)
        connectors.append(connector)
        stamps.append(times)
    rss_before, peak = _rss_mib(), 0.0
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    for index, player in enumerate(players):
        player.enqueue(str(index), Speech(await player.service.prepare(user(index), "ten seconds")))
    deadline = wall0 + CLIP_SECONDS * 3 + 10
    while any(p.stats.items_spoken < 1 for p in players) and time.perf_counter() < deadline:
        peak = max(peak, _rss_mib())
        await asyncio.sleep(0.1)
    wall = time.perf_counter() - wall0
    cpu = _cpu_seconds() - cpu0
    done = sum(p.stats.items_spoken for p in players)
    underruns = sum(p.source.stats.underruns for p in players if p.source is not None)
    late = total = 0
    for times in stamps:
        gaps = [b - a for a, b in zip(times, times[1:])]
        total += len(gaps)
        late += sum(1 for g in gaps if g > LATE_GAP)
    for player in players:
        await player.close("bench over")
    return {"n": n, "done": done, "wall_s": wall, "cpu_s": cpu, "rss_before_mib": rss_before,
            "rss_peak_mib": max(peak, _rss_mib()), "underruns": underruns, "late": late, "gaps": total}


async def run() -> dict[str, Any]:
    pcm = speech_like_pcm(CLIP_SECONDS, SAMPLE_RATE)
    results = [await _run(n, pcm) for n in SIZES]
    rows = []
    for r in results:
        rows.append([r["n"], f"{r['done']}/{r['n']}", f"{r['wall_s']:.1f} s",
                     f"{r['cpu_s'] / r['wall_s'] * 100:.0f} %", f"{r['rss_before_mib']:.0f} MiB",
                     f"{r['rss_peak_mib']:.0f} MiB", r["underruns"],
                     f"{r['late']} of {r['gaps']} ({r['late'] / max(1, r['gaps']) * 100:.2f} %)"])
    biggest = results[-1]
    per_guild = (biggest["rss_peak_mib"] - results[0]["rss_peak_mib"]) / max(1, biggest["n"] - results[0]["n"])
    return {
        "title": f"guilds speaking at once: {CLIP_SECONDS:g} s each, fake provider (150 ms first chunk, RTF 0.2)",
        "columns": ["guilds", "finished", "wall", "CPU (of one core)", "RSS before", "RSS peak", "underruns",
                    f"late packets (> {LATE_GAP * 1000:.0f} ms)"],
        "rows": rows,
        "notes": [f"about {per_guild:.1f} MiB more resident memory per additional speaking guild",
                  "CPU includes the fake provider, the encoders and one discord.py player thread per guild"],
        "raw": results,
    }

"""One shard process of ``python -m bench scale_shards``: what ``voicebridge run`` starts for Discord, from the
environment it is given (``DISCORD_SHARD_COUNT`` / ``DISCORD_SHARD_IDS``, the shared PostgreSQL, the web console
off): ``build_app`` (migrations included) and ``run_discord`` with the full bot (every cog), logging at INFO into
a file. Started with ``multiprocessing``'s spawn method; it talks to the orchestrator over a pipe like the
burst bench's processes (:mod:`bench.burst_processes`): a tuple in, a tuple out.

It answers ``("ready", …)`` once it holds the ``expected`` guilds (the fake gateway's GUILD_CREATEs for its
shards), then ``handled`` (guild id → MESSAGE_CREATE events its bot handled), ``speak N PROVIDER`` (the voice
bench's N speaking channels, :func:`bench.scale._run`, in this process) and ``stop`` (its totals; it then
shuts down cleanly). Times are ``time.monotonic()``: one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from multiprocessing.connection import Connection
from typing import Any

from bench.burst_processes import _cpu, _inbox, _reporting_errors, _status


def shard_process(conn: Connection, spec: dict[str, Any]) -> None:
    """``spec``: ``env`` (set before anything reads it), ``log`` (the log file), ``expected`` (guilds this
    process's shards hold), ``timeout`` (seconds to get them), ``gc_freeze`` (``gc.freeze()`` once connected)."""
    _reporting_errors(conn, lambda: asyncio.run(_shard(conn, spec)))


async def _until_guilds(bot: Any, serving: asyncio.Task[None], expected: int, deadline: float) -> None:
    while len(bot.guilds) < expected:
        if serving.done():
            serving.result()  # raises what stopped the bot
            raise RuntimeError("the Discord bot stopped before it had its guilds")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(bot.guilds)} of {expected} guilds received in time")
        await asyncio.sleep(0.01)


async def _shard(conn: Connection, spec: dict[str, Any]) -> None:
    started = time.monotonic()
    os.environ.update(spec["env"])
    logging.basicConfig(filename=spec["log"], level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bots.app import build_app
    from bots.discord.bot import VoiceBridgeBot
    from bots.discord.runner import run_discord
    from bots.discord.settings import DiscordSettings
    from bots.discord.sharding import ShardPlan
    from core.config import load_config

    config, settings = load_config(), DiscordSettings.load()
    inbox = _inbox(conn)
    async with await build_app(config) as app:
        built = time.monotonic()
        bot = VoiceBridgeBot(app, **ShardPlan.from_settings(settings).bot_options())
        handled: dict[int, int] = {}

        async def on_message(message: Any) -> None:
            if message.guild is not None:
                handled[message.guild.id] = handled.get(message.guild.id, 0) + 1

        bot.add_listener(on_message)
        stop = asyncio.Event()
        serving = asyncio.create_task(run_discord(app, stop, settings, bot=bot), name="discord")
        try:
            await _until_guilds(bot, serving, spec["expected"], built + spec["timeout"])
            connected = time.monotonic()
            if spec.get("gc_freeze"):  # what start-up made lives on: out of every later full collection
                gc.collect()
                gc.freeze()
            conn.send(("ready", {"started": started, "startup_s": built - started, "connect_s": connected - built,
                                 "cpu_connected": _cpu(), "shards": sorted(bot.shards),
                                 "guilds": sorted(g.id for g in bot.guilds)}))
            speaking: list[dict[str, Any]] = []
            while True:
                command, *args = await inbox.get()
                if command == "handled":
                    conn.send(("ok", dict(handled)))
                elif command == "speak":
                    speaking.append(await _speak(*args))
                    conn.send(("ok", speaking[-1]))
                elif command in ("stop", "exit"):
                    break
            now = _status()
            report = {"cpu_s": _cpu(), "rss_peak_kib": now["VmHWM"], "threads": now["Threads"],
                      "guilds": sorted(g.id for g in bot.guilds), "handled": dict(handled),
                      "closed_by_itself": serving.done()}
            conn.send(("ok", report))
        finally:
            stop.set()
            await asyncio.wait_for(serving, 30)


_PCM: bytes | None = None


async def _speak(n: int, provider: str) -> dict[str, Any]:
    """``n`` voice channels speaking at once in this process (:mod:`bench.scale`'s machinery: the real player,
    encoder and one voice sender, fake voice connections paying a real packet's sending cost)."""
    from bench import scale
    from bench.common import speech_like_pcm
    from bench.voice import CLIP_SECONDS, SAMPLE_RATE

    global _PCM
    if _PCM is None:
        _PCM = speech_like_pcm(CLIP_SECONDS, SAMPLE_RATE)
        scale.OpusBenchProvider.packets = scale._opus_packets(_PCM)
    pauses = GCPauses()
    with pauses:
        result = await scale._run(n, _PCM, provider)
    result["gc"] = pauses.summary()
    return result


class GCPauses:
    """The garbage collector's pauses while it is entered (each stops every thread: the GIL is held)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._began)

    def __enter__(self) -> GCPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> dict[str, Any]:
        return {f"gen{g}": {"count": len(p), "total_ms": sum(p) * 1000, "max_ms": max(p, default=0.0) * 1000}
                for g, p in self.pauses.items()}

"""The three processes of ``python -m bench burst``: the bot under measurement and the two fakes.

Each runs in its own process (started with ``multiprocessing``'s spawn method) so that the bot's CPU time,
memory and threads are the bot's alone, and the fakes do not compete with it for the GIL. They talk to the
orchestrator (:mod:`bench.burst`) over a pipe: a tuple in, a tuple out. Times are ``time.monotonic()``,
which is one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import resource
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

API_KEY = "sk-bench-operator"
#: How often the bot process samples its own resident memory and threads (reading /proc is not free: 500
#: threads make it a millisecond or two).
SAMPLE_EVERY = 0.2


def _inbox(conn: Connection) -> asyncio.Queue[tuple[Any, ...]]:
    """Messages from the pipe, read on the event loop without blocking it (a closed pipe reads as "exit")."""
    queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def readable() -> None:
        try:
            while conn.poll():
                queue.put_nowait(conn.recv())
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            queue.put_nowait(("exit",))

    loop.add_reader(conn.fileno(), readable)
    return queue


def _reporting_errors(conn: Connection, main: Callable[[], Any]) -> None:
    """Run ``main()``; a failure goes back up the pipe as ``("error", traceback)``."""
    try:
        main()
    except BaseException:  # noqa: BLE001 - whatever it was, the orchestrator must hear of it
        try:
            conn.send(("error", traceback.format_exc()))
        except OSError:
            pass


# --- the fake Bot API ---------------------------------------------------------------------------------


def telegram_process(conn: Connection) -> None:
    """The fake Bot API with Telegram's flood limits; commands: polling, burst, answered, report, exit."""
    _reporting_errors(conn, lambda: asyncio.run(_telegram(conn)))


class _Counter(logging.Filter):
    """Counts the records of a logger instead of letting them print."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        self.count += 1
        return False


async def _telegram(conn: Connection) -> None:
    from tests.fakes.telegram import FakeTelegram, Updates

    # a request the bot gave up on mid-body (a chat action cancelled once its note went out) is logged by
    # aiohttp with a traceback: count those instead
    aborted = _Counter()
    logging.getLogger("aiohttp.server").addFilter(aborted)
    async with FakeTelegram() as tg:
        limits = tg.limit_flood()
        conn.send(("ready", {"token": tg.token, "base_url": tg.base_url, "base_file_url": tg.base_file_url,
                             "limits": [limits.per_second, limits.burst, limits.chat_per_second, limits.chat_burst]}))
        inbox, updates, pushed_at = _inbox(conn), Updates(tg), None
        while True:
            command, *args = await inbox.get()
            if command == "exit":
                return
            if command == "polling":
                conn.send(("ok", bool(tg.calls_to("getUpdates"))))
            elif command == "burst":
                built = [updates.message(chat, chat, text) for chat, text in args[0]]
                pushed_at = time.monotonic()
                for update in built:
                    tg.push_update(update)
                conn.send(("ok", pushed_at))
            elif command == "answered":
                conn.send(("ok", len(_voices(tg))))
            elif command == "report":
                counts: dict[str, int] = {}
                for call in tg.calls:
                    key = call.method if call.status == 200 else f"{call.method} {call.status}"
                    counts[key] = counts.get(key, 0) + 1
                conn.send(("ok", {"pushed_at": pushed_at, "arrivals": _voices(tg), "calls": counts,
                                  "aborted": aborted.count}))


def _voices(tg: Any) -> dict[int, float]:
    """Chat → when its first voice note (or audio, the fallback) arrived at the fake."""
    first: dict[int, float] = {}
    for call in tg.calls:
        if call.method in ("sendVoice", "sendAudio") and call.status == 200:
            first.setdefault(call.chat_id, call.at)
    return first


# --- the fake SiliconFlow --------------------------------------------------------------------------------


def siliconflow_process(conn: Connection, first_byte_delay: float, realtime_factor: float) -> None:
    """The fake SiliconFlow on a schedule kept from each request's arrival; commands: report, exit."""
    _reporting_errors(conn, lambda: _siliconflow(conn, first_byte_delay, realtime_factor))


def _siliconflow(conn: Connection, first_byte_delay: float, realtime_factor: float) -> None:
    from tests.fakes.siliconflow import FakeSiliconFlow

    with FakeSiliconFlow(api_keys={API_KEY}, first_byte_delay=first_byte_delay, realtime_factor=realtime_factor,
                         on_schedule=True, reuse_audio=True) as sf:
        conn.send(("ready", {"base_url": sf.base_url}))
        while True:
            command, *_ = conn.recv()  # this thread has nothing else to do: the server runs on its own
            if command == "exit":
                return
            if command == "report":
                done = [r for r in sf.requests_for("speech") if r.completed_at is not None]
                conn.send(("ok", {"requests": len(sf.requests_for("speech")),
                                  "took": [r.completed_at - r.received_at for r in done]}))


# --- the bot -------------------------------------------------------------------------------------------------


def bot_process(conn: Connection, spec: dict[str, Any]) -> None:
    """The bot as ``voicebridge run`` runs it (long polling through the real ``Application``); commands:
    go (start measuring), stop (report and shut down)."""
    _reporting_errors(conn, lambda: asyncio.run(_bot(conn, spec)))


def _status() -> dict[str, int]:
    """VmRSS, VmHWM (KiB) and Threads from ``/proc/self/status``."""
    out = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _main_thread_cpu() -> float:
    """CPU seconds of the event loop's thread (the process's first thread) from ``/proc/self/stat``."""
    with open(f"/proc/self/task/{os.getpid()}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _provider_alone(app: Any, text: str) -> float:
    """Seconds for the real provider client to stream ``text`` with nothing else going on."""
    from core.models import DEFAULT_VOICE, SynthesisRequest

    start = time.monotonic()
    async for _ in app.remote.synthesize(SynthesisRequest(text=text, voice=DEFAULT_VOICE)):
        pass
    return time.monotonic() - start


def _thread_names() -> dict[str, int]:
    """Python's threads by name (digits dropped), and how many threads are native (``native``)."""
    names: dict[str, int] = {}
    for thread in threading.enumerate():
        name = re.sub(r"[_-]?\d+(_\d+)?$", "", thread.name.split(" ")[0])
        names[name] = names.get(name, 0) + 1
    names["native"] = _status()["Threads"] - sum(names.values())
    return names


async def _sample(peaks: dict[str, Any]) -> None:
    while True:
        now = _status()
        if now["Threads"] > peaks.get("Threads", 0):
            peaks["Threads"], peaks["names"] = now["Threads"], _thread_names()
        peaks["VmRSS"] = max(peaks.get("VmRSS", 0), now["VmRSS"])
        await asyncio.sleep(SAMPLE_EVERY)


async def _bot(conn: Connection, spec: dict[str, Any]) -> None:
    from bots.app import build_app
    from bots.telegram.runner import run_telegram
    from bots.telegram.settings import TelegramSettings
    from core.config import load_config

    # as `voicebridge run` logs (INFO, httpx quiet), into a file
    logging.basicConfig(filename=spec["log"], level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = load_config(data_dir=spec["data_dir"], database_url=spec["database_url"], secret_key=spec["secret_key"],
                         provider="siliconflow", siliconflow_base_url=spec["siliconflow_url"],
                         siliconflow_api_key=API_KEY)
    settings = TelegramSettings.load(bot_token=spec["token"], base_url=spec["base_url"],
                                     base_file_url=spec["base_file_url"], webhook_url=None)
    inbox = _inbox(conn)
    async with await build_app(config) as app:
        alone = await _provider_alone(app, spec["probe_text"])
        stop = asyncio.Event()
        serving = asyncio.create_task(run_telegram(app, stop, settings), name="telegram")
        conn.send(("ready", {"provider_alone": alone}))
        profiler = sampler = None
        peaks: dict[str, Any] = {}
        cpu0 = main0 = 0.0
        while True:
            getting = asyncio.ensure_future(inbox.get())
            await asyncio.wait({getting, serving}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                serving.result()  # raises what stopped the bot
                raise RuntimeError("the bot stopped by itself")
            command, *_ = getting.result()
            if command == "go":
                sampler = asyncio.create_task(_sample(peaks))
                cpu0, main0 = _cpu(), _main_thread_cpu()
                if spec.get("profile"):
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                conn.send(("ok", None))
            elif command in ("stop", "exit"):
                break
        if profiler is not None:
            profiler.disable()
        cpu, main = _cpu() - cpu0, _main_thread_cpu() - main0
        if profiler is not None:
            profiler.dump_stats(spec["profile"])
        if sampler is not None:
            sampler.cancel()
        now = _status()
        report = {"cpu": cpu, "main_thread_cpu": main, "rss_peak_kib": now["VmHWM"],
                  "rss_sampled_peak_kib": max(peaks.get("VmRSS", 0), now["VmRSS"]),
                  "threads_peak": max(peaks.get("Threads", 0), now["Threads"]),
                  "threads_at_peak": peaks.get("names", {}),
                  "profile": _profile_text(profiler) if profiler is not None else None}
        conn.send(("ok", report))
        stop.set()
        await asyncio.wait_for(serving, 60)


def _profile_text(profiler: Any, lines: int = 25) -> str:
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    return out.getvalue()

"""``python -m bench scale_shards``: one Discord bot in two processes, each running one of its two shards, on one
PostgreSQL; do they split the guilds (each served exactly once), how fast do they connect, and what does each
cost when its half of the guilds speak in voice channels.

Per size G (guilds), three processes:

* **the fake Discord** (``tests/fakes/discord_gateway.py``, on a thread of this process): REST and a sharded
  gateway keeping Discord's contract (``GET /gateway/bot`` with ``max_concurrency``, IDENTIFY with
  ``shard: [id, 2]``, READY then one GUILD_CREATE per guild of the shard, a guild's events to its shard
  ``(guild_id >> 22) % 2`` only). The G guild ids are snowflakes with random creation times, so the split
  is Discord's, not an alternation;
* **two shard processes** (:mod:`bench.scale_shards_process`), started together, as ``voicebridge run`` runs
  Discord with ``DISCORD_SHARD_COUNT=2`` and ``DISCORD_SHARD_IDS=0`` / ``=1``: one fresh PostgreSQL database
  (127.0.0.1:5432, dropped afterwards) both migrate at start (one waits on the other's lock), one secret key,
  one data dir, every cog loaded, the web console off.

Then: every guild gets ``--events`` MESSAGE_CREATEs through the gateway (the bot's full message handling), and
each process makes its own guilds' voice channels speak at once, both processes together, with the voice bench's
machinery (:func:`bench.scale._run`: the real player, Opus encoder and one voice sender a process, fake voice
connections that pay a real packet's sending cost; no Discord voice server).

Columns, per process: its shards; guilds received (of the guilds its shards hold); events handled; start-up
(spawn to app built: imports, migrations); connect (app built to its last GUILD_CREATE, shard 1 including its
identify turn: Discord allows one IDENTIFY per 5 s per ``max_concurrency`` bucket, and most bots have one);
CPU seconds of the process until the end, and of those until connected; peak RSS (``VmHWM``); speaking channels
with underruns, late packets (> 5 ms) and CPU while speaking (% of one core); and whether every guild was served
exactly once across both processes (its GUILD_CREATE in one process only, each of its events handled once, by
that process).

Options: ``--guilds 50,200``, ``--events 3``, ``--provider pcm`` (``pcm,opus``; ``none``: no speaking),
``--max-concurrency 1`` (the fake's ``session_start_limit.max_concurrency``), ``--gc-freeze`` (``gc.freeze()`` in
each process once connected: the full collections of a bot's large heap stop the voice sender for 0.1-0.7 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import threading
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.burst import PG_ADMIN_URL, Processes, RowFailed, _pg, _tail, _warnings, answer, ask

GUILDS = (50, 200)
SHARDS = 2
EVENTS = 3
#: Bounds: a process's start-up and connection, its guilds after the app is built, one exchange, the speaking.
START_TIMEOUT, CONNECT_TIMEOUT, STEP_TIMEOUT, SPEAK_TIMEOUT = 90.0, 45.0, 30.0, 60.0


def guild_ids(count: int, seed: int = 11) -> list[int]:
    """``count`` guild snowflakes created between 2018 and 2024 (ms since Discord's epoch << 22, then
    worker, process and increment bits): their creation time decides their shard."""
    rng = random.Random(seed)
    stamps = rng.sample(range(95_000_000_000, 284_000_000_000), count)
    return sorted((ms << 22) | rng.randrange(1 << 22) for ms in stamps)


class FakeDiscordThread:
    """:class:`~tests.fakes.discord_gateway.FakeShardedDiscord` on its own event loop in a thread."""

    def __init__(self, guilds: list[int], max_concurrency: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-discord", daemon=True)
        self.guilds, self.max_concurrency = guilds, max_concurrency

    def call(self, coro: Any, timeout: float = STEP_TIMEOUT) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> FakeDiscordThread:
        from tests.fakes.discord_gateway import FakeShardedDiscord

        self.thread.start()

        async def start() -> FakeShardedDiscord:
            fake = FakeShardedDiscord(self.guilds, recommended_shards=SHARDS, max_concurrency=self.max_concurrency)
            await fake.start()
            return fake

        self.fake = self.call(start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self.fake.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    async def _dispatch(self, events: int) -> None:
        from tests.fakes.discord import message_payload, user_payload

        author = user_payload(5, "someone")
        for k in range(events):
            for guild in self.guilds:
                await self.fake.dispatch(guild, "MESSAGE_CREATE", message_payload(
                    channel_id=guild + 1, guild_id=guild, content=f"hello {k}", author=author))

    def dispatch(self, events: int) -> None:
        """``events`` MESSAGE_CREATEs for every guild, each to its shard's session."""
        self.call(self._dispatch(events), STEP_TIMEOUT * 2)


# --- one size ------------------------------------------------------------------------------------------


def run_size(g: int, args: argparse.Namespace) -> dict[str, Any]:
    """Two shard processes on ``g`` guilds: the row's numbers, or ``status`` saying why there are none."""
    row: dict[str, Any] = {"guilds": g, "status": "ok", "load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="vb-shards-") as tmp:
        logs, name = [Path(tmp) / f"shard{i}.log" for i in range(SHARDS)], None
        try:
            try:
                name = f"vb_bench_shards_{os.getpid()}_{uuid.uuid4().hex[:6]}"
                _pg(f'CREATE DATABASE "{name}"')
            except Exception as exc:  # noqa: BLE001 - any failure means there is no server to measure
                name = None
                raise RowFailed(f"skipped: PostgreSQL unreachable ({type(exc).__name__}: {exc})") from None
            with FakeDiscordThread(guild_ids(g), args.max_concurrency) as fake, Processes() as processes:
                _measure(row, fake, processes, Path(tmp), _database_url(name), logs, args)
        except RowFailed as exc:
            row["status"], row["detail"] = str(exc).splitlines()[0], str(exc)
            row["log_tail"] = [_tail(log) for log in logs]
        finally:
            if name is not None:
                _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        row["log_warnings"] = [_log_warnings(log) for log in logs]
    return row


def _log_warnings(log: Path) -> dict[str, tuple[int, str]]:
    """"LEVEL logger" → (how many lines, the first one's message) of the WARNING and ERROR lines of a log."""
    found = _warnings(log, keep=1_000_000)
    first: dict[str, str] = {}
    for line in found.get("first", []):
        parts = line.split(" ", 4)
        first.setdefault(f"{parts[2]} {parts[3].rstrip(':')}", parts[4] if len(parts) > 4 else "")
    return {key: (count, first.get(key, "")) for key, count in found.get("counts", {}).items()}


def _database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


def _spawn(processes: Processes, spec: dict[str, Any], what: str) -> Connection:
    """Start a shard process without waiting for it (both start together)."""
    from bench.scale_shards_process import shard_process

    mine, theirs = processes.context.Pipe()
    process = processes.context.Process(target=shard_process, args=(theirs, spec), name=what, daemon=True)
    process.start()
    theirs.close()
    processes.started.append((process, mine))
    return mine


def _measure(row: dict[str, Any], fake: FakeDiscordThread, processes: Processes, tmp: Path, database_url: str,
             logs: list[Path], args: argparse.Namespace) -> None:
    from cryptography.fernet import Fernet

    from tests.fakes.discord_gateway import TOKEN

    common = {"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": fake.fake.base, "DISCORD_GUILD_IDS": "",
              "DISCORD_SHARD_COUNT": str(SHARDS), "VOICEBRIDGE_DATABASE_URL": database_url,
              "VOICEBRIDGE_SECRET_KEY": Fernet.generate_key().decode(), "VOICEBRIDGE_DATA_DIR": str(tmp / "data"),
              "VOICEBRIDGE_WEB": "off", "VOICEBRIDGE_PROVIDER": "local", "VOICEBRIDGE_PLATFORMS": "discord"}
    expected = [fake.fake.guilds_of(i, SHARDS) for i in range(SHARDS)]
    conns = [_spawn(processes, {"env": {**common, "DISCORD_SHARD_IDS": str(i)}, "log": str(logs[i]),
                                "expected": len(expected[i]), "timeout": CONNECT_TIMEOUT,
                                "gc_freeze": args.gc_freeze}, f"shard {i}")
             for i in range(SHARDS)]
    procs: list[dict[str, Any]] = [{"shard": i, "expected": len(expected[i])} for i in range(SHARDS)]
    row["processes"] = procs
    for i, conn in enumerate(conns):
        procs[i].update(answer(conn, START_TIMEOUT, f"shard process {i} starting and connecting"))
    row["identifies"] = sorted(tuple(d.get("shard", ())) for d in fake.fake.identifies)
    want = len(fake.guilds) * args.events
    start = time.monotonic()
    fake.dispatch(args.events)
    handled: list[dict[int, int]] = [{} for _ in conns]
    while sum(sum(h.values()) for h in handled) < want and time.monotonic() < start + STEP_TIMEOUT:
        time.sleep(0.05)
        handled = [ask(c, ("handled",), STEP_TIMEOUT, "counting events") for c in conns]
    row["events_s"] = time.monotonic() - start
    for provider in args.providers:
        for i, conn in enumerate(conns):
            conn.send(("speak", len(procs[i]["guilds"]), provider))
        for i, conn in enumerate(conns):
            procs[i].setdefault("speaking", []).append(answer(conn, SPEAK_TIMEOUT, f"shard process {i} speaking"))
    for i, conn in enumerate(conns):
        procs[i].update(ask(conn, ("stop",), STEP_TIMEOUT, f"stopping shard process {i}"))
    row["once"] = served_once(fake.guilds, expected, procs, args.events)


def served_once(guilds: list[int], expected: list[list[int]], procs: list[dict[str, Any]], events: int) -> str:
    """"yes" when every guild was in exactly one process (its shard's) and each of its events was handled
    once, by that process; otherwise what went wrong."""
    owners: dict[int, list[int]] = {}
    for p in procs:
        for guild in p.get("guilds", []):
            owners.setdefault(guild, []).append(p["shard"])
    problems = []
    if missing := [g for g in guilds if g not in owners]:
        problems.append(f"{len(missing)} guilds in no process")
    if twice := [g for g, who in owners.items() if len(who) > 1]:
        problems.append(f"{len(twice)} guilds in both")
    if wrong := [g for g, who in owners.items() if who and g not in expected[who[0]]]:
        problems.append(f"{len(wrong)} guilds on the wrong shard")
    counts = {g: sum(p.get("handled", {}).get(g, 0) for p in procs) for g in guilds}
    if off := [g for g, n in counts.items() if n != events]:
        problems.append(f"{len(off)} guilds' events not handled exactly once")
    if stray := [g for p in procs for g in p.get("handled", {}) if g not in p.get("guilds", [])]:
        problems.append(f"{len(stray)} events handled by a process without the guild")
    return "yes" if not problems else "no: " + "; ".join(problems)


# --- the table -------------------------------------------------------------------------------------------


def _speaking_cells(p: dict[str, Any]) -> list[str]:
    runs = p.get("speaking") or []
    if not runs:
        return ["", "", "", ""]

    def each(fmt: Any) -> str:
        return " / ".join(fmt(r) for r in runs)

    return [each(lambda r: f"{r['done']}/{r['n']}"), each(lambda r: str(r["underruns"])),
            each(lambda r: f"{r['late']} of {r['packets']} ({r['late_pct']:.2f} %)"),
            each(lambda r: f"{r['cpu_pct']:.0f} %")]


def table_rows(row: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for p in row.get("processes", []):
        if "guilds" not in p:
            rows.append([row["guilds"], f"shard {p['shard']} of {SHARDS}", row["status"]] + [""] * 10)
            continue
        shards = ",".join(map(str, p["shards"]))
        cells = [row["guilds"], f"{shards} of {SHARDS}", f"{len(p['guilds'])}/{p['expected']}",
                 sum(p.get("handled", {}).values()), f"{p['startup_s']:.1f} s", f"{p['connect_s']:.1f} s"]
        if "cpu_s" in p:
            cells += [f"{p['cpu_s']:.1f} ({p['cpu_connected']:.1f})", f"{p['rss_peak_kib'] / 1024:.0f} MiB"]
        else:
            cells += ["", ""]
        rows.append(cells + _speaking_cells(p) + [row.get("once", row["status"])])
    if not rows:
        rows.append([row["guilds"], "", row["status"]] + [""] * 10)
    return rows


def row_note(row: dict[str, Any]) -> str:
    parts = []
    if row["status"] != "ok":
        parts.append(row.get("detail", row["status"]).splitlines()[0])
    if "events_s" in row:
        parts.append(f"{sum(sum(p.get('handled', {}).values()) for p in row['processes'])} "
                     f"events handled in {row['events_s']:.2f} s")
    if "identifies" in row:
        parts.append(f"identifies {row['identifies']}")
    for p in row.get("processes", []):
        for run in p.get("speaking", []):
            sender, full = run.get("sender") or {}, run["gc"]["gen2"]
            parts.append(f"shard {p['shard']} {run['provider']}: sender's longest tick "
                         f"{sender.get('max_tick_ms', 0):.0f} ms, {sender.get('skipped_ticks', 0)} ticks skipped, "
                         f"{full['count']} full GC pauses (longest {full['max_ms']:.0f} ms)")
    for i, warned in enumerate(row.get("log_warnings", [])):
        parts += [f"shard {i} logged {count} {key} (first: {first})" for key, (count, first) in warned.items()]
    parts.append(f"load {row['load']:.2f}")
    return f"G={row['guilds']}: " + "; ".join(parts)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench scale_shards", description=__doc__.split("\n\n")[0])
    parser.add_argument("--guilds", default=",".join(map(str, GUILDS)), help="comma-separated guild counts")
    parser.add_argument("--events", type=int, default=EVENTS, help="MESSAGE_CREATEs per guild")
    parser.add_argument("--provider", default="pcm", help="pcm, opus, pcm,opus or none (no speaking)")
    parser.add_argument("--max-concurrency", type=int, default=1, help="the fake gateway's max_concurrency")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() in each process once connected (start-up's objects leave full collections)")
    args = parser.parse_args(argv or [])
    args.sizes = [int(x) for x in args.guilds.split(",")]
    args.providers = [] if args.provider == "none" else args.provider.split(",")
    if any(n < SHARDS for n in args.sizes) or args.events < 0 or args.max_concurrency < 1 \
            or any(p not in ("pcm", "opus") for p in args.providers):
        parser.error(f"guild counts are at least {SHARDS}, events 0 or more, providers pcm/opus/none")
    return args


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    rows = []
    for g in args.sizes:
        start = time.monotonic()
        rows.append(run_size(g, args))
        print(f"  G={g}: {rows[-1]['status']}, every guild once: {rows[-1].get('once', 'n/a')} "
              f"({time.monotonic() - start:.0f} s)", flush=True)
    speaking = ", ".join(args.providers) or "none"
    return {
        "title": f"one Discord bot in {SHARDS} processes (shard 0 / shard 1 of {SHARDS}) on one PostgreSQL, "
                 f"fake sharded gateway, {args.events} events a guild, each process's guilds speaking ({speaking})",
        "columns": ["guilds", "shards", "guilds received", "events handled", "start-up", "connect",
                    "CPU s (to connect)", "peak RSS", "speaking", "underruns", "late packets (> 5 ms)",
                    "CPU while speaking", "every guild once"],
        "rows": [cells for row in rows for cells in table_rows(row)],
        "notes": [f"max_concurrency {args.max_concurrency}: " + (
                      "shard 1 identifies 5 s after shard 0 (Discord's one IDENTIFY per 5 s per bucket); its "
                      "connect time includes that wait" if args.max_concurrency < SHARDS else
                      "both shards identify at once (one bucket each)"),
                  "start-up: spawn to app built (imports; both processes migrate the fresh database at once)",
                  "speaking: 10 s utterances in every guild of the process at once, both processes together; "
                  "voice connections are the bench's fakes (real player, encoder and sender; loopback UDP)",
                  "a full garbage collection holds the GIL, so the voice sender waits for it: "
                  + ("gc.freeze() ran once connected (--gc-freeze)" if args.gc_freeze else
                     "as `voicebridge run` does, no gc.freeze() (try --gc-freeze)")]
                 + [row_note(row) for row in rows],
        "raw": rows,
    }

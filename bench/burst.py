"""``python -m bench burst``: N private chats each send one message at the same moment; how long until every
chat has its voice note, and what it costs the process.

Set-up, per row (one N, one database), in three processes so that the bot's numbers are the bot's alone:

* **the bot**: the App (``bots.app.build_app``) and ``bots.telegram.runner.run_telegram``, exactly what
  ``voicebridge run`` starts: long polling through the real PTB ``Application``, its AIORateLimiter, the
  per-chat pacer, production settings (logging at INFO into a file). A fresh data dir, and a fresh database:
  the SQLite file in it, or a new PostgreSQL database on 127.0.0.1:5432 (dropped afterwards);
* **the fake Bot API** (``tests/fakes/telegram.py``) enforcing Telegram's flood limits: 30 calls a second
  overall (every call naming a chat: voice notes, chat actions…), 1 new message a second in one chat, and
  429 with ``retry_after`` past them;
* **the fake SiliconFlow** (``tests/fakes/siliconflow.py``) with CosyVoice2-like timing: first audio 150 ms
  after the request, then the audio at 5x real time, kept on that schedule however many streams run.

Each chat (its own user) sends one plain-text message of 100 characters, which a private chat reads aloud
(``bots/telegram/handlers/general.py``). All N updates are queued for getUpdates at one instant.

Columns:

* **answered**: chats whose voice note reached the fake Bot API before the time limit;
* **p50 / p95 / max**: from the instant the updates were queued to the voice note's arrival at the fake;
* **provider alone + floor**: the provider's time for one such text through the real client with nothing
  else running, plus N/30 s (N notes at Telegram's 30 a second): the best any bot could do;
* **CPU**: CPU seconds of the bot process (``getrusage``, all threads) from the burst until the last note;
* **peak RSS**: the bot process's ``VmHWM``; **threads**: the most ``Threads`` seen (sampled every 200 ms);
* **429s**: calls the fake Bot API refused for flooding.

Seen on a 2-core machine shared with other work: every chat is answered, but at N = 500 the median note
takes 60-100 s against an 18 s floor, and even the first note of a burst of 200 takes ~20 s (all requests
progress together, so none finishes early). The fake provider keeps its time (every stream 1.35-1.45 s); the
bot does not: ~0.2 CPU s a note (Opus encoding, ~4 native codec threads per open encoder: ~500 threads at
the 128 concurrent updates), and the record_voice chat action repeated every 4 s while a note waits makes
~4 chat actions a note, 80 % of the Bot API calls, sharing the 30/s budget with the notes themselves.

Options (argv after ``burst``, or the environment): ``--quick`` (N = 1, 20 on SQLite),
``--sizes 1,20,200`` (``VOICEBRIDGE_BENCH_BURST_SIZES``), ``--databases sqlite,postgres``
(``VOICEBRIDGE_BENCH_BURST_DATABASES``), ``--timeout SECONDS`` (per row; default ten times the floor plus
60 s), ``--profile`` (cProfile of the bot's event loop thread during the burst, into the temporary directory).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import percentile

SIZES = (1, 20, 200, 500)
DATABASES = ("sqlite", "postgres")
QUICK = ((1, 20), ("sqlite",))
FIRST_BYTE = 0.150
REALTIME_FACTOR = 0.2  # 5x real time
TELEGRAM_PER_SECOND = 30.0
TEXT_CHARS = 100
FILLER = "The quick brown fox jumps over the lazy dog by the quiet river; read it aloud, please!"
PG_ADMIN_URL = os.environ.get("VOICEBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
#: Bound on every exchange with a process outside the burst itself (start-up, reports, shutdown).
STEP_TIMEOUT = 120.0


class RowFailed(Exception):
    """A row could not finish: the reason goes into its table row."""


def text_for(label: str) -> str:
    """A message of exactly ``TEXT_CHARS`` characters, different for every ``label`` (of 12 characters)."""
    return f"{label}. {FILLER}"[:TEXT_CHARS].ljust(TEXT_CHARS, ".")


def chats(n: int) -> list[tuple[int, str]]:
    """(chat id, text) for the burst: private chats, whose id is their user's."""
    return [(100_000 + i, text_for(f"Message {i:04d}")) for i in range(n)]


def floor_seconds(provider_alone: float, n: int) -> float:
    return provider_alone + n / TELEGRAM_PER_SECOND


# --- talking to the processes -----------------------------------------------------------------------


def ask(conn: Connection, message: tuple[Any, ...], timeout: float, what: str) -> Any:
    """Send ``message`` and wait at most ``timeout`` s for the answer ("timed out" / the process's error)."""
    conn.send(message)
    return answer(conn, timeout, what)


def answer(conn: Connection, timeout: float, what: str) -> Any:
    try:
        if not conn.poll(timeout):
            raise RowFailed(f"timed out: {what} (no answer in {timeout:.0f} s)")
        kind, value = conn.recv()
    except (EOFError, OSError):
        raise RowFailed(f"failed: {what} (the process died)") from None
    if kind == "error":
        raise RowFailed(f"failed: {what}: {value.strip().splitlines()[-1]}\n{value}")
    return value


class Processes:
    """The row's processes; every one is stopped (politely, then killed) on exit."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.started: list[tuple[Any, Connection]] = []

    def start(self, target: Any, *args: Any, what: str) -> tuple[Connection, Any]:
        mine, theirs = self.context.Pipe()
        process = self.context.Process(target=target, args=(theirs, *args), name=what, daemon=True)
        process.start()
        theirs.close()
        self.started.append((process, mine))
        return mine, answer(mine, STEP_TIMEOUT, f"starting {what}")

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for process, conn in reversed(self.started):
            try:
                conn.send(("exit",))
            except OSError:
                pass
            process.join(60)
            if process.is_alive():
                process.kill()
                process.join(5)
            conn.close()


# --- databases ------------------------------------------------------------------------------------------


def _pg(statement: str) -> None:
    async def run() -> None:
        import asyncpg
        from sqlalchemy.engine import make_url

        dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(asyncio.wait_for(run(), 60))


def create_postgres() -> tuple[str, str]:
    """A new empty PostgreSQL database: (SQLAlchemy URL, name)."""
    from sqlalchemy.engine import make_url

    name = f"vb_bench_burst_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _pg(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False), name


# --- one row ------------------------------------------------------------------------------------------------


def run_row(n: int, database: str, *, timeout: float | None, profile: bool) -> dict[str, Any]:
    """One burst of ``n`` chats on ``database``; the row's numbers, or ``status`` saying why there are none."""
    row: dict[str, Any] = {"n": n, "database": database, "status": "ok"}
    with tempfile.TemporaryDirectory(prefix="vb-burst-") as tmp:
        log, pg_name = Path(tmp) / "bot.log", None
        try:
            database_url = None
            if database == "postgres":
                try:
                    database_url, pg_name = create_postgres()
                except Exception as exc:  # noqa: BLE001 - any failure means there is no server to measure
                    raise RowFailed(f"skipped: PostgreSQL unreachable ({type(exc).__name__}: {exc})") from None
            with Processes() as processes:
                _measure(row, processes, Path(tmp), database_url, timeout=timeout, profile=profile)
        except RowFailed as exc:
            row["status"], row["detail"] = str(exc).splitlines()[0], str(exc)
            row["log_tail"] = _tail(log)
        finally:
            if pg_name is not None:
                _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        row["log_warnings"] = _warnings(log)
        if row["log_warnings"]:  # the whole log, tracebacks included, outlives the temporary directory
            kept = _profile_path(n, database, ".log")
            shutil.copyfile(log, kept)
            row["log_warnings"]["log"] = str(kept)
    if row.get("profile"):
        path = _profile_path(n, database, ".txt")
        path.write_text(row["profile"], encoding="utf-8")
        row["profile"] = str(path)
    return row


def _profile_path(n: int, database: str, suffix: str) -> Path:
    """Where a row's files go: a profile (``.prof`` for pstats, ``.txt`` the top functions) or its log (``.log``,
    kept when it has warnings or errors)."""
    folder = Path(tempfile.gettempdir()) / "voicebridge-bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"burst-profile-{n}-{database}{suffix}"


def _measure(row: dict[str, Any], processes: Processes, tmp: Path, database_url: str | None, *,
             timeout: float | None, profile: bool) -> None:
    from cryptography.fernet import Fernet

    from bench import burst_processes as procs

    n = row["n"]
    tg_conn, tg = processes.start(procs.telegram_process, what="the fake Bot API")
    sf_conn, sf = processes.start(procs.siliconflow_process, FIRST_BYTE, REALTIME_FACTOR, what="the fake SiliconFlow")
    spec = {"data_dir": str(tmp / "data"), "database_url": database_url, "log": str(tmp / "bot.log"),
            "secret_key": Fernet.generate_key().decode(), "siliconflow_url": sf["base_url"],
            "token": tg["token"], "base_url": tg["base_url"], "base_file_url": tg["base_file_url"],
            "probe_text": text_for("Probe 000000"),
            "profile": str(_profile_path(n, row["database"], ".prof")) if profile else None}
    bot_conn, ready = processes.start(procs.bot_process, spec, what="the bot")
    row["provider_alone"] = ready["provider_alone"]
    row["floor"] = floor_seconds(ready["provider_alone"], n)
    limit = timeout if timeout is not None else 10 * row["floor"] + 60
    deadline = time.monotonic() + STEP_TIMEOUT
    while not ask(tg_conn, ("polling",), STEP_TIMEOUT, "waiting for the bot to poll"):
        if time.monotonic() > deadline:
            raise RowFailed("timed out: the bot never called getUpdates")
        time.sleep(0.05)
    ask(bot_conn, ("go",), STEP_TIMEOUT, "starting the measurement")
    pushed_at = ask(tg_conn, ("burst", chats(n)), STEP_TIMEOUT, "queueing the updates")
    answered = 0
    while answered < n and time.monotonic() < pushed_at + limit:
        time.sleep(0.1)
        answered = ask(tg_conn, ("answered",), STEP_TIMEOUT, "counting voice notes")
    if answered < n:
        row["status"] = f"timed out after {limit:.0f} s"
    row.update(ask(bot_conn, ("stop",), STEP_TIMEOUT, "stopping the measurement"))
    tg_report = ask(tg_conn, ("report",), STEP_TIMEOUT, "the fake Bot API's report")
    sf_report = ask(sf_conn, ("report",), STEP_TIMEOUT, "the fake SiliconFlow's report")
    latencies = sorted(at - tg_report["pushed_at"] for at in tg_report["arrivals"].values())
    row.update(answered=len(latencies), latencies=latencies, calls=tg_report["calls"], aborted=tg_report["aborted"],
               refused=sum(v for k, v in tg_report["calls"].items() if k.endswith(" 429")),
               provider_took=sf_report["took"], provider_requests=sf_report["requests"])


def _tail(log: Path, lines: int = 20) -> list[str]:
    try:
        return log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def _warnings(log: Path, keep: int = 5) -> dict[str, Any]:
    """WARNING and ERROR lines of the bot's log: how many by logger, and the first ``keep`` of them."""
    counts: dict[str, int] = {}
    first: list[str] = []
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    for line in text.splitlines():
        parts = line.split(" ", 4)
        if len(parts) > 3 and parts[2] in ("WARNING", "ERROR", "CRITICAL"):
            key = f"{parts[2]} {parts[3].rstrip(':')}"
            counts[key] = counts.get(key, 0) + 1
            if len(first) < keep:
                first.append(line)
    return {"counts": counts, "first": first} if counts else {}


# --- the table --------------------------------------------------------------------------------------------


def _s(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"


def table_row(row: dict[str, Any]) -> list[Any]:
    n, lat = row["n"], row.get("latencies") or []
    answered = f"{row.get('answered', 0)}/{n}" + ("" if row["status"] == "ok" else f" ({row['status']})")
    cells = [n, row["database"], answered]
    if lat:
        cells += [_s(percentile(lat, 50)), _s(percentile(lat, 95)), _s(lat[-1])]
    else:
        cells += ["n/a"] * 3
    alone = row.get("provider_alone")
    cells.append("n/a" if alone is None else f"{alone:.2f} + {n / TELEGRAM_PER_SECOND:.2f} = {row['floor']:.2f} s")
    if "cpu" not in row:
        return cells + [""] * 4
    return cells + [f"{row['cpu']:.1f}", f"{row['rss_peak_kib'] / 1024:.0f} MiB", row["threads_peak"],
                    row.get("refused", "")]


def row_note(row: dict[str, Any]) -> str:
    """What a row's cells leave out: where the CPU went, the Bot API calls, the provider's own times."""
    parts = []
    if row["status"] != "ok":
        parts.append(row.get("detail", row["status"]).splitlines()[0])
    if "cpu" in row:
        parts.append(f"event loop thread {row['main_thread_cpu']:.1f} of {row['cpu']:.1f} CPU s")
        parts.append("threads at the peak " + ", ".join(f"{k} {v}" for k, v in row["threads_at_peak"].items()))
    if "calls" in row:
        sends = {k: v for k, v in row["calls"].items() if k.startswith(("send", "edit"))}
        parts.append("Bot API calls " + ", ".join(f"{k} {v}" for k, v in sends.items())
                     + f" ({sum(sends.values()) / TELEGRAM_PER_SECOND:.0f} s of Telegram's 30/s; "
                     f"{row['aborted']} abandoned mid-request)")
    took = row.get("provider_took")
    if took:
        parts.append(f"fake provider: {len(took)} streams (the probe too) of {min(took):.2f}-{max(took):.2f} s")
    if row.get("log_warnings"):
        parts.append(f"logged {row['log_warnings']['counts']}, first: {row['log_warnings']['first'][0]}")
    if row.get("profile"):
        parts.append(f"profile in {row['profile']}")
    return f"N={row['n']} {row['database']}: " + "; ".join(parts) if parts else ""


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench burst", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1, 20 on SQLite")
    parser.add_argument("--sizes", default=os.environ.get("VOICEBRIDGE_BENCH_BURST_SIZES"),
                        help=f"comma-separated N (default {','.join(map(str, SIZES))})")
    parser.add_argument("--databases", default=os.environ.get("VOICEBRIDGE_BENCH_BURST_DATABASES"),
                        help=f"comma-separated, of {', '.join(DATABASES)} (default both)")
    parser.add_argument("--timeout", type=float, help="seconds a row may take (default: 10 x its floor + 60)")
    parser.add_argument("--profile", action="store_true", help="cProfile the bot's event loop during the burst")
    args = parser.parse_args(argv or [])
    sizes, databases = QUICK if args.quick else (SIZES, DATABASES)
    args.sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(sizes)
    args.databases = args.databases.split(",") if args.databases else list(databases)
    unknown = [d for d in args.databases if d not in DATABASES]
    if unknown or any(n < 1 for n in args.sizes):
        parser.error(f"databases are {', '.join(DATABASES)} and sizes at least 1")
    return args


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    rows = []
    for database in args.databases:
        for n in args.sizes:
            start = time.monotonic()
            row = run_row(n, database, timeout=args.timeout, profile=args.profile)
            print(f"  N={n} {database}: {row['status']} ({time.monotonic() - start:.0f} s)", flush=True)
            rows.append(row)
    notes = [f"each chat sends one {TEXT_CHARS}-character message; fake provider: first audio after "
             f"{FIRST_BYTE * 1000:.0f} ms, then {1 / REALTIME_FACTOR:g}x real time; fake Bot API: "
             f"{TELEGRAM_PER_SECOND:g} calls/s overall, 1 message/s per chat",
             "times from queueing the N updates for getUpdates to each voice note's arrival at the fake Bot API"]
    notes += [note for row in rows if (note := row_note(row))]
    return {
        "title": f"burst: N private chats at once through the Telegram adapter ({', '.join(args.databases)})",
        "columns": ["N", "database", "answered", "p50", "p95", "max", "provider alone + floor", "CPU s",
                    "peak RSS", "threads", "429s"],
        "rows": [table_row(row) for row in rows],
        "notes": notes,
        "raw": rows,
    }

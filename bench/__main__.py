"""``python -m bench`` runs every benchmark below; ``python -m bench NAME [NAME …] [--OPTION …]`` runs those.

To add one: write ``bench/NAME.py`` with ``def run() -> dict`` (or ``async def run()``) returning
``{"title", "columns", "rows", …}`` (see :mod:`bench.common`) and add its name to ``BENCHES``. A bench whose
``run(argv)`` takes an argument gets the options after the names (e.g. ``python -m bench burst --quick``).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import time
from typing import Any

from bench.common import report

#: Benchmark name → module. Order is the order ``python -m bench`` runs them in.
BENCHES: dict[str, str] = {
    "audio": "bench.audio",
    "voice": "bench.voice",
    "prepare": "bench.prepare",
    "text": "bench.text",
    "notes": "bench.notes",
    "scale": "bench.scale",
    "scale_shards": "bench.scale_shards",
    "burst": "bench.burst",
    "emoji": "bench.emoji",
    "talk": "bench.talk",
}


def run_one(name: str, options: list[str] | None = None) -> dict[str, Any]:
    """Import the bench module, call its ``run()`` (with ``options``, if any; awaiting it if async), print and
    save the result."""
    module = importlib.import_module(BENCHES[name])
    outcome = module.run(options) if options else module.run()
    if inspect.isawaitable(outcome):
        outcome = asyncio.run(outcome)
    report(name, outcome)
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (2 for an unknown bench, 1 if one failed)."""
    args = list(argv if argv is not None else sys.argv[1:])
    split = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    names, options = args[:split] or list(BENCHES), args[split:]
    unknown = [n for n in names if n not in BENCHES]
    if unknown or (options and not args[:split]):
        print(f"usage: python -m bench [{'|'.join(BENCHES)}] ... [--OPTION ...]", file=sys.stderr)
        return 2 if unknown or not any(o in ("-h", "--help") for o in options) else 0
    failed = []
    for name in names:
        start = time.perf_counter()
        print(f"running bench '{name}' …", flush=True)
        try:
            run_one(name, options)
        except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others' numbers
            failed.append(name)
            print(f"bench '{name}' failed: {exc!r}", file=sys.stderr)
        print(f"  ({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

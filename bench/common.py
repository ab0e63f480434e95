"""Shared helpers for the benchmarks: timing, percentiles, a plain-text table, JSON results,
and synthetic speech-like audio.

A bench module exposes ``run()`` (sync or ``async``) returning a dict with at least::

    {"title": str, "columns": [str, ...], "rows": [[cell, ...], ...]}

plus anything else worth keeping (raw numbers, parameters, notes: a list of strings printed
under the table). :func:`report` prints it and writes ``bench/results/NAME.json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"


# --- timing ----------------------------------------------------------------------------------


def now() -> float:
    """A monotonic high-resolution clock in seconds."""
    return time.perf_counter()


def time_call(fn: Callable[[], Any], repeat: int = 1) -> list[float]:
    """Wall-clock seconds of ``fn()`` for each of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def summary(values: Sequence[float]) -> dict[str, float]:
    """n, mean, min, p50, p90, p99, max of ``values``."""
    return {
        "n": len(values),
        "mean": statistics.fmean(values) if values else math.nan,
        "min": min(values) if values else math.nan,
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values) if values else math.nan,
    }


def ms(seconds: float) -> str:
    """Seconds as a millisecond string for a table cell."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "n/a"
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds * 1000:.0f} ms"


# --- output ------------------------------------------------------------------------------------


def format_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table with a header rule; cells are ``str()``-ed, numbers right-aligned."""
    rows = [["" if c is None else str(c) for c in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def numeric(cell: str) -> bool:
        try:
            float(cell.replace(",", ""))
        except ValueError:
            return False
        return True

    def line(cells: Sequence[str]) -> str:
        parts = [cell.rjust(widths[i]) if i and numeric(cell) else cell.ljust(widths[i])
                 for i, cell in enumerate(cells)]
        return "  ".join(parts).rstrip()

    out = [line(list(columns)), "  ".join("-" * w for w in widths)]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def environment() -> dict[str, Any]:
    """Where the numbers come from."""
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    try:
        import av

        info["pyav"] = av.__version__
    except ImportError:  # pragma: no cover
        pass
    return info


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return _jsonable(float(value))
    return value


def write_results(name: str, result: dict[str, Any]) -> Path:
    """Write ``result`` (plus a timestamp and the environment) to ``bench/results/NAME.json``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "bench": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        **result,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(_jsonable(payload), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def report(name: str, result: dict[str, Any]) -> Path:
    """Print the result's table (and notes) and write its JSON file; returns the file's path."""
    title = result.get("title", name)
    print(f"\n== {title} ==")
    if result.get("columns"):
        print(format_table(result["columns"], result.get("rows", [])))
    for note in result.get("notes", []):
        print(f"  * {note}")
    path = write_results(name, result)
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    print(f"  -> {shown}")
    return path


# --- synthetic audio -----------------------------------------------------------------------


def speech_like_pcm(seconds: float, sample_rate: int = 24000, seed: int = 0) -> bytes:
    """Mono s16le audio with speech-like structure: a gliding fundamental with harmonics and a
    formant-ish tilt, syllable-rate amplitude modulation, short pauses, and a little noise."""
    rng = np.random.default_rng(seed)
    n = round(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    f0 = 130 + 25 * np.sin(2 * np.pi * 0.5 * t) + 10 * np.sin(2 * np.pi * 2.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voiced = sum((1.0 / k) * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 3.7 * t + 0.3 * np.sin(2 * np.pi * 0.9 * t)), 0, None) ** 0.6
    pauses = (np.sin(2 * np.pi * 0.31 * t) > -0.8).astype(np.float64)
    signal = 0.22 * voiced * syllables * pauses + 0.004 * rng.standard_normal(n)
    return np.clip(np.rint(signal * 32767), -32768, 32767).astype("<i2").tobytes()

"""What a request costs before any synthesis: ``VoiceService.prepare`` on SQLite.

``prepare`` resolves the user's and the server's settings, reads both pronunciation dictionaries and
applies them, checks key, quota and limits. This measures it with empty dictionaries and with full
ones (100 entries for the user, 100 for the server), and ``core.lexicon.apply`` alone on a
2000-character message: the first call compiles the pattern, later calls reuse it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import ms, now, summary
from core import lexicon
from core.models import UserRef

RUNS = 300
TEXT = ("The k8s cluster served 3 GIFs to New York while SQL replicas in Tokyo lagged; "
        "please check the dashboards before the stand-up. ") * 14


def _entries(prefix: str, n: int) -> list[tuple[str, str]]:
    return [(f"{prefix}{i:03d}", f"spoken {prefix} {i}") for i in range(n)] + [
        ("k8s", "kubernetes"), ("GIF", "jif"), ("New York", "noo york"), ("SQL", "sequel")]


async def _prepare_times(service: Any, user: UserRef) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = now()
        utt = await service.prepare(user, TEXT[:1900])
        times.append(now() - start)
        service.release(utt)
    return times


async def run() -> dict[str, Any]:
    from bots.app import build_app
    from core.config import load_config

    rows, raw = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(data_dir=Path(tmp), provider="local", requests_per_minute=0,
                             max_queued_per_user=1000)
        async with await build_app(config) as app:
            service = app.service
            user = UserRef(platform="discord", user_id="1", scope_id="42", is_private=False)
            await service.prepare(user, "warm up")  # creates the user
            empty = await _prepare_times(service, user)
            for word, spoken in _entries("user", 96):
                await service.set_pronunciation(user, word, spoken)
            for word, spoken in _entries("server", 96):
                await service.set_pronunciation(user, word, spoken, server=True, is_admin=True)
            full = await _prepare_times(service, user)
    merged = lexicon.merge(_entries("server", 96), _entries("user", 96))
    start = now()
    lexicon.apply(TEXT, merged)
    cold = now() - start
    warm = []
    for _ in range(RUNS):
        start = now()
        lexicon.apply(TEXT, merged)
        warm.append(now() - start)
    for label, times in (("prepare, no dictionaries", empty), ("prepare, 100 + 100 entries", full)):
        s = summary(times)
        raw[label] = s
        rows.append([label, ms(s["p50"]), ms(s["p99"]), ms(s["mean"])])
    s = summary(warm)
    raw["lexicon.apply warm"] = s
    raw["lexicon.apply cold"] = cold
    rows.append(["lexicon.apply alone, pattern cached", ms(s["p50"]), ms(s["p99"]), ms(s["mean"])])
    rows.append(["lexicon.apply alone, first call (compiles)", ms(cold), "", ""])
    extra = summary(full)["p50"] - summary(empty)["p50"]
    return {
        "title": f"prepare() before synthesis, SQLite, {RUNS} runs, {len(TEXT[:1900])}-char message",
        "columns": ["what", "p50", "p99", "mean"],
        "rows": rows,
        "raw": raw,
        "notes": [f"full dictionaries add {extra * 1000:.2f} ms at p50 to each request"],
    }

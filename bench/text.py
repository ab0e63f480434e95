"""Text cleanup and chunking on crafted input: does the time grow linearly, and does the event loop stall?

For each adversarial family (unclosed markup, nested brackets, long URLs, emoji, combining marks, ZWJ
sequences, mixed scripts, ``<|`` runs and nests, repeated pairs, Discord mentions; plain sentences as the
baseline) at 1 k, 4 k, 16 k, 64 k and 256 k characters, plus the longest text ``prepare`` accepts before
cleanup, each read as a Discord message (Discord's markup to plain text, then the core's cleanup):

* ``clean_for_speech`` on it (after the markup), and ``chunk_text`` on what that leaves (best of a few runs);
* ``growth``: time per character relative to the 1 k input (≈1 or less for linear work, ×256 at 256 k
  for quadratic work);
* ``VoiceService.prepare`` on a real service (offline engine, SQLite in a temporary directory, 100 + 100
  dictionary entries), with a ticker coroutine sleeping 1 ms beside it: ``stall`` is the longest the
  ticker waited beyond its 1 ms (the least of three runs for texts prepare cleans, since other work on
  the machine can only make a stall longer). Cleanup runs in a worker thread for long texts, but a regex holds the
  GIL for as long as one substitution takes, so a slow pattern stalls the loop all the same. The outcome
  says whether prepare accepted the text or refused it (``TextTooLong`` before cleanup for anything
  longer than ``raw_text_limit``).

A family whose time at one size, times 16 (the next size, if the work were quadratic), would exceed
``BUDGET`` seconds skips its larger sizes (``skipped``) so the bench always ends.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ms, now
from bots.discord import markup
from core import text as textmod
from core.models import UserRef

SIZES = [1_000, 4_000, 16_000, 64_000, 256_000]
#: Seconds one call may be predicted to take before larger sizes are skipped.
BUDGET = 20.0
TICK = 0.001
#: What ``prepare`` is given for a Discord message (no mention resolves to a name here).
MARKUP = markup.to_plain({})


def _fill(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


def _nest(n: int) -> str:
    half = n // 4
    return ("<|" * half + "|>" * half).ljust(n, "a")


def _url(n: int) -> str:
    return ("https://example.com/" + "a." * n)[:n]


FAMILIES: dict[str, Callable[[int], str]] = {
    "sentences (baseline)": _fill("Hello there, friend. How are you today? "),
    "*a (unclosed *)": _fill("*a "),
    "_a (unclosed _)": _fill("_a "),
    "`a (backticks)": _fill("`a "),
    "```a (fences)": _fill("```a "),
    "~~a": _fill("~~a "),
    "||a": _fill("||a "),
    "[[[((( nested": _fill("[[[((("),
    "[a](http:// unclosed": _fill("[a](http://"),
    "<http:// unclosed": _fill("<http://"),
    "long URL": _url,
    "emoji run": _fill("😀🎉👍🏽"),
    "combining marks": _fill("e\u0301\u0302\u0303 "),
    "ZWJ sequences": _fill("👨\u200d👩\u200d👧\u200d👦"),
    "mixed scripts": _fill("漢字かなabcعربي한글 "),
    "<| run": _fill("<|"),
    "<|…|> nest": _nest,
    "repeated pairs": _fill("ab"),
    "Discord mentions": _fill("<@1><#2><@&3><:e_e:4><t:5:R></a:6>"),
}


def _clean(text: str) -> str:
    return textmod.clean_for_speech(MARKUP(text))


def _best(fn: Callable[[], Any], n: int) -> tuple[float, Any]:
    runs = 3 if n <= 16_000 else 2
    best, result = float("inf"), None
    for _ in range(runs):
        start = now()
        result = fn()
        best = min(best, now() - start)
    return best, result


async def _stalled(call) -> tuple[float, float, Any]:
    """Run ``await call()`` beside a 1 ms ticker: (longest extra wait of the ticker, seconds, outcome)."""
    done = False
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        last = now()
        while not done:
            await asyncio.sleep(TICK)
            t = now()
            worst = max(worst, t - last - TICK)
            last = t

    task = asyncio.create_task(ticker())
    await asyncio.sleep(TICK)  # the ticker is running
    start = now()
    try:
        outcome: Any = await call()
    except Exception as exc:  # noqa: BLE001 - the refusal is the outcome
        outcome = exc
    elapsed = now() - start
    done = True
    await task
    return worst, elapsed, outcome


def _entries(prefix: str, n: int) -> list[tuple[str, str]]:
    return [(f"{prefix}{i:03d}", f"spoken {prefix} {i}") for i in range(n)] + [
        ("k8s", "kubernetes"), ("GIF", "jif"), ("New York", "noo york"), ("SQL", "sequel")]


async def run() -> dict[str, Any]:
    from bots.app import build_app
    from core.config import load_config
    from core.errors import TextTooLong
    from core.speech import raw_text_limit

    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    worst_accepted = (0.0, "")
    growth: dict[str, tuple[int, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(data_dir=Path(tmp), provider="local", requests_per_minute=0,
                             max_queued_per_user=1000)
        limit = raw_text_limit(config.max_text_chars)
        sizes = sorted(set(SIZES) | {limit})
        async with await build_app(config) as app:
            service = app.service
            user = UserRef(platform="discord", user_id="1", scope_id="42", is_private=False)
            await service.prepare(user, "warm up")
            for word, spoken in _entries("user", 96):
                await service.set_pronunciation(user, word, spoken)
            for word, spoken in _entries("server", 96):
                await service.set_pronunciation(user, word, spoken, server=True, is_admin=True)
            # The first request after a dictionary changes compiles its pattern (on the loop, once).
            compile_stall, _, _ = await _stalled(lambda: service.prepare(user, "warm up the dictionaries"))
            textmod.chunk_text(_clean("warm *up* `x` [a](http://b) <|x|> <@1>"), 800)

            for family, make in FAMILIES.items():
                base_clean = base_chunk = None
                skip_clean = skip_chunk = False
                for n in sizes:
                    text = make(n)
                    row: dict[str, Any] = {"family": family, "chars": n}
                    if skip_clean:
                        clean_s, cleaned = None, None
                    else:
                        clean_s, cleaned = _best(lambda: _clean(text), n)
                        skip_clean = clean_s * 16 > BUDGET
                    if cleaned is None or skip_chunk:
                        chunk_s = None
                    else:
                        chunk_s, _ = _best(lambda: textmod.chunk_text(cleaned, 800, first_max_chars=200), n)
                        skip_chunk = chunk_s * 16 > BUDGET
                    if n == SIZES[0]:
                        base_clean, base_chunk = clean_s, chunk_s

                    async def call(text: str = text) -> Any:
                        utt = await service.prepare(user, text, markup=MARKUP)
                        service.release(utt)
                        return utt

                    # Least of three for texts prepare cleans: the machine's other work can only add to a stall.
                    tries = [await _stalled(call) for _ in range(3 if n <= limit else 1)]
                    stall, took, outcome = min(tries, key=lambda t: t[0])
                    if isinstance(outcome, TextTooLong):
                        verdict = "refused: too long" + (" (raw)" if n > limit else " (cleaned)")
                    elif isinstance(outcome, Exception):
                        verdict = f"refused: {type(outcome).__name__}"
                    else:
                        verdict = f"accepted ({len(outcome.notes)} notes)"
                    accepted_before_cleanup = n <= limit
                    if accepted_before_cleanup and stall > worst_accepted[0]:
                        worst_accepted = (stall, f"{family} at {n}")

                    def ratio(t: float | None, base: float | None, n: int = n) -> str:
                        if t is None or not base:
                            return ""
                        return f"x{(t / n) / (base / SIZES[0]):.2f}"

                    if clean_s is not None and n > SIZES[0]:  # at the largest size measured
                        growth[family] = (
                            n, (clean_s / n) / (base_clean / SIZES[0]),
                            (chunk_s / n) / (base_chunk / SIZES[0]) if chunk_s and base_chunk else float("nan"))
                    rows.append([
                        family, f"{n:,}",
                        ms(clean_s) if clean_s is not None else "skipped", ratio(clean_s, base_clean),
                        ms(chunk_s) if chunk_s is not None else "skipped",
                        ratio(chunk_s, base_chunk),
                        ms(stall), ms(took), verdict,
                    ])
                    row.update(clean=clean_s, chunk=chunk_s, stall=stall, prepare=took, outcome=verdict)
                    raw.setdefault(family, []).append(row)

    worst_growth = max(growth.items(), key=lambda kv: kv[1][1])
    skipped = sorted({r[0] for r in rows if r[2] == "skipped"})
    notes = [
        f"prepare refuses texts over raw_text_limit({config.max_text_chars}) = {limit} characters before "
        f"cleanup; cleanup runs off the event loop from {_off_loop_chars()} characters",
        f"worst event-loop stall for an input prepare takes in: {worst_accepted[0] * 1000:.1f} ms "
        f"({worst_accepted[1]}); the bar is 50 ms",
        f"(before these, the first prepare after the dictionaries changed stalled {compile_stall * 1000:.1f} ms: "
        "it compiles their pattern)",
        f"largest growth of clean_for_speech time per character vs {SIZES[0]:,} characters: "
        f"x{worst_growth[1][1]:.2f} ({worst_growth[0]}, at {worst_growth[1][0]:,}); linear work stays near x1",
    ] + ([f"skipped (predicted over {BUDGET:.0f} s a call): larger sizes of {', '.join(skipped)}"] if skipped else [])
    return {
        "title": "Text cleanup and chunking on crafted input; event-loop stall in prepare()",
        "columns": ["family", "chars", "clean", "growth", "chunk", "growth", "loop stall", "prepare",
                    "prepare outcome"],
        "rows": rows,
        "raw": raw,
        "growth": {k: {"chars": v[0], "clean": v[1], "chunk": v[2]} for k, v in growth.items()},
        "notes": notes,
    }


def _off_loop_chars() -> int:
    from core.speech import OFF_LOOP_CHARS

    return OFF_LOOP_CHARS

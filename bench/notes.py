"""Voice notes for a long text: how soon the first note is ready, with and without a short first note.

A 2000-character English message becomes several voice notes, sent one by one as each is synthesized. The
provider is a fake with CosyVoice2-like timing, scaled down 10× so the bench is quick: each request's first
chunk after 15 ms, audio at ~15 characters a second, synthesized at RTF 0.02 (0.2 scaled). Times are scaled
back up in the table. The service, chunking, Ogg/Opus encoding and cache are the real ones.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import now, summary
from core.models import PCMChunk, SynthesisRequest, UserRef

SCALE = 10.0
FIRST_CHUNK = 0.150 / SCALE
CHARS_PER_SECOND = 15.0
RTF = 0.2 / SCALE
RATE = 24000
CHUNK_SECONDS = 0.2
RUNS = 5
SENTENCE = "The quick brown fox jumps over the lazy dog near the quiet river bank today."


class TimedProvider:
    """Speaks ``len(text) / CHARS_PER_SECOND`` seconds of a tone, paced like a streaming TTS service."""

    name = "bench"
    model = "bench"
    supports_cloning = False
    supports_instruction = False

    async def synthesize(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        seconds = max(0.2, len(request.text) / CHARS_PER_SECOND)
        chunks = max(1, int(seconds / CHUNK_SECONDS))
        tone = (np.sin(np.arange(int(RATE * CHUNK_SECONDS)) * 2 * np.pi * 220 / RATE) * 8000).astype("<i2").tobytes()
        await asyncio.sleep(FIRST_CHUNK)
        for index in range(chunks):
            if index:
                await asyncio.sleep(CHUNK_SECONDS * RTF)
            yield PCMChunk(tone, RATE)

    async def aclose(self) -> None:
        return None


async def _first_note_times(service: Any, first_note_chars: int | None, tag: str) -> dict[str, Any]:
    import core.speech as service_module

    service_module.FIRST_NOTE_CHARS = first_note_chars
    firsts, totals, sizes = [], [], []
    for run in range(RUNS):
        # ~2000 characters; every sentence differs, so no note comes from the cache
        text = " ".join(f"{tag}{run}-{i}: {SENTENCE}" for i in range(30))
        start = now()
        utt = await service.prepare(UserRef(platform="cli", user_id="bench"), text[:2000])
        first = None
        async for note in service.render_notes(utt):
            if first is None:
                first = now() - start
                sizes.append(len(note.text))
        firsts.append(first * SCALE)
        totals.append((now() - start) * SCALE)
    return {"first": firsts, "total": totals, "first_note_chars": sizes, "notes": len(utt.notes)}


async def run() -> dict[str, Any]:
    import core.speech as service_module
    from bots.app import build_app
    from core.config import load_config

    original = service_module.FIRST_NOTE_CHARS
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = load_config(data_dir=Path(tmp), provider="local", requests_per_minute=0,
                                 max_text_chars=2000)
            async with await build_app(config) as app:
                app.service.engines.offline = TimedProvider()
                results["every note up to 800 characters"] = await _first_note_times(app.service, None, "a")
                results[f"first note up to {original} characters"] = await _first_note_times(app.service, original,
                                                                                             "b")
    finally:
        service_module.FIRST_NOTE_CHARS = original
    rows = []
    for label, r in results.items():
        f, t = summary(r["first"]), summary(r["total"])
        rows.append([label, f"{f['p50']:.2f} s", f"{t['p50']:.2f} s", r["notes"], r["first_note_chars"][0]])
    old, new = (summary(r["first"])["p50"] for r in results.values())
    return {
        "title": "voice notes for a 2000-character message: time to the first note",
        "columns": ["approach", "first note p50", "all notes p50", "notes", "first note chars"],
        "rows": rows,
        "notes": [f"the first note is ready {old / new:.1f}x sooner ({old - new:.1f} s); "
                  f"timing scaled from a {SCALE:g}x faster fake provider (first chunk 150 ms, RTF 0.2)"],
        "raw": results,
    }

"""``python -m bench voice``: time from a voice-channel command to the first Opus packet handed to the
voice client, streaming versus whole-clip-then-play, and the CPU cost per second of audio.

Set-up (no Discord, no network):

* a fake provider behind the same ``prepare`` / ``stream_pcm`` / ``release`` interface as
  ``VoiceService``: first chunk after 150 ms, then 43 ms chunks of 24 kHz speech-like audio at a
  real-time factor of 0.2 (a 43 ms chunk every 8.6 ms), a 10 s utterance;
* the real pipeline: ``GuildPlayer`` → ``OpusPacketEncoder`` (worker thread) → ``StreamingOpusSource``;
* the voice client is the test fake running **discord.py's own ``AudioPlayer`` thread** at its real
  20 ms tick; "handed to the voice client" is the moment that thread calls ``send_audio_packet``.

Measured per run, from just before ``service.prepare`` (the command) to:

* **first packet** — the first packet of the utterance: by design the encoder's ~200 ms of leading
  silence (encoded digital silence, 3 bytes, not the underrun frame ``OPUS_SILENCE``);
* **first speech packet** — the first packet longer than 8 bytes (real audio), which follows the
  leading silence by 10 ticks (200 ms) on purpose: Discord clients clip the first syllable otherwise.

Approaches: streaming with the default "burst" keepalive (player paused between utterances, resumed
on the first push), streaming with "continuous" keepalive (player always reading; a command lands
somewhere in the 20 ms tick), and whole-clip-then-play (what other Discord TTS bots do: wait for the
whole clip, encode it all, then start playing — the same pipeline fed one chunk at the end).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.common import ms, percentile, speech_like_pcm, summary

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the fakes live in the test tree
    sys.path.insert(0, str(ROOT))

SAMPLE_RATE = 24000
CHUNK_MS = 43
FIRST_CHUNK = 0.150
RTF = 0.2
CLIP_SECONDS = 10.0
RUNS = int(os.environ.get("VOICEBRIDGE_BENCH_VOICE_RUNS", "50"))
WARMUP = 1  # one uncounted run per approach
CPU_CLIPS = 6  # 60 s of audio for the CPU figure
BAR_OVER_FIRST_CHUNK = 0.030
BAR_RATIO = 5.0


class BenchProvider:
    """A VoiceService stand-in with a scripted provider (see the module doc)."""

    def __init__(self, pcm: bytes, *, first_chunk: float = FIRST_CHUNK, rtf: float = RTF,
                 whole_clip: bool = False) -> None:
        self.pcm = pcm
        self.first_chunk = first_chunk
        self.rtf = rtf
        self.whole_clip = whole_clip
        self.first_chunk_at: float | None = None

    async def prepare(self, user: Any, text: str, **_: Any) -> Any:
        from tests.bots.discord.voice_channel.fakes import FakeUtterance

        return FakeUtterance(user=user, user_id=1, text=text)

    def release(self, utt: Any) -> None:
        utt._released = True

    async def stream_pcm(self, utt: Any) -> AsyncIterator[Any]:
        from core.models import PCMChunk

        try:
            start = time.perf_counter()
            step = int(SAMPLE_RATE * CHUNK_MS / 1000) * 2
            interval = CHUNK_MS / 1000 * self.rtf
            whole = bytearray()
            for index, offset in enumerate(range(0, len(self.pcm), step)):
                target = start + self.first_chunk + index * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if index == 0:
                    self.first_chunk_at = time.perf_counter()
                data = self.pcm[offset:offset + step]
                if self.whole_clip:
                    whole += data
                else:
                    yield PCMChunk(data, SAMPLE_RATE)
            if self.whole_clip:
                yield PCMChunk(bytes(whole), SAMPLE_RATE)
        finally:
            self.release(utt)


async def _latency_runs(label: str, pcm: bytes, *, keepalive: str = "burst", whole_clip: bool = False,
                        early_lead_in: bool = True, runs: int) -> dict[str, Any]:
    """``early_lead_in``: the player sends the 200 ms lead-in at once (our default); False: the encoder
    puts it in front of the first chunk's audio (or of the whole clip)."""
    from bots.discord.voice_channel.player import (
        GuildPlayer,
        PlayerSettings,
        Speech,
        encoded_silence,
    )
    from bots.discord.opus import OPUS_SILENCE, OpusPacketEncoder
    from tests.bots.discord.voice_channel.fakes import (
        FakeChannel,
        FakeConnector,
        FakeMember,
        user,
    )

    service = BenchProvider(pcm, whole_clip=whole_clip)
    connector = FakeConnector(delay=0.02)  # discord.py's real 20 ms tick
    settings = PlayerSettings(keepalive=keepalive, idle_timeout=0, alone_grace=1e9, keepalive_interval=15.0,
                              max_seconds=60.0, lead_in_ms=200 if early_lead_in else 0)
    encoder_lead = 0 if early_lead_in else 200
    silence = set(encoded_silence(10)) | {OPUS_SILENCE}
    player = GuildPlayer(1, service=service, connector=connector, settings=settings, listeners=lambda c: 1,
                         encoder_factory=lambda: OpusPacketEncoder(leading_silence_ms=encoder_lead))
    await player.connect(FakeChannel(1, members=[FakeMember(2)]))
    conn = connector.last
    loop = asyncio.get_running_loop()
    first: list[float] = []
    speech: list[float] = []
    chunk: list[float] = []
    rng = random.Random(7)
    try:
        for run_index in range(runs + WARMUP):
            # an idle bot: wait until the previous utterance is gone (and, in burst mode, paused)
            while not (player._idle() and (keepalive != "burst" or player._paused)):
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.03 + rng.random() * 0.02)  # land anywhere in the 20 ms tick
            marks: dict[str, float] = {}
            got = asyncio.Event()

            def on_packet(packet: bytes, at: float, marks: dict[str, float] = marks,
                          got: asyncio.Event = got) -> None:  # the player thread
                if "t0" not in marks:
                    return
                if "first" not in marks and packet != OPUS_SILENCE:
                    marks["first"] = at
                if "speech" not in marks and packet not in silence:
                    marks["speech"] = at
                    loop.call_soon_threadsafe(got.set)

            conn.on_packet = on_packet
            marks["t0"] = time.perf_counter()
            utt = await service.prepare(user(1), "a ten second utterance")
            player.enqueue("1", Speech(utt))
            await asyncio.wait_for(got.wait(), 30)
            if run_index >= WARMUP:  # the first run pays for imports, thread start-up, first allocations
                first.append(marks["first"] - marks["t0"])
                speech.append(marks["speech"] - marks["t0"])
                chunk.append((service.first_chunk_at or marks["t0"]) - marks["t0"])
            if player.now_playing is not None:
                player.skip("1")
    finally:
        conn.on_packet = None
        await player.close("bench over")
    return {"label": label, "first": first, "speech": speech, "first_chunk": chunk,
            "first_push": list(player.stats.first_push_delays)}


async def _loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late a 1 ms sleep wakes up while the pipeline runs (event-loop responsiveness)."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        samples.append(time.perf_counter() - start - 0.001)


async def _cpu_run(pcm: bytes, clips: int) -> dict[str, Any]:
    """Process CPU time per second of audio through the whole streaming path (provider without
    delays, a fast-ticking player thread so the run takes ~3 s instead of a minute)."""
    from bots.discord.voice_channel.player import GuildPlayer, PlayerSettings, Speech
    from tests.bots.discord.voice_channel.fakes import (
        FakeChannel,
        FakeConnector,
        FakeMember,
        user,
    )

    service = BenchProvider(pcm, first_chunk=0.0, rtf=0.0)
    connector = FakeConnector(delay=0.001)
    player = GuildPlayer(2, service=service, connector=connector,
                         settings=PlayerSettings(idle_timeout=0, alone_grace=1e9, max_seconds=60.0),
                         listeners=lambda c: 1)
    await player.connect(FakeChannel(2, members=[FakeMember(3)]))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for n in range(clips):
        utt = await service.prepare(user(1), f"clip {n}")
        player.enqueue(str(n), Speech(utt))
    while player.stats.items_spoken < clips:
        await asyncio.sleep(0.01)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    audio = player.stats.audio_seconds
    encode = player.stats.encode_seconds
    packets = len(connector.last.packets())
    await player.close("bench over")
    return {"cpu_seconds": cpu, "wall_seconds": wall, "audio_seconds": audio, "encode_seconds": encode,
            "packets": packets}


def _inline_feed_cost(pcm: bytes) -> dict[str, float]:
    """What encoding on the event loop would cost per provider chunk (why it runs in a thread)."""
    from bots.discord.opus import OpusPacketEncoder

    step = int(SAMPLE_RATE * CHUNK_MS / 1000) * 2
    firsts, steady = [], []
    for _ in range(20):
        enc = OpusPacketEncoder(leading_silence_ms=200)
        for index, offset in enumerate(range(0, min(len(pcm), step * 60), step)):
            start = time.perf_counter()
            enc.feed(pcm[offset:offset + step], SAMPLE_RATE)
            (firsts if index == 0 else steady).append(time.perf_counter() - start)
        enc.flush()
    return {"first_p50": percentile(firsts, 50), "steady_p50": percentile(steady, 50),
            "steady_max": max(steady)}


async def run() -> dict[str, Any]:
    import logging

    logging.getLogger("bots.discord.voice_channel.player").setLevel(logging.WARNING)
    pcm = speech_like_pcm(CLIP_SECONDS, SAMPLE_RATE)
    lag: list[float] = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(_loop_lag(lag, stop))
    results = [
        await _latency_runs("streaming (default: burst keepalive, early lead-in)", pcm, runs=RUNS),
        await _latency_runs("streaming, continuous keepalive", pcm, keepalive="continuous", runs=RUNS),
        await _latency_runs("streaming, lead-in with the first chunk", pcm, early_lead_in=False, runs=RUNS),
    ]
    streaming_lag = list(lag)
    results.append(await _latency_runs("whole clip, then play", pcm, whole_clip=True, early_lead_in=False,
                                       runs=RUNS))
    stop.set()
    await monitor
    cpu = await _cpu_run(pcm, CPU_CLIPS)
    inline = _inline_feed_cost(pcm)

    rows = []
    for r in results:
        f, s_, c = summary(r["first"]), summary(r["speech"]), summary(r["first_chunk"])
        over = [a - b for a, b in zip(r["first"], r["first_chunk"], strict=True)]
        over_speech = [a - b for a, b in zip(r["speech"], r["first_chunk"], strict=True)]
        rows.append([r["label"], ms(f["p50"]), ms(f["p99"]), ms(s_["p50"]), ms(s_["p99"]), ms(c["p50"]),
                     ms(percentile(over, 50)), ms(percentile(over_speech, 50)), f["n"]])
    default, _continuous, late_lead, whole = results

    def p50(values: list[float]) -> float:
        return percentile(values, 50)

    def over_chunk(r: dict[str, Any], key: str) -> float:
        return p50([a - b for a, b in zip(r[key], r["first_chunk"], strict=True)])

    bar1 = over_chunk(default, "first")
    bar1_literal = over_chunk(late_lead, "first")
    speech_floor = max(FIRST_CHUNK, 0.2)  # speech cannot start before the first chunk nor before the lead-in
    speech_over_floor = p50(default["speech"]) - speech_floor
    ratio_speech = p50(whole["speech"]) / p50(default["speech"])
    ratio_first = p50(whole["first"]) / p50(default["first"])
    ratio_late = p50(whole["first"]) / p50(late_lead["first"])
    cpu_per_audio = cpu["cpu_seconds"] / cpu["audio_seconds"]
    passed1 = bar1 <= BAR_OVER_FIRST_CHUNK and bar1_literal <= BAR_OVER_FIRST_CHUNK
    passed2 = ratio_speech >= BAR_RATIO
    notes = [
        (f"provider: first chunk after {FIRST_CHUNK * 1000:.0f} ms, {CHUNK_MS} ms chunks at {SAMPLE_RATE} Hz, "
         f"RTF {RTF} (a chunk every {CHUNK_MS * RTF:.1f} ms), {CLIP_SECONDS:g} s utterance; {RUNS} runs each "
         f"after {WARMUP} warm-up run; player thread = discord.py AudioPlayer at its 20 ms tick"),
        ("first pkt = the utterance's first packet, i.e. its 200 ms lead-in of encoded silence (by design); "
         "first speech = the first packet carrying audio. Default: the lead-in goes out at once, while the "
         "provider is still thinking, so speech starts at max(first chunk, 200 ms) instead of first chunk + 200 ms"),
        (f"BAR first packet <= provider first chunk + 30 ms at p50: default {bar1 * 1000:+.1f} ms, with the "
         f"lead-in sent with the first chunk {bar1_literal * 1000:+.1f} ms -> {'PASS' if passed1 else 'FAIL'}; "
         f"first speech is {speech_over_floor * 1000:.1f} ms after max(first chunk, lead-in) at p50"),
        (f"BAR >= {BAR_RATIO:g}x sooner than whole-clip-then-play ({CLIP_SECONDS:g} s utterance): first speech "
         f"{ratio_speech:.1f}x; first packet {ratio_first:.0f}x (vs lead-in with the first chunk {ratio_late:.1f}x) "
         f"-> {'PASS' if passed2 else 'FAIL'}"),
        (f"CPU per second of audio (whole process: fake provider, encoder thread, source, discord.py player "
         f"thread): {cpu_per_audio * 1000:.1f} ms/s = {cpu_per_audio * 100:.2f}% of one core "
         f"({cpu['audio_seconds']:.0f} s of audio, {cpu['packets']} packets); "
         f"encoder calls {cpu['encode_seconds'] / cpu['audio_seconds'] * 1000:.1f} ms/s (wall)"),
        (f"encoding inline would hold the event loop {inline['steady_p50'] * 1000:.2f} ms per {CHUNK_MS} ms chunk "
         f"(max {inline['steady_max'] * 1000:.2f} ms; an encoder's first chunk {inline['first_p50'] * 1000:.2f} "
         f"ms): it runs in a worker thread; event-loop lag while streaming p50 "
         f"{percentile(streaming_lag, 50) * 1000:.2f} ms, p99 {percentile(streaming_lag, 99) * 1000:.2f} ms"),
    ]
    return {
        "title": "Voice channel: command -> first Opus packet handed to the voice client",
        "columns": ["approach", "first pkt p50", "p99", "first speech p50", "p99", "provider 1st chunk p50",
                    "pkt - chunk p50", "speech - chunk p50", "runs"],
        "rows": rows,
        "notes": notes,
        "bars": {"first_packet_over_first_chunk_p50_s": bar1,
                 "first_packet_over_first_chunk_p50_s_lead_in_with_chunk": bar1_literal,
                 "first_packet_bar_s": BAR_OVER_FIRST_CHUNK, "first_packet_bar_pass": passed1,
                 "first_speech_over_floor_p50_s": speech_over_floor,
                 "whole_clip_ratio_first_speech_p50": ratio_speech, "whole_clip_ratio_first_packet_p50": ratio_first,
                 "whole_clip_ratio_bar": BAR_RATIO, "whole_clip_ratio_pass": passed2},
        "cpu": {**cpu, "cpu_ms_per_audio_second": cpu_per_audio * 1000},
        "inline_encode": inline,
        "loop_lag_streaming": summary(streaming_lag) if streaming_lag else {},
        "parameters": {"first_chunk_s": FIRST_CHUNK, "chunk_ms": CHUNK_MS, "rtf": RTF, "sample_rate": SAMPLE_RATE,
                       "clip_seconds": CLIP_SECONDS, "runs": RUNS, "player_tick_s": 0.02},
        "raw": {r["label"]: {"first": r["first"], "speech": r["speech"], "first_chunk": r["first_chunk"]}
                for r in results},
        "median_first_chunk_s": statistics.median(default["first_chunk"]),
    }


if __name__ == "__main__":  # pragma: no cover
    from bench.common import report

    report("voice", asyncio.run(run()))

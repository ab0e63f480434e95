"""Audio benchmark: how fast core.audio encodes, and how soon a voice channel hears the first sound.

Measures
1. voice-note encoding (30 s of speech-like 24 kHz PCM → Ogg/Opus 32 kbps) as × real time,
   whole and fed in 43 ms chunks as a provider streams it;
2. 20 ms Opus packet encoding (OpusPacketEncoder: mono, fed 24 kHz, 48 kbps) as × real time;
3. latency from a provider's first PCM chunk (43 ms at 24 kHz) to the first Opus packet, p50/p99;
4. time to first packet for a 10 s clip, ours vs "the usual way" other bots do it: wait for the
   whole clip as MP3, then convert it to Ogg/Opus with an ``ffmpeg`` subprocess (as pydub does).
   The provider is modelled as streaming at a real-time factor (RTF) of 0.12: the whole-clip way
   waits RTF × 10 s of generation plus the conversion; ours waits RTF × one chunk plus one encode.
   Network and the provider's own time-to-first-byte are the same for both and left out.
5. what a voice note costs on the PCM path (the streaming Ogg/Opus encoder fed 24 kHz PCM in 100 ms
   chunks, as the provider sends it): CPU seconds of the whole process (every thread, FFmpeg's too)
   per second of audio; threads (``Threads:`` of ``/proc/self/status``, which sees FFmpeg's threads)
   and resident memory per open encoder; and the quality of the note: decoded back and compared with
   the input PCM (waveform SNR, and the level difference in third-octave bands up to 8 kHz, and in
   8-12 kHz), for the speech-like signal and for real speech from the offline espeak-ng engine;
   the CPU of the shipped encoder next to the encoder as issue 11 found it (every chunk resampled to
   48 kHz, libopus at FFmpeg's complexity 10, fullband, ``voip`` 32 kbps), on the same speech, and the
   ratio (the bar was 4x); then the same CPU and quality for other libopus settings than the ones
   ``core.audio.notes`` uses (the measurement its choice was made with).

``python -m bench audio``; results in ``bench/results/audio.json``. Takes well under two minutes
(plus a one-time ``apt-get install ffmpeg`` if ffmpeg is missing and we are root; set
``VOICEBRIDGE_BENCH_NO_INSTALL=1`` to skip that, the row then says "unavailable").
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import io
import itertools
import os
import shutil
import subprocess
import sys
import time
from typing import Any

import av
import numpy as np

from bench.common import ms, now, percentile, speech_like_pcm, summary, time_call
from bots.discord.opus import OpusPacketEncoder
from core import audio
from core.models import EncodedAudio

RATE = 24000
NOTE_SECONDS = 30.0
CHUNK_SECONDS = 0.043  # a realistic first chunk from a streaming TTS provider
CLIP_SECONDS = 10.0
PROVIDER_RTF = 0.12
LATENCY_RUNS = 200
FFMPEG_RUNS = 5
PROVIDER_CHUNK_SECONDS = 0.1  # a provider-sized chunk for the cost of a note
COST_RUNS = 5
OPEN_ENCODERS = 20
#: (application, libopus complexity, bit rate) tried against the encoder's own, all wideband (cutoff 8 kHz):
#: ``voip`` is SILK-only at these rates, ``audio`` CELT-only (below complexity 7, where libopus runs no analysis).
SWEEP = [("voip", 0, 32000), ("voip", 2, 32000), ("voip", 4, 32000), ("voip", 10, 32000),
         ("audio", 0, 44000), ("audio", 2, 32000), ("audio", 2, 40000), ("audio", 2, 44000), ("audio", 2, 48000),
         ("audio", 5, 44000)]
SWEEP_RUNS = 3
COMPARE_RUNS = 9
SPEECH_TEXT = ("The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. Please call "
               "Stella and ask her to bring these things with her from the store: six spoons of fresh snow peas, "
               "five thick slabs of blue cheese, and maybe a snack for her brother Bob.")
FFMPEG_ARGS = ["-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-c:a", "libopus", "-b:a", "32k",
               "-f", "ogg", "pipe:1"]


def _chunks(pcm: bytes, seconds: float, rate: int) -> list[bytes]:
    size = int(rate * seconds) * 2
    return [pcm[i:i + size] for i in range(0, len(pcm), size)]


def _find_ffmpeg() -> tuple[str | None, str]:
    """The ffmpeg executable, installing it with apt-get if allowed; (path or None, how)."""
    path = shutil.which("ffmpeg")
    if path:
        return path, "found on PATH"
    if os.environ.get("VOICEBRIDGE_BENCH_NO_INSTALL"):
        return None, "missing (install skipped: VOICEBRIDGE_BENCH_NO_INSTALL)"
    if not shutil.which("apt-get") or (hasattr(os, "geteuid") and os.geteuid() != 0):
        return None, "missing (no apt-get or not root)"
    print("  ffmpeg is missing: trying apt-get install -y ffmpeg (one time) …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "ffmpeg"]
    for step in ([install], [["apt-get", "update", "-q"], install]):
        try:
            for cmd in step:
                subprocess.run(cmd, check=True, env=env, timeout=900,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (subprocess.SubprocessError, OSError):
            continue
        path = shutil.which("ffmpeg")
        if path:
            return path, "installed with apt-get"
    return None, "missing (apt-get install failed)"


def _ffmpeg_convert(ffmpeg: str, mp3: bytes) -> bytes:
    done = subprocess.run([ffmpeg, *FFMPEG_ARGS], input=mp3, capture_output=True, check=True, timeout=120)
    return done.stdout


def _xrt(seconds_of_audio: float, times: list[float]) -> float:
    return seconds_of_audio / percentile(times, 50)


def _proc_status(field: str) -> int | None:
    """A number from ``/proc/self/status`` (``Threads``, or ``VmRSS`` in KiB); None without /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _heap_in_use() -> int | None:
    """Bytes malloc has handed out and not taken back (glibc's ``mallinfo2``: FFmpeg's and libopus's
    allocations, and Python's larger objects); None where that call does not exist."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def _streamed_note(chunks: list[bytes], rate: int) -> EncodedAudio:
    encoder = audio.StreamingNoteEncoder("ogg")
    for chunk in chunks:
        encoder.feed(chunk, rate)
    return encoder.finish()


def _note_cpu(chunks: list[bytes], rate: int, seconds: float, runs: int = COST_RUNS) -> list[float]:
    """CPU seconds of the whole process per second of audio, one value per run."""
    values = []
    for _ in range(runs):
        start = time.process_time()
        _streamed_note(chunks, rate)
        values.append((time.process_time() - start) / seconds)
    return values


def _baseline_note(chunks: list[bytes], rate: int) -> EncodedAudio:
    """The Ogg/Opus note as issue 11 found the encoder (``core/audio/notes.py`` at 3b858cb): every chunk
    resampled to 48 kHz, libopus 32 kbps, 20 ms, ``voip``, FFmpeg's defaults otherwise (complexity 10, no
    cutoff: fullband, the codec's and the graphs' default threads), the waveform added chunk by chunk."""
    from fractions import Fraction

    from core.audio.pcm import WaveformAccumulator

    buffer = io.BytesIO()
    container = av.open(buffer, mode="w", format="ogg")
    stream = container.add_stream("libopus", rate=48000)
    stream.layout = "mono"
    stream.bit_rate = 32000
    stream.options = {"frame_duration": "20", "application": "voip"}
    stream.time_base = Fraction(1, 48000)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    wave = WaveformAccumulator()
    pts = 0
    total = 0

    def encode(frames: list[av.AudioFrame]) -> None:
        nonlocal pts
        for frame in frames:
            frame.pts, frame.time_base = pts, Fraction(1, 48000)
            pts += frame.samples
            for packet in stream.encode(frame):
                container.mux(packet)

    for chunk in chunks:
        samples = np.frombuffer(chunk, dtype="<i2")
        total += samples.size
        wave.add(samples, rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        encode(resampler.resample(frame))
    encode(resampler.resample(None))
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()
    return EncodedAudio(data=buffer.getvalue(), format="ogg", duration=total / rate, waveform=wave.result(),
                        sample_count=pts)


def _note_kbps(note: EncodedAudio) -> float:
    return len(note.data) * 8 / note.duration / 1000 if note.duration else 0.0


def _baseline_comparison(rows: list[list[Any]], raw: dict[str, Any], pcm: bytes, signal: str) -> None:
    """CPU per second of audio of the shipped encoder and of :func:`_baseline_note`, runs interleaved, on
    ``pcm`` in provider-sized chunks; their ratio; and what each sounds like decoded back."""
    chunks = _chunks(pcm, PROVIDER_CHUNK_SECONDS, RATE)
    seconds = len(pcm) / 2 / RATE
    ways = {"baseline": _baseline_note, "shipped": _streamed_note}
    for way in ways.values():
        way(chunks[:5], RATE)  # warm-up
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(COMPARE_RUNS):
        for name, way in ways.items():
            start = time.process_time()
            way(chunks, RATE)
            cpu[name].append((time.process_time() - start) / seconds)
    from core.audio import notes

    labels = {
        "baseline": "issue 11's encoder: 48 kHz resampled, complexity 10, fullband, voip 32 kbps",
        "shipped": (f"shipped: {RATE // 1000} kHz fed, complexity {notes._OGG_COMPLEXITY}, "
                    f"{notes._OGG_APPLICATION} (CELT), cutoff {notes._OGG_CUTOFF} Hz, "
                    f"{notes._OGG_BITRATE // 1000} kbps"),
    }
    raw["baseline_comparison"] = {"signal": signal, "seconds": seconds}
    for name, way in ways.items():
        note = way(chunks, RATE)
        quality = _note_quality(pcm, RATE, note)
        quality["kbps"] = _note_kbps(note)
        raw["baseline_comparison"][name] = {"cpu_s_per_audio_s": summary(cpu[name]), "quality": quality,
                                            "label": labels[name]}
        rows.append([f"  {labels[name]}", f"{min(cpu[name]) * 1000:.2f} ms",
                     f"p50 {percentile(cpu[name], 50) * 1000:.2f} ms; {quality['kbps']:.0f} kbps; "
                     + _quality_cell(quality)])
    ratio = min(cpu["baseline"]) / min(cpu["shipped"])
    ratio_p50 = percentile(cpu["baseline"], 50) / percentile(cpu["shipped"], 50)
    raw["baseline_comparison"]["ratio"] = {"min": ratio, "p50": ratio_p50}
    rows.append(["  ratio: issue 11's encoder / shipped", f"{ratio:.1f}x",
                 f"p50 {ratio_p50:.1f}x; the bar was 4x (CPU of the whole process per second of audio)"])


def _open_encoder_cost(chunk: bytes, rate: int) -> dict[str, float | None]:
    """Threads, KiB of heap and KiB of resident memory per open encoder that has been fed its first chunk."""
    def per_encoder(before: int | None, after: int | None, scale: float = 1.0) -> float | None:
        return None if before is None or after is None else (after - before) / scale / OPEN_ENCODERS

    gc.collect()
    before = (_proc_status("Threads"), _heap_in_use(), _proc_status("VmRSS"))
    encoders = []
    for _ in range(OPEN_ENCODERS):
        encoder = audio.StreamingNoteEncoder("ogg")
        encoder.feed(chunk, rate)
        encoders.append(encoder)
    after = (_proc_status("Threads"), _heap_in_use(), _proc_status("VmRSS"))
    for encoder in encoders:
        encoder.finish()
    return {"threads": per_encoder(before[0], after[0]), "heap_kib": per_encoder(before[1], after[1], 1024),
            "rss_kib": per_encoder(before[2], after[2])}


def _band_energies(samples: np.ndarray, rate: int, edges: np.ndarray) -> np.ndarray:
    """Energy per 20 ms frame (rows) and band between consecutive ``edges`` in Hz (columns)."""
    size = rate // 50
    frames = samples[: samples.size // size * size].astype(np.float64).reshape(-1, size) / 32768.0
    power = np.abs(np.fft.rfft(frames * np.hanning(size), axis=1)) ** 2
    bins = np.fft.rfftfreq(size, 1 / rate)
    return np.stack([power[:, (bins >= lo) & (bins < hi)].sum(axis=1) for lo, hi in itertools.pairwise(edges)],
                    axis=1)


def _note_quality(pcm: bytes, rate: int, note: EncodedAudio) -> dict[str, float]:
    """The note decoded back (by the decoder uploads go through) and compared with the input PCM."""
    ref = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    out = np.frombuffer(audio.decode_upload_sync(note.data, sample_rate=rate, max_seconds=600).pcm,
                        dtype="<i2").astype(np.float64)
    n = min(ref.size, out.size)
    window = rate // 500  # the decoder applies the pre-skip: the lag should be 0

    def overlap(lag: int) -> tuple[np.ndarray, np.ndarray]:
        return ref[max(0, -lag):n - max(0, lag)], out[max(0, lag):n - max(0, -lag)]

    lag = max(range(-window, window + 1), key=lambda k: float(np.dot(*overlap(k))))
    a, b = overlap(lag)
    snr = 10 * np.log10(np.sum(a ** 2) / max(np.sum((a - b) ** 2), 1e-9))
    edges = 100.0 * 2.0 ** (np.arange(0, 19) / 3)  # third-octave bands, 100 Hz .. 6.4 kHz
    edges = np.append(edges, 8000.0)
    e_ref, e_out = _band_energies(a, rate, edges), _band_energies(b, rate, edges)
    total = e_ref.sum(axis=1)
    active = total > total.max() * 1e-4  # frames within 40 dB of the loudest
    floor = e_ref.max() * 1e-7
    diff = 10 * np.log10((e_ref[active] + floor) / (e_out[active] + floor))
    high = np.array([8000.0, min(12000.0, rate / 2)])
    h_ref, h_out = _band_energies(a, rate, high)[active], _band_energies(b, rate, high)[active]
    return {
        "lag": lag,
        "snr_db": float(snr),
        "band_distance_db": float(np.mean(np.sqrt(np.mean(diff ** 2, axis=1)))),
        "level_8_12k_db": float(10 * np.log10(max(h_out.sum(), 1e-12) / max(h_ref.sum(), 1e-12))),
    }


def _espeak_pcm(rate: int) -> bytes | None:
    """:data:`SPEECH_TEXT` spoken by the offline engine, resampled to ``rate``; None if it is unavailable."""
    from core.audio.resample import MonoResampler
    from core.errors import VoiceBridgeError
    from core.models import SynthesisRequest
    from core.providers.local import LocalProvider

    async def speak() -> list[tuple[bytes, int]]:
        provider = LocalProvider()
        try:
            return [(c.data, c.sample_rate)
                    async for c in provider.synthesize(SynthesisRequest(SPEECH_TEXT, "alex", language="en"))]
        finally:
            await provider.aclose()

    try:
        chunks = asyncio.run(speak())
    except VoiceBridgeError:
        return None
    resampler = MonoResampler(rate)
    parts = []
    for pcm, chunk_rate in chunks:
        frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, dtype="<i2").reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = chunk_rate
        parts.extend(resampler.resample(frame))
    parts.extend(resampler.flush())
    return b"".join(f.to_ndarray().tobytes() for f in parts)


def _quality_cell(quality: dict[str, float]) -> str:
    return (f"SNR {quality['snr_db']:.1f} dB; bands to 8 kHz off by {quality['band_distance_db']:.2f} dB; "
            f"8-12 kHz {quality['level_8_12k_db']:+.1f} dB")


def _settings_sweep(rows: list[list[Any]], raw: dict[str, Any], chunks: list[bytes], speech: bytes | None) -> None:
    """CPU and quality of the note for each of :data:`SWEEP`, by setting the encoder's settings for a moment."""
    from core.audio import notes

    names = ("_OGG_APPLICATION", "_OGG_COMPLEXITY", "_OGG_BITRATE")
    chosen = tuple(getattr(notes, name) for name in names)
    raw["sweep"] = []
    try:
        for setting in SWEEP:
            for name, value in zip(names, setting, strict=True):
                setattr(notes, name, value)
            application, complexity, bitrate = setting
            cpu = min(_note_cpu(chunks, RATE, NOTE_SECONDS, runs=SWEEP_RUNS))
            quality = None
            if speech is not None:
                note = _streamed_note(_chunks(speech, PROVIDER_CHUNK_SECONDS, RATE), RATE)
                quality = _note_quality(speech, RATE, note)
                quality["kbps"] = _note_kbps(note)
            codec = "SILK" if application == "voip" else "CELT"
            mark = " (used)" if setting == chosen else ""
            rows.append([f"  {codec} ({application}), complexity {complexity}, {bitrate // 1000} kbps{mark}",
                         f"{cpu * 1000:.2f} ms",
                         (f"espeak-ng: {quality['kbps']:.0f} kbps; " + _quality_cell(quality)) if quality
                         else "no espeak-ng speech"])
            raw["sweep"].append({"application": application, "complexity": complexity, "bitrate": bitrate,
                                 "cutoff": notes._OGG_CUTOFF, "cpu_s_per_audio_s": cpu, "quality": quality})
    finally:
        for name, value in zip(names, chosen, strict=True):
            setattr(notes, name, value)


def _note_cost(rows: list[list[Any]], raw: dict[str, Any]) -> None:
    """Section 5: CPU, threads and memory of a voice note on the PCM path, and its quality."""
    speech = speech_like_pcm(NOTE_SECONDS, RATE, seed=1)
    chunks = _chunks(speech, PROVIDER_CHUNK_SECONDS, RATE)
    _streamed_note(chunks[:20], RATE)  # warm-up
    cpu = _note_cpu(chunks, RATE, NOTE_SECONDS)
    rows.append(["note CPU per second of audio (24 kHz, 100 ms chunks)", f"{min(cpu) * 1000:.2f} ms",
                 f"min of {COST_RUNS}; p50 {percentile(cpu, 50) * 1000:.2f} ms (process CPU, all threads)"])
    held = _open_encoder_cost(chunks[0], RATE)
    threads, heap, rss = held["threads"], held["heap_kib"], held["rss_kib"]
    rows.append(["threads per open note encoder", "unavailable" if threads is None else f"{threads:.1f}",
                 f"Threads: of /proc/self/status over {OPEN_ENCODERS} open encoders, each fed one chunk"])
    rows.append(["memory per open note encoder", "unavailable" if heap is None else f"{heap:.0f} KiB heap",
                 "malloc in use (mallinfo2); VmRSS " + ("n/a" if rss is None else f"{rss:+.0f} KiB")])
    raw["note_cost"] = {"cpu_s_per_audio_s": summary(cpu), "per_open_encoder": held}
    signals = {"speech-like": speech, "espeak-ng speech": _espeak_pcm(RATE)}
    raw["note_quality"] = {}
    for name, pcm in signals.items():
        if pcm is None:
            rows.append([f"note quality, {name}", "unavailable", "the offline engine did not load"])
            continue
        quality = _note_quality(pcm, RATE, _streamed_note(_chunks(pcm, PROVIDER_CHUNK_SECONDS, RATE), RATE))
        raw["note_quality"][name] = quality
        rows.append([f"note quality, {name}", f"SNR {quality['snr_db']:.1f} dB",
                     (f"bands to 8 kHz off by {quality['band_distance_db']:.2f} dB; 8-12 kHz "
                      f"{quality['level_8_12k_db']:+.1f} dB; lag {quality['lag']}")])
    espeak = signals["espeak-ng speech"]
    signal = "espeak-ng speech" if espeak is not None else "speech-like (no espeak-ng)"
    rows.append([f"note CPU per second of audio, issue 11's encoder vs shipped ({signal})",
                 f"min of {COMPARE_RUNS}", "runs interleaved; quality of each note decoded back, as above"])
    _baseline_comparison(rows, raw, espeak if espeak is not None else speech, signal)
    rows.append(["note CPU per second of audio by libopus setting (wideband)", f"min of {SWEEP_RUNS}",
                 "quality of the espeak-ng note decoded back, as above"])
    _settings_sweep(rows, raw, chunks, espeak)


def run() -> dict[str, Any]:
    """Run all measurements; return the table and the raw numbers."""
    rows: list[list[Any]] = []
    raw: dict[str, Any] = {"params": {
        "rate": RATE, "note_seconds": NOTE_SECONDS, "chunk_seconds": CHUNK_SECONDS,
        "clip_seconds": CLIP_SECONDS, "provider_rtf": PROVIDER_RTF, "latency_runs": LATENCY_RUNS,
    }}
    notes: list[str] = []

    speech = speech_like_pcm(NOTE_SECONDS, RATE, seed=1)
    chunks = _chunks(speech, CHUNK_SECONDS, RATE)
    audio.encode_sync(speech[: RATE * 2], RATE)  # warm-up: codec and resampler setup, page cache

    # 1. voice notes
    whole = time_call(lambda: audio.encode_sync(speech, RATE, "ogg"), repeat=5)

    def streamed_note() -> None:
        encoder = audio.StreamingNoteEncoder("ogg")
        for chunk in chunks:
            encoder.feed(chunk, RATE)
        encoder.finish()

    streamed = time_call(streamed_note, repeat=5)
    note = audio.encode_sync(speech, RATE, "ogg")
    kbps = len(note.data) * 8 / note.duration / 1000
    rows.append(["voice note Ogg/Opus, 30 s clip at once", f"{_xrt(NOTE_SECONDS, whole):.0f}x real time",
                 f"p50 {ms(percentile(whole, 50))} per clip; {len(note.data) // 1024} KiB, {kbps:.1f} kbps"])
    rows.append(["voice note Ogg/Opus, fed in 43 ms chunks", f"{_xrt(NOTE_SECONDS, streamed):.0f}x real time",
                 f"p50 {ms(percentile(streamed, 50))} for {len(chunks)} chunks"])
    raw["note_whole_s"] = summary(whole)
    raw["note_streamed_s"] = summary(streamed)
    raw["note_bytes"] = len(note.data)

    # 2. 20 ms packets for voice channels
    def packets_run() -> int:
        encoder = OpusPacketEncoder(leading_silence_ms=0)
        count = 0
        for chunk in chunks:
            count += len(encoder.feed(chunk, RATE))
        return count + len(encoder.flush())

    packet_times = time_call(packets_run, repeat=3)
    packet_count = packets_run()
    per_packet = percentile(packet_times, 50) / packet_count
    rows.append(["20 ms Opus packets (mono, 24 kHz fed, 48 kbps)", f"{_xrt(NOTE_SECONDS, packet_times):.0f}x real time",
                 f"{packet_count} packets, {per_packet * 1e6:.0f} us per packet"])
    raw["packets_s"] = summary(packet_times)
    raw["packet_count"] = packet_count

    # 3. first chunk -> first packet
    first_chunk = chunks[0]
    first_silence: list[float] = []
    first_audio: list[float] = []
    construct: list[float] = []
    for _ in range(LATENCY_RUNS):
        start = now()
        encoder = OpusPacketEncoder(leading_silence_ms=200)
        construct.append(now() - start)
        start = now()
        out = encoder.feed(first_chunk, RATE)
        first_silence.append(now() - start)
        assert out, "no packet after the first chunk"
        first_feed_packets = len(out)
        encoder = OpusPacketEncoder(leading_silence_ms=0)
        start = now()
        out = encoder.feed(first_chunk, RATE)
        first_audio.append(now() - start)
        assert out, "no audio packet after the first chunk"
    lat = summary(first_audio)
    lat_silence = summary(first_silence)
    lat_construct = summary(construct)
    rows.append(["first 43 ms chunk -> first audio packet", f"p50 {ms(lat['p50'])}",
                 f"p99 {ms(lat['p99'])}, n={LATENCY_RUNS} (leading silence 0)"])
    rows.append(["first 43 ms chunk -> packets, 200 ms lead-in", f"p50 {ms(lat_silence['p50'])}",
                 f"p99 {ms(lat_silence['p99'])}; {first_feed_packets} packets (10 silence) from one feed"])
    rows.append(["OpusPacketEncoder() construction", f"p50 {ms(lat_construct['p50'])}",
                 f"p99 {ms(lat_construct['p99'])} (done before the first chunk arrives)"])
    raw["first_audio_packet_s"] = lat
    raw["first_packets_with_silence_s"] = lat_silence
    raw["encoder_construction_s"] = lat_construct

    # 4. whole clip (MP3 -> ffmpeg -> Ogg) vs streaming, for a 10 s clip
    clip = speech_like_pcm(CLIP_SECONDS, RATE, seed=2)
    mp3 = audio.encode_sync(clip, RATE, "mp3").data  # stands in for the provider's MP3 download
    generation_whole = PROVIDER_RTF * CLIP_SECONDS
    generation_chunk = PROVIDER_RTF * CHUNK_SECONDS
    ours = generation_chunk + lat["p50"]
    ours_p99 = generation_chunk + lat["p99"]
    rows.append([f"time to first packet, {CLIP_SECONDS:.0f} s clip: streaming (ours)", ms(ours),
                 f"provider 1st chunk {ms(generation_chunk)} (RTF {PROVIDER_RTF}) + encode p50; p99 {ms(ours_p99)}"])

    def pyav_whole() -> None:
        decoded = audio.decode_upload_sync(mp3, sample_rate=48000)
        audio.encode_sync(decoded.pcm, decoded.sample_rate, "ogg")

    pyav_times = time_call(pyav_whole, repeat=5)
    pyav_total = generation_whole + percentile(pyav_times, 50)
    rows.append(["  whole clip as MP3, then PyAV in-process -> Ogg", ms(pyav_total),
                 f"generation {ms(generation_whole)} + convert p50 {ms(percentile(pyav_times, 50))}"])
    raw["whole_clip_pyav_convert_s"] = summary(pyav_times)

    ffmpeg, how = _find_ffmpeg()
    raw["ffmpeg"] = {"path": ffmpeg, "how": how}
    ratio: float | None = None
    if ffmpeg:
        try:
            _ffmpeg_convert(ffmpeg, mp3)  # warm-up (binary and libraries into the page cache)
            ff_times = time_call(lambda: _ffmpeg_convert(ffmpeg, mp3), repeat=FFMPEG_RUNS)
            ff_total = generation_whole + percentile(ff_times, 50)
            ratio = ff_total / ours
            rows.append(["  whole clip as MP3, then ffmpeg subprocess -> Ogg (pydub way)", ms(ff_total),
                         f"generation {ms(generation_whole)} + ffmpeg p50 {ms(percentile(ff_times, 50))}"])
            rows.append(["  ratio: whole-clip ffmpeg / streaming", f"{ratio:.0f}x",
                         f"first sound {ms(ff_total - ours)} sooner with streaming"])
            raw["whole_clip_ffmpeg_convert_s"] = summary(ff_times)
            raw["whole_clip_ffmpeg_total_s"] = ff_total
        except (subprocess.SubprocessError, OSError) as exc:
            rows.append(["  whole clip as MP3, then ffmpeg subprocess -> Ogg (pydub way)", "unavailable",
                         f"ffmpeg failed: {exc!r}"[:100]])
    else:
        rows.append(["  whole clip as MP3, then ffmpeg subprocess -> Ogg (pydub way)", "unavailable",
                     f"ffmpeg {how}"])
    if ratio is None:
        ratio = pyav_total / ours
        rows.append(["  ratio: whole-clip PyAV / streaming", f"{ratio:.0f}x", "ffmpeg row unavailable"])
    raw["streaming_first_packet_s"] = ours
    raw["whole_clip_pyav_total_s"] = pyav_total
    raw["ratio"] = ratio
    # 5. what one voice note costs on the PCM path, and what it sounds like
    _note_cost(rows, raw)

    notes.append(f"ffmpeg: {how}" + (f" ({ffmpeg})" if ffmpeg else ""))
    notes.append("network and the provider's time-to-first-byte are common to both ways and left out")
    notes.append(f"python {sys.version.split()[0]}; times are wall clock on this machine")
    _passthrough_rows(rows, raw, notes)

    return {
        "title": "audio: encoding speed and time to first sound",
        "columns": ["measurement", "result", "detail"],
        "rows": rows,
        "notes": notes,
        "raw": raw,
    }


# --- 5. Ogg/Opus voice notes: the provider's Opus passed through vs PCM encoded here ----------------------------

#: A voice note of about 50 s, spoken in the renderer's pieces (80 characters, then up to 200).
PASSTHROUGH_TEXT = " ".join(f"Sentence {i} of a long reply is spoken here, at the pace of a calm voice."
                            for i in range(10))
PASSTHROUGH_CHARS_PER_SECOND = 15.0  # CosyVoice2 English, roughly
PASSTHROUGH_NETWORK_CHUNK = 4096  # bytes of Ogg per network read
PASSTHROUGH_RUNS = 7


def _provider_answers(text: str) -> tuple[list[bytes], list[bytes], float]:
    """What the provider sends for each piece of ``text``: 24 kHz PCM, and Ogg/Opus at 48 kHz (encoded here,
    untimed, with FFmpeg's libopus defaults); and the seconds of audio."""
    import io

    import av
    import numpy as np

    from core.rendering import FIRST_CHUNK_CHARS, SYNTH_CHUNK_CHARS
    from core.text import chunk_text

    pcm, ogg = [], []
    seconds = 0.0
    for seed, piece in enumerate(chunk_text(text, SYNTH_CHUNK_CHARS, first_max_chars=FIRST_CHUNK_CHARS)):
        length = len(piece) / PASSTHROUGH_CHARS_PER_SECOND
        seconds += length
        pcm.append(speech_like_pcm(length, RATE, seed=seed))
        buf = io.BytesIO()
        with av.open(buf, "w", format="ogg") as out:
            stream = out.add_stream("libopus", rate=48000, layout="mono")
            samples = np.frombuffer(speech_like_pcm(length, 48000, seed=seed), "<i2").reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = 48000
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)
        ogg.append(buf.getvalue())
    return pcm, ogg, seconds


def _pyav_remux(ogg: list[bytes]) -> bytes:
    """The other way to join without decoding: PyAV demuxes each piece and muxes its packets into one file."""
    import io

    import av

    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as dst:
        target = None
        offset = 0
        for data in ogg:
            with av.open(io.BytesIO(data)) as src:
                source = src.streams.audio[0]
                target = target or dst.add_stream_from_template(source)
                end = offset
                for packet in src.demux(source):
                    if packet.pts is None:
                        continue
                    packet.pts += offset
                    packet.dts = packet.pts
                    end = packet.pts + packet.duration
                    packet.stream = target
                    dst.mux(packet)
                offset = end
    return out.getvalue()


def _cpu_per_audio_second(fn: Any, seconds: float) -> float:
    """Median CPU seconds (every thread of the process) of ``fn()`` per second of audio."""
    import time

    fn()  # warm-up
    spent = []
    for _ in range(PASSTHROUGH_RUNS):
        start = time.process_time()
        fn()
        spent.append(time.process_time() - start)
    return percentile(spent, 50) / seconds


def _passthrough_rows(rows: list[list[Any]], raw: dict[str, Any], notes: list[str]) -> None:
    """CPU per second of voice-note audio: today's PCM path (encode here) vs the provider's Opus passed through
    (join, and decode once for the waveform), same text; also the join alone, PyAV remuxing, and both as
    ``Renderer.notes`` runs them (a worker-thread hop per network chunk)."""
    import asyncio

    pcm, ogg, seconds = _provider_answers(PASSTHROUGH_TEXT)
    ogg_chunks = [data[i:i + PASSTHROUGH_NETWORK_CHUNK] for data in ogg
                  for i in range(0, len(data), PASSTHROUGH_NETWORK_CHUNK)]
    pcm_chunks = [chunk for data in pcm for chunk in _chunks(data, CHUNK_SECONDS, RATE)]

    def pcm_path() -> Any:
        encoder = audio.StreamingNoteEncoder("ogg")
        for chunk in pcm_chunks:
            encoder.feed(chunk, RATE)
        return encoder.finish()

    def passthrough() -> Any:
        joiner = audio.OpusNoteJoiner()
        for chunk in ogg_chunks:
            joiner.feed(chunk)
        return joiner.finish()

    def join_only() -> Any:
        joiner = audio.OggOpusJoiner()
        for chunk in ogg_chunks:
            joiner.feed(chunk)
        return joiner.finish()

    async def threaded(feed: Any, finish: Any, chunks: list[bytes]) -> None:
        for chunk in chunks:
            await asyncio.to_thread(feed, chunk)
        await asyncio.to_thread(finish)

    def pcm_threaded() -> None:
        encoder = audio.StreamingNoteEncoder("ogg")
        asyncio.run(threaded(lambda c: encoder.feed(c, RATE), encoder.finish, pcm_chunks))

    def passthrough_threaded() -> None:
        joiner = audio.OpusNoteJoiner()
        asyncio.run(threaded(joiner.feed, joiner.finish, ogg_chunks))

    cpu = {name: _cpu_per_audio_second(fn, seconds) for name, fn in (
        ("pcm", pcm_path), ("passthrough", passthrough), ("join", join_only),
        ("remux", lambda: _pyav_remux(ogg)), ("pcm_threaded", pcm_threaded),
        ("passthrough_threaded", passthrough_threaded))}
    note = passthrough()
    kbps = sum(len(data) for data in ogg) * 8 / seconds / 1000
    pieces = f"{len(ogg)} pieces, {seconds:.0f} s"
    rows.append(["voice note CPU per audio second: PCM encoded here (today)", f"{ms(cpu['pcm'])}",
                 f"StreamingNoteEncoder, 43 ms chunks of 24 kHz PCM; {pieces}"])
    rows.append(["  provider's Opus passed through (join + waveform)", f"{ms(cpu['passthrough'])}",
                 f"{cpu['pcm'] / cpu['passthrough']:.0f}x less; {PASSTHROUGH_NETWORK_CHUNK} B reads of "
                 f"{kbps:.0f} kbps Ogg/Opus"])
    rows.append(["  of which the join (no codec)", f"{ms(cpu['join'])}",
                 f"{cpu['pcm'] / cpu['join']:.0f}x less; the rest decodes once for the waveform"])
    rows.append(["  joined by PyAV remux instead (demux + mux)", f"{ms(cpu['remux'])}",
                 f"{cpu['remux'] / cpu['join']:.1f}x the join; whole pieces only, no streaming"])
    rows.append(["  both as Renderer.notes runs them (thread hop/chunk)",
                 f"{ms(cpu['pcm_threaded'])} vs {ms(cpu['passthrough_threaded'])}",
                 f"{cpu['pcm_threaded'] / cpu['passthrough_threaded']:.0f}x less CPU on the pass-through"])
    raw["passthrough"] = {"cpu_per_audio_second": cpu, "seconds": seconds, "pieces": len(ogg), "kbps": kbps,
                          "note_bytes": len(note.data), "sample_count": note.sample_count}
    notes.append("voice-note CPU is time.process_time() (all threads) per second of audio, median of "
                 f"{PASSTHROUGH_RUNS}; the provider's encoding is not counted")


if __name__ == "__main__":  # python -m bench.audio
    from bench.common import report

    report("audio", run())

"""Metrics: what the service counts, and the /metrics exporter on loopback."""

from __future__ import annotations

import httpx
import pytest

from core.errors import EmptyText, ProviderAuthError, TooManyRequests
from core.metrics import Metrics, start_exporter
from core.models import UserRef

ALICE = UserRef(platform="telegram", user_id="1001")


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_exporter_serves_counters_and_watched_gauges() -> None:
    metrics = Metrics()
    metrics.utterances.labels("local", "note", "ok").inc()
    metrics.watch("voicebridge_test_gauge", "a gauge read at scrape time", lambda: 7)
    metrics.watch("voicebridge_broken_gauge", "a gauge whose callback fails", lambda: 1 / 0)
    exporter = start_exporter(metrics, "127.0.0.1", 0)
    try:
        response = httpx.get(f"http://127.0.0.1:{exporter.port}/metrics", timeout=5)
    finally:
        exporter.close()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert 'voicebridge_utterances_total{engine="local",kind="note",outcome="ok"} 1.0' in lines
    assert "voicebridge_test_gauge 7.0" in lines
    assert not any(line.startswith("voicebridge_broken_gauge") for line in lines)  # skipped, not a 500
    assert not any("_created" in line for line in lines)


def test_exporter_on_a_taken_port_raises() -> None:
    metrics = Metrics()
    exporter = start_exporter(metrics, "127.0.0.1", 0)
    try:
        with pytest.raises(OSError):
            start_exporter(Metrics(), "127.0.0.1", exporter.port)
    finally:
        exporter.close()


async def test_the_service_counts_utterances_cache_first_audio_bytes_and_refusals(make_app, fake_siliconflow):
    app = await make_app("siliconflow", requests_per_minute=3)
    metrics = app.metrics
    await app.service.speak(ALICE, "Count me.")
    await app.service.speak(ALICE, "Count me.")  # from the cache
    assert value(metrics, "voicebridge_utterances_total", engine="siliconflow", kind="note", outcome="ok") == 2
    assert value(metrics, "voicebridge_cache_lookups_total", result="miss") == 1
    assert value(metrics, "voicebridge_cache_lookups_total", result="hit") == 1
    assert value(metrics, "voicebridge_first_audio_seconds_count", engine="siliconflow") == 1
    assert value(metrics, "voicebridge_provider_bytes_total", key="operator") == len("Count me.")
    with pytest.raises(EmptyText):
        await app.service.speak(ALICE, "   ")
    await app.service.speak(ALICE, "third")
    with pytest.raises(TooManyRequests):
        await app.service.speak(ALICE, "fourth")
    assert value(metrics, "voicebridge_refusals_total", code="empty_text") == 1
    assert value(metrics, "voicebridge_refusals_total", code="too_many_requests") == 1


async def test_fallbacks_failures_and_skips_are_counted(make_app, fake_siliconflow):
    app = await make_app("siliconflow")
    metrics = app.metrics
    fake_siliconflow.fail(503, endpoint="speech", times=None)
    await app.service.speak(ALICE, "spoken offline")
    assert value(metrics, "voicebridge_offline_fallbacks_total") == 1
    assert value(metrics, "voicebridge_utterances_total", engine="local", kind="note", outcome="ok") == 1
    fake_siliconflow.clear_faults()

    utt = await app.service.prepare(ALICE, "A long text to stream. " * 10)
    stream = app.service.stream_pcm(utt)
    await anext(stream)
    await stream.aclose()  # a skip in a voice channel
    assert value(metrics, "voicebridge_utterances_total", engine="siliconflow", kind="stream",
                 outcome="cancelled") == 1

    fake_siliconflow.fail(401, endpoint="speech")
    with pytest.raises(ProviderAuthError):
        await app.service.speak(ALICE, "refused key")
    assert value(metrics, "voicebridge_utterances_total", engine="siliconflow", kind="note",
                 outcome="provider_auth") == 1

"""A 200 from the provider that is not audio is never spoken, cached or served (issue 9, defect 6).

The service is built the way tests/core/test_service.py builds it (``make_app`` on the fake SiliconFlow,
SQLite); the faults are the fake's 200 modes: a JSON error body, a web page, an empty body, a stream
that never ends and more audio than the text can take.
"""

from __future__ import annotations

import io

import av
import pytest

from core.errors import (
    ProviderBadRequest,
    ProviderError,
    ProviderNotAudio,
    ProviderTimeout,
)
from core.models import UserRef
from tests.fakes.siliconflow import FakeSiliconFlow
from tests.samples import ogg_bytes, speech_like

ALICE = UserRef(platform="telegram", user_id="1001", language_hint="en")
TEXT = "Hello there, this is a test."

FAULTS: dict[str, type[ProviderError]] = {
    "json_error": ProviderBadRequest,
    "html": ProviderNotAudio,
    "empty": ProviderNotAudio,
    "endless": ProviderTimeout,
    "oversize": ProviderNotAudio,
}


def inject(fake: FakeSiliconFlow, app, mode: str) -> None:
    """Make every speech request fail in ``mode`` (until the faults are cleared)."""
    if mode == "json_error":
        fake.ok_json_error(20012, "Invalid parameter", endpoint="speech", times=None)
    elif mode == "html":
        fake.ok_html(endpoint="speech", times=None)
    elif mode == "empty":
        fake.ok_empty(endpoint="speech", times=None)
    elif mode == "endless":
        # a short deadline for the test: 0.5 s + (0.5 s + 0.05 s per character)
        provider = app.service.remote
        provider.first_byte_timeout, provider.audio_seconds_floor, provider.audio_seconds_per_char = 0.5, 0.5, 0.05
        # a voice note asks for Opus: the endless answer is a chain of tiny Ogg/Opus files
        fake.endless_stream(chunk=ogg_bytes(speech_like(0.02)), interval=0.02, times=None)
    elif mode == "oversize":
        fake.oversize(8 * 1024 * 1024, times=None)  # the cap for TEXT is ~1.5 MB of 24 kHz PCM
    else:  # pragma: no cover
        raise AssertionError(mode)


def cache_files(app) -> set[str]:
    return {p.name for p in app.service.cache.root.rglob("*.bin")}


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        return sum(f.samples for f in container.decode(audio=0)) / 48000


def speech_requests(fake: FakeSiliconFlow) -> int:
    return len(fake.requests_for("speech"))


@pytest.mark.parametrize("mode", list(FAULTS))
async def test_after_a_fault_in_a_cloned_voice_nothing_is_cached(make_app, fake_siliconflow: FakeSiliconFlow,
                                                                  mode: str) -> None:
    app = await make_app("siliconflow")
    svc = app.service
    await svc.clone(ALICE, ogg_bytes(speech_like(5)), "mine", transcript="hello", consent=True)
    await svc.set_voice(ALICE, "mine")
    assert cache_files(app) == set()

    inject(fake_siliconflow, app, mode)
    with pytest.raises(FAULTS[mode]):
        await svc.speak(ALICE, TEXT)  # a clone has no offline fallback: the error reaches the user
    assert fake_siliconflow.requests_for("speech")[-1].json["voice"].startswith("speech:")
    assert cache_files(app) == set()

    # The provider answers properly again: the next request goes to it, and is served and cached.
    fake_siliconflow.clear_faults()
    before = speech_requests(fake_siliconflow)
    fresh = await svc.speak(ALICE, TEXT)
    assert speech_requests(fake_siliconflow) > before
    assert fresh.engine == "siliconflow" and not fresh.notes[0].cached
    assert decoded_seconds(fresh.notes[0].audio.data) > 0.5
    assert cache_files(app)
    again = await svc.speak(ALICE, TEXT)
    assert again.notes[0].cached and again.notes[0].audio.data == fresh.notes[0].audio.data


@pytest.mark.parametrize("mode", ["html", "empty"])
async def test_a_preset_falls_back_offline_and_the_provider_key_stays_uncached(make_app,
                                                                               fake_siliconflow: FakeSiliconFlow,
                                                                               mode: str) -> None:
    app = await make_app("siliconflow")
    svc = app.service
    inject(fake_siliconflow, app, mode)
    offline = await svc.speak(ALICE, TEXT)
    # "not audio" counts as "provider unavailable": the offline engine speaks instead
    assert offline.engine == "local" and "notice_fallback" in offline.notices
    assert decoded_seconds(offline.notes[0].audio.data) > 0.5

    fake_siliconflow.clear_faults()
    before = speech_requests(fake_siliconflow)
    fresh = await svc.speak(ALICE, TEXT)
    assert speech_requests(fake_siliconflow) == before + 1  # nothing from the fault was kept for the provider
    assert fresh.engine == "siliconflow" and not fresh.notes[0].cached


@pytest.mark.parametrize("mode", ["json_error", "endless", "oversize"])
async def test_a_preset_fault_without_fallback_caches_nothing(make_app, fake_siliconflow: FakeSiliconFlow,
                                                              mode: str) -> None:
    # A refused request (400) is not an outage; a stream that already gave audio cannot switch engines.
    app = await make_app("siliconflow")
    svc = app.service
    inject(fake_siliconflow, app, mode)
    with pytest.raises(FAULTS[mode]):
        await svc.speak(ALICE, TEXT)
    assert cache_files(app) == set()
    fake_siliconflow.clear_faults()
    fresh = await svc.speak(ALICE, TEXT)
    assert fresh.engine == "siliconflow" and not fresh.notes[0].cached

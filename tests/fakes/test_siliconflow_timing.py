"""The fake SiliconFlow's opt-in timing under load (``on_schedule``, ``reuse_audio``) and the times it records."""

from __future__ import annotations

import asyncio

import httpx

from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY

MODEL = "FunAudioLLM/CosyVoice2-0.5B"
OP = {"Authorization": f"Bearer {OPERATOR_KEY}"}


def body(text: str) -> dict[str, object]:
    return {"model": MODEL, "input": text, "voice": f"{MODEL}:anna", "response_format": "pcm",
            "sample_rate": 24000, "stream": True}


def test_off_by_default_and_times_recorded(fake_siliconflow: FakeSiliconFlow) -> None:
    assert not fake_siliconflow.on_schedule and not fake_siliconflow.reuse_audio
    with httpx.Client(base_url=fake_siliconflow.base_url, timeout=10) as http:
        response = http.post("/audio/speech", json=body("hello there"), headers=OP)
    assert response.status_code == 200
    rec = fake_siliconflow.requests_for("speech")[-1]
    assert rec.first_byte_at is not None and rec.completed_at is not None
    assert rec.received_at <= rec.first_byte_at <= rec.completed_at


def test_on_schedule_keeps_time_with_many_streams_at_once() -> None:
    delay, rtf, seconds = 0.15, 0.2, 2.0
    with FakeSiliconFlow(api_keys={OPERATOR_KEY}, seconds_per_char=0.1, first_byte_delay=delay,
                         realtime_factor=rtf, on_schedule=True) as fake:

        async def speak(http: httpx.AsyncClient, index: int) -> int:
            response = await http.post("/audio/speech", json=body(f"{index:02d}" + "x" * 18), headers=OP)
            assert response.status_code == 200
            return len(response.content)

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=fake.base_url, timeout=10) as http:
                return await asyncio.gather(*(speak(http, i) for i in range(12)))

        sizes = asyncio.run(burst())
        assert sizes == [2 * round(seconds * 24000)] * 12
        for rec in fake.requests_for("speech"):
            assert rec.first_byte_at is not None and rec.completed_at is not None
            # Never early: the schedule's floor holds however loaded the machine is. How close to the
            # schedule the fake stays under load is wall-clock behaviour, measured by `bench burst`, not here.
            assert delay <= rec.first_byte_at - rec.received_at
            assert delay + seconds * rtf <= rec.completed_at - rec.received_at


def test_reuse_audio_sends_one_clip_for_texts_of_one_length() -> None:
    with FakeSiliconFlow(api_keys={OPERATOR_KEY}) as fake, httpx.Client(timeout=10) as http:
        def speak(text: str) -> bytes:
            response = http.post(f"{fake.base_url}/audio/speech", json=body(text), headers=OP)
            assert response.status_code == 200
            return response.content

        assert speak("first text.") != speak("other text.")  # default: the audio follows the text
        fake.reuse_audio = True
        one, two = speak("first text."), speak("other text.")
        assert one == two and len(one) == 2 * fake.expected_samples("first text.", 24000)
        assert speak("a longer text than that") != one

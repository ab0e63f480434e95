"""``voicebridge doctor`` on the self-hosted engines: the provider line says whether the server is the engine
it should be and whether its presets speak."""

from __future__ import annotations

from bots import doctor
from tests.bots.test_cli import run
from tests.bots.test_doctor import config_in
from tests.fakes.cosyvoice import FakeCosyVoice
from tests.fakes.openai_speech import FakeOpenAISpeech


async def test_cosyvoice_with_sft_speakers_is_ok(tmp_path) -> None:
    with FakeCosyVoice() as fake:
        status, detail = await doctor._provider(config_in(tmp_path, provider="cosyvoice",
                                                          provider_base_url=fake.base_url))
    assert status == doctor.OK and "CosyVoice" in detail and "clones" in detail


async def test_cosyvoice_without_sft_speakers_warns_that_presets_fall_back(tmp_path) -> None:
    with FakeCosyVoice(speakers=()) as fake:
        status, detail = await doctor._provider(config_in(tmp_path, provider="cosyvoice",
                                                          provider_base_url=fake.base_url))
    assert status == doctor.WARN and "offline engine" in detail and "spk2info.pt" in detail


async def test_something_else_at_the_cosyvoice_address_fails(tmp_path) -> None:
    with FakeOpenAISpeech() as other:
        status, detail = await doctor._provider(config_in(tmp_path, provider="cosyvoice",
                                                          provider_base_url=other.origin))
    assert status == doctor.FAIL and "no CosyVoice FastAPI server" in detail


async def test_openai_voices_and_key(tmp_path) -> None:
    with FakeOpenAISpeech(api_key="sk-local-0000") as fake:
        ok = config_in(tmp_path, provider="openai", provider_base_url=fake.base_url, provider_api_key="sk-local-0000")
        assert (await doctor._provider(ok))[0] == doctor.OK
        unknown = config_in(tmp_path, provider="openai", provider_base_url=fake.base_url,
                            provider_api_key="sk-local-0000", provider_voices="anna=af_bella")
        status, detail = await doctor._provider(unknown)
        assert status == doctor.WARN and "af_bella" in detail
        wrong = config_in(tmp_path, provider="openai", provider_base_url=fake.base_url,
                          provider_api_key="sk-wrong-1111")
        status, detail = await doctor._provider(wrong)
        assert status == doctor.FAIL and "sk-wrong-1111" not in detail


def test_doctor_command_on_cosyvoice(tmp_path) -> None:
    with FakeCosyVoice() as fake:
        proc = run(["doctor"], tmp_path, VOICEBRIDGE_PROVIDER="cosyvoice", VOICEBRIDGE_PROVIDER_BASE_URL=fake.base_url)
    line = next(line for line in proc.stdout.splitlines() if "] provider" in line)
    assert line.startswith("[  ok]"), proc.stdout + proc.stderr

"""``voicebridge doctor`` (bots/doctor.py): every check, one line each; what it finds wrong, plainly.

The first tests run the console script as a subprocess (tests/bots/test_cli.py's ``run``); the others call
the checks one by one.
"""

from __future__ import annotations

import pytest

from bots import doctor, platforms
from core.config import load_config
from core.secret_key import load_secret_key, pending_secret_key_path, secret_key_path
from core.errors import InvalidApiKey
from tests.app_fixtures import OPERATOR_KEY
from tests.bots.test_cli import run


def test_doctor_offline(tmp_path):
    proc = run(["doctor"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("codecs", "engine", "voicepath", "database", "provider", "tokens", "voice"):
        assert name in proc.stdout
    assert "FAIL" not in proc.stdout
    [line] = [line for line in proc.stdout.splitlines() if "voicepath" in line]
    assert line.startswith("[  ok]") and "audible" in line and "200 ms silent lead-in" in line
    # the doctor reports the secret key's state; it never creates one
    [line] = [line for line in proc.stdout.splitlines() if "] secret" in line]
    assert "none yet" in line and "voicebridge run" in line
    assert not (tmp_path / "data" / "secret.key").exists()


async def test_doctor_voice_path_fails_when_the_packets_are_silent(monkeypatch):
    from bots import doctor
    from bots.discord import opus

    monkeypatch.setattr(opus, "decode_opus_packets", lambda packets: bytes(192000))
    status, detail = await doctor._voice_path()
    assert status == doctor.FAIL and "nobody would hear" in detail


def test_doctor_reports_a_refused_key(tmp_path, fake_siliconflow):
    proc = run(["doctor"], tmp_path, SILICONFLOW_API_KEY="sk-wrong-key-0000000000",
               SILICONFLOW_BASE_URL=fake_siliconflow.base_url)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "provider" in proc.stdout
    assert "sk-wrong-key-0000000000" not in proc.stdout + proc.stderr


def config_in(tmp_path, **fields):
    return load_config(data_dir=tmp_path / "data", secret_key=None, database_url=None, **fields)


@pytest.fixture
def no_tokens(monkeypatch):
    for platform in platforms.PLATFORMS:
        monkeypatch.delenv(platform.token_env(), raising=False)


async def test_the_secret_key_none_yet_then_readable_by_others_then_a_rotation_left_behind(tmp_path) -> None:
    config = config_in(tmp_path)
    status, detail = await doctor._secret(config)
    assert status == doctor.OK and "none yet" in detail and not secret_key_path(config).exists()
    load_secret_key(config)  # what `voicebridge run` does at its first start
    assert (await doctor._secret(config))[0] == doctor.OK
    secret_key_path(config).chmod(0o644)
    status, detail = await doctor._secret(config)
    assert status == doctor.WARN and "chmod 600" in detail
    secret_key_path(config).chmod(0o600)
    pending_secret_key_path(config).write_bytes(b"half a rotation")
    status, detail = await doctor._secret(config)
    assert status == doctor.WARN and "rotate-key" in detail


async def test_the_provider_offline_or_without_a_key(tmp_path) -> None:
    status, detail = await doctor._provider(config_in(tmp_path, provider="local"))
    assert status == doctor.OK and "offline engine for everyone" in detail
    status, detail = await doctor._provider(config_in(tmp_path, provider="siliconflow", siliconflow_api_key=None))
    assert status == doctor.WARN and "SILICONFLOW_API_KEY" in detail


async def test_the_provider_accepts_the_key(tmp_path, fake_siliconflow) -> None:
    config = config_in(tmp_path, provider="siliconflow", siliconflow_api_key=OPERATOR_KEY,
                       siliconflow_base_url=fake_siliconflow.base_url)
    status, detail = await doctor._provider(config)
    assert status == doctor.OK and "accepted the key (0 cloned voices)" in detail and OPERATOR_KEY not in detail


async def test_tokens_name_what_run_would_start(no_tokens, monkeypatch) -> None:
    status, detail = await doctor._tokens()
    assert status == doctor.WARN
    assert all(platform.token_env() in detail for platform in platforms.PLATFORMS)
    monkeypatch.setenv(platforms.PLATFORMS[0].token_env(), "123456:" + "x" * 35)
    status, detail = await doctor._tokens()
    assert (status, detail) == (doctor.OK, f"tokens set for {platforms.PLATFORMS[0].label}")


async def test_run_checks_reports_every_check_and_never_crashes(tmp_path, monkeypatch) -> None:
    async def fine(*args):
        return doctor.OK, "fine"

    async def warned(*args):
        return doctor.WARN, "careful"

    async def refused(*args):
        raise InvalidApiKey()

    async def broken(*args):
        raise RuntimeError("boom")

    for name in ("_codecs", "_engine", "_voice_path", "_secret", "_database", "_provider", "_tokens", "_voice_deps"):
        monkeypatch.setattr(doctor, name, fine)
    monkeypatch.setattr(doctor, "_voice_deps", warned)
    lines: list[str] = []
    assert await doctor.run_checks(config_in(tmp_path), lines.append) is True  # a warning is not a failure
    assert [line[7:].split()[0] for line in lines] == ["codecs", "engine", "voicepath", "secret", "database",
                                                   "provider", "tokens", "voice"]
    assert lines[0] == "[  ok] codecs    fine" and lines[-1] == "[warn] voice     careful"
    monkeypatch.setattr(doctor, "_provider", refused)
    monkeypatch.setattr(doctor, "_engine", broken)
    lines.clear()
    assert await doctor.run_checks(config_in(tmp_path), lines.append) is False
    assert lines[1] == "[FAIL] engine    RuntimeError: boom"
    assert lines[5] == f"[FAIL] provider  {InvalidApiKey()}"
    assert len(lines) == 8  # the checks after a failure still ran

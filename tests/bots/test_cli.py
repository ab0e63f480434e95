"""The ``voicebridge`` console script, run as a real subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.app_fixtures import OPERATOR_KEY
from tests.samples import ogg_bytes, speech_like

CLEAN_ENV = {k: v for k, v in os.environ.items()
             if not k.startswith(("VOICEBRIDGE_", "SILICONFLOW_", "TELEGRAM_", "DISCORD_"))}


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**CLEAN_ENV, "VOICEBRIDGE_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run([sys.executable, "-m", "bots.cli", *args], env=full_env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])


def test_speak_offline_writes_a_playable_voice_note(tmp_path):
    out = tmp_path / "hello.ogg"
    proc = run(["speak", "你好，世界。Hello, world.", "-o", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with av.open(io.BytesIO(out.read_bytes())) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        assert stream.codec_context.sample_rate == 48000
        samples = sum(frame.samples for frame in container.decode(stream))
    assert samples / 48000 > 1.0
    assert "local" in proc.stdout


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_speak_other_formats_from_the_file_name(tmp_path, fmt):
    out = tmp_path / f"hi.{fmt}"
    proc = run(["speak", "Hi.", "-o", str(out), "--speed", "1.5", "--voice", "alex"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with av.open(str(out)) as container:
        assert container.streams.audio


def test_bad_input_is_one_clear_line_and_a_nonzero_exit(tmp_path):
    proc = run(["speak", "Hi", "-o", str(tmp_path / "x.ogg"), "--speed", "9"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "speed" in proc.stderr and "0.25" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run(["speak", "Hi", "-o", str(tmp_path / "x.ogg")], tmp_path, VOICEBRIDGE_PROVIDER="espeak")
    assert proc.returncode == 2
    assert "VOICEBRIDGE_PROVIDER" in proc.stderr and "siliconflow or local" in proc.stderr


def test_run_without_tokens_says_what_to_set(tmp_path):
    proc = run(["run"], tmp_path)
    assert proc.returncode == 1
    assert "TELEGRAM_BOT_TOKEN" in proc.stderr and "DISCORD_BOT_TOKEN" in proc.stderr


def test_every_command_has_help(tmp_path):
    for cmd in ("run", "speak", "clone", "voices", "doctor", "db"):
        proc = run([cmd, "--help"], tmp_path)
        assert proc.returncode == 0 and "usage:" in proc.stdout, cmd


def test_doctor_offline(tmp_path):
    proc = run(["doctor"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("codecs", "engine", "voicepath", "database", "provider", "tokens", "voice"):
        assert name in proc.stdout
    assert "FAIL" not in proc.stdout
    [line] = [line for line in proc.stdout.splitlines() if "voicepath" in line]
    assert line.startswith("[  ok]") and "audible" in line and "200 ms silent lead-in" in line


async def test_doctor_voice_path_fails_when_the_packets_are_silent(monkeypatch):
    from bots import doctor
    from core import audio

    monkeypatch.setattr(audio, "decode_opus_packets", lambda packets: bytes(192000))
    status, detail = await doctor._voice_path()
    assert status == doctor.FAIL and "nobody would hear" in detail


def test_doctor_reports_a_refused_key(tmp_path, fake_siliconflow):
    proc = run(["doctor"], tmp_path, SILICONFLOW_API_KEY="sk-wrong-key-0000000000",
               SILICONFLOW_BASE_URL=fake_siliconflow.base_url)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "provider" in proc.stdout
    assert "sk-wrong-key-0000000000" not in proc.stdout + proc.stderr


def test_clone_and_voices_against_the_fake(tmp_path, fake_siliconflow):
    ref = tmp_path / "ref.ogg"
    ref.write_bytes(ogg_bytes(speech_like(6.0, silence=0.5)))
    env = dict(SILICONFLOW_API_KEY=OPERATOR_KEY, SILICONFLOW_BASE_URL=fake_siliconflow.base_url,
               VOICEBRIDGE_PROVIDER_BACKOFF="0.01")
    proc = run(["clone", str(ref), "--name", "narrator"], tmp_path, **env)
    assert proc.returncode == 1 and "--yes" in proc.stderr  # no consent, nothing uploaded
    assert not [r for r in fake_siliconflow.requests if r.path.endswith("/uploads/audio/voice")]
    proc = run(["clone", str(ref), "--name", "narrator", "--text", "hello there", "--yes"], tmp_path, **env)
    assert proc.returncode == 0, proc.stderr
    assert "speech:" in proc.stdout
    proc = run(["voices"], tmp_path, **env)
    assert proc.returncode == 0 and "narrator" in proc.stdout and "alex" in proc.stdout
    out = tmp_path / "n.ogg"
    proc = run(["speak", "In my new voice.", "-o", str(out), "--voice", "narrator"], tmp_path, **env)
    assert proc.returncode == 0, proc.stderr
    assert [r for r in fake_siliconflow.requests if r.path.endswith("/audio/speech")][-1].json["voice"].startswith(
        "speech:")


def test_db_upgrade_export_import(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    run(["speak", "x", "-o", str(tmp_path / "x.ogg"), "--speed", "1.1"], tmp_path)
    dump = tmp_path / "dump.json"
    proc = run(["db", "export", str(dump)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert dump.stat().st_size > 0
    other = tmp_path / "other"
    proc = run(["db", "import", str(dump)], tmp_path, VOICEBRIDGE_DATA_DIR=str(other))
    assert proc.returncode == 0, proc.stderr

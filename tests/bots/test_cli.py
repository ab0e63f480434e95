"""The ``voicebridge`` console script, run as a real subprocess."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest

from tests.app_fixtures import OPERATOR_KEY, USER_KEY
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
    assert "VOICEBRIDGE_PROVIDER" in proc.stderr and "siliconflow, local, cosyvoice or openai" in proc.stderr


def test_a_bad_platform_setting_stops_any_command(tmp_path):
    proc = run(["speak", "Hi", "-o", str(tmp_path / "x.ogg")], tmp_path, TELEGRAM_WEBHOOK_PORT="70000")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "TELEGRAM_WEBHOOK_PORT" in proc.stderr and "65535" in proc.stderr
    proc = run(["doctor"], tmp_path, DISCORD_GUILD_IDS="abc")
    assert proc.returncode == 2 and "DISCORD_GUILD_IDS" in proc.stderr and "numeric guild ids" in proc.stderr


def test_run_without_tokens_says_what_to_set(tmp_path):
    # with the web console on (the default) it serves that alone: tests/bots/web/test_run.py
    proc = run(["run"], tmp_path, VOICEBRIDGE_WEB="off")
    assert proc.returncode == 1
    assert "TELEGRAM_BOT_TOKEN" in proc.stderr and "DISCORD_BOT_TOKEN" in proc.stderr


def test_every_command_has_help(tmp_path):
    for cmd in ("run", "speak", "clone", "voices", "doctor", "db"):
        proc = run([cmd, "--help"], tmp_path)
        assert proc.returncode == 0 and "usage:" in proc.stdout, cmd


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


# --- the secret key (issue 9: defects 2 and 11) ---------------------------------------------------


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_upgrade_makes_a_private_data_dir_key_and_database(tmp_path):
    proc = run(["db", "upgrade"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = tmp_path / "data"
    assert _mode(data) == 0o700
    assert _mode(data / "secret.key") == 0o600
    assert _mode(data / "voicebridge.db") == 0o600
    assert all(_mode(p) & 0o077 == 0 for p in data.iterdir())  # -wal/-shm too, if still there


def test_speak_creates_no_key(tmp_path):
    proc = run(["speak", "Hi.", "-o", str(tmp_path / "hi.ogg")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "data" / "secret.key").exists()
    assert _mode(tmp_path / "data") == 0o700 and _mode(tmp_path / "data" / "voicebridge.db") == 0o600


def test_an_empty_key_file_names_the_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret.key").write_bytes(b"")
    err = _one_line_error(run(["db", "upgrade"], tmp_path))
    assert str(tmp_path / "data" / "secret.key") in err and "is empty" in err
    assert "VOICEBRIDGE_SECRET_KEY is invalid" not in err


def test_postgres_without_a_key_is_one_line_and_no_key_file(tmp_path):
    env = dict(VOICEBRIDGE_DATABASE_URL="postgresql+asyncpg://voicebridge@127.0.0.1:5432/voicebridge")
    for args in (["db", "upgrade"], ["speak", "Hi.", "-o", str(tmp_path / "x.ogg")]):
        err = _one_line_error(run(args, tmp_path, **env))
        assert "VOICEBRIDGE_SECRET_KEY is not set" in err and "PostgreSQL" in err
    assert not (tmp_path / "data" / "secret.key").exists()


async def test_db_rotate_key_with_the_generated_key_file_keeps_clones_speaking(tmp_path, fake_siliconflow):
    from core import keys
    from storage import Store

    env = dict(SILICONFLOW_API_KEY=OPERATOR_KEY, SILICONFLOW_BASE_URL=fake_siliconflow.base_url,
               VOICEBRIDGE_PROVIDER_BACKOFF="0.01")
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    data = tmp_path / "data"
    old = (data / "secret.key").read_bytes().strip()
    # what an older version stored: the CLI user's own key and two clones, with fingerprints that are
    # HMACs with the secret key (one made with the user's key, one with the operator's)
    mine, ours = fake_siliconflow.add_voice(USER_KEY, "mine"), fake_siliconflow.add_voice(OPERATOR_KEY, "ours")
    async with await Store.open(f"sqlite+aiosqlite:///{data / 'voicebridge.db'}", old) as store:
        uid = await store.get_or_create_user("cli", "operator")
        await store.set_api_key(uid, USER_KEY, keys.legacy_fingerprint(old, USER_KEY))
        for name, uri, key in (("mine", mine, USER_KEY), ("ours", ours, OPERATOR_KEY)):
            await store.add_voice(uid, name, provider="siliconflow", provider_id=uri,
                                  key_fingerprint=keys.legacy_fingerprint(old, key), transcript=None,
                                  consent_at=datetime.now(UTC))

    proc = run(["db", "rotate-key"], tmp_path, **env)
    assert proc.returncode == 0, proc.stderr
    new = (data / "secret.key").read_bytes().strip()
    assert new != old and _mode(data / "secret.key") == 0o600
    assert not (data / "secret.key.new").exists()
    assert "re-encrypted 1 stored API key" in proc.stdout
    assert old.decode() not in proc.stdout + proc.stderr and new.decode() not in proc.stdout + proc.stderr

    for name, uri, key in (("mine", mine, USER_KEY), ("ours", ours, OPERATOR_KEY)):
        proc = run(["speak", "Still me.", "-o", str(tmp_path / f"{name}.ogg"), "--voice", name], tmp_path, **env)
        assert proc.returncode == 0, proc.stderr
        last = fake_siliconflow.requests_for("speech")[-1]
        assert last.json["voice"] == uri and last.headers["Authorization"] == f"Bearer {key}"

    # the old key no longer opens the database: one line, no key shown
    err = _one_line_error(run(["voices"], tmp_path, VOICEBRIDGE_SECRET_KEY=old.decode(), **env))
    assert "rotate-key" in err and keys.secret_key_id(new) in err and old.decode() not in err


def test_db_rotate_key_with_the_key_in_the_environment(tmp_path):
    from cryptography.fernet import Fernet

    first, second, third = (Fernet.generate_key().decode() for _ in range(3))
    assert run(["db", "upgrade"], tmp_path, VOICEBRIDGE_SECRET_KEY=first).returncode == 0
    assert not (tmp_path / "data" / "secret.key").exists()
    err = _one_line_error(run(["db", "rotate-key"], tmp_path, VOICEBRIDGE_SECRET_KEY=first))
    assert "VOICEBRIDGE_NEW_SECRET_KEY" in err and "--new-key-file" in err
    proc = run(["db", "rotate-key"], tmp_path, VOICEBRIDGE_SECRET_KEY=first, VOICEBRIDGE_NEW_SECRET_KEY=second)
    assert proc.returncode == 0, proc.stderr
    assert "set VOICEBRIDGE_SECRET_KEY to the new key" in proc.stdout and second not in proc.stdout
    assert not (tmp_path / "data" / "secret.key").exists()  # nothing written: the environment holds the key
    key_file = tmp_path / "third.key"
    key_file.write_text(third + "\n")
    proc = run(["db", "rotate-key", "--new-key-file", str(key_file)], tmp_path, VOICEBRIDGE_SECRET_KEY=second)
    assert proc.returncode == 0, proc.stderr
    for stale in (first, second):
        err = _one_line_error(run(["db", "export", str(tmp_path / "x.json")], tmp_path, VOICEBRIDGE_SECRET_KEY=stale))
        assert "rotate-key" in err
    proc = run(["db", "export", str(tmp_path / "x.json")], tmp_path, VOICEBRIDGE_SECRET_KEY=third)
    assert proc.returncode == 0, proc.stderr


async def test_doctor_reports_a_key_the_database_was_not_written_with(tmp_path, monkeypatch):
    from cryptography.fernet import Fernet

    from bots import doctor
    from core.config import load_config
    from core.errors import SecretKeyMismatch
    from storage.keyring import open_store

    for name in [n for n in os.environ if n.startswith(("VOICEBRIDGE_", "SILICONFLOW_"))]:
        monkeypatch.delenv(name)
    data = tmp_path / "data"
    fresh = load_config(data_dir=data)
    assert (await doctor._secret(fresh))[0] == doctor.OK
    assert (await doctor._database(fresh))[0] == doctor.OK
    assert not (data / "secret.key").exists()
    key = Fernet.generate_key().decode()
    store, _ = await open_store(load_config(data_dir=data, secret_key=key), create_key=False)
    await store.close()
    status, detail = await doctor._database(load_config(data_dir=data, secret_key=key))
    assert status == doctor.OK and "matches" in detail
    with pytest.raises(SecretKeyMismatch):
        await doctor._database(load_config(data_dir=data, secret_key=Fernet.generate_key().decode()))

"""Deployment files, checked without a Docker engine: docker-compose.yml, Dockerfile, .env.example.

No Docker runs on our build machines, so these tests read the files and check what they promise:
the services, the database URL the bot gets, volumes, the health check and start order, secrets
only from `.env`, and an image that runs `voicebridge run` as a non-root user.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]

#: The documented environment variables (the external interface: their names never change).
DESIGN_VARIABLES = (
    "VOICEBRIDGE_DATA_DIR", "VOICEBRIDGE_DATABASE_URL", "VOICEBRIDGE_SECRET_KEY", "VOICEBRIDGE_PROVIDER",
    "SILICONFLOW_API_KEY", "SILICONFLOW_BASE_URL", "VOICEBRIDGE_TTS_MODEL", "VOICEBRIDGE_ASR_MODEL",
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "TELEGRAM_BASE_FILE_URL",
    "DISCORD_BOT_TOKEN", "DISCORD_GUILD_IDS", "DISCORD_API_BASE_URL",
)
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|API_KEY", re.IGNORECASE)
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?+][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR:?error} substitution (enough for these files)."""
    def repl(match: re.Match[str]) -> str:
        body = match.group(0)[2:-1]
        name, op, rest = re.match(r"([A-Z_][A-Z0-9_]*)(?:(:?[-?+])(.*))?$", body, re.DOTALL).groups()  # type: ignore[union-attr]
        if name in env and env[name] != "":
            return env[name]
        if op in (":-", "-"):
            return rest
        if op in (":?", "?"):
            raise KeyError(f"{name}: {rest}")
        return ""
    return INTERPOLATION.sub(repl, value)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _env_files(service: dict[str, Any]) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, (str, dict)) else files
    return [f["path"] if isinstance(f, dict) else f for f in files]


def test_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"bot", "bot-shard1", "postgres"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["bot"]["build"] in (".", {"context": "."})
    for service in services.values():
        assert service.get("restart") in ("unless-stopped", "always")


def test_bot_gets_the_postgres_url(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["postgres"]
    raw = _environment(bot)["VOICEBRIDGE_DATABASE_URL"]
    assert "${POSTGRES_PASSWORD" in raw  # the password comes from .env, never from this file
    env = {"POSTGRES_PASSWORD": "s3cretpw"}
    url = make_url(_interpolate(raw, env))
    assert url.drivername == "postgresql+asyncpg"
    assert url.host == "postgres"  # the service name is the host on the compose network
    assert url.port in (None, 5432)
    assert url.password == "s3cretpw"
    db_env = {k: _interpolate(v, env) for k, v in _environment(db).items()}
    assert url.username == db_env["POSTGRES_USER"]
    assert url.database == db_env["POSTGRES_DB"]
    assert db_env["POSTGRES_PASSWORD"] == "s3cretpw"
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # compose refuses to start without it
        _interpolate(raw, {})
    # the app accepts that URL as it is
    from storage.engine import normalize_url

    assert normalize_url(str(url)).drivername == "postgresql+asyncpg"


def test_named_volumes(compose: dict[str, Any]) -> None:
    named = set(compose.get("volumes") or {})
    db_volumes = compose["services"]["postgres"]["volumes"]
    assert any(v.split(":")[0] in named and v.split(":")[1] == "/var/lib/postgresql/data" for v in db_volumes)
    bot = compose["services"]["bot"]
    data_dir = _environment(bot).get("VOICEBRIDGE_DATA_DIR", "/data")
    assert any(v.split(":")[0] in named and v.split(":")[1] == data_dir for v in bot["volumes"])


def test_healthcheck_and_start_order(compose: dict[str, Any]) -> None:
    db = compose["services"]["postgres"]
    check = db["healthcheck"]
    test = check["test"]
    command = test if isinstance(test, str) else " ".join(test[1:])
    assert "pg_isready" in command
    assert check.get("interval") and check.get("retries")
    depends = compose["services"]["bot"]["depends_on"]
    assert isinstance(depends, dict), "depends_on must use the long form with a condition"
    assert depends["postgres"]["condition"] == "service_healthy"


def _published(service: dict[str, Any], env: dict[str, str]) -> list[tuple[str, int, int]]:
    """(host address, host port, container port) of each port the service publishes (short syntax)."""
    out = []
    for entry in service.get("ports") or []:
        parts = _interpolate(str(entry), env).split(":")
        host = parts[0] if len(parts) == 3 else "0.0.0.0"  # HOST_PORT:CONTAINER_PORT publishes on every interface
        out.append((host, int(parts[-2]), int(parts[-1].split("/")[0])))
    return out


@pytest.mark.parametrize(("env", "port"), [({}, 8080), ({"VOICEBRIDGE_WEB_PORT": "9000"}, 9000)])
def test_the_web_console_is_published_on_the_host_loopback(compose: dict[str, Any], env: dict[str, str],
                                                           port: int) -> None:
    from core.config import Config

    bot = compose["services"]["bot"]
    environment = _environment(bot)
    assert environment["VOICEBRIDGE_WEB_HOST"] == "0.0.0.0"  # inside the container, or the mapping reaches nothing
    assert environment.get("VOICEBRIDGE_WEB", "on") != "off"
    assert Config.model_fields["web_port"].default == 8080  # what the app listens on when .env says nothing
    # the host's loopback only, and one port number at both ends: the links the console hands out
    # (http://127.0.0.1:PORT when it listens on 0.0.0.0) are the address published on the host
    assert ("127.0.0.1", port, port) in _published(bot, env)
    assert all(host == "127.0.0.1" for host, _, _ in _published(bot, env))
    # behind a proxy the operator sets the public address; it is shown, not set
    assert "VOICEBRIDGE_PUBLIC_URL" not in environment
    assert re.search(r"^\s*#\s*VOICEBRIDGE_PUBLIC_URL: https://", (ROOT / "docker-compose.yml").read_text(), re.M)


def test_secrets_only_from_the_env_file(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert ".env" in _env_files(bot)
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert INTERPOLATION.fullmatch(value.strip()), f"{name}.{key} must come from .env, not be written here"
            # a URL's password, too
            if "://" in value and "@" in value:
                password = make_url(_interpolate(value, {"POSTGRES_PASSWORD": "X"})).password
                assert password == "X", f"{name}.{key} has a literal password"
    text = (ROOT / "docker-compose.yml").read_text()
    literal = re.search(r"(?i)(password|token|secret|api_key)\w*[ \t]*[:=][ \t]*['\"]?[^\s'\"#]{6,}",
                        INTERPOLATION.sub("", text))
    assert literal is None, f"something that looks like a secret is written in docker-compose.yml: {literal}"


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    mentioned = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    missing = [name for name in DESIGN_VARIABLES if name not in mentioned]
    assert not missing, f".env.example does not list {missing}"
    from core.config import Config

    aliases = {str(field.validation_alias.choices[0]) for field in Config.model_fields.values()  # type: ignore[union-attr]
               if field.validation_alias is not None}
    missing = sorted(aliases - mentioned)
    assert not missing, f".env.example does not list these settings of core/config.py: {missing}"
    from bots.platforms import PLATFORMS

    for platform in PLATFORMS:
        missing = sorted(set(platform.settings_class().env_names()) - mentioned)
        assert not missing, f".env.example does not list these settings of the {platform.label} adapter: {missing}"
    # compose needs these from .env
    compose_text = (ROOT / "docker-compose.yml").read_text()
    for name in set(INTERPOLATION.findall(compose_text)):
        assert name in mentioned, f"docker-compose.yml uses ${{{name}}}, which .env.example does not explain"
    # every setting is explained by a comment just above it
    assignment = re.compile(r"^#?\s*[A-Z][A-Z0-9_]+=")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if assignment.match(line):
            above = lines[max(0, i - 8):i]
            assert any(a.startswith("# ") and not assignment.match(a) for a in above), f"no comment explains {line}"
    # nothing real in the example: every active assignment is empty
    for name, value in re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", text, re.MULTILINE):
        assert value.strip() == "", f"{name} has a value in .env.example"


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (ins, _) in enumerate(instructions) if ins == "FROM")
    return instructions[last_from:]


def test_dockerfile() -> None:
    instructions = _dockerfile()
    bases = [args.split()[0] for ins, args in instructions if ins == "FROM"]
    assert all(re.fullmatch(r"python:3\.1[12]-slim(-\w+)?", b) for b in bases if not b.islower() or ":" in b), bases
    final = _final_stage(instructions)
    assert re.fullmatch(r"python:3\.1[12]-slim(-\w+)?", final[0][1].split()[0])
    # the package is installed (in the image, not run from a source checkout)
    runs = " ".join(args for ins, args in instructions if ins == "RUN")
    assert re.search(r"pip install[^&]* \.( |$|&)", runs)
    # runs as a non-root user
    users = [args for ins, args in final if ins == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    # the data dir is a volume and the app is told where it is
    env = " ".join(args for ins, args in final if ins == "ENV")
    match = re.search(r"VOICEBRIDGE_DATA_DIR[= ](\S+)", env)
    assert match, "ENV VOICEBRIDGE_DATA_DIR is not set"
    data_dir = match.group(1)
    volumes = [args for ins, args in final if ins == "VOLUME"]
    assert volumes
    declared = json.loads(volumes[-1]) if volumes[-1].startswith("[") else shlex.split(volumes[-1])
    assert data_dir in declared
    # the default command
    cmds = [args for ins, args in final if ins == "CMD"]
    assert cmds and json.loads(cmds[-1]) == ["voicebridge", "run"]
    # and the compose file mounts its volume where the image expects the data
    compose_data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    bot_volumes = compose_data["services"]["bot"]["volumes"]
    assert any(v.split(":")[1] == data_dir for v in bot_volumes)


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for entry in (".env", ".venv", ".git", "data/"):
        assert entry in ignored, f".dockerignore should exclude {entry}"
    # but what the build copies must not be excluded
    copied = [args.split()[0] for ins, args in _dockerfile() if ins == "COPY" and not args.startswith("--from")]
    for path in copied:
        assert path.rstrip("/") not in {e.rstrip("/") for e in ignored}, f"{path} is copied but ignored"


def test_migrations_are_packaged() -> None:
    """pyproject's package-data must ship what Alembic needs at run time (the image installs the package)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert any(pattern.startswith("storage") for pattern in config["packages"]["find"]["include"])
    patterns = config["package-data"]["storage"]
    storage = ROOT / "storage"
    needed = [p for p in (storage / "migrations").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in needed:
        rel = path.relative_to(storage)
        in_package = path.suffix == ".py" and (path.parent / "__init__.py").exists()
        assert in_package or any(rel.match(p) for p in patterns), f"{rel} would be missing from the installed package"

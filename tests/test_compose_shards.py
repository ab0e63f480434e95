"""docker-compose.yml runs two shard processes of one Discord bot on one PostgreSQL, Telegram in one of them,
the web console published by one of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.discord.settings import DiscordSettings
from bots.discord.sharding import ShardPlan
from core.models import UserRef
from core.web_access import WebConsoleOff
from tests.test_deploy import _environment, _env_files

ROOT = Path(__file__).resolve().parents[1]
SHARDS = ("bot", "bot-shard1")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data["services"]


def test_two_shard_processes_cover_every_shard_once(services: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    covered: list[int] = []
    for name in SHARDS:
        env = _environment(services[name])
        for key in ("DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS"):
            monkeypatch.setenv(key, env[key])
        settings = DiscordSettings.load()  # the values are valid settings
        plan = ShardPlan.from_settings(settings)
        assert settings.shard_count == 2 and plan.partial
        covered.extend(plan.ids or ())
    assert sorted(covered) == [0, 1]


def test_both_processes_share_the_database_and_the_data(services: dict[str, Any]) -> None:
    envs = [_environment(services[name]) for name in SHARDS]
    assert envs[0]["VOICEBRIDGE_DATABASE_URL"] == envs[1]["VOICEBRIDGE_DATABASE_URL"]
    assert envs[0]["VOICEBRIDGE_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert envs[0]["VOICEBRIDGE_DATA_DIR"] == envs[1]["VOICEBRIDGE_DATA_DIR"] == "/data"
    assert services["bot"]["volumes"][0].split(":")[:2] == services["bot-shard1"]["volumes"][0].split(":")[:2]
    for name in SHARDS:
        assert ".env" in _env_files(services[name])
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["image"] == services["bot"]["image"]


def test_only_one_process_runs_telegram(services: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from bots import platforms

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")  # from .env, in both containers
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "x.y.z")
    served = {}
    for name in SHARDS:
        env = _environment(services[name])
        if "VOICEBRIDGE_PLATFORMS" in env:
            monkeypatch.setenv("VOICEBRIDGE_PLATFORMS", env["VOICEBRIDGE_PLATFORMS"])
        else:
            monkeypatch.delenv("VOICEBRIDGE_PLATFORMS", raising=False)
        served[name] = {platform.id for platform, _ in platforms.configured()}
    assert served == {"bot": {"telegram", "discord"}, "bot-shard1": {"discord"}}


@pytest.mark.parametrize("value", ["telegram,nope", " , ", "Discord;Telegram"])
def test_a_bad_platform_selection_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bots import platforms
    from core.errors import ConfigError

    monkeypatch.setenv("VOICEBRIDGE_PLATFORMS", value)
    with pytest.raises(ConfigError, match="VOICEBRIDGE_PLATFORMS"):
        platforms.configured()


def test_only_bot_publishes_the_web_console(services: dict[str, Any]) -> None:
    assert services["bot"]["ports"] and "ports" not in services["bot-shard1"]
    shard1 = _environment(services["bot-shard1"])
    assert shard1["VOICEBRIDGE_WEB_HOST"] == "127.0.0.1"  # its own container's loopback: nobody reaches it
    # on in both: /web is answered by the process that runs the shard of the server it was sent in
    assert all(_environment(services[name]).get("VOICEBRIDGE_WEB", "on") != "off" for name in SHARDS)


@pytest.mark.postgres
async def test_a_web_link_from_bot_shard1_signs_in_at_the_console_of_bot(
        services: dict[str, Any], make_app: Callable[..., Any], make_pg_database: Callable[[], str],
        tmp_path: Path) -> None:
    url, data = make_pg_database(), tmp_path / "data"  # one database, one data volume, one secret key
    bot, shard1 = [await make_app("local", database_url=url, data_dir=data,
                                  web_host=_environment(services[name])["VOICEBRIDGE_WEB_HOST"]) for name in SHARDS]
    user = UserRef(platform="discord", user_id="4242", is_private=True)  # /web in a server of shard 1: ephemeral
    link = await shard1.service.web_link(user)
    assert link.startswith("http://127.0.0.1:8080/signin/")  # the address `bot` publishes on the host
    session = await bot.service.web.redeem_link(link.rsplit("/", 1)[1])
    assert session is not None and session.user.platform == "discord" and session.user.user_id == "4242"
    assert await bot.service.web.redeem_link(link.rsplit("/", 1)[1]) is None  # once
    # with the console off, that process would refuse every /web of its servers
    off = await make_app("local", database_url=url, data_dir=data, web=False)
    with pytest.raises(WebConsoleOff):
        await off.service.web_link(user)

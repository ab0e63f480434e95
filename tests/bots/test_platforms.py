"""The registry of chat platforms: ``voicebridge run`` and the doctor serve whatever it lists, nothing else."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from bots import cli, doctor, platforms
from bots.platforms import PLATFORMS, Platform
from core.config import EnvSettings


class FakeChatSettings(EnvSettings):
    """A platform that exists only in this test: ``FAKECHAT_BOT_TOKEN`` and ``FAKECHAT_ROOM``."""

    model_config = SettingsConfigDict(env_prefix="FAKECHAT_", extra="ignore", frozen=True)

    bot_token: SecretStr | None = None
    room: int = 0


class BrokenChatSettings(FakeChatSettings):
    model_config = SettingsConfigDict(env_prefix="BROKENCHAT_", extra="ignore", frozen=True)


#: What the fake runner saw, one entry per start.
STARTED: list[dict[str, Any]] = []


async def run_fakechat(app, stop: asyncio.Event, settings: FakeChatSettings) -> None:
    assert settings.bot_token is not None
    STARTED.append({"engine": app.service.engine, "token": settings.bot_token.get_secret_value(),
                    "room": settings.room, "stop": stop})


FAKECHAT = Platform("fakechat", "FakeChat", f"{__name__}:FakeChatSettings", f"{__name__}:run_fakechat")
#: Its adapter's library is not installed: harmless as long as nobody starts it.
BROKEN = Platform("broken", "Broken", f"{__name__}:BrokenChatSettings", "tests.no_such_adapter.runner:run")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("VOICEBRIDGE_", "SILICONFLOW_", "TELEGRAM_", "DISCORD_", "FAKECHAT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VOICEBRIDGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICEBRIDGE_PROVIDER", "local")
    monkeypatch.setenv("VOICEBRIDGE_WEB_PORT", "0")  # the web console runs beside the bots: on any free port
    STARTED.clear()


def test_the_registry_lists_telegram_and_discord():
    assert [p.id for p in PLATFORMS] == ["telegram", "discord"]
    assert [p.token_env() for p in PLATFORMS] == ["TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"]
    assert platforms.configured() == []


def test_a_configured_platform_is_found_with_its_settings(monkeypatch):
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "discord-token")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "7,8")
    [(platform, settings)] = platforms.configured()
    assert platform.id == "discord" and settings.guild_ids == (7, 8)


def test_run_starts_a_registered_platform_with_no_other_edit(monkeypatch):
    monkeypatch.setattr(platforms, "PLATFORMS", (*PLATFORMS, BROKEN, FAKECHAT))
    monkeypatch.setenv("FAKECHAT_BOT_TOKEN", "fake-token")
    monkeypatch.setenv("FAKECHAT_ROOM", "12")
    assert cli.main(["run"]) == 0
    [started] = STARTED
    assert started["engine"] == "local" and started["token"] == "fake-token" and started["room"] == 12
    assert isinstance(started["stop"], asyncio.Event)


def test_run_with_nothing_configured_names_every_registered_token(monkeypatch, capsys):
    monkeypatch.setenv("VOICEBRIDGE_WEB", "off")  # else it serves the web console alone (tests/bots/web/test_run.py)
    assert cli.main(["run"]) == 1
    assert capsys.readouterr().err == ("voicebridge: no bot token and the web console is off: set TELEGRAM_BOT_TOKEN "
                                       "and/or DISCORD_BOT_TOKEN, or VOICEBRIDGE_WEB=on (try `voicebridge speak TEXT -o "
                                       "out.ogg` to use the engine without a bot)\n")
    monkeypatch.setattr(platforms, "PLATFORMS", (*PLATFORMS, FAKECHAT))
    assert cli.main(["run"]) == 1
    assert "TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN and/or FAKECHAT_BOT_TOKEN" in capsys.readouterr().err
    assert STARTED == []


def test_a_bad_platform_setting_stops_every_command_with_its_name(monkeypatch, capsys):
    monkeypatch.setattr(platforms, "PLATFORMS", (*PLATFORMS, FAKECHAT))
    monkeypatch.setenv("FAKECHAT_ROOM", "lobby")
    for command in (["run"], ["voices"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert "FAKECHAT_ROOM" in err and err.count("\n") == 1
    assert STARTED == []


async def test_the_doctor_reports_each_registered_platform(monkeypatch):
    assert await doctor._tokens() == (
        doctor.WARN, "no bot token set: `voicebridge run` needs TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN")
    monkeypatch.setattr(platforms, "PLATFORMS", (*PLATFORMS, FAKECHAT))
    monkeypatch.setenv("FAKECHAT_BOT_TOKEN", "fake-token")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:token")
    assert await doctor._tokens() == (doctor.OK, "tokens set for Telegram, FakeChat")

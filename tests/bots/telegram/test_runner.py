"""Running for real (bots/telegram/runner.py): the command menu, 20 chats at once, long polling and webhook
mode, start-up against a slow or refusing Bot API, and ``voicebridge run``.
"""

from __future__ import annotations

import asyncio
import socket

import httpx

from bots.telegram.runner import run_telegram, setup_commands, webhook_secret
from tests.bots.telegram.conftest import CHAT, Harness, bot_settings, decode_ogg
from tests.fakes.telegram import FakeTelegram, Updates


async def test_twenty_chats_at_once_each_get_their_own_voice_note(bot: Harness) -> None:
    chats = [5000 + i for i in range(20)]
    updates = [bot.updates.message(chat, chat, f"/speak message for chat {chat}") for chat in chats]
    await asyncio.gather(*(bot.feed(u) for u in updates))
    for chat, update in zip(chats, updates):
        voices = bot.voices_sent(chat)
        assert len(voices) == 1, chat
        assert voices[0].params["reply_parameters"]["message_id"] == update["message"]["message_id"]
        assert decode_ogg(voices[0].upload("voice").data)[1] == "opus"
    inputs = sorted(r.json["input"] for r in bot.speech_requests())
    assert inputs == sorted(f"message for chat {chat}" for chat in chats)


async def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_long_polling_end_to_end(make_app, tg: FakeTelegram) -> None:
    app = await make_app()
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(app, stop, bot_settings(tg)))
    await _wait_for(lambda: tg.calls_to("getUpdates"))
    assert {lang for (_, lang) in tg.commands} == {"", "zh", "ja"}  # the menu was registered at start-up
    tg.push_update(Updates().message(CHAT, CHAT, "/speak polled"))
    await _wait_for(lambda: [c for c in tg.calls_to("sendVoice") if c.status == 200])
    stop.set()
    await asyncio.wait_for(task, 15)
    assert not tg.webhook


async def _wait_until_listening(port: int, timeout: float = 10.0) -> None:
    """PTB calls setWebhook before its server listens, so the fake seeing the webhook is not enough."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert asyncio.get_running_loop().time() < deadline, "the webhook server never listened"
            await asyncio.sleep(0.02)
        else:
            writer.close()
            await writer.wait_closed()
            return


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode(make_app, tg: FakeTelegram) -> None:
    port = _free_port()
    app = await make_app()
    hooked = bot_settings(tg, webhook_url=f"http://127.0.0.1:{port}/tg/hook", webhook_listen="127.0.0.1",
                          webhook_port=port)
    secret = webhook_secret(hooked)
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(app, stop, hooked))
    await _wait_for(lambda: tg.webhook is not None)
    assert tg.webhook["url"] == f"http://127.0.0.1:{port}/tg/hook"
    assert tg.webhook["secret_token"] == secret
    await _wait_until_listening(port)
    update = Updates().message(CHAT, CHAT, "/speak hooked")
    async with httpx.AsyncClient() as client:
        refused = await client.post(f"http://127.0.0.1:{port}/tg/hook", json=update)
        assert refused.status_code == 403  # no secret token
        ok = await client.post(f"http://127.0.0.1:{port}/tg/hook", json=update,
                               headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert ok.status_code == 200
    await _wait_for(lambda: [c for c in tg.calls_to("sendVoice") if c.status == 200])
    stop.set()
    await asyncio.wait_for(task, 15)
    assert not tg.calls_to("getUpdates")


async def test_start_up_waits_for_telegram_and_a_refused_token_is_a_config_error(make_app, tg: FakeTelegram) -> None:
    from bots.telegram.context import TelegramOptions
    from core.errors import ConfigError

    tg.fail("getMe", error_code=502, description="Bad Gateway", times=2)
    app = await make_app()
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(app, stop, bot_settings(tg),
                                            options=TelegramOptions(startup_retry_delay=0.05)))
    await _wait_for(lambda: tg.calls_to("getUpdates"))
    assert [c.status for c in tg.calls_to("getMe")][:3] == [502, 502, 200]
    stop.set()
    await asyncio.wait_for(task, 15)

    bad = await make_app(data_dir=app.config.data_dir.parent / "other")
    try:
        await asyncio.wait_for(run_telegram(bad, asyncio.Event(), bot_settings(tg, bot_token="42:" + "x" * 35)), 15)
    except ConfigError as exc:
        assert "TELEGRAM_BOT_TOKEN" in str(exc) and "x" * 35 not in str(exc)
    else:
        raise AssertionError("a refused token must stop the adapter")


async def test_voicebridge_run_serves_the_bot_and_metrics_until_sigterm(tg: FakeTelegram, tmp_path) -> None:
    """The real console entry point as a subprocess: Telegram on the fake Bot API, metrics on loopback."""
    import signal
    import sys
    from pathlib import Path

    from tests.bots.test_cli import CLEAN_ENV

    port = _free_port()
    env = {**CLEAN_ENV, "VOICEBRIDGE_DATA_DIR": str(tmp_path / "data"), "VOICEBRIDGE_PROVIDER": "local",
           "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_BASE_URL": tg.base_url,
           "TELEGRAM_BASE_FILE_URL": tg.base_file_url, "VOICEBRIDGE_METRICS_PORT": str(port),
           "VOICEBRIDGE_WEB_PORT": "0"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "run", env=env, cwd=Path(__file__).resolve().parents[3],
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await _wait_for(lambda: tg.calls_to("getUpdates"), timeout=60)
        tg.push_update(Updates().message(CHAT, CHAT, "/speak counted"))
        await _wait_for(lambda: [c for c in tg.calls_to("sendVoice") if c.status == 200], timeout=60)
        async with httpx.AsyncClient(timeout=5) as client:
            scraped = (await client.get(f"http://127.0.0.1:{port}/metrics")).text.splitlines()
        assert 'voicebridge_utterances_total{engine="local",kind="note",outcome="ok"} 1.0' in scraped
        assert 'voicebridge_first_audio_seconds_count{engine="local"} 1.0' in scraped
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, stderr.decode()
        assert "Telegram: long polling" in stderr.decode()
        assert tg.token not in stderr.decode()  # the token never reaches a log line
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_command_menu_in_english_chinese_and_japanese(bot: Harness) -> None:
    await setup_commands(bot.application)
    menus = {lang: cmds for (_, lang), cmds in bot.tg.commands.items()}
    assert set(menus) == {"", "zh", "ja"}
    names = [c["command"] for c in menus[""]]
    for name in ("speak", "voices", "voice", "clone", "settings", "speed", "gain", "lang", "style", "key",
                 "usage", "forget", "help", "start"):
        assert name in names
    assert {c["command"]: c["description"] for c in menus["zh"]}["speak"] == "把文字读成语音"

"""``voicebridge run`` with no bot token: it serves the console alone and prints a one-time sign-in link."""

from __future__ import annotations

import asyncio
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bots.web.server import run_web

from tests.bots.test_cli import CLEAN_ENV

ROOT = Path(__file__).resolve().parents[3]


def test_run_without_tokens_serves_the_console_and_prints_a_sign_in_link(tmp_path: Path) -> None:
    env = {**CLEAN_ENV, "VOICEBRIDGE_DATA_DIR": str(tmp_path / "data"), "VOICEBRIDGE_WEB_PORT": "0",
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bots.cli", "run"], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []
    try:
        link = None
        while link is None:
            line = lines.get(timeout=60)  # bounded: a hang fails here
            seen.append(line)
            if (m := re.search(r"sign in \(one time, 10 minutes\): (http://\S+/signin/\S+)", line)):
                link = m.group(1)
        assert any("voicebridge web console: http://127.0.0.1:" in s for s in seen), seen
        with httpx.Client(timeout=20, follow_redirects=False) as http:
            assert http.get(link).status_code == 200  # the confirmation page
            signed_in = http.post(link)
            assert signed_in.status_code == 303 and "vb_session" in signed_in.headers["set-cookie"]
            page = http.get(link.split("/signin/")[0] + "/speak")
            assert page.status_code == 200 and 'id="speak-form"' in page.text
            accounts = http.get(link.split("/signin/")[0] + "/accounts")  # the owner: the CLI's account
            assert accounts.status_code == 200 and "Cli" in accounts.text
            http.cookies.clear()
            assert http.post(link).status_code == 403  # used up
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0, "".join(seen)
    assert not [s for s in seen if "Traceback" in s]



async def test_a_busy_port_stops_a_console_alone_but_not_the_bots_beside_it(make_app, caplog) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        app = await make_app("local", web_port=busy.getsockname()[1])
        stop = asyncio.Event()
        with pytest.raises(OSError, match="VOICEBRIDGE_WEB_PORT"):
            await asyncio.wait_for(run_web(app, stop, announce_owner_link=True), 30)
        beside = asyncio.create_task(run_web(app, stop))
        for _ in range(200):  # bounded: 10 s
            if any("can't listen" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
        assert any("can't listen" in r.getMessage() for r in caplog.records)
        assert not beside.done()  # it waits for the bots' stop, having said why there is no console
        stop.set()
        await asyncio.wait_for(beside, 10)

"""Fault tests (issue 9): a real child process is SIGKILLed in the middle of an operation, then the test
reopens everything and checks that nothing is half-done, lost or duplicated.

Select them with ``pytest -m faults`` (or ``pytest tests/faults``). The child is ``tests/faults/child.py``
(one script for every operation; see its docstring for how it stops at a precise point).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).resolve().parent / "child.py"
#: Seconds a child may take to reach its kill point (start-up included) on a slow shared machine.
CHILD_TIMEOUT = 20.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: crash-safety tests that SIGKILL a child process (issue 9)")


def child_env() -> dict[str, str]:
    """The environment for a child: the repository importable, no voicebridge settings leaking in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VOICEBRIDGE_", "SILICONFLOW_", "TELEGRAM_", "DISCORD_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class ChildResult:
    """What a child said before it died or ended."""

    lines: list[str] = field(default_factory=list)
    stderr: str = ""
    returncode: int | None = None
    killed_at: str | None = None

    @property
    def done(self) -> dict[str, Any] | None:
        for line in self.lines:
            if line.startswith("DONE "):
                return json.loads(line[5:])
        return None


async def _spawn(spec: dict[str, Any]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), json.dumps(spec), cwd=str(REPO), env=child_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _finish(proc: asyncio.subprocess.Process, result: ChildResult) -> ChildResult:
    assert proc.stderr is not None and proc.stdout is not None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=10)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    result.lines += out.decode(errors="replace").splitlines()
    result.stderr = err.decode(errors="replace")
    result.returncode = proc.returncode
    return result


async def kill_child_at(spec: dict[str, Any], *, when: Callable[[], bool] | None = None,
                        timeout: float = CHILD_TIMEOUT) -> ChildResult:
    """Run the child and SIGKILL it at its ``MARK`` line, or (``when``) as soon as ``when()`` is true.

    Fails the test if the child ends, or reaches neither within ``timeout`` seconds.
    """
    proc = await _spawn(spec)
    result = ChildResult()
    stdout = proc.stdout
    assert stdout is not None
    marked = asyncio.Event()

    async def read() -> None:
        while line := await stdout.readline():
            text = line.decode(errors="replace").rstrip("\n")
            result.lines.append(text)
            if when is None and text.startswith("MARK "):
                result.killed_at = text[5:]
                marked.set()
                return
        marked.set()  # end of output: the child ended

    reader = asyncio.create_task(read())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while loop.time() < deadline and not marked.is_set():
            if when is not None and when():
                result.killed_at = "condition"
                break
            try:
                await asyncio.wait_for(marked.wait(), timeout=0.02)
            except TimeoutError:
                pass
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await _finish(proc, result)
    if result.killed_at is None:
        pytest.fail(f"the child did not reach its kill point within {timeout:g} s (exit {result.returncode}); "
                    f"stdout: {result.lines!r}\nstderr: {result.stderr[-3000:]}")
    assert result.returncode == -signal.SIGKILL, f"the child was not killed: exit {result.returncode}"
    return result


async def run_child(spec: dict[str, Any], *, timeout: float = CHILD_TIMEOUT) -> ChildResult:
    """Run the child to its end (no hooks); fails the test unless it printed ``DONE``."""
    proc = await _spawn(spec)
    result = ChildResult()
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    result.lines = out.decode(errors="replace").splitlines()
    result.stderr = err.decode(errors="replace")
    result.returncode = proc.returncode
    if result.done is None:
        pytest.fail(f"the child failed (exit {proc.returncode}): {result.lines!r}\n{result.stderr[-3000:]}")
    return result


def app_config(data_dir: Path, base_url: str, database_url: str, secret_key: bytes) -> dict[str, Any]:
    """load_config() fields for a child, as ``tests.app_fixtures.make_app`` builds its apps."""
    from tests.app_fixtures import OPERATOR_KEY

    return {
        "data_dir": str(data_dir), "provider": "siliconflow", "siliconflow_base_url": base_url,
        "siliconflow_api_key": OPERATOR_KEY, "requests_per_minute": 0, "provider_backoff": 0.01,
        "database_url": database_url, "secret_key": secret_key.decode(),
    }


@pytest.fixture
def make_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """``make_db_url("sqlite" | "postgres")``: the URL of a database nobody has opened yet (a SQLite file
    in ``tmp_path / "data"``, or a new PostgreSQL database on 127.0.0.1:5432)."""

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'voicebridge.db'}"
        assert kind == "postgres", kind
        factory: Callable[[], str] = request.getfixturevalue("make_pg_database")
        return factory()

    return make


def db_params(*cases: tuple[str, ...]) -> list[Any]:
    """pytest params whose last element names the database; the PostgreSQL ones get the ``postgres`` mark."""
    return [pytest.param(*case, id="-".join(case), marks=[pytest.mark.postgres] if case[-1] == "postgres" else [])
            for case in cases]

"""The process the fault tests kill: it runs one operation and stops, on request, at a precise point.

Run as ``python tests/faults/child.py SPEC_JSON`` with the repository on ``PYTHONPATH``. The spec::

    {"op": "clone" | "forget" | "link" | "cache_put" | "migrate",
     "config": {...},          # load_config() fields (app operations)
     "user": {...},            # a UserRef (app operations)
     "args": {...},            # the operation's arguments
     "hooks": [...],           # where to stop (below)
     "alarm": 30}              # the child kills itself after this many seconds, whatever happens

A hook, when it fires, prints ``MARK <name>`` on stdout and blocks the process (``time.sleep``): the
test then sends SIGKILL, so the process dies exactly there. Kinds:

* ``{"kind": "method", "target": "store.add_voice", "when": "before"|"after", "nth": 1}`` — the
  ``nth`` call of a method of the app (or of the cache for ``cache_put``); sync or async.
* ``{"kind": "sql", "pattern": "^INSERT INTO voices", "nth": 1}`` — right after the ``nth``
  statement matching the regex ran on the database (inside its transaction, not committed).
* ``{"kind": "os_replace", "suffix": ".bin", "nth": 1}`` — in the cache, before the ``nth``
  ``os.replace`` onto a path ending with ``suffix`` (the temporary file is complete).
* ``{"kind": "partial_write", "nth": 1}`` — in the cache, after the first ``write`` to the ``nth``
  temporary entry file (its header only is on disk).

Without hooks the operation runs to its end: ``DONE <json>`` is printed and the process exits 0.
An operation's error prints ``ERROR <type> <message>`` and exits 3.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any


def _mark(name: str) -> None:
    """Say where we are, then stay there until the parent's SIGKILL (or the alarm)."""
    sys.stdout.write(f"MARK {name}\n")
    sys.stdout.flush()
    while True:
        time.sleep(60)


class _Counter:
    def __init__(self, nth: int) -> None:
        self.nth, self.seen = nth, 0

    def hit(self) -> bool:
        self.seen += 1
        return self.seen == self.nth


def _resolve(root: Any, target: str) -> tuple[Any, str]:
    parts = target.split(".")
    obj = root
    for part in parts[:-1]:
        obj = getattr(obj, part)
    return obj, parts[-1]


def _install_method_hook(root: Any, hook: dict[str, Any]) -> None:
    obj, attr = _resolve(root, hook["target"])
    original = getattr(obj, attr)
    counter = _Counter(int(hook.get("nth", 1)))
    when = hook.get("when", "before")
    name = hook.get("mark", hook["target"])

    if inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            fire = counter.hit()
            if fire and when == "before":
                _mark(name)
            result = await original(*args, **kwargs)
            if fire and when == "after":
                _mark(name)
            return result
    else:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            fire = counter.hit()
            if fire and when == "before":
                _mark(name)
            result = original(*args, **kwargs)
            if fire and when == "after":
                _mark(name)
            return result

    setattr(obj, attr, wrapper)


def _install_sql_hook(hook: dict[str, Any]) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    pattern = re.compile(hook["pattern"], re.IGNORECASE)
    counter = _Counter(int(hook.get("nth", 1)))
    name = hook.get("mark", hook["pattern"])

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if pattern.search(" ".join(statement.split())) and counter.hit():
            _mark(name)

    event.listen(Engine, "after_cursor_execute", after)


def _install_cache_hooks(hooks: list[dict[str, Any]]) -> None:
    """Hooks inside core.cache's file writes (its module globals ``os`` and ``open`` are replaced)."""
    import core.cache as cache_module

    replace_hooks = [(h, _Counter(int(h.get("nth", 1)))) for h in hooks if h["kind"] == "os_replace"]
    write_hooks = [(h, _Counter(int(h.get("nth", 1)))) for h in hooks if h["kind"] == "partial_write"]

    if replace_hooks:
        class _Os:
            def __getattr__(self, name: str) -> Any:
                return getattr(os, name)

            @staticmethod
            def replace(src: Any, dst: Any) -> None:
                for hook, counter in replace_hooks:
                    if str(dst).endswith(hook["suffix"]) and counter.hit():
                        _mark(hook.get("mark", f"replace{hook['suffix']}"))
                os.replace(src, dst)

        cache_module.os = _Os()  # type: ignore[attr-defined]

    if write_hooks:
        import builtins

        class _File:
            def __init__(self, f: Any, name: str) -> None:
                self._f, self._name, self._writes = f, name, 0

            def write(self, data: bytes) -> int:
                n = self._f.write(data)
                self._writes += 1
                if self._writes == 1:
                    self._f.flush()
                    os.fsync(self._f.fileno())
                    _mark(self._name)
                return n

            def __getattr__(self, name: str) -> Any:
                return getattr(self._f, name)

            def __enter__(self) -> Any:
                return self

            def __exit__(self, *exc: object) -> None:
                self._f.close()

        def hooked_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            f = builtins.open(file, mode, *args, **kwargs)  # noqa: SIM115 - returned to the caller
            if "w" in mode and str(file).endswith(".tmp") and Path(file).parent.name != "tags":
                for hook, counter in write_hooks:
                    if counter.hit():
                        return _File(f, hook.get("mark", "partial_write"))
            return f

        cache_module.open = hooked_open  # type: ignore[attr-defined]


async def _build_app(spec: dict[str, Any]) -> Any:
    from bots.app import build_app
    from core.config import load_config

    return await build_app(load_config(**spec["config"]))


def _user(spec: dict[str, Any]) -> Any:
    from core.models import UserRef

    return UserRef(**spec["user"])


async def _run(spec: dict[str, Any]) -> Any:
    op, args, hooks = spec["op"], spec.get("args", {}), spec.get("hooks", [])
    if op == "cache_put":
        from core.cache import AudioCache

        cache = AudioCache(args["root"], int(args.get("max_bytes", 64 * 1024 * 1024)))
        _install_cache_hooks(hooks)
        for hook in hooks:
            if hook["kind"] == "method":
                _install_method_hook(cache, hook)
        data = Path(args["data_file"]).read_bytes()
        await cache.put(args["key"], data, tag=args.get("tag"), meta=args.get("meta"))
        return {"size": len(data)}
    if op == "migrate":
        from storage.migrate import upgrade

        for hook in hooks:
            if hook["kind"] == "sql":
                _install_sql_hook(hook)
        await upgrade(args["url"])
        return {}

    app = await _build_app(spec)  # start-up (migrations included) runs without hooks
    try:
        for hook in hooks:
            if hook["kind"] == "method":
                _install_method_hook(app, hook)
            elif hook["kind"] == "sql":
                _install_sql_hook(hook)
        user = _user(spec)
        print("READY", flush=True)
        if op == "clone":
            audio = Path(args["audio_file"]).read_bytes()
            voice = await app.service.clone(user, audio, args["name"], filename=args.get("filename"),
                                            transcript=args.get("transcript"), consent=True)
            return {"voice": voice.name, "provider_id": voice.provider_id}
        if op == "forget":
            report = await app.service.forget(user)
            return {"deleted_rows": report.deleted_rows, "failed": list(report.failed_remote_voices)}
        if op == "link":
            platform = await app.service.complete_link(user, args["code"])
            return {"platform": platform}
        raise SystemExit(f"unknown op {op!r}")
    finally:
        await app.aclose()


def main() -> None:
    spec = json.loads(sys.argv[1])
    signal.alarm(int(spec.get("alarm", 30)))  # never outlive a test that forgot us
    try:
        result = asyncio.run(_run(spec))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        print(f"ERROR {type(exc).__name__} {exc}", flush=True)
        raise SystemExit(3) from None
    print(f"DONE {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()

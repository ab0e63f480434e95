"""``voicebridge db export FILE`` / ``voicebridge db import FILE``: everything as one JSON document.

A path ending in ``.gz`` is gzip-compressed on export; import detects gzip by its magic bytes.
API keys stay Fernet-encrypted in the file, so the target must run with the same
``VOICEBRIDGE_SECRET_KEY`` (import refuses otherwise). The file is written atomically, mode 0600.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from storage.store import Store


def _counts(data: dict[str, Any]) -> dict[str, int]:
    return {name: len(rows) for name, rows in (data.get("tables") or {}).items()}


async def export_to_file(store: Store, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write every table to ``path``; returns the number of rows per table."""
    data = await store.export_all()
    target = Path(path)
    payload = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
    if target.name.endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _counts(data)


def read_export(path: str | os.PathLike[str]) -> dict[str, Any]:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{path} is not a voicebridge export: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a voicebridge export")  # noqa: TRY004 - bad data, not a bad call
    return data


async def import_from_file(store: Store, path: str | os.PathLike[str], *,
                           allow_other_secret: bool = False) -> dict[str, int]:
    """Load an export into ``store`` (which must be empty); returns the number of rows per table."""
    data = read_export(path)
    await store.import_all(data, allow_other_secret=allow_other_secret)
    return _counts(data)

"""A content-addressed audio cache on disk.

Layout under ``root``::

    ab/abcdef….bin      one entry: a small header, optional JSON metadata, then the audio bytes
    tags/<sha256>.idx   keys put with a tag (one per line), so /forget can purge a user's audio
    tags/.lock          serialises tag-index updates across processes (flock)
    */.*.tmp            an entry (or a compacted tag index) being written; removed by the next
                        rescan once older than an hour (what a killed writer leaves behind)

Entry files are written to a temporary file in the same directory and moved into place with
``os.replace``, so a reader sees either nothing or a whole entry, with any number of writers in
this process or in others. A tagged entry's key is appended to its tag index before the entry is
moved into place (both under the tag lock), so a crash never leaves an entry ``purge_tag`` misses.
The header records the lengths, so a file damaged by a crash (or anything that is not ours) reads
as a miss and is removed.

Recency for LRU eviction is the file's mtime (``get`` touches it), so it is shared between
processes. Each process keeps a running total and an LRU order in memory, built by scanning the
directory at first use and rebuilt by a rescan every ``rescan_interval`` seconds when evicting, so
entries added by other processes are eventually counted. ``max_bytes=0`` disables the cache:
``get`` returns None and ``put`` does nothing (``purge_tag`` and ``delete`` still work, so /forget
also cleans audio left from when the cache was on). All file I/O runs in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import struct
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:  # POSIX only; elsewhere the in-process lock is all we have.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["AudioCache"]

_MAGIC = b"VBC1"
_HEADER = struct.Struct("<4sIQ")  # magic, metadata length, data length
_SUFFIX = ".bin"
_TMP_SUFFIX = ".tmp"
_STALE_TMP_SECONDS = 3600.0
_TAG_COMPACT_BYTES = 256 * 1024
_KEY_CHARS = frozenset("0123456789abcdef")


def _norm_float(value: float) -> str:
    text = f"{round(float(value), 3):.3f}"
    return "0.000" if text == "-0.000" else text


class AudioCache:
    """Content-addressed bytes with LRU eviction under ``max_bytes`` (see the module doc)."""

    def __init__(self, root: Path | str, max_bytes: int, *, rescan_interval: float = 600.0) -> None:
        self.root = Path(root)
        self.max_bytes = max(0, int(max_bytes))
        self.rescan_interval = rescan_interval
        self._lock = threading.Lock()         # guards the in-memory index
        self._tag_lock = threading.Lock()     # tag index files, within this process
        self._index: OrderedDict[str, int] | None = None  # key -> file size, oldest first
        self._total = 0
        self._scanned_at = 0.0

    # --- keys ------------------------------------------------------------------------------

    @staticmethod
    def make_key(*, provider: str, model: str, voice: str, style: str | None, text: str,
                 speed: float, gain: float, fmt: str, language: str = "auto") -> str:
        """SHA-256 (hex) over a canonical JSON of the fields.

        Floats are rounded to 3 decimals (``1.0`` and ``1.0001`` give the same key; ``-0.0`` is
        ``0.0``); an empty style counts as no style. Text is taken as is.
        """
        payload = {
            "v": 1,
            "provider": provider,
            "model": model,
            "voice": voice,
            "style": style or None,
            "text": text,
            "speed": _norm_float(speed),
            "gain": _norm_float(gain),
            "fmt": fmt,
            "language": language,
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    # --- public API -------------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key`` (and mark it recently used), or None."""
        entry = await self.get_with_meta(key)
        return entry[0] if entry is not None else None

    async def get_meta(self, key: str) -> dict[str, Any] | None:
        """The metadata stored with ``key`` (``{}`` if none was given), or None on a miss."""
        entry = await self.get_with_meta(key)
        return entry[1] if entry is not None else None

    async def get_with_meta(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        if not self.enabled:
            return None
        self._check_key(key)
        return await asyncio.to_thread(self._get_sync, key)

    async def put(self, key: str, data: bytes, *, tag: str | None = None,
                  meta: dict[str, Any] | None = None) -> None:
        """Store ``data`` (and JSON-able ``meta``) under ``key``; evict LRU entries if over the bound.

        ``tag`` (e.g. a user id) records the key so :meth:`purge_tag` can remove it later.
        An entry bigger than ``max_bytes`` is not stored.
        """
        if not self.enabled:
            return
        self._check_key(key)
        await asyncio.to_thread(self._put_sync, key, bytes(data), tag, meta)

    async def delete(self, key: str) -> bool:
        """Remove one entry; True if a file was removed."""
        self._check_key(key)
        return await asyncio.to_thread(self._delete_sync, key)

    async def purge_tag(self, tag: str) -> int:
        """Delete every entry put with ``tag``; returns how many files were removed."""
        return await asyncio.to_thread(self._purge_tag_sync, tag)

    async def size_bytes(self) -> int:
        """Bytes of all entries (as this process knows them)."""
        if not self.root.exists():
            return 0
        return await asyncio.to_thread(self._size_sync)

    async def clear(self) -> int:
        """Remove every entry and tag index; returns the number of entries removed."""
        return await asyncio.to_thread(self._clear_sync)

    # --- paths -------------------------------------------------------------------------------

    @staticmethod
    def _check_key(key: str) -> None:
        if len(key) < 3 or not _KEY_CHARS.issuperset(key):
            raise ValueError("cache keys are lowercase hex strings (see AudioCache.make_key)")

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{_SUFFIX}"

    def _tag_path(self, tag: str) -> Path:
        digest = hashlib.sha256(tag.encode("utf-8")).hexdigest()
        return self.root / "tags" / f"{digest}.idx"

    # --- index -------------------------------------------------------------------------------

    def _ensure_index(self) -> OrderedDict[str, int]:
        """Called with ``self._lock`` held."""
        if self._index is None:
            self._rescan_locked()
        assert self._index is not None
        return self._index

    def _iter_entries(self) -> Iterator[tuple[str, int, int]]:
        """(key, size, mtime_ns) for every entry file; removes stale temp files on the way."""
        if not self.root.is_dir():
            return
        now = time.time()
        with os.scandir(self.root) as top:
            fans = [e.path for e in top if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
        for fan in fans:
            try:
                with os.scandir(fan) as it:
                    for entry in it:
                        name = entry.name
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except FileNotFoundError:
                            continue
                        if name.endswith(_SUFFIX):
                            yield name[: -len(_SUFFIX)], st.st_size, st.st_mtime_ns
                        elif name.endswith(_TMP_SUFFIX) and now - st.st_mtime > _STALE_TMP_SECONDS:
                            with contextlib.suppress(OSError):
                                os.unlink(entry.path)
            except FileNotFoundError:
                continue
        # a tag index compaction killed before its rename leaves its temporary copy here
        with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(self.root / "tags") as it:
            for entry in it:
                if not entry.name.endswith(_TMP_SUFFIX):
                    continue
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_TMP_SECONDS:
                        os.unlink(entry.path)

    def _rescan_locked(self) -> None:
        entries = sorted(self._iter_entries(), key=lambda e: e[2])
        self._index = OrderedDict((key, size) for key, size, _ in entries)
        self._total = sum(size for _, size, _ in entries)
        self._scanned_at = time.monotonic()

    def _record(self, key: str, size: int) -> None:
        """Called with ``self._lock`` held: ``key`` was just written or read."""
        index = self._ensure_index()
        old = index.pop(key, None)
        if old is not None:
            self._total -= old
        index[key] = size
        self._total += size

    def _forget(self, key: str) -> None:
        """Called with ``self._lock`` held."""
        if self._index is not None:
            old = self._index.pop(key, None)
            if old is not None:
                self._total -= old

    def _evict_locked(self) -> None:
        if self._total <= self.max_bytes:
            return
        if time.monotonic() - self._scanned_at > self.rescan_interval:
            self._rescan_locked()  # count what other processes added
        index = self._ensure_index()
        while self._total > self.max_bytes and index:
            key, size = index.popitem(last=False)
            self._total -= size
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path(key))

    # --- sync workers ------------------------------------------------------------------------

    def _read_entry(self, path: Path) -> tuple[bytes, dict[str, Any]] | None:
        try:
            with open(path, "rb") as f:
                blob = f.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if len(blob) >= _HEADER.size:
            magic, meta_len, data_len = _HEADER.unpack_from(blob)
            if magic == _MAGIC and len(blob) == _HEADER.size + meta_len + data_len:
                start = _HEADER.size + meta_len
                try:
                    meta = json.loads(blob[_HEADER.size:start]) if meta_len else {}
                except ValueError:
                    meta = None
                if isinstance(meta, dict):
                    return blob[start:], meta
        # Damaged or foreign: treat as a miss and remove it.
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None

    def _get_sync(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        path = self._path(key)
        entry = self._read_entry(path)
        with self._lock:
            if entry is None:
                self._forget(key)
                return None
            try:
                os.utime(path)  # recency, visible to other processes too
                size = path.stat().st_size
            except FileNotFoundError:  # evicted or deleted between the read and now
                self._forget(key)
                return entry
            self._record(key, size)
        return entry

    def _put_sync(self, key: str, data: bytes, tag: str | None, meta: dict[str, Any] | None) -> None:
        meta_blob = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode() if meta else b""
        header = _HEADER.pack(_MAGIC, len(meta_blob), len(data))
        size = len(header) + len(meta_blob) + len(data)
        if size > self.max_bytes:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{key}.{os.getpid()}.{uuid.uuid4().hex}{_TMP_SUFFIX}"
        try:
            with open(tmp, "wb") as f:
                f.write(header)
                f.write(meta_blob)
                f.write(data)
            if tag is None:
                os.replace(tmp, path)
            else:
                # The tag is recorded first and the entry moved into place under the same tag lock
                # (compaction and purges take it too): a crash between the two steps leaves a tag
                # line without an entry (harmless: purges skip it, compaction drops it), never an
                # entry that purge_tag cannot find, and no compaction can drop the line before the
                # entry exists.
                self._append_tag(tag, key, publish=lambda: os.replace(tmp, path))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with self._lock:
            self._record(key, size)
            self._evict_locked()

    def _delete_sync(self, key: str) -> bool:
        with self._lock:
            self._forget(key)
            try:
                os.unlink(self._path(key))
            except (FileNotFoundError, NotADirectoryError):
                return False
            return True

    def _size_sync(self) -> int:
        with self._lock:
            self._ensure_index()
            return self._total

    def _clear_sync(self) -> int:
        removed = 0
        with self._lock:
            for key, _, _ in list(self._iter_entries()):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._path(key))
                    removed += 1
            self._index = OrderedDict()
            self._total = 0
            self._scanned_at = time.monotonic()
        tags = self.root / "tags"
        if tags.is_dir():
            with self._tags_locked():
                for idx in tags.glob("*.idx"):
                    with contextlib.suppress(FileNotFoundError):
                        idx.unlink()
        return removed

    # --- tags ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tags_locked(self) -> Iterator[None]:
        tags = self.root / "tags"
        tags.mkdir(parents=True, exist_ok=True)
        with self._tag_lock:
            with open(tags / ".lock", "a+b") as lock_file:
                if fcntl is not None:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    if fcntl is not None:
                        fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _append_tag(self, tag: str, key: str, publish: Callable[[], None] | None = None) -> None:
        """Record ``key`` under ``tag``; then, still under the tag lock, call ``publish`` (which moves
        the entry into place) before any compaction looks for the entry."""
        path = self._tag_path(tag)
        with self._tags_locked():
            with open(path, "a", encoding="ascii") as f:
                f.write(key + "\n")
                grown = f.tell() > _TAG_COMPACT_BYTES
            if publish is not None:
                publish()
            if grown:
                self._compact_tag_locked(path)

    def _compact_tag_locked(self, path: Path) -> None:
        """Drop duplicate keys and keys whose entry is gone (evicted); tag lock held."""
        keys = [k for k in dict.fromkeys(path.read_text(encoding="ascii").split())
                if len(k) >= 3 and _KEY_CHARS.issuperset(k) and self._path(k).exists()]
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{_TMP_SUFFIX}")
        tmp.write_text("".join(k + "\n" for k in keys), encoding="ascii")
        os.replace(tmp, path)

    def _purge_tag_sync(self, tag: str) -> int:
        path = self._tag_path(tag)
        if not path.exists():
            return 0
        removed = 0
        with self._tags_locked():
            try:
                keys = path.read_text(encoding="ascii").split()
            except FileNotFoundError:
                return 0
            for key in dict.fromkeys(keys):
                if len(key) < 3 or not _KEY_CHARS.issuperset(key):
                    continue
                if self._delete_sync(key):
                    removed += 1
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return removed

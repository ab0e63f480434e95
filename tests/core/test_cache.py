"""core.cache.AudioCache: keys, get/put, LRU under a byte bound, atomic writes, tags, concurrency."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from core.cache import AudioCache

BASE = dict(provider="local", model="espeak-ng", voice="anna", style=None, text="hello",
            speed=1.0, gain=0.0, fmt="ogg", language="auto")


def key(n: int | str) -> str:
    return AudioCache.make_key(**{**BASE, "text": f"text {n}"})


def entry_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("??/*") if p.is_file())


# --- keys -------------------------------------------------------------------------------------


def test_key_is_sha256_hex_and_stable():
    k = AudioCache.make_key(**BASE)
    assert len(k) == 64 and int(k, 16) >= 0
    assert k == AudioCache.make_key(**BASE)


@pytest.mark.parametrize("field, value", [
    ("provider", "siliconflow"), ("model", "other"), ("voice", "bella"), ("style", "开心"),
    ("text", "hello!"), ("speed", 1.5), ("gain", -3.0), ("fmt", "mp3"), ("language", "en"),
])
def test_keys_differ_when_any_field_differs(field, value):
    assert AudioCache.make_key(**{**BASE, field: value}) != AudioCache.make_key(**BASE)


def test_key_float_normalisation():
    k = AudioCache.make_key(**BASE)
    assert AudioCache.make_key(**{**BASE, "speed": 1}) == k
    assert AudioCache.make_key(**{**BASE, "speed": 1.0001}) == k
    assert AudioCache.make_key(**{**BASE, "gain": -0.0}) == k
    assert AudioCache.make_key(**{**BASE, "style": ""}) == k
    assert AudioCache.make_key(**{**BASE, "speed": 1.001}) != k


def test_key_default_language_is_auto():
    fields = {k: v for k, v in BASE.items() if k != "language"}
    assert AudioCache.make_key(**fields) == AudioCache.make_key(**BASE)


# --- basics -----------------------------------------------------------------------------------


async def test_get_put_delete_roundtrip(tmp_path):
    cache = AudioCache(tmp_path, 10_000_000)
    k = key(1)
    assert await cache.get(k) is None
    await cache.put(k, b"OggS-audio")
    assert await cache.get(k) == b"OggS-audio"
    path = tmp_path / k[:2] / f"{k}.bin"
    assert path.is_file()
    assert await cache.size_bytes() == path.stat().st_size
    assert await cache.delete(k) is True
    assert await cache.get(k) is None
    assert await cache.delete(k) is False
    assert await cache.size_bytes() == 0


async def test_metadata_roundtrip(tmp_path):
    cache = AudioCache(tmp_path, 10_000_000)
    k = key("m")
    await cache.put(k, b"abc", meta={"duration": 1.25, "waveform": "AAEC"})
    assert await cache.get(k) == b"abc"
    assert await cache.get_meta(k) == {"duration": 1.25, "waveform": "AAEC"}
    assert await cache.get_with_meta(k) == (b"abc", {"duration": 1.25, "waveform": "AAEC"})
    await cache.put(key("n"), b"x")
    assert await cache.get_meta(key("n")) == {}


async def test_overwrite_same_key(tmp_path):
    cache = AudioCache(tmp_path, 10_000_000)
    k = key(1)
    await cache.put(k, b"a" * 100)
    await cache.put(k, b"b" * 10)
    assert await cache.get(k) == b"b" * 10
    assert len(entry_files(tmp_path)) == 1
    assert await cache.size_bytes() == (tmp_path / k[:2] / f"{k}.bin").stat().st_size


async def test_damaged_entry_is_a_miss_and_removed(tmp_path):
    cache = AudioCache(tmp_path, 10_000_000)
    k = key(1)
    await cache.put(k, b"x" * 1000)
    path = tmp_path / k[:2] / f"{k}.bin"
    path.write_bytes(path.read_bytes()[:500])  # as if a crash left half a file
    assert await cache.get(k) is None
    assert not path.exists()
    path.write_bytes(b"not ours")
    assert await cache.get(k) is None


async def test_survives_restart_and_rebuilds_total(tmp_path):
    cache = AudioCache(tmp_path, 10_000_000)
    for i in range(5):
        await cache.put(key(i), b"z" * 100)
    total = await cache.size_bytes()
    again = AudioCache(tmp_path, 10_000_000)
    assert await again.size_bytes() == total
    assert await again.get(key(3)) == b"z" * 100


async def test_rejects_non_hex_keys(tmp_path):
    cache = AudioCache(tmp_path, 1000)
    with pytest.raises(ValueError):
        await cache.get("../../etc/passwd")
    with pytest.raises(ValueError):
        await cache.put("ZZ", b"x")


# --- LRU --------------------------------------------------------------------------------------


async def test_lru_eviction_order_under_byte_bound(tmp_path):
    payload = b"p" * 1000
    probe = AudioCache(tmp_path / "probe", 10**9)
    await probe.put(key("probe"), payload)
    entry_size = await probe.size_bytes()

    cache = AudioCache(tmp_path / "c", entry_size * 3)
    for i in range(3):
        await cache.put(key(i), payload)
    assert await cache.size_bytes() == 3 * entry_size
    assert await cache.get(key(0)) == payload     # 0 is now the most recent: order 1, 2, 0
    await cache.put(key(3), payload)               # evicts 1
    assert await cache.get(key(1)) is None
    assert await cache.get(key(0)) == payload
    await cache.put(key(4), payload)               # order was 2, 3, 0: evicts 2
    assert await cache.get(key(2)) is None
    for i in (0, 3, 4):
        assert await cache.get(key(i)) == payload
    assert await cache.size_bytes() <= 3 * entry_size
    assert len(entry_files(tmp_path / "c")) == 3


async def test_lru_order_survives_restart_via_mtime(tmp_path):
    payload = b"q" * 1000
    cache = AudioCache(tmp_path, 10**9)
    for i in range(3):
        await cache.put(key(i), payload)
        os.utime(tmp_path / key(i)[:2] / f"{key(i)}.bin", ns=(10**18 + i, 10**18 + i))
    entry_size = (await cache.size_bytes()) // 3
    fresh = AudioCache(tmp_path, entry_size * 3)
    await fresh.get(key(0))  # touch: 0 becomes newest
    await fresh.put(key(9), payload)
    assert await fresh.get(key(1)) is None
    assert await fresh.get(key(0)) == payload and await fresh.get(key(2)) == payload


async def test_entry_larger_than_bound_is_not_stored(tmp_path):
    cache = AudioCache(tmp_path, 100)
    await cache.put(key(1), b"x" * 1000)
    assert await cache.get(key(1)) is None
    assert await cache.size_bytes() == 0


async def test_disabled_cache(tmp_path):
    cache = AudioCache(tmp_path / "off", 0)
    assert not cache.enabled
    await cache.put(key(1), b"data", tag="user:1")
    assert await cache.get(key(1)) is None
    assert not (tmp_path / "off").exists()
    assert await cache.size_bytes() == 0
    assert await cache.purge_tag("user:1") == 0


# --- atomicity and concurrency ------------------------------------------------------------------


async def test_no_partial_or_temp_files_visible(tmp_path):
    cache = AudioCache(tmp_path, 10**9)
    big = os.urandom(2_000_000)
    k = key("big")
    seen: list[bytes | None] = []

    async def reader():
        for _ in range(200):
            seen.append(await cache.get(k))
            await asyncio.sleep(0)

    await asyncio.gather(reader(), *(cache.put(k, big) for _ in range(5)))
    assert all(s is None or s == big for s in seen)
    assert await cache.get(k) == big
    assert not list(tmp_path.rglob("*.tmp"))


async def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    cache = AudioCache(tmp_path, 10**9)

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        await cache.put(key(1), b"x" * 100)
    monkeypatch.undo()
    assert not list(tmp_path.rglob("*.tmp"))
    assert await cache.get(key(1)) is None


async def test_concurrent_tasks_same_and_different_keys(tmp_path):
    cache = AudioCache(tmp_path, 10**9)
    same = key("same")

    async def work(i: int):
        await cache.put(same, b"S" * 5000)
        await cache.put(key(i), bytes([i % 256]) * (100 + i))
        assert await cache.get(same) == b"S" * 5000

    await asyncio.gather(*(work(i) for i in range(60)))
    for i in range(60):
        assert await cache.get(key(i)) == bytes([i % 256]) * (100 + i)
    files = entry_files(tmp_path)
    assert len(files) == 61
    assert await cache.size_bytes() == sum(f.stat().st_size for f in files)
    assert not list(tmp_path.rglob("*.tmp"))


def test_concurrent_threads_with_eviction(tmp_path):
    cache = AudioCache(tmp_path, 50_000)

    def worker(n: int) -> None:
        async def run():
            for i in range(30):
                k = key(f"{n}-{i}")
                await cache.put(k, b"t" * 1000, tag=f"t{n}")
                got = await cache.get(k)
                assert got is None or got == b"t" * 1000
        asyncio.run(run())

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))
    on_disk = sum(f.stat().st_size for f in entry_files(tmp_path))
    assert on_disk <= 50_000
    assert asyncio.run(cache.size_bytes()) == on_disk


def _process_writer(root: str, n: int, barrier) -> None:
    barrier.wait()

    async def run():
        cache = AudioCache(Path(root), 10**9)
        for i in range(40):
            await cache.put(key("shared"), b"shared-payload" * 100, tag="shared")
            await cache.put(key(f"p{n}-{i}"), f"{n}-{i}".encode() * 50, tag=f"proc{n}")
    asyncio.run(run())


async def test_concurrent_processes(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_process_writer, args=(str(tmp_path), n, barrier)) for n in range(2)]
    for p in procs:
        p.start()
    cache = AudioCache(tmp_path, 10**9)
    await asyncio.to_thread(barrier.wait)
    # Meanwhile this process writes the same key and reads it constantly.
    for _ in range(40):
        await cache.put(key("shared"), b"shared-payload" * 100)
        assert await cache.get(key("shared")) == b"shared-payload" * 100
    for p in procs:
        await asyncio.to_thread(p.join, 30)
        assert p.exitcode == 0
    for n in range(2):
        for i in range(40):
            assert await cache.get(key(f"p{n}-{i}")) == f"{n}-{i}".encode() * 50
    assert not list(tmp_path.rglob("*.tmp"))
    # tag indexes written by two processes under the lock are intact
    assert await cache.purge_tag("proc0") == 40
    assert await cache.purge_tag("proc1") == 40
    assert await cache.purge_tag("shared") == 1


# --- tags -------------------------------------------------------------------------------------


async def test_purge_tag(tmp_path):
    cache = AudioCache(tmp_path, 10**9)
    for i in range(5):
        await cache.put(key(f"a{i}"), b"alice", tag="user:alice")
    for i in range(3):
        await cache.put(key(f"b{i}"), b"bob", tag="user:bob")
    await cache.put(key("untagged"), b"x")
    await cache.put(key("a0"), b"alice again", tag="user:alice")  # duplicate line in the index
    await cache.delete(key("a1"))                                   # already gone
    before = await cache.size_bytes()

    assert await cache.purge_tag("user:alice") == 4
    for i in range(5):
        assert await cache.get(key(f"a{i}")) is None
    for i in range(3):
        assert await cache.get(key(f"b{i}")) == b"bob"
    assert await cache.get(key("untagged")) == b"x"
    assert await cache.size_bytes() < before
    assert await cache.purge_tag("user:alice") == 0
    assert await cache.purge_tag("nobody") == 0


async def test_purge_tag_works_after_cache_disabled(tmp_path):
    on = AudioCache(tmp_path, 10**9)
    await on.put(key(1), b"personal", tag="user:1")
    off = AudioCache(tmp_path, 0)
    assert await off.purge_tag("user:1") == 1
    assert await on.get(key(1)) is None


async def test_tag_index_compaction(tmp_path, monkeypatch):
    import core.cache as cache_mod

    monkeypatch.setattr(cache_mod, "_TAG_COMPACT_BYTES", 2000)
    cache = AudioCache(tmp_path, 10**9)
    for _ in range(20):
        await cache.put(key(1), b"x", tag="u")
    for i in range(40):
        await cache.put(key(f"e{i}"), b"y", tag="u")
        await cache.delete(key(f"e{i}"))
    await cache.put(key(2), b"z", tag="u")
    idx = cache._tag_path("u")
    assert idx.stat().st_size <= 2000 + 65
    assert await cache.purge_tag("u") == 2


async def test_file_io_runs_off_the_event_loop(tmp_path, monkeypatch):
    loop_thread = threading.get_ident()
    threads: set[int] = set()
    original = AudioCache._put_sync

    def spy(self, *args):
        threads.add(threading.get_ident())
        return original(self, *args)

    monkeypatch.setattr(AudioCache, "_put_sync", spy)
    await AudioCache(tmp_path, 10**9).put(key(1), b"x")
    assert threads and loop_thread not in threads

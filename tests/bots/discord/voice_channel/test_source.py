"""StreamingOpusSource: the contract discord.py's player thread relies on."""

from __future__ import annotations

import threading

import discord

from bots.discord.voice_channel.source import (
    EVENT_DRAINED,
    EVENT_ITEM_DONE,
    EVENT_ITEM_STARTED,
    OPUS_SILENCE,
    StreamingOpusSource,
)


def test_is_an_opus_audio_source() -> None:
    source = StreamingOpusSource()
    assert isinstance(source, discord.AudioSource)
    assert source.is_opus() is True
    assert OPUS_SILENCE == discord.opus.OPUS_SILENCE == b"\xf8\xff\xfe"


def test_underrun_is_silence_and_empty_bytes_only_at_the_end() -> None:
    source = StreamingOpusSource()
    assert source.read() == OPUS_SILENCE  # nothing yet: silence, not the end
    source.push([b"a", b"b"], tag=1)
    assert [source.read(), source.read()] == [b"a", b"b"]
    assert source.read() == OPUS_SILENCE  # underrun between packets
    source.push([b"c"], tag=1)
    source.finish()
    assert source.read() == b"c"  # finish() still plays what is queued
    assert source.read() == b""
    assert source.read() == b""
    assert source.push([b"late"], tag=1) == 0  # nothing is accepted after the end
    assert source.stats.packets == 3 and source.stats.silence == 2


def test_stop_ends_at_once_and_drops_the_queue() -> None:
    source = StreamingOpusSource()
    source.push([b"a", b"b", b"c"], tag=1)
    assert source.read() == b"a"
    source.stop()
    assert source.read() == b""
    assert source.ended and source.stats.dropped == 2


def test_drop_one_item_keeps_the_source_running() -> None:
    source = StreamingOpusSource()
    source.push([b"a1", b"a2"], tag="a")
    source.end_item("a")
    source.push([b"b1"], tag="b")
    source.end_item("b")
    assert source.read() == b"a1"
    assert source.drop("a") == 1
    assert source.read() == b"b1"  # straight to the next item
    assert source.read() == OPUS_SILENCE
    assert not source.ended
    source.push([b"c1"], tag="c")
    assert source.drop() == 1  # everything
    assert source.read() == OPUS_SILENCE and source.pending == 0


def test_events_fire_once_per_item_in_order() -> None:
    events: list[tuple[str, object]] = []
    source = StreamingOpusSource(on_event=lambda name, tag: events.append((name, tag)))
    source.push([b"a1", b"a2"], tag="a")
    source.end_item("a")
    source.push([b"b1"], tag="b")
    source.end_item("b")
    got = [source.read() for _ in range(5)]
    assert got == [b"a1", b"a2", b"b1", OPUS_SILENCE, OPUS_SILENCE]
    assert events == [
        (EVENT_ITEM_STARTED, "a"), (EVENT_ITEM_DONE, "a"), (EVENT_ITEM_STARTED, "b"),
        (EVENT_ITEM_DONE, "b"), (EVENT_DRAINED, None),
    ]


def test_underrun_inside_an_item_is_counted() -> None:
    source = StreamingOpusSource()
    source.push([b"a1"], tag="a")
    assert source.read() == b"a1"
    assert source.read() == OPUS_SILENCE  # the item is not over: the provider is late
    assert source.stats.underruns == 1
    assert source.current == "a"


def test_a_failing_event_handler_never_reaches_the_player_thread() -> None:
    def boom(name: str, tag: object) -> None:
        raise RuntimeError("handler bug")

    source = StreamingOpusSource(on_event=boom)
    source.push([b"a"], tag=1)
    assert source.read() == b"a"


def test_concurrent_reader_thread_sees_every_packet_once_in_order() -> None:
    """A reader thread polls like the player while the producer pushes in batches."""
    source = StreamingOpusSource()
    total = 20_000
    got: list[bytes] = []
    silence = 0
    done = threading.Event()

    def reader() -> None:
        nonlocal silence
        while True:
            data = source.read()
            if data == b"":
                break
            if data == OPUS_SILENCE:
                silence += 1
            else:
                got.append(data)
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    batch: list[bytes] = []
    for n in range(total):
        batch.append(n.to_bytes(4, "big"))
        if len(batch) == 7:
            source.push(batch, tag=n // 1000)
            batch = []
    source.push(batch, tag="last")
    source.finish()
    assert done.wait(10)
    thread.join()
    assert [int.from_bytes(p, "big") for p in got] == list(range(total))
    assert source.stats.packets == total and source.stats.silence == silence

"""core.audio.ogg, core.audio.opus_join and core.audio.passthrough: Ogg pages, Ogg/Opus streams joined
without decoding, and the voice note made from them (checked by decoding with PyAV)."""

from __future__ import annotations

import io
import itertools
import struct

import av
import numpy as np
import pytest

from core import audio
from core.audio.ogg import (
    BOS,
    CONTINUED,
    EOS,
    NO_GRANULE,
    OggPacketReader,
    OggPageWriter,
    ogg_crc,
)
from core.audio.opus_join import OpusHead, opus_packet_samples
from tests.core.audio.helpers import make_audio_file, speechish, tone


def opus_file(seconds: float, seed: int = 0, layout: str = "mono", **options: str) -> bytes:
    """An Ogg/Opus file as a provider sends it (48 kHz, FFmpeg's muxer, end trimmed by the last granule)."""
    return make_audio_file("ogg", "libopus", 48000, speechish(seconds, 48000, seed), layout=layout, **options)


def decoded(data: bytes) -> np.ndarray:
    """What PyAV (FFmpeg) plays of ``data``: the first channel, as float."""
    with av.open(io.BytesIO(data)) as container:
        frames = [frame.to_ndarray()[0] for frame in container.decode(audio=0)]
    return np.concatenate(frames) if frames else np.empty(0)


def pages(data: bytes) -> list[tuple[int, int, int, int, bytes, bytes]]:
    """Every page of ``data`` checked byte by byte (capture pattern, version, checksum, sizes):
    (flags, granule, serial, sequence, lacing table, body)."""
    out = []
    pos = 0
    while pos < len(data):
        magic, version, flags, granule, serial, sequence, crc, count = struct.unpack_from("<4sBBqIIIB", data, pos)
        assert magic == b"OggS" and version == 0
        table = data[pos + 27:pos + 27 + count]
        end = pos + 27 + count + sum(table)
        assert end <= len(data)
        raw = data[pos:end]
        assert ogg_crc(raw[:22] + b"\0\0\0\0" + raw[26:]) == crc
        out.append((flags, granule, serial, sequence, table, raw[27 + count:]))
        pos = end
    return out


def assert_one_valid_opus_stream(data: bytes) -> list[tuple[int, int, int, int, bytes, bytes]]:
    """One logical Ogg/Opus stream as RFC 7845 has it: one serial, sequence numbers 0, 1, 2, …, ``bos`` on the
    first page only, ``eos`` on the last only, OpusHead and OpusTags alone on pages of granule 0, audio
    granules rising; no packet runs on into the next page."""
    found = pages(data)
    assert {p[2] for p in found} == {found[0][2]}
    assert [p[3] for p in found] == list(range(len(found)))
    assert [bool(p[0] & BOS) for p in found] == [True] + [False] * (len(found) - 1)
    assert [bool(p[0] & EOS) for p in found] == [False] * (len(found) - 1) + [True]
    assert not any(p[0] & CONTINUED for p in found)
    assert found[0][5].startswith(b"OpusHead") and len(found[0][4]) == 1 and found[0][1] == 0
    assert found[1][5].startswith(b"OpusTags") and found[1][4][-1] < 255 and found[1][1] == 0
    granules = [p[1] for p in found[2:]]
    assert all(g != NO_GRANULE for g in granules) and granules == sorted(granules)
    assert all(p[4][-1] < 255 for p in found[2:])
    return found


def join(*streams: bytes, step: int = 4096) -> audio.JoinedOpus:
    joiner = audio.OggOpusJoiner()
    for data in streams:
        for start in range(0, len(data), step):
            joiner.feed(data[start:start + step])
    return joiner.finish()


def granule_samples(data: bytes) -> int:
    """The samples the stream says are heard: last granule position − pre-skip."""
    head = OpusHead.parse(pages(data)[0][5])
    return pages(data)[-1][1] - head.pre_skip


# --- pages ----------------------------------------------------------------------------------------


def test_the_checksum_is_ogg_s() -> None:
    def bitwise(data: bytes) -> int:
        crc = 0
        for byte in data:
            crc ^= byte << 24
            for _ in range(8):
                crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        return crc

    for data in (b"", b"\x00", b"OggS", bytes(range(256)) * 3):
        assert ogg_crc(data) == bitwise(data)
    assert len(pages(opus_file(1.0))) >= 3  # FFmpeg's pages check out too


def test_packets_come_back_whatever_the_split() -> None:
    data = opus_file(2.0)
    whole = [packet for _, packets in OggPacketReader().feed(data) for packet in packets]
    assert whole[0].startswith(b"OpusHead") and whole[1].startswith(b"OpusTags")
    reader = OggPacketReader()
    byte_by_byte = [packet for i in range(len(data)) for _, packets in reader.feed(data[i:i + 1]) for packet in packets]
    assert byte_by_byte == whole and reader.pending() == 0


def test_a_packet_may_run_on_into_the_next_page() -> None:
    def page(flags: int, sequence: int, table: bytes, body: bytes) -> bytes:
        raw = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, 0, 7, sequence, 0, len(table)) + table + body
        return raw[:22] + struct.pack("<I", ogg_crc(raw)) + raw[26:]

    long_packet = bytes(range(256)) * 2  # 512 bytes: 255 + 255 + 2
    data = (page(BOS, 0, b"\xff", long_packet[:255])
            + page(CONTINUED, 1, b"\xff\x02\x03", long_packet[255:] + b"abc"))
    packets = [p for _, found in OggPacketReader().feed(data) for p in found]
    assert packets == [long_packet, b"abc"]


@pytest.mark.parametrize("damage", ["checksum", "capture", "break"])
def test_damaged_pages_are_refused(damage: str) -> None:
    data = bytearray(opus_file(0.5))
    if damage == "checksum":
        data[-1] ^= 0xFF
    elif damage == "capture":
        data[0:4] = b"Oggs"
    else:  # a page that should continue a packet does not
        writer = OggPageWriter(1)
        first = bytearray(writer.page([b"y" * 254], 0))
        first[27] = 255  # the lacing says the packet goes on …
        first += b"y"
        first[22:26] = b"\0\0\0\0"
        first[22:26] = struct.pack("<I", ogg_crc(bytes(first)))
        data = first + writer.page([b"z"], 0)  # … but the next page starts a new one
    with pytest.raises(audio.OggError):
        list(OggPacketReader().feed(bytes(data)))


def test_written_pages_are_valid() -> None:
    writer = OggPageWriter(serial=42)
    data = writer.page([b"a" * 600, b"b"], 960) + writer.page([b"c" * 255], 1920, eos=True)
    found = pages(data)
    assert [(p[0], p[1], p[2], p[3]) for p in found] == [(BOS, 960, 42, 0), (EOS, 1920, 42, 1)]
    assert found[0][4] == b"\xff\xff\x5a\x01" and found[1][4] == b"\xff\x00"
    with pytest.raises(audio.OggError):
        writer.page([b"x" * 255 * 255], 0)


# --- Opus packets and heads -----------------------------------------------------------------------------


@pytest.mark.parametrize(("packet", "samples"), [
    (bytes([(1 << 3) | 0, 0]), 960),       # SILK 20 ms, one frame
    (bytes([(3 << 3) | 1, 0]), 5760),      # SILK 60 ms, two frames
    (bytes([(13 << 3) | 2, 0]), 1920),     # hybrid 20 ms, two frames
    (bytes([(16 << 3) | 0]), 120),         # CELT 2.5 ms
    (bytes([(31 << 3) | 3, 6]), 5760),     # CELT 20 ms, six frames (code 3)
    (b"", 0),
])
def test_packet_samples_from_the_toc(packet: bytes, samples: int) -> None:
    assert opus_packet_samples(packet) == samples


def test_packets_over_120_ms_are_refused() -> None:
    with pytest.raises(audio.OggError):
        opus_packet_samples(bytes([(31 << 3) | 3, 7]))  # seven 20 ms frames


def test_opus_head() -> None:
    head = OpusHead.parse(b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 24000, 0, 0))
    assert (head.channels, head.pre_skip, head.input_rate, head.output_gain, head.mapping) == (1, 312, 24000, 0, b"\0")
    with pytest.raises(audio.OggError):
        OpusHead.parse(b"OpusTags" + bytes(20))


# --- joining ---------------------------------------------------------------------------------------------


def test_one_stream_passes_through_valid_and_exact() -> None:
    source = opus_file(1.7)
    joined = join(source)
    assert_one_valid_opus_stream(joined.data)
    heard = decoded(joined.data)
    assert joined.sample_count == heard.size == decoded(source).size == round(1.7 * 48000)
    assert joined.duration == joined.sample_count / 48000 == granule_samples(joined.data) / 48000
    assert np.array_equal(heard, decoded(source))  # the same packets: the same sound


def test_streams_join_into_one_with_continuous_granules() -> None:
    sources = [opus_file(1.7, seed=1), opus_file(3.1, seed=2), opus_file(0.9, seed=3)]
    joined = join(*sources, step=777)
    found = assert_one_valid_opus_stream(joined.data)
    # every packet of every stream is played: the later streams' pre-skip and the earlier streams' end padding
    packets = [[p for _, ps in OggPacketReader().feed(s) for p in ps][2:] for s in sources]
    assert {OpusHead.parse(pages(s)[0][5]).pre_skip for s in sources} == {312}
    played = sum(opus_packet_samples(p) for stream in packets for p in stream) - 312
    trimmed_at_end = sum(opus_packet_samples(p) for p in packets[-1]) - (pages(sources[-1])[-1][1])
    assert joined.sample_count == played - trimmed_at_end == decoded(joined.data).size
    assert joined.sample_count == granule_samples(joined.data)
    assert sum(decoded(s).size for s in sources) < joined.sample_count < sum(decoded(s).size for s in sources) + 3000
    assert [p for _, ps in OggPacketReader().feed(joined.data) for p in ps][2:] == [p for s in packets for p in s]
    # about a second of audio per page
    granules = [0] + [p[1] for p in found[2:]]
    assert max(b - a for a, b in itertools.pairwise(granules)) <= 48000 + 960


def test_a_stream_that_says_it_starts_later_is_trimmed_from_there() -> None:
    # FFmpeg's muxer, given frames without timestamps, adds the pre-skip to every granule position: the first
    # page says more samples than its packets hold, which means the stream starts that much later.
    samples = speechish(2.0, 48000)
    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 48000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    source = buf.getvalue()
    page, packets = list(OggPacketReader().feed(source))[2]
    assert page.granule == sum(opus_packet_samples(p) for p in packets) + 312
    joined = join(source)
    assert joined.sample_count == decoded(source).size == samples.size == decoded(joined.data).size
    assert granule_samples(joined.data) == samples.size
    assert pages(joined.data)[-1][1] < pages(source)[-1][1]  # the granule positions written start at 0


def test_a_stream_that_cannot_follow_the_first_is_refused() -> None:
    joiner = audio.OggOpusJoiner()
    joiner.feed(opus_file(0.5))
    with pytest.raises(audio.OggError):
        joiner.feed(opus_file(0.5, layout="stereo"))


@pytest.mark.parametrize("data", [b"", b"RIFF" + bytes(60), opus_file(0.5)[:-10]])
def test_what_is_not_a_whole_stream_is_refused(data: bytes) -> None:
    with pytest.raises(audio.OggError):
        join(data)


# --- the voice note --------------------------------------------------------------------------------------


def test_the_note_has_the_waveform_a_decoder_gives() -> None:
    sources = [opus_file(2.0, seed=4), opus_file(1.2, seed=5)]
    note = audio.OpusNoteJoiner()
    for data in sources:
        for start in range(0, len(data), 1000):
            note.feed(data[start:start + 1000])
    encoded = note.finish()
    assert note.finish() is encoded
    assert encoded.format == "ogg" and encoded.data == join(*sources).data
    described = audio.describe_sync(encoded.data, "ogg")  # decodes the whole file with PyAV
    assert encoded.sample_count == described.sample_count
    assert encoded.duration == pytest.approx(described.duration, abs=1e-9)
    assert encoded.waveform == described.waveform and 30 <= len(encoded.waveform) <= 256


def test_a_silent_note_has_a_flat_waveform() -> None:
    silent = make_audio_file("ogg", "libopus", 48000, tone(1.0, 48000, amp=0.0))
    note = audio.OpusNoteJoiner()
    note.feed(silent)
    assert set(note.finish().waveform) == {0}

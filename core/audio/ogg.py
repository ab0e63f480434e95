"""Ogg pages (the container of Ogg/Opus voice notes): reading them as bytes arrive and writing them,
with the page checksum, without any codec.

A page is a 27-byte header (``OggS``, version 0, flags, granule position, serial number, sequence
number, checksum, segment count), a table of lacing values and the body. A packet is cut into
255-byte segments; a lacing value below 255 ends it, so a packet may run on into the next page
(whose ``continued`` flag is then set).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "BOS", "CONTINUED", "EOS", "MAX_SEGMENTS", "NO_GRANULE", "OggError", "OggPacketReader", "OggPage", "OggPageWriter",
    "lacing_values", "ogg_crc",
]

_HEADER = struct.Struct("<4sBBqIIIB")  # capture pattern, version, flags, granule, serial, sequence, crc, segments
CONTINUED, BOS, EOS = 0x01, 0x02, 0x04
#: The granule position of a page on which no packet ends.
NO_GRANULE = -1
#: A page carries at most 255 lacing values (255 × 255 bytes of body).
MAX_SEGMENTS = 255
#: Ogg's checksum is the CRC-32 of polynomial 0x04C11DB7 sent most significant bit first, with no initial or
#: final inversion; zlib's is the same polynomial bit-reflected with both inversions. Reflecting every byte
#: and the result turns one into the other, so the work stays in C.
_REFLECT = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def lacing_values(packet: bytes) -> int:
    """How many of a page's 255 lacing values ``packet`` takes."""
    return len(packet) // 255 + 1


def ogg_crc(data: bytes) -> int:
    """The Ogg page checksum of ``data`` (a whole page with its checksum field zeroed)."""
    reflected = zlib.crc32(data.translate(_REFLECT), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


class OggError(ValueError):
    """Bytes that are not a well-formed Ogg stream (bad capture pattern, version, checksum or lacing)."""


@dataclass(frozen=True, slots=True)
class OggPage:
    """One page as read: its flags, granule position (:data:`NO_GRANULE` when no packet ends on it),
    serial and sequence numbers, and the packet pieces it holds. ``ends[i]`` says whether
    ``pieces[i]`` ends its packet (the last piece of a page may run on into the next)."""

    flags: int
    granule: int
    serial: int
    sequence: int
    pieces: tuple[bytes, ...]
    ends: tuple[bool, ...]


class OggPacketReader:
    """Reads Ogg pages from bytes fed in any split, checking each page's checksum, and puts the packets
    back together. Packets of consecutive physical streams ("chained" Ogg: files one after another) come
    out in order; :meth:`feed` returns, per complete page, the page and the packets that ended on it."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._partial: list[bytes] = []
        self.pages = 0

    def feed(self, data: bytes) -> Iterator[tuple[OggPage, list[bytes]]]:
        """Add ``data`` and yield every page it completes with the packets that ended on that page."""
        self._buffer += data
        start = 0
        try:
            while len(self._buffer) - start >= _HEADER.size:
                page, size = self._page_at(start)
                if page is None:
                    break
                start += size
                yield page, self._packets(page)
        finally:
            del self._buffer[:start]

    def pending(self) -> int:
        """Bytes held that do not yet make a whole page (and packet pieces waiting for their end)."""
        return len(self._buffer) + sum(len(piece) for piece in self._partial)

    def _page_at(self, start: int) -> tuple[OggPage | None, int]:
        buf = self._buffer
        magic, version, flags, granule, serial, sequence, crc, count = _HEADER.unpack_from(buf, start)
        if magic != b"OggS":
            raise OggError("no Ogg capture pattern where a page should start")
        if version != 0:
            raise OggError(f"unknown Ogg version {version}")
        table_end = start + _HEADER.size + count
        if len(buf) < table_end:
            return None, 0
        lacing = buf[start + _HEADER.size:table_end]
        end = table_end + sum(lacing)
        if len(buf) < end:
            return None, 0
        raw = bytes(buf[start:end])
        if ogg_crc(raw[:22] + b"\0\0\0\0" + raw[26:]) != crc:
            raise OggError(f"Ogg page {sequence} fails its checksum")
        pieces: list[bytes] = []
        ends: list[bool] = []
        pos = table_end - start
        size = 0
        for value in lacing:
            size += value
            if value < 255:
                pieces.append(raw[pos:pos + size])
                ends.append(True)
                pos += size
                size = 0
        if size:  # the last lacing value was 255: the packet runs on into the next page
            pieces.append(raw[pos:pos + size])
            ends.append(False)
        page = OggPage(flags=flags, granule=granule, serial=serial, sequence=sequence,
                       pieces=tuple(pieces), ends=tuple(ends))
        return page, end - start

    def _packets(self, page: OggPage) -> list[bytes]:
        if self._partial and not page.flags & CONTINUED:
            raise OggError("a packet breaks off: the next page does not continue it")
        if not self._partial and page.flags & CONTINUED and page.pieces:
            raise OggError("a page continues a packet that never started")
        packets: list[bytes] = []
        for piece, ends in zip(page.pieces, page.ends, strict=True):
            self._partial.append(piece)
            if ends:
                packets.append(b"".join(self._partial))
                self._partial = []
        return packets


class OggPageWriter:
    """Writes one logical Ogg stream, a page at a time: sequence numbers from 0, checksums, the
    ``bos`` flag on the first page. Packets never run on into the next page (what a page holds is
    the caller's choice: see :func:`lacing_values`)."""

    def __init__(self, serial: int) -> None:
        self.serial = serial
        self._sequence = 0

    def page(self, packets: list[bytes], granule: int, *, eos: bool = False) -> bytes:
        """The page holding ``packets`` (all of which end on it) at ``granule``; raises :class:`OggError`
        if they need more than the 255 lacing values of one page."""
        lacing = bytearray()
        for packet in packets:
            lacing += b"\xff" * (lacing_values(packet) - 1) + bytes((len(packet) % 255,))
        if len(lacing) > MAX_SEGMENTS:
            raise OggError(f"{len(lacing)} lacing values do not fit on one page")
        flags = (BOS if self._sequence == 0 else 0) | (EOS if eos else 0)
        header = _HEADER.pack(b"OggS", 0, flags, granule, self.serial, self._sequence, 0, len(lacing))
        self._sequence += 1
        page = header + lacing + b"".join(packets)
        return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]

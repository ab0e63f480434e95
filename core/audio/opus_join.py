"""Joining Ogg/Opus streams into one voice note without decoding: the provider's own Opus packets, in
new pages.

A note's text is spoken in several requests, each answered with a whole Ogg/Opus stream (``OpusHead``,
``OpusTags``, audio). :class:`OggOpusJoiner` takes those streams one after another, as their bytes
arrive, and writes one stream: the first stream's two header packets, then every audio packet in
order, in pages of about a second with their granule positions (the sample count at 48 kHz, the
first stream's pre-skip included). A later stream's pre-skip cannot be cut in the middle of a stream:
its first samples are played, and counted. The end is trimmed to the last stream's final granule
position (measured from where that stream says it starts), so the note decodes to exactly
:attr:`JoinedOpus.sample_count` samples; the granule positions written start at 0.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from core.audio.notes import OPUS_RATE
from core.audio.ogg import (
    BOS,
    EOS,
    MAX_SEGMENTS,
    NO_GRANULE,
    OggError,
    OggPacketReader,
    OggPageWriter,
    lacing_values,
)

__all__ = ["JoinedOpus", "OggOpusJoiner", "OpusHead", "opus_packet_samples"]

#: Audio per output page (what FFmpeg's Ogg muxer writes too).
_PAGE_SAMPLES = OPUS_RATE
#: Samples per frame (48 kHz) of each TOC configuration: SILK 10/20/40/60 ms, hybrid 10/20, CELT 2.5/5/10/20.
_FRAME_SAMPLES = (480, 960, 1920, 2880) * 3 + (480, 960) * 2 + (120, 240, 480, 960) * 4
#: An Opus packet holds at most 120 ms.
_MAX_PACKET_SAMPLES = 5760


def opus_packet_samples(packet: bytes) -> int:
    """Samples (at 48 kHz) the Opus ``packet`` decodes to, from its table-of-contents byte."""
    if not packet:
        return 0
    toc = packet[0]
    code = toc & 0x03
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    elif len(packet) < 2:
        raise OggError("an Opus packet of code 3 without its frame count")
    else:
        frames = packet[1] & 0x3F
    samples = frames * _FRAME_SAMPLES[toc >> 3]
    if samples > _MAX_PACKET_SAMPLES:
        raise OggError(f"an Opus packet of {samples} samples (more than 120 ms)")
    return samples


@dataclass(frozen=True, slots=True)
class OpusHead:
    """What an ``OpusHead`` packet says: channels, pre-skip (samples at 48 kHz the decoder drops at the
    start), the original input rate, the output gain (Q7.8 dB) and the channel mapping."""

    channels: int
    pre_skip: int
    input_rate: int
    output_gain: int
    mapping: bytes
    #: the packet as read
    packet: bytes

    @classmethod
    def parse(cls, packet: bytes) -> OpusHead:
        """Read an ``OpusHead`` packet; raises :class:`OggError` if it is not one we can play."""
        if len(packet) < 19 or not packet.startswith(b"OpusHead"):
            raise OggError("the stream does not start with an OpusHead packet")
        version, channels, pre_skip, input_rate, gain = struct.unpack_from("<BBHIh", packet, 8)
        if version >> 4 != 0 or channels == 0:
            raise OggError(f"an OpusHead of version {version} for {channels} channels")
        return cls(channels=channels, pre_skip=pre_skip, input_rate=input_rate, output_gain=gain,
                   mapping=bytes(packet[18:]), packet=bytes(packet))

    def joins(self, other: OpusHead) -> bool:
        """Whether a stream with ``other``'s head can follow this one's packets (same channels, mapping and gain)."""
        return (self.channels, self.output_gain, self.mapping) == (other.channels, other.output_gain, other.mapping)


@dataclass(frozen=True, slots=True)
class JoinedOpus:
    """The joined stream: its bytes, the samples a decoder returns (48 kHz, per channel) and its head."""

    data: bytes
    sample_count: int
    head: OpusHead

    @property
    def duration(self) -> float:
        """Seconds: :attr:`sample_count` over 48 000."""
        return self.sample_count / OPUS_RATE


class OggOpusJoiner:
    """Joins consecutive Ogg/Opus streams (fed as bytes in any split) into one; see the module docstring.

    :meth:`feed` raises :class:`core.audio.ogg.OggError` for bytes that are not Ogg/Opus, a stream that
    cannot follow the first (other channels, mapping or gain) or streams interleaved with each other.
    Not thread-safe; cheap enough to run between network reads (no codec work).
    """

    def __init__(self) -> None:
        self._reader = OggPacketReader()
        self._writer: OggPageWriter | None = None
        self._out: list[bytes] = []
        self.head: OpusHead | None = None
        #: Streams begun so far.
        self.streams = 0
        self._serial: int | None = None
        self._expect = "head"  # then "tags", then "audio"
        self._granule = 0  # samples of every audio packet taken, the first pre-skip included
        self._stream_start = 0  # self._granule when the current stream began
        self._stream_end: int | None = None  # the current stream's last granule position, as it says
        self._stream_offset: int | None = None  # where the current stream says its first sample is (see _audio_page)
        self._page: list[bytes] = []
        self._page_samples = 0
        self._page_segments = 0
        self._result: JoinedOpus | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """Take the next bytes; a new stream starts with its first page (``bos``) after the previous one.
        Returns the audio packets they completed, in order (what a decoder of the joined stream gets)."""
        if self._result is not None:
            raise RuntimeError("feed() after finish()")
        taken: list[bytes] = []
        for page, packets in self._reader.feed(data):
            if page.flags & BOS:
                self._begin(page.serial)
            elif self._serial is None:
                raise OggError("no Ogg/Opus stream begins here")
            elif page.serial != self._serial:
                raise OggError("a page of another stream in the middle of one (interleaved streams)")
            audio_on_page = False
            for packet in packets:
                if self._expect == "audio":
                    self._audio(packet)
                    taken.append(packet)
                    audio_on_page = True
                else:
                    self._header(packet)
            if audio_on_page and page.granule != NO_GRANULE:
                self._audio_page(page.granule, eos=bool(page.flags & EOS))
        return taken

    def _audio_page(self, granule: int, *, eos: bool) -> None:
        """Note the granule position of a page of the current stream on which audio packets end."""
        if self._stream_offset is None:
            # A first page saying more samples than its packets hold starts the stream later than 0 (FFmpeg's
            # muxer writes the pre-skip so); the end trimming is measured from there. A first page that is also
            # the last may say fewer: that is end trimming, from 0.
            self._stream_offset = 0 if eos else max(0, granule - (self._granule - self._stream_start))
        self._stream_end = granule

    def _begin(self, serial: int) -> None:
        if self.streams and self._expect != "audio":
            raise OggError("a stream ended inside its headers")
        self.streams += 1
        self._serial = serial
        self._expect = "head"
        self._stream_start = self._granule
        self._stream_end = None
        self._stream_offset = None

    def _header(self, packet: bytes) -> None:
        if self._expect == "head":
            head = OpusHead.parse(packet)
            if self.head is None:
                assert self._serial is not None
                self.head = head
                self._writer = OggPageWriter(self._serial)
                self._out.append(self._writer.page([packet], 0))
            elif not self.head.joins(head):
                raise OggError("a stream with other channels, mapping or gain cannot join the first")
            self._expect = "tags"
        else:
            if not packet.startswith(b"OpusTags"):
                raise OggError("an OpusHead not followed by OpusTags")
            if self.streams == 1:
                assert self._writer is not None
                self._out.append(self._writer.page([packet], 0))
            self._expect = "audio"

    def _audio(self, packet: bytes) -> None:
        segments = lacing_values(packet)
        if segments > MAX_SEGMENTS:
            raise OggError(f"an Opus packet of {len(packet)} bytes")
        if self._page and (self._page_samples >= _PAGE_SAMPLES or self._page_segments + segments > MAX_SEGMENTS):
            self._flush(self._granule, eos=False)
        samples = opus_packet_samples(packet)
        self._granule += samples
        self._page.append(packet)
        self._page_samples += samples
        self._page_segments += segments

    def _flush(self, granule: int, *, eos: bool) -> None:
        assert self._writer is not None
        self._out.append(self._writer.page(self._page, granule, eos=eos))
        self._page = []
        self._page_samples = 0
        self._page_segments = 0

    def finish(self) -> JoinedOpus:
        """End the stream (the last page, trimmed to the last stream's final granule position) and return it.

        Raises :class:`OggError` if nothing was fed, or the bytes end inside a page, a packet or the headers.
        """
        if self._result is not None:
            return self._result
        if self.head is None or self._expect != "audio":
            raise OggError("no whole Ogg/Opus stream")
        if self._reader.pending():
            raise OggError(f"{self._reader.pending()} bytes after the last whole page")
        end = self._granule
        if self._stream_end is not None:  # end trimming: the last packet may hold more than is meant to be heard
            end = min(end, self._stream_start + self._stream_end - (self._stream_offset or 0))
        # never more trimmed than the last page holds, never into the pre-skip
        end = max(end, self._granule - self._page_samples, self.head.pre_skip)
        self._flush(end, eos=True)
        data = b"".join(self._out)
        self._out = []
        self._result = JoinedOpus(data=data, sample_count=end - self.head.pre_skip, head=self.head)
        return self._result

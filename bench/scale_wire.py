"""What one Discord voice packet costs to send, for ``python -m bench scale``: the bench's voice connections do
the work discord.py's ``VoiceClient.send_audio_packet`` does after DAVE (an RTP header, the transport's AEAD
XChaCha20-Poly1305 encryption with PyNaCl, a UDP datagram) to a loopback socket nobody reads from, and stamp
each packet with the time it left, so the sender's cost per packet in the bench is the real one (DAVE's own
encryption, which needs a live MLS group, is left out: it adds about as much again per packet).

The encryption and the send are the ones the bot uses: :mod:`bots.discord.voice_channel.wire`'s C calls that
keep the GIL, or, with ``released=True`` (``python -m bench scale --released-gil``), discord.py's own PyNaCl
and ``socket.send``, which release it.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import Any

import nacl.secret

from bots.discord.voice_channel import wire

_HEADER = struct.Struct(">BBHII")


class LoopbackWire:
    """One connection's RTP state and a shared UDP sink on 127.0.0.1 (the sink is drained by nobody; the
    kernel drops what overflows its buffer, like the internet would)."""

    _sink: socket.socket | None = None

    def __init__(self, ssrc: int, *, released: bool = False) -> None:
        if LoopbackWire._sink is None:
            sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sink.bind(("127.0.0.1", 0))
            LoopbackWire._sink = sink
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setblocking(False)
        self._sock.connect(LoopbackWire._sink.getsockname())
        self._key = os.urandom(32)
        self._box = nacl.secret.Aead(self._key)
        self._released = released or not wire.available()
        self.ssrc = ssrc
        self.sequence = 0
        self.timestamp = 0
        self.nonce = 0

    def send(self, opus: bytes) -> None:
        self.sequence = (self.sequence + 1) & 0xFFFF
        header = _HEADER.pack(0x80, 0x78, self.sequence, self.timestamp, self.ssrc)
        nonce = bytearray(24)
        nonce[:4] = struct.pack(">I", self.nonce)
        self.nonce = (self.nonce + 1) & 0xFFFFFFFF
        try:
            if self._released:
                packet = header + self._box.encrypt(bytes(opus), header, bytes(nonce)).ciphertext + nonce[:4]
                self._sock.send(packet)
            else:
                packet = header + wire.encrypt(self._key, header, bytes(opus), bytes(nonce)) + nonce[:4]
                wire.send(self._sock.fileno(), packet)
        except OSError:
            pass  # a full buffer drops the packet, as discord.py does
        self.timestamp = (self.timestamp + 960) & 0xFFFFFFFF

    def close(self) -> None:
        self._sock.close()


def wire_connection(conn: Any, ssrc: int, stamps: list[tuple[float, bytes]], *,
                    released: bool = False) -> LoopbackWire:
    """Make the test fake ``conn`` pay a real packet's sending cost and record ``(time, packet)`` of each."""
    loopback = LoopbackWire(ssrc, released=released)

    def on_packet(packet: bytes, at: float) -> None:
        stamps.append((at, packet))
        loopback.send(packet)

    conn.on_packet = on_packet
    return loopback

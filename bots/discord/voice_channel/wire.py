"""A voice packet's last two steps, the transport encryption and the UDP send, done without giving up the GIL.

discord.py encrypts each packet with PyNaCl and sends it with ``socket.sendall``. Both release the GIL: PyNaCl's
cffi calls do, and so does every socket call. Releasing it is cheap, but taking it back is not when the event
loop is busy. The loop thread takes the GIL at once, and the sender thread waits until the loop blocks again, or
for the interpreter's switch interval (5 ms). One tick of 200 connections releases the GIL 400 times. In
``python -m bench scale`` (200 channels, Opus passed through) a tick took 11.6 ms on average instead of 3, and
10-22 % of packets were more than 5 ms late.

Both steps take microseconds: XChaCha20-Poly1305 over a 100-byte packet, and a non-blocking ``send`` of one
datagram. So this module makes the same two C calls through ``ctypes.PyDLL``, which keeps the GIL:
libsodium's ``crypto_aead_xchacha20poly1305_ietf_encrypt`` (the copy PyNaCl ships, whose symbols it exports)
and libc's ``send`` with ``MSG_DONTWAIT``. A tick then runs without a switch, and the bench's late packets fall
below 1 %.

:func:`hold_gil_while_sending` swaps those two steps into a ``discord.VoiceClient``, as instance attributes. It
replaces ``_encrypt_aead_xchacha20_poly1305_rtpsize`` (same nonce counter, same bytes as discord.py's, tested)
and its connection's ``send_packet``. Everything else stays discord.py's own: the sequence and timestamp, DAVE,
and the RTP header. Where something is not as expected (another mode, a missing library, a changed attribute),
nothing is swapped and discord.py's own path sends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import socket
import struct
from typing import Any

log = logging.getLogger(__name__)

MODE = "aead_xchacha20_poly1305_rtpsize"
_MARK = "_voicebridge_wire"
_TAG_BYTES = 16
_SEND_FLAGS = socket.MSG_DONTWAIT | getattr(socket, "MSG_NOSIGNAL", 0)


def _load() -> tuple[Any, Any] | None:
    """libsodium's AEAD encrypt and libc's send, as ctypes functions that keep the GIL; None if unavailable."""
    try:
        import nacl._sodium

        sodium = ctypes.PyDLL(nacl._sodium.__file__)
        encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
        encrypt.restype = ctypes.c_int
        encrypt.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_ulonglong), ctypes.c_char_p,
                            ctypes.c_ulonglong, ctypes.c_char_p, ctypes.c_ulonglong, ctypes.c_void_p,
                            ctypes.c_char_p, ctypes.c_char_p]
        libc_name = ctypes.util.find_library("c")
        if libc_name is None:
            return None
        send = ctypes.PyDLL(libc_name, use_errno=True).send
        send.restype = ctypes.c_ssize_t
        send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    except (ImportError, OSError, AttributeError):
        return None
    return encrypt, send


_FUNCTIONS = _load()


def available() -> bool:
    """Whether both C functions could be loaded here."""
    return _FUNCTIONS is not None


def encrypt(key: bytes, header: bytes, data: bytes, nonce: bytes) -> bytes:
    """XChaCha20-Poly1305 (IETF) of ``data`` with ``header`` as associated data: the ciphertext and its 16-byte
    tag, exactly as PyNaCl's ``Aead(key).encrypt(data, header, nonce).ciphertext``."""
    assert _FUNCTIONS is not None
    if len(key) != 32 or len(nonce) != 24:
        raise ValueError("XChaCha20-Poly1305 takes a 32-byte key and a 24-byte nonce")
    out = ctypes.create_string_buffer(len(data) + _TAG_BYTES)
    if _FUNCTIONS[0](out, None, data, len(data), header, len(header), None, nonce, key) != 0:
        raise ValueError("encryption failed")
    return out.raw


def send(fd: int, packet: bytes) -> None:
    """Send one datagram on the connected socket ``fd`` without blocking; ``OSError`` as ``socket.sendall``
    raises it (a full buffer, a closed socket), which discord.py's caller turns into a dropped packet."""
    assert _FUNCTIONS is not None
    if _FUNCTIONS[1](fd, packet, len(packet), _SEND_FLAGS) < 0:
        code = ctypes.get_errno() or errno.EIO
        raise OSError(code, os.strerror(code))


def hold_gil_while_sending(client: Any) -> bool:
    """Make ``client`` (a ``discord.VoiceClient``) encrypt and send its packets with :func:`encrypt` and
    :func:`send`. Idempotent; returns whether its packets now take that path (False leaves it untouched)."""
    if getattr(client, _MARK, False):
        return True
    connection = getattr(client, "_connection", None)
    if (_FUNCTIONS is None or connection is None or not hasattr(client, "_encrypt_" + MODE)
            or not hasattr(client, "checked_add")):
        return False
    key_cache: list[Any] = [None, b""]

    def encrypt_packet(header: bytes, data: bytes) -> bytes:
        # discord.VoiceClient._encrypt_aead_xchacha20_poly1305_rtpsize, with the C call that keeps the GIL
        secret = client.secret_key
        if secret is not key_cache[0]:
            key_cache[:] = [secret, bytes(secret)]
        nonce = bytearray(24)
        nonce[:4] = struct.pack(">I", client._incr_nonce)
        client.checked_add("_incr_nonce", 1, 4294967295)
        return header + encrypt(key_cache[1], bytes(header), bytes(data), bytes(nonce)) + nonce[:4]

    setattr(client, "_encrypt_" + MODE, encrypt_packet)
    if hasattr(connection, "socket") and hasattr(connection, "send_packet"):
        def send_packet(packet: bytes) -> None:
            # VoiceConnectionState.send_packet is ``self.socket.sendall(packet)``; the socket may be replaced
            # on reconnect, so it is looked up each time
            send(connection.socket.fileno(), bytes(packet))

        connection.send_packet = send_packet
    setattr(client, _MARK, True)
    return True


__all__ = ["MODE", "available", "encrypt", "hold_gil_while_sending", "send"]

"""The voice packet's encryption and send in C calls that keep the GIL (bots/discord/voice_channel/wire.py): the
same bytes as PyNaCl and discord.py, real datagrams on loopback, errors as ``socket.sendall`` raises them, and a
real ``discord.VoiceClient`` whose packets take that path through the sender."""

from __future__ import annotations

import asyncio
import copy
import ctypes
import os
import socket
import struct
from types import SimpleNamespace

import discord
import nacl.secret
import pytest

from bots.discord.voice_channel import wire
from bots.discord.voice_channel.sender import VoiceSender
from bots.discord.voice_channel.source import StreamingOpusSource
from tests.bots.discord.voice_channel.fakes import wait_for

pytestmark = pytest.mark.skipif(not wire.available(), reason="libsodium or libc not loadable")


def test_both_calls_keep_the_gil() -> None:
    """ctypes releases the GIL around a foreign call unless the function comes from a ``PyDLL``."""
    assert wire._FUNCTIONS is not None
    for function in wire._FUNCTIONS:
        assert function._flags_ & ctypes._FUNCFLAG_PYTHONAPI


@pytest.mark.parametrize("size", [0, 1, 3, 80, 160, 1275])
def test_encrypt_gives_pynacls_bytes(size: int) -> None:
    key, header, nonce, data = os.urandom(32), os.urandom(12), os.urandom(24), os.urandom(size)
    expected = nacl.secret.Aead(key).encrypt(data, header, nonce).ciphertext
    assert wire.encrypt(key, header, data, nonce) == expected
    assert nacl.secret.Aead(key).decrypt(expected, header, nonce) == data


def test_encrypt_refuses_a_wrong_key_or_nonce_length() -> None:
    with pytest.raises(ValueError):
        wire.encrypt(b"short", b"", b"x", bytes(24))
    with pytest.raises(ValueError):
        wire.encrypt(bytes(32), b"", b"x", bytes(12))


@pytest.fixture
def udp():
    """A receiving UDP socket on loopback and a non-blocking one connected to it (as discord.py's is)."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.setblocking(False)
    out.connect(receiver.getsockname())
    yield receiver, out
    receiver.close()
    out.close()


def test_send_delivers_one_datagram_and_fails_as_sendall_does(udp) -> None:
    receiver, out = udp
    wire.send(out.fileno(), b"packet one")
    wire.send(out.fileno(), b"packet two")
    assert [receiver.recv(100), receiver.recv(100)] == [b"packet one", b"packet two"]
    fd = out.fileno()
    out.close()
    with pytest.raises(OSError):
        wire.send(fd, b"on a closed socket")  # discord.py turns an OSError into a dropped packet


def _client(key: bytes, connection: SimpleNamespace) -> discord.VoiceClient:
    client = discord.VoiceClient.__new__(discord.VoiceClient)
    client.sequence = client.timestamp = client._incr_nonce = 0
    connection.secret_key = list(key)  # discord.py keeps the key as Discord sends it: a list of ints
    client._connection = connection
    return client


def test_the_swapped_encryption_gives_discord_pys_bytes_and_advances_the_same_nonce() -> None:
    key = os.urandom(32)
    ours = _client(key, SimpleNamespace(send_packet=None, ssrc=7, mode=wire.MODE, dave_session=None,
                                        can_encrypt=False))
    theirs = copy.copy(ours)
    assert wire.hold_gil_while_sending(ours) and wire.hold_gil_while_sending(ours)  # idempotent
    assert "_encrypt_" + wire.MODE in vars(ours)
    for n in range(3):
        ours.sequence = theirs.sequence = n
        data = os.urandom(60 + n)
        assert bytes(ours._get_voice_packet(data)) == bytes(theirs._get_voice_packet(data))
    assert ours._incr_nonce == theirs._incr_nonce == 3
    ours._connection.secret_key = list(os.urandom(32))  # a new session key after a reconnect: used at once
    assert bytes(ours._get_voice_packet(b"after")) == bytes(theirs._get_voice_packet(b"after"))


def test_what_is_not_a_discord_voice_client_is_left_alone() -> None:
    fake = SimpleNamespace(send_audio_packet=lambda data, encode: None)
    assert not wire.hold_gil_while_sending(fake)
    assert vars(fake).keys() == {"send_audio_packet"}


async def test_a_voice_clients_packets_take_the_c_path_through_the_sender_to_a_udp_socket(udp) -> None:
    """A real ``discord.VoiceClient`` whose connection state has a real UDP socket: the sender swaps in the C
    calls, and what arrives decrypts (PyNaCl) to the packets, with discord.py's RTP header and nonce."""
    receiver, out = udp
    key = os.urandom(32)

    class WS:
        async def speak(self, state):
            return None

    def not_used(packet: bytes) -> None:
        raise AssertionError("discord.py's sendall path was used")

    state = SimpleNamespace(ssrc=99, mode=wire.MODE, dave_session=None, can_encrypt=False, ws=WS(), timeout=1.0,
                            is_connected=lambda: True, socket=out, send_packet=not_used)
    client = _client(key, state)
    client.client = SimpleNamespace(loop=asyncio.get_running_loop())
    sender = VoiceSender(interval=0.002)
    try:
        source = StreamingOpusSource()
        source.push([b"opus %d" % k for k in range(4)])
        source.finish()
        ended: list = []
        sender.play(client, source, after=ended.append)
        got = [await asyncio.to_thread(receiver.recv, 2048) for _ in range(4)]
        await wait_for(lambda: ended == [None])
    finally:
        sender.close()
    box = nacl.secret.Aead(key)
    for k, packet in enumerate(got):
        header, body, nonce = packet[:12], packet[12:-4], packet[-4:]
        assert struct.unpack(">BBHII", header)[2:] == (k + 1, 960 * k, 99)
        assert nonce == struct.pack(">I", k)
        assert box.decrypt(body, header, nonce + bytes(20)) == b"opus %d" % k

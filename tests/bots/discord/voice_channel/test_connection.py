"""The player's view of a voice connection (bots/discord/voice_channel/connection.py): the wrapper around
discord.py's VoiceClient, and connecting without tripping over a client a drop left behind."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bots.discord.opus import OPUS_SILENCE
from bots.discord.voice_channel.connection import (
    CONNECT_TIMEOUT,
    DiscordVoiceConnection,
    VoiceConnection,
    discord_connector,
)
from bots.discord.voice_channel.sender import VoiceSender
from bots.discord.voice_channel.source import StreamingOpusSource
from tests.bots.discord.voice_channel.fakes import FakeChannel, FakeConnector, wait_for


class RecordingClient(discord.VoiceClient):
    """A VoiceClient that records what it is told instead of talking to Discord."""

    def __init__(self, channel: Any, *, connected: bool = True, fail: Exception | None = None) -> None:
        self.channel = channel
        self.connected = connected
        self.fail = fail
        self.calls: list[tuple] = []

    def is_connected(self) -> bool:
        return self.connected

    def play(self, source, *, after=None, **kwargs) -> None:
        self.calls.append(("play", source, after))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def pause(self) -> None:
        self.calls.append(("pause",))

    def resume(self) -> None:
        self.calls.append(("resume",))

    def send_audio_packet(self, data: bytes, *, encode: bool = True) -> None:
        if self.fail is not None:
            raise self.fail
        self.calls.append(("packet", data, encode))

    async def disconnect(self, *, force: bool = False) -> None:
        self.calls.append(("disconnect", force))
        if self.fail is not None:
            raise self.fail

    async def move_to(self, channel, **kwargs) -> None:
        self.calls.append(("move_to", channel))


def voice_channel(channel_id: int, existing: Any = None) -> SimpleNamespace:
    channel = SimpleNamespace(id=channel_id, guild=SimpleNamespace(voice_client=existing), connects=[])

    async def connect(**kwargs: Any) -> RecordingClient:
        channel.connects.append(kwargs)
        return RecordingClient(channel)

    channel.connect = connect
    return channel


async def test_the_wrapper_plays_through_the_sender_and_passes_the_rest_to_the_client() -> None:
    """No discord.py player thread: the packets go out through the shared sender, as ``send_audio_packet(data,
    encode=False)`` on the client (discord.py's own send path: DAVE, RTP, transport encryption)."""
    lounge = voice_channel(1)
    client = RecordingClient(lounge)
    sender = VoiceSender(interval=0.002)
    conn = DiscordVoiceConnection(client, sender=sender)
    assert isinstance(conn, VoiceConnection) and conn.channel is lounge and conn.is_connected()
    ended: list = []
    source = StreamingOpusSource()
    source.push([b"one", b"two"])
    conn.play(source, after=ended.append)
    with pytest.raises(discord.ClientException):
        conn.play(source, after=ended.append)  # one playback per connection
    await wait_for(lambda: len(client.calls) >= 2)
    assert client.calls[:2] == [("packet", b"one", False), ("packet", b"two", False)]
    conn.pause()
    await wait_for(lambda: client.calls.count(("packet", OPUS_SILENCE, False)) >= 5)
    conn.resume()
    source.push([b"three"])
    await wait_for(lambda: ("packet", b"three", False) in client.calls)
    conn.stop()
    await wait_for(lambda: ended == [None])
    await conn.move_to("elsewhere")
    await conn.disconnect()
    assert client.calls[-2:] == [("move_to", "elsewhere"), ("disconnect", True)]
    assert not [c for c in client.calls if c[0] in ("play", "pause", "resume", "stop")]
    sender.close()


def test_keepalive_silence_is_opus_frames_sent_as_they_are() -> None:
    client = RecordingClient(voice_channel(1))
    DiscordVoiceConnection(client).send_silence(3)
    assert client.calls == [("packet", OPUS_SILENCE, False)] * 3
    client.calls.clear()
    client.connected = False
    DiscordVoiceConnection(client).send_silence(3)
    assert client.calls == []  # nothing to send on


def test_a_lost_keepalive_packet_is_not_an_error(caplog) -> None:
    client = RecordingClient(voice_channel(1), fail=OSError("socket closed"))
    with caplog.at_level("DEBUG", logger="bots.discord.voice_channel.connection"):
        DiscordVoiceConnection(client).send_silence(2)
    assert "keepalive silence not sent: OSError" in caplog.text


async def test_the_fake_connection_the_tests_use_is_one_too() -> None:
    conn = await FakeConnector()(FakeChannel(1))
    assert isinstance(conn, VoiceConnection)
    await conn.disconnect()


async def test_connecting_self_deafened() -> None:
    lounge = voice_channel(1)
    conn = await discord_connector(lounge)
    assert lounge.connects == [{"timeout": CONNECT_TIMEOUT, "reconnect": True, "self_deaf": True}]
    assert conn.channel is lounge


async def test_a_client_already_in_the_channel_is_reused() -> None:
    lounge = voice_channel(1)
    existing = RecordingClient(lounge)
    lounge.guild.voice_client = existing
    conn = await discord_connector(lounge)
    assert conn.client is existing and lounge.connects == [] and existing.calls == []


@pytest.mark.parametrize("fail", [None, RuntimeError("already gone")])
async def test_a_client_left_behind_is_disconnected_first(fail) -> None:
    lounge = voice_channel(1)
    stale = RecordingClient(voice_channel(2), fail=fail)  # in another channel (or dropped)
    lounge.guild.voice_client = stale
    conn = await discord_connector(lounge)
    assert stale.calls == [("disconnect", True)] and len(lounge.connects) == 1 and conn.client is not stale
    dropped = RecordingClient(lounge, connected=False)
    lounge.guild.voice_client = dropped
    await discord_connector(lounge)
    assert dropped.calls == [("disconnect", True)] and len(lounge.connects) == 2

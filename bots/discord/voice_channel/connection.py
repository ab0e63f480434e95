"""The small interface between a guild player and a voice connection.

:class:`VoiceConnection` is all the player uses; :class:`DiscordVoiceConnection` wraps a real
``discord.VoiceClient`` and :func:`discord_connector` makes one. Playback does not use discord.py's
``VoiceClient.play`` (one ``AudioPlayer`` thread per connection) but the process's one
:class:`~bots.discord.voice_channel.sender.VoiceSender`, which sends every connection's packets from one
thread through the client's own ``send_audio_packet`` (DAVE and transport encryption included). Tests use a
fake connection on the same sender, whose client records packets instead of encrypting and sending them
(``tests/bots/discord/voice_channel``).

Keepalive primitive: :meth:`VoiceConnection.send_silence` sends Opus silence frames while the playback is
paused; they go out through the sender (one per tick), so only the sender thread ever touches the client's
RTP counters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

import discord

from bots.discord.opus import OPUS_SILENCE
from bots.discord.voice_channel.sender import Playback, VoiceSender, default_sender

log = logging.getLogger(__name__)

#: How long discord.py may take to connect (voice gateway + UDP + DAVE handshake).
CONNECT_TIMEOUT = 20.0


@runtime_checkable
class VoiceConnection(Protocol):
    """What a :class:`~bots.discord.voice_channel.player.GuildPlayer` needs from a voice connection."""

    @property
    def channel(self) -> Any: ...

    def is_connected(self) -> bool: ...

    def play(self, source: discord.AudioSource, *, after: Callable[[Exception | None], Any]) -> None:
        """Start sending ``source`` every 20 ms; ``after`` runs in the sender thread when the playback ends."""

    def stop(self) -> None: ...

    def pause(self) -> None:
        """Stop reading the source (5 silence frames follow and "speaking" goes off, as with discord.py)."""

    def resume(self) -> None: ...

    def send_silence(self, frames: int) -> None:
        """Send ``frames`` Opus silence frames now (keepalive while paused)."""

    async def disconnect(self) -> None: ...

    async def move_to(self, channel: Any) -> None: ...


#: Makes a connected VoiceConnection in ``channel`` (raises on failure).
Connector = Callable[[Any], Awaitable[VoiceConnection]]


class DiscordVoiceConnection:
    """:class:`VoiceConnection` over a real ``discord.VoiceClient``."""

    def __init__(self, client: discord.VoiceClient, sender: VoiceSender | None = None) -> None:
        self.client = client
        self.sender = sender or default_sender()
        self._playback: Playback | None = None

    @property
    def channel(self) -> Any:
        return self.client.channel

    def is_connected(self) -> bool:
        return self.client.is_connected()

    def play(self, source: discord.AudioSource, *, after: Callable[[Exception | None], Any]) -> None:
        # An is_opus() source: nothing is encoded on the way, so no system libopus is needed.
        if not self.client.is_connected():
            raise discord.ClientException("Not connected to voice.")
        if self._playback is not None and not self._playback.ended:
            raise discord.ClientException("Already playing audio.")
        self._playback = self.sender.play(self.client, source, after=after)

    def stop(self) -> None:
        playback, self._playback = self._playback, None
        if playback is not None:
            playback.stop()

    def pause(self) -> None:
        if self._playback is not None:
            self._playback.pause()

    def resume(self) -> None:
        if self._playback is not None:
            self._playback.resume()

    def send_silence(self, frames: int) -> None:
        if not self.client.is_connected():
            return
        if self._playback is not None and not self._playback.ended:
            self._playback.send_silence(frames)  # from the sender thread, between nothing else
            return
        try:
            for _ in range(frames):
                self.client.send_audio_packet(OPUS_SILENCE, encode=False)
        except Exception as exc:  # noqa: BLE001 - a dropped UDP packet is worth a debug line, no more
            log.debug("keepalive silence not sent: %s", type(exc).__name__)

    async def disconnect(self) -> None:
        self.stop()
        await self.client.disconnect(force=True)

    async def move_to(self, channel: Any) -> None:
        await self.client.move_to(channel)


async def discord_connector(channel: Any) -> VoiceConnection:
    """Connect to ``channel`` (self-deafened: the bot never listens), reusing or replacing the guild's client."""
    guild = channel.guild
    existing = guild.voice_client
    if isinstance(existing, discord.VoiceClient):
        if existing.is_connected() and getattr(existing.channel, "id", None) == channel.id:
            return DiscordVoiceConnection(existing)
        # A client left behind by a drop (or in another channel): get rid of it first, or
        # channel.connect() raises "Already connected to a voice channel".
        try:
            await existing.disconnect(force=True)
        except Exception:  # best effort: connecting is what matters
            log.debug("could not clean up an old voice client", exc_info=True)
    client = await channel.connect(timeout=CONNECT_TIMEOUT, reconnect=True, self_deaf=True)
    return DiscordVoiceConnection(client)


__all__ = ["CONNECT_TIMEOUT", "Connector", "DiscordVoiceConnection", "VoiceConnection", "discord_connector"]

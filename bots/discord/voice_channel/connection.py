"""The small interface between a guild player and a voice connection.

:class:`VoiceConnection` is all the player uses; :class:`DiscordVoiceConnection` wraps a real
``discord.VoiceClient`` and :func:`discord_connector` makes one. Tests use a fake connection that
runs discord.py's own ``AudioPlayer`` thread against a recording client (``tests/bots/discord/voice_channel``).

Keepalive primitive: :meth:`VoiceConnection.send_silence` sends Opus silence frames *outside* the
player thread. It is only called while the player is paused (so the two never send at once); a
paused discord.py player is blocked on an event and touches neither the socket nor the RTP counters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

import discord

from bots.discord.opus import OPUS_SILENCE

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
        """Start the 20 ms player thread on ``source``; ``after`` runs in that thread when it ends."""

    def stop(self) -> None: ...

    def pause(self) -> None:
        """Stop reading the source (discord.py sends 5 silence frames and clears "speaking")."""

    def resume(self) -> None: ...

    def send_silence(self, frames: int) -> None:
        """Send ``frames`` Opus silence frames now (keepalive while paused)."""

    async def disconnect(self) -> None: ...

    async def move_to(self, channel: Any) -> None: ...


#: Makes a connected VoiceConnection in ``channel`` (raises on failure).
Connector = Callable[[Any], Awaitable[VoiceConnection]]


class DiscordVoiceConnection:
    """:class:`VoiceConnection` over a real ``discord.VoiceClient``."""

    def __init__(self, client: discord.VoiceClient) -> None:
        self.client = client

    @property
    def channel(self) -> Any:
        return self.client.channel

    def is_connected(self) -> bool:
        return self.client.is_connected()

    def play(self, source: discord.AudioSource, *, after: Callable[[Exception | None], Any]) -> None:
        # An is_opus() source: discord.py builds no libopus encoder, so no system libopus is needed.
        self.client.play(source, after=after)

    def stop(self) -> None:
        self.client.stop()

    def pause(self) -> None:
        self.client.pause()

    def resume(self) -> None:
        self.client.resume()

    def send_silence(self, frames: int) -> None:
        if not self.client.is_connected():
            return
        try:
            for _ in range(frames):
                self.client.send_audio_packet(OPUS_SILENCE, encode=False)
        except Exception as exc:  # noqa: BLE001 - a dropped UDP packet is worth a debug line, no more
            log.debug("keepalive silence not sent: %s", type(exc).__name__)

    async def disconnect(self) -> None:
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

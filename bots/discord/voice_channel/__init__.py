"""The voice-channel half of the Discord adapter (issue 6)."""

from bots.discord.voice_channel import strings as _strings  # noqa: F401  (registers the voice channel's sentences)

"""When the bot leaves a guild's voice channel on its own: the server's idle timeout, within the operator's limits.

* ``/voiceconfig idle_timeout SECONDS`` — the server's own timeout, capped by ``VOICEBRIDGE_VOICE_IDLE_TIMEOUT_MAX``
  (0 there: no cap); unset, the operator's ``VOICEBRIDGE_VOICE_IDLE_TIMEOUT`` applies.
* ``/voiceconfig stay_connected on`` — never leave for idleness nor for being alone in the channel (the bot still
  leaves on ``/leave``, when moved out or when the channel is deleted), if ``VOICEBRIDGE_VOICE_STAY_CONNECTED``
  allows it; if the operator turns that off later, the server's idle timeout (or the default) applies again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bots.discord.voice_channel.player import PlayerSettings
from core.errors import InputError

#: The shortest idle timeout a server may choose, in seconds.
MIN_IDLE_TIMEOUT = 30.0
#: "Never" for a player's alone grace (a finite number keeps its deadline arithmetic plain).
FOREVER = 10.0 ** 9


class StayConnectedOff(InputError):
    """The operator does not let servers keep the bot connected; params: high (the longest idle timeout)."""

    code = "voice_stay_connected_off"


def idle_limit(config: Any) -> float:
    """The longest idle timeout a server may choose (0: no limit)."""
    return float(getattr(config, "voice_idle_timeout_max", 0.0) or 0.0)


def may_stay_connected(config: Any) -> bool:
    """Whether the operator lets servers keep the bot connected with no idle timeout."""
    return bool(getattr(config, "voice_stay_connected", True))


def effective_idle_timeout(base: float, opts: Any, config: Any) -> float | None:
    """The idle timeout a guild's player uses (0: never leaves for idleness); None: ``base`` (the default)."""
    if getattr(opts, "stay_connected", False) and may_stay_connected(config):
        return 0.0
    chosen = getattr(opts, "idle_timeout", None)
    if chosen is None:
        return None
    limit = idle_limit(config)
    chosen = max(MIN_IDLE_TIMEOUT, float(chosen))
    return min(chosen, limit) if limit > 0 else chosen


def player_settings(base: PlayerSettings, opts: Any, config: Any) -> PlayerSettings:
    """``base`` with the guild's idle timeout (and, while it stays connected, no leaving when alone)."""
    timeout = effective_idle_timeout(base.idle_timeout, opts, config)
    if timeout is None:
        return base
    if timeout == 0.0:
        return replace(base, idle_timeout=0.0, alone_grace=FOREVER)
    return replace(base, idle_timeout=timeout)

"""The bot's voice-channel manager: one :class:`GuildPlayer` per guild, guild voice options, and the
contract the text side's ``/speak`` calls (``shares_channel``, ``enqueue_speech``).

Guild options live in the service's scope options (``service.scope_options(scope)``), under the keys
of :class:`VoiceOptions`; they are cached here so the synchronous ``shares_channel`` can consult
``join_on_speak`` (the cache is filled when the bot starts, when someone joins a voice channel, and
by every command that reads or changes them).

Start-up check: voice needs PyNaCl (transport encryption) and davey (DAVE end-to-end encryption,
mandatory on Discord since March 2026). Without them :func:`voice_support` says why, the manager
logs it once, ``shares_channel`` is always False (``/speak`` posts voice messages instead) and the
voice commands answer "voice is not available: install discord.py[voice]".
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import discord

from bots.discord import markup
from bots.discord.voice_channel import idle
from bots.discord.voice_channel.connection import Connector, discord_connector
from bots.discord.voice_channel.player import GuildPlayer, PlayerSettings, Speech
from bots.discord.voice_channel.queue import QueueItem
from core.errors import InputError, VoiceBridgeError
from core.i18n import error_text, t
from core.models import UserRef

log = logging.getLogger("bots.discord.voice_channel")

PLATFORM = "discord"
DEFAULT_SKIP_PREFIX = "-"
DEFAULT_MAX_SECONDS = 30.0
MAX_SECONDS_RANGE = (3.0, 300.0)


class VoiceUnavailable(VoiceBridgeError):
    """PyNaCl or davey is missing: voice channels cannot be used."""

    code = "voice_unavailable"


class NotInVoice(InputError):
    code = "voice_join_first"


class NotConnected(InputError):
    code = "voice_not_connected"


class BusyElsewhere(InputError):
    """params: channel."""

    code = "voice_busy_elsewhere"


class NoVoicePermission(InputError):
    """params: channel."""

    code = "voice_no_permission"


class ConnectFailed(VoiceBridgeError):
    """params: channel."""

    code = "voice_connect_failed"
    retryable = True


def voice_support() -> tuple[bool, str | None]:
    """Whether discord.py can do voice here, and if not, the one line that says why."""
    try:
        from discord import voice_client, voice_state
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - discord.py itself is broken
        return False, f"voice is not available: discord.py voice modules failed to import ({exc})"
    missing = []
    if not getattr(voice_client, "has_nacl", False):
        missing.append("PyNaCl")
    if not getattr(voice_state, "has_dave", False):
        missing.append("davey")
    if missing:
        return False, (f"voice is not available: {' and '.join(missing)} missing; "
                       "install discord.py[voice] (voice channel commands are disabled)")
    return True, None


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    """A guild's voice options (stored in the service's scope options)."""

    autoread_channels: tuple[str, ...] = ()
    autoread_characters: Mapping[str, str] = field(default_factory=dict)  # channel id → character
    join_on_speak: bool = False
    announce: bool = True  # "NAME said" before a new speaker
    skip_prefix: str = DEFAULT_SKIP_PREFIX  # messages starting with it are not read ("" = none)
    ignore_bots: bool = True
    ignore_role: str | None = None  # role id
    required_role: str | None = None  # role id: when set, only members with it are read
    max_seconds: float = DEFAULT_MAX_SECONDS
    #: Members whose messages are not read: user id → "self" (they asked) or "mod" (a moderator did).
    muted: Mapping[str, str] = field(default_factory=dict)
    # read-aloud (issue 14): bots/discord/cogs/voice_channel.py and bots/discord/readaloud.py
    require_voice: bool = True  # only members in the bot's voice channel are read
    text_in_voice: bool = False  # the bot's voice channel's own chat is read without /autoread on there
    announce_members: bool = False  # "NAME joined" / "NAME left" in the bot's voice channel
    idle_timeout: float | None = None  # seconds with nothing said before leaving; None: the operator's
    stay_connected: bool = False  # never leave for idleness or for being alone (if the operator allows)
    channel_voices: Mapping[str, str] = field(default_factory=dict)  # channel id → voice for its auto-read

    #: Storage key of each field (autoread_channels keeps the name the text side may read too).
    KEYS: ClassVar[dict[str, str]] = {
        "autoread_channels": "autoread_channels",
        "autoread_characters": "autoread_characters",
        "join_on_speak": "voice_join_on_speak",
        "announce": "voice_announce",
        "skip_prefix": "voice_skip_prefix",
        "ignore_bots": "voice_ignore_bots",
        "ignore_role": "voice_ignore_role",
        "required_role": "voice_required_role",
        "max_seconds": "voice_max_seconds",
        "muted": "voice_muted",
        "require_voice": "voice_require_voice",
        "text_in_voice": "voice_text_in_voice",
        "announce_members": "voice_announce_members",
        "idle_timeout": "voice_idle_timeout",
        "stay_connected": "voice_stay_connected",
        "channel_voices": "voice_channel_voices",
    }

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> VoiceOptions:
        options = options or {}
        default = cls()
        values: dict[str, Any] = {}
        for name, key in cls.KEYS.items():
            if key not in options or options[key] is None:
                continue
            raw = options[key]
            try:
                if name == "autoread_channels":
                    values[name] = tuple(str(c) for c in raw)
                elif name in ("autoread_characters", "channel_voices"):
                    values[name] = {str(k): str(v) for k, v in dict(raw).items()}
                elif name == "muted":
                    values[name] = {str(k): "self" if v == "self" else "mod" for k, v in dict(raw).items()}
                elif name in ("join_on_speak", "announce", "ignore_bots", "require_voice", "text_in_voice",
                              "announce_members", "stay_connected"):
                    values[name] = bool(raw)
                elif name == "max_seconds":
                    low, high = MAX_SECONDS_RANGE
                    values[name] = min(high, max(low, float(raw)))
                elif name == "idle_timeout":
                    values[name] = max(0.0, float(raw))
                else:
                    values[name] = str(raw)
            except (TypeError, ValueError):
                log.warning("ignoring a malformed voice option %s", key)
        return replace(default, **values)

    def to_options(self, *names: str) -> dict[str, Any]:
        """The storage form of the named fields (all if none named); empty lists and maps store None."""
        out: dict[str, Any] = {}
        for name in names or tuple(self.KEYS):
            value = getattr(self, name)
            if name == "autoread_channels":
                value = list(value) or None
            elif name in ("autoread_characters", "muted", "channel_voices"):
                value = dict(value) or None
            out[self.KEYS[name]] = value
        return out


class JoinOutcome(enum.Enum):
    """Whether the bot goes to someone's voice channel: the first three go, the rest are refusals."""

    ALREADY_HERE = "already here"
    JOIN = "join"  # we are in no voice channel
    MOVE = "move"  # we are in another one, where nobody else listens (or the requester may take us)
    NOT_IN_VOICE = "not in voice"  # the requester is in no voice channel
    JOINING_OFF = "joining off"  # we may not come on our own (the server's join-on-speak is off)
    OTHERS_LISTENING = "others listening"  # others listen where we are


@dataclass(frozen=True, slots=True)
class JoinDecision:
    """:meth:`VoiceChannelManager.join_decision`'s answer, with the channels it was about."""

    outcome: JoinOutcome
    target: Any  # the requester's voice channel (None: they are in none)
    current: Any  # ours (None: we are in none)

    @property
    def refused(self) -> bool:
        return self.outcome not in (JoinOutcome.ALREADY_HERE, JoinOutcome.JOIN, JoinOutcome.MOVE)

    def refusal(self) -> InputError | None:
        """The error that tells the requester why not (None when not refused)."""
        if self.outcome is JoinOutcome.NOT_IN_VOICE:
            return NotInVoice()
        if self.outcome is JoinOutcome.JOINING_OFF and self.current is None:
            return NotConnected()
        if self.outcome in (JoinOutcome.JOINING_OFF, JoinOutcome.OTHERS_LISTENING):
            return BusyElsewhere(channel=_channel_name(self.current))
        return None


class VoiceChannelManager:
    """One per bot: guild id → :class:`GuildPlayer`, plus guild options."""

    def __init__(self, bot: Any, service: Any, *, connector: Connector = discord_connector,
                 settings: PlayerSettings | None = None, encoder_factory: Callable[[], Any] | None = None,
                 support: tuple[bool, str | None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.service = service
        self.connector = connector
        config = getattr(service, "config", None)
        idle = float(getattr(config, "voice_idle_timeout", 300.0)) if config is not None else 300.0
        self.settings = settings or PlayerSettings(idle_timeout=idle)
        self.encoder_factory = encoder_factory
        self.clock = clock
        self.available, self.unavailable_reason = support if support is not None else voice_support()
        if not self.available:
            log.warning("%s", self.unavailable_reason)
        self.players: dict[int, GuildPlayer] = {}
        self._options: dict[int, VoiceOptions] = {}
        self._loading: dict[int, asyncio.Task[VoiceOptions]] = {}
        self._join_locks: dict[int, asyncio.Lock] = {}

    # --- availability --------------------------------------------------------------------------

    def require_available(self) -> None:
        if not self.available:
            raise VoiceUnavailable()

    # --- options -------------------------------------------------------------------------------

    @staticmethod
    def scope(guild_id: int) -> str:
        return f"{PLATFORM}:{guild_id}"

    def cached_options(self, guild_id: int) -> VoiceOptions | None:
        return self._options.get(guild_id)

    async def options(self, guild_id: int, *, refresh: bool = False) -> VoiceOptions:
        """The guild's voice options (cached)."""
        if not refresh and guild_id in self._options:
            return self._options[guild_id]
        task = self._loading.get(guild_id)
        if task is None:
            task = asyncio.ensure_future(self._load_options(guild_id))
            self._loading[guild_id] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._loading.pop(guild_id, None)

    async def _load_options(self, guild_id: int) -> VoiceOptions:
        raw = await self.service.scope_options(self.scope(guild_id))
        opts = VoiceOptions.from_options(raw)
        self._options[guild_id] = opts
        return opts

    async def preload_join_on_speak(self) -> int:
        """Load the options of every guild that turned join-on-speak on; returns how many."""
        scopes = await self.service.scopes_with_option(VoiceOptions.KEYS["join_on_speak"], platform="discord")
        for scope, raw in scopes:
            with contextlib.suppress(ValueError):
                self._options.setdefault(int(scope.split(":", 1)[1]), VoiceOptions.from_options(raw))
        return len(scopes)

    def prefetch_options(self, guild_id: int) -> None:
        """Load a guild's options in the background (so ``shares_channel`` can see join-on-speak)."""
        if guild_id in self._options or guild_id in self._loading:
            return
        task = asyncio.ensure_future(self._load_options(guild_id))
        self._loading[guild_id] = task

        def done(t: asyncio.Task[VoiceOptions]) -> None:
            self._loading.pop(guild_id, None)
            if not t.cancelled() and t.exception() is not None:
                log.warning("could not load voice options of a guild: %s", type(t.exception()).__name__)

        task.add_done_callback(done)

    async def update_options(self, guild_id: int, **changes: Any) -> VoiceOptions:
        """Set some options (field names of :class:`VoiceOptions`) to these values and store them."""
        return await self.edit_options(guild_id, lambda opts: replace(opts, **changes))

    async def edit_options(self, guild_id: int, edit: Callable[[VoiceOptions], VoiceOptions]) -> VoiceOptions:
        """Change the options with ``edit`` (options → options, no side effects), applied to what is stored
        now inside one transaction: two members adding a channel or muting someone at once both count."""

        def apply(raw: dict) -> dict:
            current = VoiceOptions.from_options(raw)
            updated = edit(current)
            changed = [name for name in VoiceOptions.KEYS if getattr(updated, name) != getattr(current, name)]
            return {**raw, **updated.to_options(*changed)} if changed else raw

        stored = await self.service.edit_scope_options(self.scope(guild_id), apply)
        opts = VoiceOptions.from_options(stored)
        self._options[guild_id] = opts
        self.apply_player_settings(guild_id)
        return opts

    def apply_player_settings(self, guild_id: int) -> None:
        """Give the guild's player its idle timeout (the server's, within the operator's limits: ``idle.py``)."""
        player, opts = self.player(guild_id), self._options.get(guild_id)
        if player is not None and opts is not None:
            player.settings = idle.player_settings(self.settings, opts, getattr(self.service, "config", None))

    # --- players -------------------------------------------------------------------------------

    def connection_count(self) -> int:
        """Voice channels the bot is in now (a metrics gauge: may be read from another thread)."""
        return sum(1 for p in list(self.players.values()) if not p.closed and p.connected)

    def queue_depth(self) -> int:
        """Messages waiting in every guild's queue (a metrics gauge)."""
        return sum(p.queue.waiting() for p in list(self.players.values()) if not p.closed)

    def player(self, guild_id: int | None) -> GuildPlayer | None:
        if guild_id is None:
            return None
        player = self.players.get(guild_id)
        if player is not None and player.closed:
            self.players.pop(guild_id, None)
            return None
        return player

    def voice_channel_of(self, guild_id: int | None) -> Any:
        player = self.player(guild_id)
        return player.channel if player is not None and player.connected else None

    def shares_channel(self, member: Any) -> bool:
        """True when ``/speak`` from ``member`` should play in voice: we are in their channel, or the
        server turned on join-on-speak and they are in a voice channel we may take."""
        channel = _member_channel(member)
        if not self.available or channel is None:  # also a DM's User, which has no voice channel
            return False
        guild_id = member.guild.id
        opts = self.cached_options(guild_id)
        decision = self.join_decision(guild_id, channel, requester_id=member.id,
                                      may_join=opts is not None and opts.join_on_speak)
        if opts is None and decision.outcome is JoinOutcome.JOINING_OFF:
            self.prefetch_options(guild_id)
        return not decision.refused

    def join_decision(self, guild_id: int | None, target: Any, *, requester_id: int | None = None, force: bool = False,
                      may_join: bool = True) -> JoinDecision:
        """Whether the bot goes to ``target``, the voice channel of ``requester_id`` (None: they are in none).

        ``may_join``: whether we may come at all when not there yet (the server's join-on-speak, for ``/speak``
        and auto-read); ``force``: take us away from other listeners (Manage Server). Reads the state now,
        changes nothing (``join`` asks again under its lock before acting).
        """
        player = self.player(guild_id)
        connected = player is not None and player.connected
        current = player.channel if player is not None and connected else None
        if target is None:
            outcome = JoinOutcome.NOT_IN_VOICE
        elif current is not None and current.id == target.id:
            outcome = JoinOutcome.ALREADY_HERE
        elif not may_join:
            outcome = JoinOutcome.JOINING_OFF
        elif not connected:
            outcome = JoinOutcome.JOIN
        elif force or _listeners_except(current, requester_id) == 0:
            outcome = JoinOutcome.MOVE
        else:
            outcome = JoinOutcome.OTHERS_LISTENING
        return JoinDecision(outcome, target, current)

    async def join(self, channel: Any, *, requester: Any = None, force: bool = False) -> GuildPlayer:
        """Connect to ``channel`` (or move there). Someone else's audience is not taken away unless
        ``force`` (Manage Server). Raises NoVoicePermission / BusyElsewhere / ConnectFailed."""
        self.require_available()
        guild = channel.guild
        me = getattr(guild, "me", None)
        if me is not None and hasattr(channel, "permissions_for"):
            perms = channel.permissions_for(me)
            if not (perms.connect and perms.speak):
                raise NoVoicePermission(channel=_channel_name(channel))
        lock = self._join_locks.setdefault(guild.id, asyncio.Lock())
        async with lock:
            decision = self.join_decision(guild.id, channel, requester_id=getattr(requester, "id", None), force=force)
            refusal = decision.refusal()
            if refusal is not None:
                raise refusal
            player = self.player(guild.id)
            if player is not None and decision.outcome is not JoinOutcome.JOIN:
                if decision.outcome is JoinOutcome.ALREADY_HERE:
                    return player
                try:
                    await player.connect(channel)  # moves
                except Exception as exc:  # noqa: BLE001 - any move failure becomes one clear sentence
                    log.warning("voice %s: move failed: %s", guild.id, type(exc).__name__)
                    raise ConnectFailed(channel=_channel_name(channel)) from None
                return player
            player = self._new_player(guild.id)
            try:
                await player.connect(channel)
            except Exception as exc:  # any connect failure becomes one clear sentence
                await player.close("connect failed")
                self.players.pop(guild.id, None)
                if isinstance(exc, VoiceBridgeError):
                    raise
                log.warning("voice %s: could not connect: %s", guild.id, type(exc).__name__)
                raise ConnectFailed(channel=_channel_name(channel)) from None
            self.players[guild.id] = player
            await self.options(guild.id)
            self.apply_player_settings(guild.id)
            return player

    def _new_player(self, guild_id: int) -> GuildPlayer:
        kwargs: dict[str, Any] = {}
        if self.encoder_factory is not None:
            kwargs["encoder_factory"] = self.encoder_factory
        return GuildPlayer(guild_id, service=self.service, connector=self.connector, settings=self.settings,
                           clock=self.clock, on_close=self._player_closed, on_error=self._report_error,
                           **kwargs)

    def _player_closed(self, player: GuildPlayer, reason: str) -> None:
        if self.players.get(player.guild_id) is player:
            del self.players[player.guild_id]

    async def leave(self, guild_id: int, reason: str = "leave") -> bool:
        """Disconnect from the guild's voice channel; False if we were not connected."""
        player = self.players.pop(guild_id, None)
        if player is None or player.closed:
            return False
        await player.close(reason)
        return True

    async def close(self) -> None:
        """Leave every voice channel (bot shutdown)."""
        for guild_id in list(self.players):
            with contextlib.suppress(Exception):
                await self.leave(guild_id, "shutdown")

    # --- speaking ------------------------------------------------------------------------------

    async def enqueue(self, guild: Any, member: Any, user: UserRef, text: str, *, character: str | None = None,
                      names: Mapping[str, str] | None = None, origin: Any = None,
                      join: bool = False, announce: bool | None = None,
                      **prepare: Any) -> tuple[GuildPlayer, QueueItem[Speech]]:
        """Prepare ``text`` (errors now, before queueing) and queue it fairly in the guild's player.

        ``join``: connect to the member's channel first if we are not in a voice channel; ``announce``: say
        "NAME said" first (None: as the server chose); ``prepare``: more options for ``service.prepare``.
        """
        self.require_available()
        player = self.player(guild.id)
        channel = _member_channel(member)
        decision = self.join_decision(guild.id, channel, requester_id=member.id)
        if join and decision.outcome not in (JoinOutcome.NOT_IN_VOICE, JoinOutcome.ALREADY_HERE):
            player = await self.join(channel, requester=member)
        if player is None or not player.connected:
            if join and decision.outcome is JoinOutcome.NOT_IN_VOICE:
                raise NotInVoice()
            raise NotConnected()
        opts = await self.options(guild.id)
        utt = await self.service.prepare(user, text, character=character, markup=markup.to_plain(names), **prepare)
        try:
            speech = Speech(utt, speaker=_speaker_name(member, user),
                            announce=opts.announce if announce is None else announce,
                            max_seconds=opts.max_seconds, origin=origin)
            item = player.enqueue(user.user_id, speech, label=text[:80])
        except BaseException:
            self.service.release(utt)
            raise
        return player, item

    async def enqueue_speech(self, interaction: discord.Interaction, user: UserRef, text: str, *,
                             character: str | None = None, names: Mapping[str, str] | None = None) -> str:
        """What ``/speak`` (and ``/character speak``) call when the invoker shares our voice channel:
        queue the text and return the status line, in the invoker's language."""
        from bots.discord.common import mention_names, ui_lang

        self.require_available()
        member = interaction.user
        guild = interaction.guild
        if guild is None:
            raise NotConnected()
        opts = await self.options(guild.id)
        decision = self.join_decision(guild.id, _member_channel(member), requester_id=member.id,
                                      may_join=opts.join_on_speak)
        refusal = decision.refusal()
        if refusal is not None and decision.outcome is not JoinOutcome.OTHERS_LISTENING:
            raise refusal  # others listening: join() asks again under its lock, after the permission check
        join = decision.outcome is not JoinOutcome.ALREADY_HERE
        player, item = await self.enqueue(guild, member, user, text, character=character,
                                          names=mention_names(guild, text) if names is None else names,
                                          origin=interaction, join=join)
        lang = await ui_lang(self.service, interaction)
        return self.status_line(player, item, lang)

    async def say(self, guild_id: int, user: UserRef, text: str) -> QueueItem[Speech] | None:
        """Queue a sentence of the bot's own (a member joined or left) in the guild's voice channel, spoken for
        ``user`` (the bot: the server's default voice); None when we are not connected."""
        player = self.player(guild_id)
        if player is None or not player.connected:
            return None
        utt = await self.service.prepare(user, text)
        try:
            return player.enqueue(user.user_id, Speech(utt, announce=False), label=text[:80])
        except BaseException:
            self.service.release(utt)
            raise

    def status_line(self, player: GuildPlayer, item: QueueItem[Speech], lang: str) -> str:
        channel = _channel_name(player.channel)
        ahead = player.messages_ahead(item)
        if ahead == 0:
            line = t("voice_speaking_now", lang, channel=channel)
        else:
            line = t("voice_queued", lang, channel=channel, ahead=ahead)
        notices = [t(k, lang) for k in getattr(item.payload.utt, "notices", [])]
        return "\n".join([line, *notices])

    async def _report_error(self, item: QueueItem[Speech], exc: BaseException) -> None:
        """A queued item failed while being spoken: tell its author where they asked."""
        origin = item.payload.origin
        if origin is None:
            return
        try:
            if isinstance(origin, discord.Interaction):
                if origin.is_expired():
                    return
                from bots.discord.common import ui_lang

                lang = await ui_lang(self.service, origin)
                reason = error_text(exc, lang) if isinstance(exc, VoiceBridgeError) else t("internal", lang)
                await origin.followup.send(t("voice_speech_failed", lang, reason=reason), ephemeral=True)
            elif hasattr(origin, "add_reaction"):
                await origin.add_reaction("\N{WARNING SIGN}")
        except Exception as err:  # noqa: BLE001 - reporting is best effort
            log.info("could not report a failed utterance: %s", type(err).__name__)

    # --- gateway events -------------------------------------------------------------------------

    def on_voice_state_update(self, member: Any, before: Any, after: Any) -> None:
        """Track drops, moves and listeners (called by the voice-channel cog's listener)."""
        guild = member.guild
        if getattr(after, "channel", None) is not None and not getattr(member, "bot", False):
            self.prefetch_options(guild.id)
        player = self.player(guild.id)
        if player is None:
            return
        me = getattr(self.bot, "user", None)
        if me is not None and member.id == me.id:
            if after.channel is None and before.channel is not None:
                player.notify_disconnected()
            elif after.channel is not None and (before.channel is None or before.channel.id != after.channel.id):
                player.notify_moved(after.channel)
            return
        player.notify_members_changed()


# --- helpers ----------------------------------------------------------------------------------------


def _member_channel(member: Any) -> Any:
    voice = getattr(member, "voice", None)
    return getattr(voice, "channel", None) if voice is not None else None


def _listeners_except(channel: Any, member_id: int | None) -> int:
    members = getattr(channel, "members", None) or []
    return sum(1 for m in members if not getattr(m, "bot", False) and m.id != member_id)


def _channel_name(channel: Any) -> str:
    mention = getattr(channel, "mention", None)
    if mention:
        return mention
    return f"#{getattr(channel, 'name', '?')}"


def _speaker_name(member: Any, user: UserRef) -> str:
    return getattr(member, "display_name", None) or user.display_name or "someone"


__all__ = ["BusyElsewhere", "ConnectFailed", "NoVoicePermission", "NotConnected", "NotInVoice",
           "VoiceChannelManager", "VoiceOptions", "VoiceUnavailable", "voice_support"]

"""Voice channels: ``/join``, ``/leave``, ``/skip``, ``/clear``, ``/autoread on|off|mute|unmute``, ``/voiceconfig …``,
and auto-read (an ``on_message`` listener) of messages from people in the bot's voice channel.

Auto-read reads a message when all of these hold:

* its channel has auto-read on (``/autoread on`` there: a text channel, or a voice channel's own chat), or it
  is the chat of the bot's own voice channel and the server turned ``/voiceconfig text_in_voice`` on;
* the author is a member in the bot's voice channel (or, with ``/voiceconfig join_on_speak``, in any
  voice channel the bot may take; with ``/voiceconfig require_voice off``, anywhere while the bot is in
  voice); bots and webhooks only when "ignore bots" is off;
* it does not start with the skip prefix (default ``-``), is not sent ``@silent``, the author does
  not have the ignored role, has the required role if one is set, and is not muted (``/autoread
  mute``: by themselves, or by a moderator);
* it has text left after cleanup (mentions → display names: ``bots.discord.markup``; links, emoji by name, code:
  ``core.cleanup``), or something to describe: "NAME sent an image", a forwarded message's snapshot
  (``bots.discord.readaloud``).

It is spoken in the author's own voice and settings (or the channel's character; a channel's voice, set with
``/voiceconfig channel_voice``, for authors without a voice of their own), capped at the
server's "longest message" in seconds, announced "NAME said" when the speaker changes, and queued
fairly. With ``/voiceconfig announce_members`` members coming and going are announced; ``/voiceconfig
idle_timeout|stay_connected`` set when the bot leaves (``voice_channel/idle.py``). Sets ``bot.voice_manager``; the
bot's shutdown leaves every voice channel.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord import readaloud
from bots.discord.common import is_manager, member_ref, mention_names, reply, ui_lang
from bots.discord.voice_channel import strings as _strings  # noqa: F401  (registers the voice channel's sentences)
from bots.discord.voice_channel.manager import (
    MAX_SECONDS_RANGE,
    JoinOutcome,
    NotConnected,
    NotInVoice,
    VoiceChannelManager,
    VoiceOptions,
    _member_channel,
)
from bots.discord import readaloud_strings as _readaloud_strings  # noqa: F401  (registers its sentences)
from bots.discord.voice_channel import idle
from core.errors import Busy, NotFound, OutOfRange, PermissionDenied, VoiceBridgeError
from core.models import SettingsPatch
from core.i18n import OFF_WORDS, normalize_language, set_locale, t

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.voice_channel")

READABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def ignore_reason(message: Any, opts: VoiceOptions, *, bot_user_id: int | None,
                  voice_channel_id: int | None, join_on_speak: bool = False) -> str | None:
    """Why ``message`` is not read aloud (None: read it). Pure: no I/O, easy to test."""
    author = message.author
    if bot_user_id is not None and author.id == bot_user_id:
        return "self"
    if str(message.channel.id) not in opts.autoread_channels and not _voice_chat(message, opts, voice_channel_id):
        return "channel"
    if str(author.id) in opts.muted:
        return "muted"
    if getattr(message, "type", discord.MessageType.default) not in READABLE_TYPES:
        return "type"
    is_bot = bool(getattr(author, "bot", False) or getattr(message, "webhook_id", None))
    if is_bot and opts.ignore_bots:
        return "bot"
    flags = getattr(message, "flags", None)
    if flags is not None and getattr(flags, "suppress_notifications", False):
        return "silent"
    content = (message.content or "").strip()
    if not content and not readaloud.has_more_than_text(message):
        return "empty"
    if content and opts.skip_prefix and content.startswith(opts.skip_prefix):
        return "prefix"
    roles = {str(r.id) for r in getattr(author, "roles", []) or []}
    if opts.ignore_role and opts.ignore_role in roles:
        return "role"
    if opts.required_role and opts.required_role not in roles and not is_bot:
        return "role required"
    if not is_bot:
        channel = _member_channel(author)
        if channel is None and (voice_channel_id is None or opts.require_voice):
            return "not in voice"
        if voice_channel_id is None:
            if not join_on_speak:
                return "not connected"
        elif opts.require_voice and channel.id != voice_channel_id:
            return "other voice channel"
    elif voice_channel_id is None:
        return "not connected"
    return None


def _voice_chat(message: Any, opts: VoiceOptions, voice_channel_id: int | None) -> bool:
    """Whether ``message`` is in our voice channel's own chat and the server reads that chat (text in voice)."""
    return opts.text_in_voice and voice_channel_id is not None and message.channel.id == voice_channel_id


def is_moderator(interaction: discord.Interaction[VoiceBridgeBot]) -> bool:
    """Manage Server, Mute Members or Timeout Members: who may mute someone else in auto-read."""
    perms = interaction.permissions
    return is_manager(interaction) or bool(perms.mute_members or perms.moderate_members)


def _require_manager(interaction: discord.Interaction[VoiceBridgeBot], action_key: str) -> None:
    if not is_manager(interaction):
        raise PermissionDenied(action=action_key)


def _on_off(value: bool, lang: str) -> str:
    return t("value_on" if value else "value_off", lang)


class VoiceChannel(commands.Cog):
    """Voice channel control and auto-read."""

    autoread = app_commands.Group(name="autoread", description="Read this channel's messages aloud in voice",
                                  guild_only=True)
    voiceconfig = app_commands.Group(
        name="voiceconfig", description="Voice channel options of this server (Manage Server)",
        guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: VoiceBridgeBot, manager: VoiceChannelManager | None = None) -> None:
        self.bot = bot
        self.manager = manager or VoiceChannelManager(bot, bot.service)

    @property
    def service(self) -> Any:
        return self.bot.service

    @property
    def metrics(self) -> Any:
        return getattr(getattr(self.bot, "app", None), "metrics", None)

    async def cog_load(self) -> None:
        self.bot.voice_manager = self.manager
        if self.metrics is not None:
            self.metrics.watch("voicebridge_voice_connections", "Discord voice channels the bot is in",
                               self.manager.connection_count)
            self.metrics.watch("voicebridge_voice_queue_depth", "Messages waiting in Discord voice queues",
                               self.manager.queue_depth)

    async def cog_unload(self) -> None:
        if getattr(self.bot, "voice_manager", None) is self.manager:
            self.bot.voice_manager = None
        if self.metrics is not None:
            self.metrics.unwatch("voicebridge_voice_connections")
            self.metrics.unwatch("voicebridge_voice_queue_depth")
        await self.manager.close()

    # --- connection --------------------------------------------------------------------------------

    @app_commands.command(name="join")
    @app_commands.guild_only()
    async def join(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Join your voice channel."""
        self.manager.require_available()
        member = interaction.user
        channel = _member_channel(member)
        if channel is None:
            raise NotInVoice()
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await ui_lang(self.service, interaction)
        if self.manager.join_decision(interaction.guild_id, channel).outcome is JoinOutcome.ALREADY_HERE:
            await reply(interaction, t("voice_channel_already_here", lang, channel=channel.mention))
            return
        await self.manager.join(channel, requester=member, force=is_manager(interaction))
        await reply(interaction, t("voice_channel_joined", lang, channel=channel.mention))

    @app_commands.command(name="leave")
    @app_commands.guild_only()
    async def leave(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Leave the voice channel (anyone in it, or Manage Server)."""
        self.manager.require_available()
        channel = self.manager.voice_channel_of(interaction.guild_id)
        if channel is None:
            raise NotConnected()
        theirs = _member_channel(interaction.user)
        if not is_manager(interaction) and (theirs is None or theirs.id != channel.id):
            raise PermissionDenied(action="action_command_here")
        await self.manager.leave(interaction.guild_id, "leave")  # type: ignore[arg-type]
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("voice_channel_left", lang, channel=getattr(channel, "mention", "")))

    @app_commands.command(name="skip")
    @app_commands.guild_only()
    async def skip(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Skip the message being read (your own, or anyone's with Manage Server)."""
        self.manager.require_available()
        player = self.manager.player(interaction.guild_id)
        lang = await ui_lang(self.service, interaction)
        if player is None or not player.connected:
            raise NotConnected()
        try:
            player.skip(str(interaction.user.id), is_manager=is_manager(interaction))
        except NotFound:
            await reply(interaction, t("voice_nothing_playing", lang))
            return
        except PermissionDenied:
            raise PermissionDenied(action="action_skip_others_manage_server") from None
        await reply(interaction, t("voice_skipped", lang))

    @app_commands.command(name="clear")
    @app_commands.guild_only()
    async def clear(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Remove waiting messages: yours, or everyone's with Manage Server."""
        self.manager.require_available()
        player = self.manager.player(interaction.guild_id)
        if player is None or not player.connected:
            raise NotConnected()
        author = None if is_manager(interaction) else str(interaction.user.id)
        removed = player.clear(author)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("voice_queue_cleared", lang, count=removed))

    # --- auto-read ----------------------------------------------------------------------------------

    @autoread.command(name="on")
    @app_commands.describe(character="Read as this character (its voice) instead of each person's own voice")
    async def autoread_on(self, interaction: discord.Interaction[VoiceBridgeBot], character: str | None = None) -> None:
        """Read this channel aloud for people in my voice channel."""
        self.manager.require_available()
        self._require_channel_manager(interaction)
        guild_id = interaction.guild_id
        assert guild_id is not None
        lang = await ui_lang(self.service, interaction)
        channel_id = str(interaction.channel_id)
        name = None
        if character:
            name = await self._character_name(guild_id, character)
        def turn_on(opts: VoiceOptions) -> VoiceOptions:
            characters = {k: v for k, v in opts.autoread_characters.items() if k != channel_id}
            if name:
                characters[channel_id] = name
            return replace(opts, autoread_channels=tuple(dict.fromkeys((*opts.autoread_channels, channel_id))),
                           autoread_characters=characters)

        await self.manager.edit_options(guild_id, turn_on)
        where = f"<#{channel_id}>"
        lines = [t("autoread_on_character", lang, channel=where, character=name) if name
                 else t("autoread_on", lang, channel=where)]
        if self.manager.voice_channel_of(guild_id) is None:
            lines.append(t("autoread_not_joined", lang))
        await reply(interaction, "\n".join(lines))

    @autoread.command(name="off")
    async def autoread_off(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Stop reading this channel aloud."""
        self.manager.require_available()
        self._require_channel_manager(interaction)
        guild_id = interaction.guild_id
        assert guild_id is not None
        channel_id = str(interaction.channel_id)
        await self.manager.edit_options(guild_id, lambda opts: replace(
            opts, autoread_channels=tuple(c for c in opts.autoread_channels if c != channel_id),
            autoread_characters={k: v for k, v in opts.autoread_characters.items() if k != channel_id}))
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("autoread_off", lang, channel=f"<#{channel_id}>"))

    @autoread.command(name="mute")
    @app_commands.describe(member="Whose messages not to read; leave empty for yourself "
                                  "(others need Manage Server or Mute Members)")
    async def autoread_mute(self, interaction: discord.Interaction[VoiceBridgeBot],
                            member: discord.Member | None = None) -> None:
        """Stop reading someone's messages aloud in this server (or your own)."""
        guild_id = interaction.guild_id
        assert guild_id is not None
        target = member or interaction.user
        own = target.id == interaction.user.id
        if not own and not is_moderator(interaction):
            raise PermissionDenied(action="action_mute_others")
        def mute(opts: VoiceOptions) -> VoiceOptions:
            if opts.muted.get(str(target.id)) == "mod":  # a moderator's mute is not turned into a self-mute
                return opts
            return replace(opts, muted={**opts.muted, str(target.id): "self" if own else "mod"})

        await self.manager.edit_options(guild_id, mute)
        player = self.manager.player(guild_id)
        if player is not None:  # their waiting and playing messages go too
            player.clear(str(target.id))
            with contextlib.suppress(NotFound, PermissionDenied):
                player.skip(str(target.id))
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("autoread_muted_self", lang) if own
                    else t("autoread_muted", lang, member=target.mention))

    @autoread.command(name="unmute")
    @app_commands.describe(member="Whose messages to read again; leave empty for yourself")
    async def autoread_unmute(self, interaction: discord.Interaction[VoiceBridgeBot],
                              member: discord.Member | None = None) -> None:
        """Read someone's messages aloud again (or your own, unless a moderator muted you)."""
        guild_id = interaction.guild_id
        assert guild_id is not None
        target = member or interaction.user
        own = target.id == interaction.user.id
        moderator = is_moderator(interaction)
        found: list[str] = []  # how they were muted, as stored when the change is made

        def unmute(opts: VoiceOptions) -> VoiceOptions:
            found[:] = [how] if (how := opts.muted.get(str(target.id))) is not None else []
            if not found or not (moderator or (own and found[0] == "self")):
                return opts
            return replace(opts, muted={k: v for k, v in opts.muted.items() if k != str(target.id)})

        await self.manager.edit_options(guild_id, unmute)
        lang = await ui_lang(self.service, interaction)
        if not found:
            await reply(interaction, t("autoread_not_muted", lang, member=target.mention))
            return
        if not (moderator or (own and found[0] == "self")):
            raise PermissionDenied(action="action_unmute_member")
        await reply(interaction, t("autoread_unmuted_self", lang) if own
                    else t("autoread_unmuted", lang, member=target.mention))

    @autoread_on.autocomplete("character")
    async def autoread_character_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                              current: str) -> list[app_commands.Choice[str]]:
        from bots.discord.cogs.characters import character_choices

        return await character_choices(self.service, interaction, current)

    def _require_channel_manager(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        perms = interaction.permissions
        if not (is_manager(interaction) or perms.manage_channels):
            raise PermissionDenied(action="action_autoread")

    async def _character_name(self, guild_id: int, name: str) -> str:
        wanted = name.strip().casefold()
        for char in await self.service.characters(self.manager.scope(guild_id)):
            if char.name.casefold() == wanted:
                return char.name
        raise NotFound(what="what_character", name=name[:32])

    # --- options ------------------------------------------------------------------------------------

    @voiceconfig.command(name="show")
    async def config_show(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Show this server's voice channel options."""
        lang = await ui_lang(self.service, interaction)
        opts = await self.manager.options(interaction.guild_id, refresh=True)  # type: ignore[arg-type]
        await reply(interaction, self.describe(opts, lang))

    def describe(self, opts: VoiceOptions, lang: str) -> str:
        channels = []
        for cid in opts.autoread_channels:
            char = opts.autoread_characters.get(cid)
            channels.append(f"<#{cid}>" + (f" ({char})" if char else ""))
        body = t("voice_options_body", lang,
                 channels=", ".join(channels) or t("value_none", lang),
                 join=_on_off(opts.join_on_speak, lang), announce=_on_off(opts.announce, lang),
                 prefix=f"`{opts.skip_prefix}`" if opts.skip_prefix else t("value_none", lang),
                 bots=_on_off(opts.ignore_bots, lang),
                 role=f"<@&{opts.ignore_role}>" if opts.ignore_role else t("value_none", lang),
                 required=f"<@&{opts.required_role}>" if opts.required_role else t("value_none", lang),
                 seconds=f"{opts.max_seconds:g}",
                 muted=" ".join(f"<@{uid}>" for uid in list(opts.muted)[:20]) + (
                     f" … +{len(opts.muted) - 20}" if len(opts.muted) > 20 else "") or t("value_none", lang))
        return f"**{t('voice_options_title', lang)}**\n{body}\n{self.describe_readaloud(opts, lang)}"

    def describe_readaloud(self, opts: VoiceOptions, lang: str) -> str:
        config = getattr(self.service, "config", None)
        timeout = idle.effective_idle_timeout(self.manager.settings.idle_timeout, opts, config)
        if timeout is None:
            shown = t("voice_idle_default", lang, seconds=f"{self.manager.settings.idle_timeout:g}")
        else:
            shown = t("voice_idle_never", lang) if timeout == 0 else f"{timeout:g} s"
        voices = ", ".join(f"<#{cid}> ({voice})" for cid, voice in list(opts.channel_voices.items())[:20])
        return t("voice_options_readaloud_body", lang, require=_on_off(opts.require_voice, lang),
                 tiv=_on_off(opts.text_in_voice, lang), members=_on_off(opts.announce_members, lang),
                 idle=shown, stay=_on_off(opts.stay_connected and idle.may_stay_connected(config), lang),
                 voices=voices or t("value_none", lang))

    async def _set(self, interaction: discord.Interaction[VoiceBridgeBot],
                   option: str, shown: str, **changes: Any) -> None:
        _require_manager(interaction, "action_voice_options")
        await self.manager.update_options(interaction.guild_id, **changes)  # type: ignore[arg-type]
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("voice_option_set", lang, option=option, value=shown))

    @voiceconfig.command(name="join_on_speak")
    @app_commands.describe(enabled="Join the caller's voice channel on /speak when I'm not in one")
    async def config_join(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Join the caller's voice channel on /speak (and on auto-read)."""
        await self._set(interaction, "join_on_speak", "value_on" if enabled else "value_off", join_on_speak=enabled)

    @voiceconfig.command(name="announce")
    @app_commands.describe(enabled="Say \"NAME said\" when the speaker changes")
    async def config_announce(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Say "NAME said" before a message when the speaker changes."""
        await self._set(interaction, "announce", "value_on" if enabled else "value_off", announce=enabled)

    @voiceconfig.command(name="skip_prefix")
    @app_commands.describe(prefix="Messages starting with this are not read (e.g. -); 'none' to read everything")
    async def config_prefix(self, interaction: discord.Interaction[VoiceBridgeBot],
                            prefix: app_commands.Range[str, 1, 10]) -> None:
        """Messages starting with this prefix are not read aloud."""
        value = "" if prefix.strip().lower() in OFF_WORDS else prefix.strip()
        await self._set(interaction, "skip_prefix", value or "value_none", skip_prefix=value)

    @voiceconfig.command(name="ignore_bots")
    @app_commands.describe(enabled="Don't read messages of bots and webhooks")
    async def config_bots(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Don't read messages of bots and webhooks."""
        await self._set(interaction, "ignore_bots", "value_on" if enabled else "value_off", ignore_bots=enabled)

    @voiceconfig.command(name="ignore_role")
    @app_commands.describe(role="Members with this role are not read; leave empty to read everyone")
    async def config_role(self, interaction: discord.Interaction[VoiceBridgeBot],
                          role: discord.Role | None = None) -> None:
        """Members with this role are not read aloud."""
        await self._set(interaction, "ignore_role", role.mention if role else "value_none",
                        ignore_role=str(role.id) if role else None)

    @voiceconfig.command(name="required_role")
    @app_commands.describe(role="Only members with this role are read; leave empty to read everyone")
    async def config_required_role(self, interaction: discord.Interaction[VoiceBridgeBot],
                                   role: discord.Role | None = None) -> None:
        """Only members with this role are read aloud."""
        await self._set(interaction, "required_role", role.mention if role else "value_none",
                        required_role=str(role.id) if role else None)

    @voiceconfig.command(name="max_seconds")
    @app_commands.describe(seconds="The longest audio one message may take")
    async def config_max(self, interaction: discord.Interaction[VoiceBridgeBot],
                         seconds: app_commands.Range[float, MAX_SECONDS_RANGE[0], MAX_SECONDS_RANGE[1]]) -> None:
        """The longest a single message may be read, in seconds of audio."""
        await self._set(interaction, "max_seconds", f"{seconds:g} s", max_seconds=float(seconds))

    # --- read-aloud options (issue 14) -------------------------------------------------------------

    @voiceconfig.command(name="require_voice")
    @app_commands.describe(enabled="On: only members in my voice channel; off: anyone in an auto-read channel")
    async def config_require_voice(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Read only members who are in my voice channel (off: anyone writing in an auto-read channel)."""
        await self._set(interaction, "require_voice", "value_on" if enabled else "value_off", require_voice=enabled)

    @voiceconfig.command(name="text_in_voice")
    @app_commands.describe(enabled="Read the text chat of the voice channel I am in")
    async def config_text_in_voice(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Read my voice channel's own text chat, without /autoread on there."""
        await self._set(interaction, "text_in_voice", "value_on" if enabled else "value_off", text_in_voice=enabled)

    @voiceconfig.command(name="announce_members")
    @app_commands.describe(enabled="Say when members join or leave my voice channel")
    async def config_announce_members(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Say "NAME joined" and "NAME left" when members come and go in my voice channel."""
        await self._set(interaction, "announce_members", "value_on" if enabled else "value_off",
                        announce_members=enabled)

    @voiceconfig.command(name="idle_timeout")
    @app_commands.describe(seconds="Seconds with nothing said before I leave; leave empty for the default")
    async def config_idle_timeout(self, interaction: discord.Interaction[VoiceBridgeBot],
                                  seconds: app_commands.Range[float, idle.MIN_IDLE_TIMEOUT, 86400.0] | None = None,
                                  ) -> None:
        """Leave the voice channel after this many seconds with nothing said; empty for the default."""
        _require_manager(interaction, "action_voice_options")
        limit = idle.idle_limit(getattr(self.service, "config", None))
        if seconds is not None and limit and seconds > limit:
            raise OutOfRange(name="name_idle_timeout", value=f"{seconds:g}", low=f"{idle.MIN_IDLE_TIMEOUT:g}",
                             high=f"{limit:g}")
        await self._set(interaction, "idle_timeout", f"{seconds:g} s" if seconds is not None else "value_none",
                        idle_timeout=float(seconds) if seconds is not None else None)

    @voiceconfig.command(name="stay_connected")
    @app_commands.describe(enabled="Stay in the voice channel even when idle or alone")
    async def config_stay_connected(self, interaction: discord.Interaction[VoiceBridgeBot], enabled: bool) -> None:
        """Stay in the voice channel even when idle or alone (if the operator allows it)."""
        _require_manager(interaction, "action_voice_options")
        config = getattr(self.service, "config", None)
        if enabled and not idle.may_stay_connected(config):
            limit = idle.idle_limit(config)
            raise idle.StayConnectedOff(high=f"{limit or 86400.0:g}")
        await self._set(interaction, "stay_connected", "value_on" if enabled else "value_off", stay_connected=enabled)

    @voiceconfig.command(name="channel_voice")
    @app_commands.describe(voice="A preset, or your own clone (you lend it); leave empty to clear this channel's")
    async def config_channel_voice(self, interaction: discord.Interaction[VoiceBridgeBot],
                                   voice: app_commands.Range[str, 1, 100] | None = None) -> None:
        """The voice this channel is read in for members without a voice of their own; empty to clear."""
        from bots.discord.cogs.server import lend_voice

        _require_manager(interaction, "action_voice_options")
        channel_id = str(interaction.channel_id)
        stored, pressed = (await lend_voice(interaction, voice, where=f"<#{channel_id}>")) if voice else (None, None)
        if stored == "":
            return  # they did not confirm
        await self.manager.edit_options(interaction.guild_id, lambda opts: replace(  # type: ignore[arg-type]
            opts, channel_voices={**{k: v for k, v in opts.channel_voices.items() if k != channel_id},
                                  **({channel_id: stored} if stored else {})}))
        lang = await ui_lang(self.service, interaction)
        text = t("voice_option_set", lang, option="channel_voice", value=voice.strip() if voice else "value_none")
        if pressed is not None:
            await pressed.response.edit_message(content=text, view=None)
        else:
            await reply(interaction, text)

    @config_channel_voice.autocomplete("voice")
    async def channel_voice_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                         current: str) -> list[app_commands.Choice[str]]:
        from bots.discord.cogs.server import own_voice_choices

        return await own_voice_choices(self.bot, interaction, current)

    # --- listeners ----------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        guild = message.guild
        if guild is None or not self.manager.available:
            return
        try:
            opts = self.manager.cached_options(guild.id) or await self.manager.options(guild.id)
        except Exception:
            log.warning("could not read voice options", exc_info=True)
            return
        ours = self.manager.voice_channel_of(guild.id)
        if str(message.channel.id) not in opts.autoread_channels and not _voice_chat(
                message, opts, ours.id if ours is not None else None):
            return
        me = getattr(self.bot, "user", None)
        reason = ignore_reason(message, opts, bot_user_id=me.id if me else None,
                               voice_channel_id=ours.id if ours is not None else None,
                               join_on_speak=opts.join_on_speak)
        if reason is not None:
            log.debug("auto-read: not reading a message (%s)", reason)
            return
        await self.read_message(message, opts)

    async def read_message(self, message: discord.Message, opts: VoiceOptions) -> None:
        """Queue ``message`` in its author's voice (or the channel's character)."""
        guild = message.guild
        assert guild is not None
        author = message.author
        locale = str(guild.preferred_locale) if guild.preferred_locale else None
        said = readaloud.reading(message, name=getattr(author, "display_name", None) or author.name,
                                 server_locale=locale)
        if said is None:
            return
        extra = {m.id: m.display_name for m in getattr(message, "mentions", [])}
        names = mention_names(guild, said.text, extra)
        character = opts.autoread_characters.get(str(message.channel.id))
        user = member_ref(author, guild.id, locale=locale)
        set_locale(user.language_hint)
        try:
            voice = opts.channel_voices.get(str(message.channel.id))
            await self.manager.enqueue(guild, author, user, said.text, character=character, names=names,
                                       origin=message, join=opts.join_on_speak,
                                       announce=None if said.announce else False,
                                       channel=SettingsPatch(voice=voice) if voice else None)
        except Busy:
            with contextlib.suppress(Exception):
                await message.add_reaction("\N{HOURGLASS WITH FLOWING SAND}")
        except VoiceBridgeError as exc:
            log.info("auto-read: message not read: %s", type(exc).__name__)
        except Exception:
            log.exception("auto-read failed")

    @commands.Cog.listener()
    async def on_voice_state_update(self, member: discord.Member, before: discord.VoiceState,
                                    after: discord.VoiceState) -> None:
        self.manager.on_voice_state_update(member, before, after)
        try:
            await self.announce_member(member, before, after)
        except VoiceBridgeError as exc:  # busy, rate-limited …: an announcement is not worth more
            log.info("could not announce a member: %s", type(exc).__name__)
        except Exception:
            log.exception("could not announce a member")

    async def announce_member(self, member: Any, before: Any, after: Any) -> bool:
        """Say "NAME joined" / "NAME left" when someone comes into or leaves our voice channel and the server
        asked for it (``/voiceconfig announce_members``), in the server's language and default voice."""
        guild = member.guild
        ours = self.manager.voice_channel_of(guild.id)
        was, now = getattr(before.channel, "id", None), getattr(after.channel, "id", None)
        if getattr(member, "bot", False) or ours is None or was == now or ours.id not in (was, now):
            return False
        opts = self.manager.cached_options(guild.id) or await self.manager.options(guild.id)
        if not opts.announce_members:
            return False
        locale = str(guild.preferred_locale) if guild.preferred_locale else None
        name = getattr(member, "display_name", None) or member.name
        text = t("readaloud_joined" if now == ours.id else "readaloud_left", normalize_language(locale), name=name)
        me = guild.me
        return await self.manager.say(guild.id, member_ref(me, guild.id, locale=locale), text) is not None

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Load guild options that must be known at once: join-on-speak everywhere, and every guild
        where people sit in voice."""
        try:
            await self.manager.preload_join_on_speak()
        except Exception as exc:  # the lazy path still loads them on first use
            log.warning("could not preload join-on-speak options: %s", type(exc).__name__)
        for guild in getattr(self.bot, "guilds", []):
            if any(not m.bot for vc in guild.voice_channels for m in vc.members):
                self.manager.prefetch_options(guild.id)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(VoiceChannel(bot))


__all__ = ["VoiceChannel", "ignore_reason"]

"""``/talk NAME``, ``/talk off``, ``/talk reset``, and the messages a talking character answers.

Who is talked to (a message in a server, from a person, not a bot):

* a message that **starts with a character's name** followed by a comma, colon or the like (``Kurisu, how are
  you?``, ``Kurisu：你好``), or that contains ``@Kurisu`` — that character of this server answers, in any channel,
  whether or not ``/talk`` started a conversation there;
* a **reply to one of the character's messages** (its answer's text or voice messages, remembered by this process,
  or in a channel where ``/talk`` started a conversation any of the bot's messages) — a voice message as the reply
  is transcribed (SenseVoice);
* in a channel where ``/talk NAME`` started a conversation, a message that **mentions the bot**.

Other messages are left alone: people talk among themselves. The answer is spoken in the voice channel the speaker
shares with the bot (or one it may join: the server's join-on-speak), sentence by sentence as the model writes
(:func:`bots.discord.talk_answer.speak_in_voice`), with its text as a reply that grows; elsewhere it comes as voice
messages, the first sentence or two first (:func:`bots.discord.talk_answer.post_voice_notes`). Memory is per channel
and character (``core.talk``). Listening to members in the voice channel itself is not built: see the README.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord import talk_strings as _talk_strings  # noqa: F401  (registers the sentences)
from bots.discord.cogs.characters import character_choices
from bots.discord.common import member_ref, mention_names, ui_lang, user_ref
from bots.discord.talk_answer import AnswerText, ChannelTarget, post_voice_notes, speak_in_voice
from bots.discord.voice_channel.manager import JoinOutcome, _member_channel
from bots.discord.voice_message import post_note
from core.errors import AudioEmpty, AudioTooLarge, InputError, VoiceBridgeError
from core.i18n import NO_WORDS, error_text, set_locale, t

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.talk")

RESET_WORDS = frozenset({"reset", "forget", "重置", "忘记", "リセット"})
#: The largest voice message transcribed to talk (60 s at Discord's ~32–64 kbps is under 500 KB).
MAX_VOICE_BYTES = 2 * 1024 * 1024
#: Messages of the characters remembered (message id → character), so a reply to any of them is understood.
REMEMBERED = 5000
#: How long a server's character names are cached for matching messages against them.
NAMES_TTL = 30.0
_SEPARATOR = ",，、:：!！?？ \u3000"
_MENTION = re.compile(r"<(@[!&]?|#)(\d{15,21})>")
TALKING = ""  # "the character talking in this channel" (as opposed to one named in the message)


def named_character(content: str, names: list[str]) -> str | None:
    """The character a message speaks to: it starts with NAME and a separator (or is just NAME), or contains
    @NAME as a word. Longest names first, case-insensitive."""
    text = content.strip()
    folded = text.casefold()
    for name in sorted(names, key=len, reverse=True):
        key = name.casefold()
        if folded.startswith(key) and (len(text) == len(name) or text[len(name)] in _SEPARATOR):
            return name
        at = folded.find("@" + key)
        while at >= 0:
            end = at + 1 + len(key)
            if end == len(text) or not (text[end].isalnum() or text[end] == "_"):
                return name
            at = folded.find("@" + key, end)
    return None


class Talk(commands.Cog):
    """Talking characters: conversations in text channels, answered aloud."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot
        self.said: collections.OrderedDict[int, str] = collections.OrderedDict()  # message id → character
        self._names: dict[int, tuple[float, list[str]]] = {}

    @property
    def service(self) -> Any:
        return self.bot.service

    def remember(self, message_id: int, character: str) -> None:
        """A message of ``character``: a reply to it talks to it."""
        self.said[message_id] = character
        self.said.move_to_end(message_id)
        while len(self.said) > REMEMBERED:
            self.said.popitem(last=False)

    # --- /talk --------------------------------------------------------------------------------------

    @app_commands.command(name="talk")
    @app_commands.guild_only()
    @app_commands.describe(name="A character of this server; or off (stop) / reset (forget this conversation)")
    async def talk(self, interaction: discord.Interaction[VoiceBridgeBot],
                   name: app_commands.Range[str, 1, 32] | None = None) -> None:
        """Talk with a character in this channel: /talk NAME; /talk off stops, /talk reset makes it forget."""
        lang = await ui_lang(self.service, interaction)
        user, where = user_ref(interaction), str(interaction.channel_id)
        word = (name or "").strip().lower()
        if not word:
            current = await self.service.talk_current(user, where)
            await self._answer(interaction, t("talk_here_now", lang, name=current.name) if current
                               else t("talk_how_to_start", lang), public=False)
        elif word in NO_WORDS:
            ended = await self.service.talk_end(user, where)
            await self._answer(interaction, t("talk_stopped_here", lang, name=ended.name) if ended
                               else t("talk_not_active", lang), public=ended is not None)
        elif word in RESET_WORDS:
            char, count = await self.service.talk_reset(user, where)
            await self._answer(interaction, t("talk_memory_cleared", lang, name=char.name, count=count), public=True)
        else:
            start = await self.service.talk_start(user, where, name or "")
            char = start.character.name
            content = t("talk_listening_here", lang, name=char)
            if start.greeting:
                content += f"\n\n**{char}:** {start.greeting}"
            response = await interaction.response.send_message(
                content[:2000], allowed_mentions=discord.AllowedMentions.none())
            sent = getattr(response, "resource", None)
            if isinstance(sent, discord.Message):
                self.remember(sent.id, char)
            if start.greeting:
                await self._greet(interaction, user, start.greeting, char)

    async def _answer(self, interaction: discord.Interaction, content: str, *, public: bool) -> None:
        await interaction.response.send_message(content, ephemeral=not public,
                                                allowed_mentions=discord.AllowedMentions.none())

    async def _greet(self, interaction: discord.Interaction[VoiceBridgeBot], user: Any, text: str, name: str) -> None:
        """The greeting in the character's voice: in the voice channel we share, else as voice messages."""
        manager = getattr(self.bot, "voice_manager", None)
        member = interaction.user
        try:
            if manager is not None and isinstance(member, discord.Member) and manager.shares_channel(member):
                await manager.enqueue_speech(interaction, user, text, character=name, names={})
                return
            channel = interaction.channel_id
            async with (self.service.session(user, text, character=name) as utt,
                        contextlib.aclosing(self.service.render_notes(utt)) as notes):
                async for note in notes:
                    if channel is None:
                        return
                    posted = await post_note(self.bot.http, channel, note.audio, caption=note.text,
                                             voice_allowed=True)
                    if posted.message_id is not None:
                        self.remember(posted.message_id, name)
        except VoiceBridgeError as exc:  # the conversation has started; say why it was not heard
            lang = await ui_lang(self.service, interaction)
            await interaction.followup.send(error_text(exc, lang), ephemeral=True)
        except discord.HTTPException as exc:
            log.info("talk: could not post the greeting (%s %s)", exc.status, exc.code)

    @talk.autocomplete("name")
    async def name_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                current: str) -> list[app_commands.Choice[str]]:
        choices = await character_choices(self.service, interaction, current)
        typed = (current or "").strip().lower()
        extra = [app_commands.Choice(name=w, value=w) for w in ("off", "reset") if w.startswith(typed)]
        return (choices + extra)[:25]

    # --- messages -----------------------------------------------------------------------------------

    async def names(self, guild_id: int) -> list[str]:
        """The server's character names (cached for :data:`NAMES_TTL` seconds)."""
        cached = self._names.get(guild_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < NAMES_TTL:
            return cached[1]
        names = [c.name for c in await self.service.characters(f"discord:{guild_id}")]
        self._names[guild_id] = (now, names)
        return names

    def forget_names(self, guild_id: int) -> None:
        """A character was created, renamed or deleted: read the names again next time."""
        self._names.pop(guild_id, None)

    async def addressee(self, message: discord.Message) -> str | None:
        """Whom ``message`` talks to: a character's name, :data:`TALKING` (the one talking here), or None."""
        me = self.bot.user
        assert message.guild is not None
        ref = message.reference
        if ref is not None and ref.message_id is not None and ref.channel_id == message.channel.id:
            if ref.message_id in self.said:
                return self.said[ref.message_id]
            replied = ref.resolved
            if isinstance(replied, discord.Message) and me is not None and replied.author.id == me.id:
                return TALKING
        if message.content:
            found = named_character(message.content, await self.names(message.guild.id))
            if found is not None:
                return found
        if me is not None and any(m.id == me.id for m in message.mentions):
            return TALKING
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        guild = message.guild
        if guild is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        if not self.service.talk_enabled or not isinstance(message.author, discord.Member):
            return
        user = member_ref(message.author, guild.id,
                          locale=str(guild.preferred_locale) if guild.preferred_locale else None)
        try:
            name = await self.addressee(message)
            if name == TALKING:
                current = await self.service.talk_current(user, str(message.channel.id))
                name = current.name if current is not None else None
        except Exception:  # the store is down: nobody is answered, nothing breaks
            log.warning("talk: could not tell whom a message talks to", exc_info=True)
            return
        if name:
            await self.converse(message, user, name)

    async def converse(self, message: discord.Message, user: Any, name: str) -> None:
        """Answer ``message`` as the character ``name`` (errors are told in a reply, in the speaker's language)."""
        try:
            lang = set_locale(await self.service.ui_language(user))
        except Exception:
            lang = set_locale(user.language_hint)
        text = AnswerText(message, name, remember=lambda mid: self.remember(mid, name))
        try:
            said = await self.heard(message, user)
            if said:
                await self.answer(message, user, said, name, text)
        except VoiceBridgeError as exc:
            if not isinstance(exc, InputError):
                log.info("talk: %s could not answer: %s", name, type(exc).__name__)
            await self._tell(message, t("talk_could_not_answer", lang, name=name, reason=error_text(exc, lang)))
        except discord.HTTPException as exc:
            log.info("talk: Discord refused (%s %s)", exc.status, exc.code)
        except Exception:
            log.exception("talk: answering failed")
            await self._tell(message, t("internal", lang))

    async def _tell(self, message: discord.Message, content: str) -> None:
        try:
            await message.reply(content[:2000], mention_author=False, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("talk: could not tell the speaker (%s %s)", exc.status, exc.code)

    async def heard(self, message: discord.Message, user: Any) -> str | None:
        """The words of the message: its text (mentions as names, the bot's own mention removed), or its voice
        message transcribed."""
        voice = next((a for a in message.attachments if (a.content_type or "").startswith("audio/")), None)
        if message.flags.voice and voice is not None:
            if voice.size > MAX_VOICE_BYTES:
                raise AudioTooLarge(size=voice.size, limit=MAX_VOICE_BYTES)
            data = await voice.read()
            try:
                return await self.service.talk_transcribe(user, data, voice.filename or "voice.ogg")
            except AudioEmpty:
                await self._tell(message, t("talk_heard_nothing"))
                return None
        content = message.content or ""
        me = self.bot.user
        if me is not None:
            content = re.sub(rf"<@!?{me.id}>", "", content)
        extra = {m.id: m.display_name for m in message.mentions}
        names = mention_names(message.guild, content, extra)
        content = _MENTION.sub(lambda m: names.get(m.group(2), ""), content)
        return " ".join(content.split()) or None

    async def answer(self, message: discord.Message, user: Any, said: str, name: str, text: AnswerText) -> None:
        """The character's answer: aloud in the shared voice channel, else as voice messages; text either way."""
        where = str(message.channel.id)
        player, opts = await self._voice(message)
        async with self.service.talk_turn(user, where, said, character=name) as turn:
            try:
                if player is not None:
                    await speak_in_voice(turn, player, author=user.user_id, release=self.service.release,
                                         text=text, max_seconds=opts.max_seconds if opts else None, origin=message)
                else:
                    await post_voice_notes(turn, self.bot.http, ChannelTarget.of(message), text=text,
                                           remember=text.remember)
            finally:
                await asyncio.shield(text.show())

    async def _voice(self, message: discord.Message) -> tuple[Any, Any]:
        """The guild's player in the speaker's voice channel (joined if the server lets us come), or None."""
        manager = getattr(self.bot, "voice_manager", None)
        member = message.author
        guild = message.guild
        if manager is None or guild is None or not manager.shares_channel(member):
            return None, None
        try:
            opts = await manager.options(guild.id)
            channel = _member_channel(member)
            decision = manager.join_decision(guild.id, channel, requester_id=member.id, may_join=opts.join_on_speak)
            if decision.outcome is JoinOutcome.ALREADY_HERE:
                return manager.player(guild.id), opts
            if decision.refused:
                return None, None
            return await manager.join(channel, requester=member), opts
        except VoiceBridgeError as exc:  # cannot come: voice messages instead
            log.info("talk: answering with voice messages (%s)", type(exc).__name__)
            return None, None


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Talk(bot))


__all__ = ["TALKING", "Talk", "named_character"]

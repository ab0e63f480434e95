"""How a talking character's answer goes out on Discord while the model is still writing it.

* :class:`AnswerText` — the answer's text, a reply to the speaker's message that is edited as sentences arrive (at
  most once per :data:`EDIT_INTERVAL` seconds, and once more at the end), under Discord's 2000 characters.
* :func:`speak_in_voice` — aloud in a voice channel: each sentence is queued in the guild's fair queue the moment the
  model completes it (so the first packet goes out while the model writes the rest). The turn's items are chained
  (:meth:`~bots.discord.voice_channel.queue.FairQueue.follow`, and ``hold_after`` while the model still writes) so
  nobody else's message cuts into the answer, and
  sentences that arrive while the turn's last item still waits are merged into it (one item waiting per turn, never
  the per-user queue limit).
* :func:`post_voice_notes` — outside a voice channel: the turn's voice notes (the first sentence or two first, then
  the rest as it is ready: :meth:`core.talk_turn.TalkTurn.notes`) posted as native voice messages.

Every posted message id goes to ``remember(message_id)``, so replying to any of them talks to the character again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import discord

from bots.discord.common import clip
from bots.discord.voice_channel.player import GuildPlayer, Speech
from bots.discord.voice_channel.queue import QueueItem
from bots.discord.voice_message import DEFAULT_FILESIZE_LIMIT, NoteTooLarge, post_note
from core.talk_sentences import Sentence, weight
from core.talk_turn import TalkTurn, join_sentences

log = logging.getLogger("bots.discord.talk")

#: The shortest time between two edits of an answer's text (Discord allows about 5 edits per 5 s per channel).
EDIT_INTERVAL = 1.0
#: The most a queued item of an answer may weigh (core.talk_sentences.weight): about 10–15 s of speech, under the
#: server's per-message cap (30 s by default).
ITEM_WEIGHT = 160

Remember = Callable[[int], None]


class AnswerText:
    """The answer's text as a reply to ``message``, posted with the first sentence and edited as it grows."""

    def __init__(self, message: discord.Message, name: str, *, remember: Remember,
                 interval: float = EDIT_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.message = message
        self.name = name
        self.remember = remember
        self.interval = interval
        self.clock = clock
        self.sentences: list[str] = []
        self.sent: discord.Message | None = None
        self._shown = ""
        self._at = 0.0
        self.enabled = True

    def content(self) -> str:
        return clip(f"**{self.name}:** {join_sentences(self.sentences)}")

    async def add(self, text: str) -> None:
        """One more sentence of the answer (shown now, or with the next edit)."""
        if text:
            self.sentences.append(text)
            await self.show(final=False)

    async def show(self, *, final: bool = True) -> None:
        """Post or edit the text (``final``: whatever the last edit was, show everything now)."""
        if not self.enabled or not self.sentences:
            return
        content = self.content()
        if content == self._shown or (not final and self.sent is not None and
                                      self.clock() - self._at < self.interval):
            return
        try:
            if self.sent is None:
                self.sent = await self.message.reply(content, mention_author=False,
                                                     allowed_mentions=discord.AllowedMentions.none())
                self.remember(self.sent.id)
            else:
                await self.sent.edit(content=content, allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden:
            log.info("talk: may not post the answer's text here")
            self.enabled = False
            return
        except discord.HTTPException as exc:  # the voice goes on; the text shows at the next edit
            log.info("talk: could not show the answer's text (%s %s)", exc.status, exc.code)
            return
        self._shown, self._at = content, self.clock()


@dataclass(slots=True)
class _Waiting:
    item: QueueItem[Speech]
    sentences: list[Sentence]


async def speak_in_voice(turn: TalkTurn, player: GuildPlayer, *, author: str, release: Callable[[Any], None],
                         text: AnswerText, max_seconds: float | None, origin: Any = None) -> int:
    """Queue each sentence of ``turn`` in ``player`` as the model completes it; show the text as it grows.
    Returns how many items were queued. Raises what the turn raises (after what was already queued)."""
    waiting: _Waiting | None = None
    tail: QueueItem[Speech] | None = None  # the turn's last item that was taken by the player
    queued = 0
    try:
        async for sentence in turn.sentences():
            await text.add(sentence.text)
            if not sentence.speech:
                continue
            group = [sentence]
            if waiting is not None:
                merged = waiting.sentences + [sentence]
                still_waiting = player.queue.position(waiting.item) is not None
                if still_waiting and weight(" ".join(s.speech for s in merged)) <= ITEM_WEIGHT:
                    player.queue.remove(waiting.item.id)  # frees its utterance; the merged one takes its place
                    group = merged
                else:
                    tail = waiting.item
                player.queue.release_hold(waiting.item)
            utt = turn.utterance(group)
            try:
                speech = Speech(utt, speaker=turn.character.name, announce=False, max_seconds=max_seconds,
                                origin=origin)
                item = player.enqueue(author, speech, label=join_sentences([s.text for s in group])[:80])
            except BaseException:
                release(utt)
                raise
            if tail is not None:
                player.queue.follow(item, tail)
            player.queue.hold_after(item)  # the rest of the answer follows it, before anyone else
            waiting = _Waiting(item, group)
            queued += 1
    finally:
        if waiting is not None:
            player.queue.release_hold(waiting.item)
    await text.show()
    return queued


@dataclass(slots=True)
class ChannelTarget:
    """Where and how the notes go: the channel, whether voice messages are allowed, the upload limit."""

    channel_id: int
    can_post: bool
    voice_ok: bool
    filesize_limit: int = DEFAULT_FILESIZE_LIMIT

    @classmethod
    def of(cls, message: discord.Message) -> ChannelTarget:
        channel = message.channel
        guild = message.guild
        me = guild.me if guild is not None else None
        perms = channel.permissions_for(me) if me is not None and hasattr(channel, "permissions_for") else None
        if perms is None:
            return cls(channel.id, True, True)
        in_thread = isinstance(channel, discord.Thread)
        may_send = perms.send_messages_in_threads if in_thread else perms.send_messages
        can_post = bool(may_send and perms.attach_files)
        limit = int(getattr(guild, "filesize_limit", 0) or 0) or DEFAULT_FILESIZE_LIMIT
        return cls(channel.id, can_post, can_post and perms.send_voice_messages, limit)


async def post_voice_notes(turn: TalkTurn, http: Any, target: ChannelTarget, *, text: AnswerText,
                           remember: Remember) -> int:
    """Post the turn's voice notes as they are ready (the text of each joins the answer's text first).
    Returns how many were posted."""
    posted = 0
    async with contextlib.aclosing(turn.notes()) as notes:
        async for spoken in notes:
            for sentence in spoken.sentences:
                await text.add(sentence.text)
            audio = spoken.note.audio
            if len(audio.data) > target.filesize_limit:
                raise NoteTooLarge(size_mb=round(len(audio.data) / 1048576, 1),
                                   limit_mb=round(target.filesize_limit / 1048576, 1))
            if not target.can_post:
                continue
            try:
                sent = await post_note(http, target.channel_id, audio, caption=spoken.caption,
                                       voice_allowed=target.voice_ok)
            except discord.Forbidden:
                log.info("talk: may not post voice messages in channel %s", target.channel_id)
                target.can_post = False
                continue
            if not sent.as_voice:
                target.voice_ok = False
            if sent.message_id is not None:
                remember(sent.message_id)
            posted += 1
    await text.show()
    return posted


__all__ = ["EDIT_INTERVAL", "ITEM_WEIGHT", "AnswerText", "ChannelTarget", "post_voice_notes", "speak_in_voice"]

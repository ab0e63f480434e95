"""Talking characters: a conversation with a character in a chat or channel, answered by a chat model in the
character's voice.

The life of a conversation, as an adapter drives it (``service`` is :class:`core.service.VoiceService`; ``where``
is the platform's id of the chat or channel, so a conversation is a *place* ``"<platform>:<where>"`` and a
character):

1. ``start = await service.talk_start(user, where, "Kurisu")`` makes Kurisu the one who answers there and gives
   its greeting (``start.greeting``, or None) to speak with ``service.session(user, text, character=...)``.
2. Each message: ``async with service.talk_turn(user, where, text) as turn:`` then ``async for spoken in
   turn.notes():`` send ``spoken.note`` (caption ``spoken.caption``) — or read ``turn.sentences()`` and render
   ``turn.utterance([...])`` yourself (a voice channel: ``service.stream_pcm``). Leaving the block closes the model's
   stream, saves the turn to memory (when the answer was complete), and bills its tokens.
   A voice message is first made text with ``await service.talk_transcribe(user, data, filename)``.
3. ``service.talk_reset(user, where)`` forgets the conversation here; ``service.talk_end(user, where)`` ends it;
   ``service.talk_current(user, where)`` says which character talks here.

Faults: refusals are :class:`~core.errors.InputError` (``TalkDisabled``, ``TalkNeedsKey``, ``NotTalking``,
``TokenQuotaExceeded``, and every refusal of :meth:`core.speech.Speech.prepare`: rate, busy, quota, too long);
the model's faults are :class:`~core.chat_errors.ChatModelError` (raised from ``talk_turn``'s iteration, after the
sentences that were already said); speech faults are the usual :class:`~core.errors.ProviderError`. Every one has
its sentence in the user's language (``core.i18n.error_text``).

Memory and privacy: a conversation remembers the last turns within ``VOICEBRIDGE_TALK_MEMORY_TOKENS``. In a group
it is the group's: everyone's turns with that character in that chat are its memory (they were said in front of the
same people). Nothing from another chat or channel, no key and no setting ever goes into a prompt; each turn is
stored under the user who spoke it (the answer too), so ``/forget`` deletes exactly theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from core import audio, text as textmod
from core.chat_errors import NotTalking, TalkDisabled, TalkNeedsKey, TokenQuotaExceeded
from core.chat_model import ChatModel, Message
from core.characters import Characters
from core.config import Config
from core.engines import Engines
from core.errors import AudioEmpty, EmptyText, InputError
from core.i18n import current_locale
from core.identity import Identities
from core.limits import Limits
from core.metrics import Metrics, outcome
from core.models import Character, UserRef
from core.speech import Speech
from core.talk_memory import MAX_TURNS_READ, ConversationRepository, TurnRecord, estimate_tokens, fit_budget
from core.talk_turn import TalkTurn
from core.utterance import Utterance

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"zh": "Simplified Chinese (简体中文)", "ja": "Japanese (日本語)", "en": "English"}
#: The longest voice message transcribed to talk, in seconds.
MAX_VOICE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class TalkStart:
    """A conversation begun: who answers, and what it says first (None: nothing)."""

    character: Character
    greeting: str | None


def system_prompt(character: Character, language: str) -> str:
    """The system message of a character: its persona, the language it answers in, and how to write for speech.
    Only the character's own fields go in (never a key, a setting or anything of a user)."""
    persona = (character.persona or "").strip() or "You are friendly, curious and natural."
    return (f"You are {character.name}. {persona}\n\n"
            f"Always answer in {LANGUAGE_NAMES.get(language, 'English')}. Your words are spoken aloud by a speech "
            "engine in a voice chat: answer in short spoken sentences (usually one to three), plain text only, "
            "with no markdown, lists, emoji, code or stage directions.")


#: How many places without a conversation :class:`Talk` remembers (then it starts over).
QUIET_PLACES = 100_000

class Talk:
    """Conversations with characters (see the module's docstring)."""

    def __init__(self, repo: ConversationRepository, *, identities: Identities, characters: Characters,
                 speech: Speech, engines: Engines, limits: Limits, config: Config, chat: ChatModel | None) -> None:
        self.store = repo
        self.identities = identities
        self.characters = characters
        self.speech = speech
        self.engines = engines
        self.limits = limits
        self.config = config
        self.chat = chat
        # Places known to have no conversation: nearly every message asks (every message of a private chat),
        # and nearly always the answer is no. Only a start can make it wrong: this process's own start clears the
        # place, another process's arrives through the change feed (forget_quiet). ``_starts`` counts starts, so
        # a look-up that raced one does not mark its place quiet.
        self._quiet: set[str] = set()
        self._starts = 0

    @property
    def enabled(self) -> bool:
        """Whether characters may talk here (VOICEBRIDGE_TALK, and a chat model configured)."""
        return self.chat is not None and self.config.talk_enabled

    def _check_enabled(self) -> ChatModel:
        if not self.enabled or self.chat is None:
            raise TalkDisabled()
        return self.chat

    @staticmethod
    def place(user: UserRef, where: str) -> str:
        """The place of a conversation: the platform and its id of the chat or channel."""
        return f"{user.platform}:{where}"

    async def start(self, user: UserRef, where: str, name: str) -> TalkStart:
        """Make the character ``name`` (this chat's, else the user's own) the one who answers here."""
        self._check_enabled()
        char = await self.characters.find(user, name)
        assert char.id is not None
        uid = await self.identities.user_id(user)
        await self._key(uid)  # refuse now, not at the first message, when nobody can pay
        place = self.place(user, where)
        self._starts += 1
        self._quiet.discard(place)
        await self.store.start_talk(place, char.id, uid)
        greeting = (char.greeting or "").strip() or None
        if greeting:
            await self.store.add_turns(place, char.id, [TurnRecord(uid, "assistant", greeting,
                                                                   estimate_tokens(greeting))])
        return TalkStart(character=char, greeting=greeting)

    async def current(self, user: UserRef, where: str) -> Character | None:
        """The character talking here, or None."""
        place = self.place(user, where)
        if place in self._quiet:
            return None
        starts = self._starts
        found = await self.store.get_talk(place)
        if found is None:
            if starts == self._starts:
                if len(self._quiet) >= QUIET_PLACES:
                    self._quiet.clear()
                self._quiet.add(place)
            return None
        return await self.store.get_character_by_id(found)

    def forget_quiet(self, place: str | None = None) -> None:
        """A conversation may have started at ``place`` (None: anywhere) in another process: ask the store again."""
        self._starts += 1
        if place is None:
            self._quiet.clear()
        else:
            self._quiet.discard(place)

    async def end(self, user: UserRef, where: str) -> Character | None:
        """End the conversation here (its memory stays for next time); the character that was talking, or None."""
        char = await self.current(user, where)
        await self.store.end_talk(self.place(user, where))
        return char

    async def reset(self, user: UserRef, where: str, name: str | None = None) -> tuple[Character, int]:
        """Forget the conversation here with ``name`` (default: the character talking here); returns it and the
        number of turns forgotten."""
        char = await self.characters.find(user, name) if name else await self.current(user, where)
        if char is None or char.id is None:
            raise NotTalking()
        return char, await self.store.clear_turns(self.place(user, where), char.id)

    async def _key(self, uid: int) -> tuple[str | None, bool]:
        """The key that pays for the chat model, and whether it is the operator's (counted against the quota):
        the user's own SiliconFlow key when the chat model is SiliconFlow's and VOICEBRIDGE_LLM_API_KEY is unset,
        else the operator's."""
        if self.config.llm_api_key is None and self.config.llm_is_siliconflow:
            own = await self.store.get_api_key(uid)
            if own:
                return own, False
        key = self.config.llm_operator_key()
        if key is None and self.config.llm_is_siliconflow:
            raise TalkNeedsKey()
        return key, True

    async def transcribe(self, user: UserRef, data: bytes, filename: str | None = None) -> str:
        """The text of a voice message (SenseVoice), to talk with; AudioEmpty if nothing was said."""
        remote = self.engines.remote
        uid = await self.identities.user_id(user)
        key = await self.store.get_api_key(uid) or self.config.operator_key()
        if remote is None or not key:
            raise TalkNeedsKey()
        decoded = await audio.decode_upload(data, max_seconds=MAX_VOICE_SECONDS, sample_rate=16000,
                                            filename=filename)
        wav = await audio.encode(decoded.pcm, decoded.sample_rate, "wav")
        text = textmod.strip_control_tokens(await remote.transcribe(wav.data, "speech.wav", api_key=key)).strip()
        if not text:
            raise AudioEmpty()
        return text

    @contextlib.asynccontextmanager
    async def turn(self, user: UserRef, where: str, text: str, *,
                   character: str | None = None) -> AsyncIterator[TalkTurn]:
        """One answer to ``text`` from the character talking here (or ``character``): see the module's docstring.

        Checks, before the model is asked: talking on, a character here, a key to pay, the user's token quota,
        and everything :meth:`core.speech.Speech.prepare` checks (rate, busy, byte quota, length), holding one of
        the user's slots until the block ends. Counted in the process's metrics (``voicebridge_talk_*``); the
        time to the first sentence is measured from here (a voice message was transcribed before)."""
        received = time.monotonic()
        try:
            opened = await self._open(user, where, text, character)
        except Exception as exc:
            self.metrics.talk_turns.labels("refused" if isinstance(exc, InputError) else "failed",
                                           outcome(exc)).inc()
            raise
        turn = opened.turn
        raised: BaseException | None = None
        try:
            yield turn
        except BaseException as exc:
            raised = exc
            raise
        finally:
            self.speech.release(opened.template)
            await turn.stream.aclose()
            await self._settle(opened)
            self._count(opened, received, raised)

    async def _open(self, user: UserRef, where: str, text: str, character: str | None) -> _OpenTurn:
        """The checks of :meth:`turn`, and the turn with its model stream (read when the turn is)."""
        chat = self._check_enabled()
        uid = await self.identities.user_id(user)
        place = self.place(user, where)
        char = await self.characters.find(user, character) if character else await self.current(user, where)
        if char is None or char.id is None:
            raise NotTalking()
        said = textmod.normalize_input(text or "").strip()
        if not said:
            raise EmptyText()
        key, billed = await self._key(uid)
        if billed and self.config.daily_token_quota:
            used = (await self.store.get_tokens(uid))[2]
            if used >= self.config.daily_token_quota:
                raise TokenQuotaExceeded(used=used, limit=self.config.daily_token_quota)
        language = char.reply_language or current_locale()
        template = await self.speech.prepare(user, said, character=char)
        try:
            messages = [Message("system", system_prompt(char, language))]
            history = fit_budget(await self.store.recent_turns(place, char.id, limit=MAX_TURNS_READ),
                                 self.config.talk_memory_tokens)
            messages += [Message(t.role, t.content) for t in history]
            messages.append(Message("user", said))
            stream = chat.stream(messages, model=char.model, api_key=key, max_tokens=self.config.talk_max_tokens)
        except BaseException:
            self.speech.release(template)  # the user's slot is not held by a turn that never began
            raise
        turn = TalkTurn(character=char, user_text=said, stream=stream, template=template, hold=self.limits.hold,
                        render=self.speech.renderer.notes, language=char.reply_language)
        return _OpenTurn(turn, template, uid, place, char.id, messages, billed)

    async def _settle(self, opened: _OpenTurn) -> None:
        """Bill the turn's tokens and, when the answer was whole, remember it."""
        turn, uid = opened.turn, opened.uid
        prompt, completion = self._tokens(opened)
        if prompt or completion:
            key = "operator" if opened.billed else "user"
            self.metrics.talk_tokens.labels("prompt", key).inc(prompt)
            self.metrics.talk_tokens.labels("completion", key).inc(completion)
        try:
            if prompt or completion:
                await self.store.add_tokens(uid, prompt + completion, operator=opened.billed)
            answer = turn.answer
            if turn.complete and answer:
                await self.store.add_turns(opened.place, opened.character_id, [
                    TurnRecord(uid, "user", turn.user_text, estimate_tokens(turn.user_text)),
                    TurnRecord(uid, "assistant", answer, estimate_tokens(answer))])
        except Exception:  # the answer was given; a failed bookkeeping write must not turn it into an error
            log.warning("could not record a conversation turn", exc_info=True)

    @staticmethod
    def _tokens(opened: _OpenTurn) -> tuple[int, int]:
        """The turn's (prompt, completion) tokens: as the server reported them, else estimated from the text when
        the model began answering, else none."""
        usage = opened.turn.stream.usage
        if usage.reported:
            return usage.prompt_tokens, usage.completion_tokens
        if not opened.turn.stream.started:
            return 0, 0
        return sum(estimate_tokens(m.content) for m in opened.messages), estimate_tokens(opened.turn.answer)

    def _count(self, opened: _OpenTurn, received: float, raised: BaseException | None) -> None:
        """The turn in the metrics: how it ended, and the time from the message to its first sentence."""
        turn = opened.turn
        if turn.first_sentence_at is not None:
            self.metrics.talk_first_sentence.observe(max(0.0, turn.first_sentence_at - received))
        fault = raised or turn.fault  # what ended the block, else the model's fault the adapter caught in it
        if fault is None and turn.complete:
            result, reason = "answered", "truncated" if turn.truncated else "complete"
        elif fault is not None:
            result, reason = "failed", "cancelled" if isinstance(fault, asyncio.CancelledError) else outcome(fault)
        else:  # the adapter left the block before the answer's end
            result, reason = "abandoned", "unread"
        self.metrics.talk_turns.labels(result, reason).inc()

    @property
    def metrics(self) -> Metrics:
        return self.speech.metrics


@dataclass(frozen=True, slots=True)
class _OpenTurn:
    """A turn begun by :meth:`Talk.turn`, and what settling it needs."""

    turn: TalkTurn
    template: Utterance
    uid: int
    place: str
    character_id: int
    messages: list[Message]
    billed: bool

"""One answer of a talking character, from the model's first token to the last voice note.

A :class:`TalkTurn` is made by :meth:`core.talk.Talk.turn` (which also saves it to memory and bills it when the
turn ends). An adapter uses one of three ways to hear it:

* :meth:`TalkTurn.notes`: finished voice notes as soon as each is ready: the first is the first sentence (or two,
  when the first is short), each next one holds what the model wrote while the previous one was being made, so
  speech starts while the model is still writing and the notes stay few;
* :meth:`TalkTurn.sentences` with :meth:`TalkTurn.utterance`: sentences as the model completes them, and an
  :class:`~core.utterance.Utterance` for any of them, rendered by the adapter (``service.stream_pcm`` for a voice
  channel, ``service.render_notes`` for notes);
* :attr:`TalkTurn.answer` after either: the whole text, as said.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from core import lexicon
from core.chat_model import ChatStream
from core.models import AudioFormat, Character, VoiceNote
from core.talk_sentences import Sentence, SentenceCutter, caption, speakable, weight
from core.utterance import Utterance

#: The longest answer in characters, whatever max_tokens let through (a run-on model is cut here).
MAX_ANSWER_CHARS = 1500
#: A first sentence lighter than this (core.talk_sentences.weight) waits for the next one to share its note.
FIRST_NOTE_MIN_WEIGHT = 24
#: The most spoken characters in one voice note after the first.
NOTE_CHARS = 600


@dataclass(frozen=True, slots=True)
class SpokenNote:
    """A voice note of an answer and the sentences it says (their text is the caption)."""

    note: VoiceNote
    sentences: tuple[Sentence, ...]

    @property
    def caption(self) -> str:
        return join_sentences([s.text for s in self.sentences])


def join_sentences(texts: Sequence[str]) -> str:
    """Sentences as one text: a space between Latin-script ones, nothing after a CJK one."""
    out = ""
    for text in texts:
        if out and not (weight(out[-1]) == 2 or weight(text[:1]) == 2):
            out += " "
        out += text
    return out


class TalkTurn:
    """One answer being written and spoken (see the module's docstring). Made by :meth:`core.talk.Talk.turn`."""

    def __init__(self, *, character: Character, user_text: str, stream: ChatStream, template: Utterance,
                 hold: Callable[[int], None], render: Callable[[Utterance, AudioFormat], AsyncIterator[VoiceNote]],
                 language: str | None) -> None:
        self.character = character
        self.user_text = user_text
        self.stream = stream
        self._template = template
        self._hold = hold
        self._render = render
        self._language = language
        self._said: list[str] = []
        self._iterated = False
        #: whether the model finished (or was cut at the answer's maximum length) without a fault
        self.complete = False
        #: whether the answer was cut short (the model's max_tokens, or MAX_ANSWER_CHARS)
        self.truncated = False
        self.notices = list(template.notices)
        #: when (time.monotonic) the first sentence with something to say was ready (None: not yet); for metrics
        self.first_sentence_at: float | None = None
        #: the chat model's fault that ended the answer, if one did (also raised to the reader); for metrics
        self.fault: BaseException | None = None

    @property
    def answer(self) -> str:
        """The answer as said so far (every sentence given out, control tokens removed)."""
        return join_sentences(self._said)

    async def sentences(self) -> AsyncIterator[Sentence]:
        """The answer's sentences as the model completes them. Iterate once (or use :meth:`notes`)."""
        if self._iterated:
            raise RuntimeError("a turn's answer can be read once")
        self._iterated = True
        cutter = SentenceCutter()
        written = 0
        index = 0
        try:
            async for piece in self.stream:
                written += len(piece)
                for raw in cutter.feed(piece):
                    yield self._sentence(raw, index)
                    index += 1
                if written >= MAX_ANSWER_CHARS:
                    self.truncated = True
                    break
            self.truncated = self.truncated or self.stream.finish_reason == "length"
            rest = cutter.flush()
            if not self.truncated or index == 0:  # a cut answer ends at its last whole sentence
                for raw in rest:
                    yield self._sentence(raw, index)
                    index += 1
            self.complete = True
        except Exception as exc:
            self.fault = exc
            raise
        finally:
            await self.stream.aclose()

    def _sentence(self, raw: str, index: int) -> Sentence:
        shown = caption(raw)
        if shown:
            self._said.append(shown)
        sentence = Sentence(text=shown, speech=speakable(raw), index=index)
        if sentence.speech and self.first_sentence_at is None:
            self.first_sentence_at = time.monotonic()
        return sentence

    def utterance(self, sentences: Sequence[Sentence]) -> Utterance:
        """The speech of ``sentences`` in the character's voice: render it (``service.render_notes`` /
        ``service.stream_pcm``), which frees the slot it holds. ValueError if nothing in them can be spoken."""
        text = " ".join(s.speech for s in sentences if s.speech).strip()
        if not text:
            raise ValueError("nothing to speak")
        spoken = lexicon.apply(text, self._template.dictionary)
        settings = self._template.settings
        if settings.language == "auto" and self._language:
            settings = dataclasses.replace(settings, language=self._language)
        utt = dataclasses.replace(self._template, text=spoken, notes=[spoken], settings=settings, notices=[],
                                  _released=False)
        self._hold(utt.user_id)
        return utt

    async def notes(self, fmt: AudioFormat = "ogg") -> AsyncIterator[SpokenNote]:
        """Voice notes as they are ready, the next one made while the adapter sends this one."""
        sentences: asyncio.Queue[Sentence | None | BaseException] = asyncio.Queue()
        ready: asyncio.Queue[SpokenNote | None | BaseException] = asyncio.Queue(maxsize=1)

        async def read() -> None:
            try:
                async for sentence in self.sentences():
                    await sentences.put(sentence)
                await sentences.put(None)
            except Exception as exc:  # handed to the reader of the notes, after what was said
                await sentences.put(exc)

        async def speak() -> None:
            try:
                await self._speak_groups(sentences, ready, fmt)
            except Exception as exc:
                await ready.put(exc)

        tasks = [asyncio.create_task(read()), asyncio.create_task(speak())]
        try:
            while True:
                item = await ready.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _speak_groups(self, sentences: asyncio.Queue, ready: asyncio.Queue, fmt: AudioFormat) -> None:
        pending: list[Sentence] = []
        ended = False
        fault: BaseException | None = None
        first = True

        def take(item: Sentence | None | BaseException) -> None:
            nonlocal ended, fault
            if item is None:
                ended = True
            elif isinstance(item, BaseException):
                ended, fault = True, item
            else:
                pending.append(item)

        while True:
            if not pending and not ended:
                take(await sentences.get())
            while first and not ended and weight(" ".join(s.speech for s in pending)) < FIRST_NOTE_MIN_WEIGHT:
                take(await sentences.get())
            while not ended and not sentences.empty() and not first:
                take(sentences.get_nowait())
            group, pending = _group(pending, NOTE_CHARS)
            if any(s.speech for s in group):
                first = False
                utt = self.utterance(group)
                async for note in self._render(utt, fmt):
                    await ready.put(SpokenNote(note=note, sentences=tuple(group)))
            elif group and not ended:
                pending = group + pending  # nothing to say yet: keep the text for the next note's caption
                take(await sentences.get())
                continue
            if ended and not pending:
                break
        await ready.put(fault if fault is not None else None)


def _group(pending: list[Sentence], limit: int) -> tuple[list[Sentence], list[Sentence]]:
    """The first sentences of ``pending`` whose speech fits ``limit`` characters (at least one), and the rest."""
    size = 0
    for i, sentence in enumerate(pending):
        size += len(sentence.speech) + 1
        if size > limit and i > 0:
            return pending[:i], pending[i:]
    return pending, []

"""Talking characters: how soon the first audio of an answer exists, streamed sentence by sentence vs. the sequential
way (the whole answer, then its whole speech).

The real service (``bots.app``: talk, sentence cutting, rendering, Ogg/Opus, SQLite memory) against two loopback
fakes at realistic speed: the chat model's first token after 300 ms, then 30 tokens a second (a 60-word answer of
five sentences); SiliconFlow at CosyVoice2's timing (first audio 150 ms after the request, then 5× faster than real
time, on schedule). Times run from the user's message (``talk_turn`` entered) to:

* Telegram: the first voice note ready to send (``turn.notes()``'s first; the first sentence or two);
* voice channel: the first PCM chunk of the first sentence (``service.stream_pcm(turn.utterance([first]))``);
* sequential: the model's whole answer (``ChatModel.complete``), then the whole answer spoken as one note.

``python -m bench talk`` (30 runs each) or ``python -m bench talk --quick`` (5).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import now, summary

FIRST_TOKEN = 0.3
TOKENS_PER_SECOND = 30.0
FIRST_AUDIO = 0.150
REALTIME_FACTOR = 0.2
RUNS = 30
WHERE = "bench-chat"
SENTENCES = ("The lab is quiet tonight and the coffee machine is finally working again.",
             "I finished reading the paper you sent me about time travel and memory.",
             "Most of it was careful work, although the last chapter felt rushed to me.",
             "We should test the idea ourselves before anyone else notices the result.",
             "Come by tomorrow morning and bring the notes from our last experiment.")


def answer(run: int) -> str:
    """A 60-word answer of five sentences, different each run (so no audio comes from the cache)."""
    return " ".join(s.replace("the ", f"the {run}th ", 1) for s in SENTENCES)


async def _streamed_note(service: Any, user: Any, text: str) -> tuple[float, float]:
    """(first voice note ready, every note ready) for one turn."""
    start = now()
    model_done = first_note = 0.0
    async with service.talk_turn(user, WHERE, text) as turn:
        async for _spoken in turn.notes():
            if not first_note:
                first_note = now() - start
        model_done = now() - start
    return first_note, model_done


async def _streamed_pcm(service: Any, user: Any, text: str) -> tuple[float, float]:
    """(first PCM chunk, first sentence complete) for one turn, as a voice channel plays it."""
    start = now()
    first_pcm = first_sentence = 0.0
    async with service.talk_turn(user, WHERE, text) as turn:
        async for sentence in turn.sentences():
            if not first_sentence:
                first_sentence = now() - start
                async for _chunk in service.stream_pcm(turn.utterance([sentence])):
                    first_pcm = now() - start
                    break
    return first_pcm, first_sentence


async def _sequential(service: Any, user: Any, chat: Any, text: str) -> tuple[float, float]:
    """(first audio, model finished) the sequential way."""
    from core.chat_model import Message

    start = now()
    whole, _ = await chat.complete([Message("user", text)], max_tokens=300)
    model_done = now() - start
    await service.speak(user, whole, character="Kurisu")
    return now() - start, model_done


async def run(argv: list[str] | None = None) -> dict[str, Any]:
    from bots.app import build_app
    from core.config import load_config
    from core.models import UserRef
    from tests.fakes.chat_model import FakeChatModel
    from tests.fakes.siliconflow import FakeSiliconFlow

    runs = 5 if argv and "--quick" in argv else RUNS
    user = UserRef(platform="cli", user_id="bench")
    raw: dict[str, list[float]] = {k: [] for k in ("note", "pcm", "sentence", "model", "sequential", "seq_model")}
    with (tempfile.TemporaryDirectory() as tmp,
          FakeSiliconFlow(api_keys={"sk-bench"}, first_byte_delay=FIRST_AUDIO, realtime_factor=REALTIME_FACTOR,
                          on_schedule=True) as sf,
          FakeChatModel(first_token_delay=FIRST_TOKEN, tokens_per_second=TOKENS_PER_SECOND) as llm):
        config = load_config(data_dir=Path(tmp), provider="siliconflow", siliconflow_base_url=sf.base_url,
                             siliconflow_api_key="sk-bench", llm_base_url=llm.base_url, llm_api_key="sk-llm",
                             requests_per_minute=0, talk=True, talk_memory_tokens=0)
        async with await build_app(config) as app:
            service = app.service
            await service.create_character(user, "Kurisu", voice="claire", personal=True)
            await service.talk_start(user, WHERE, "Kurisu")
            for i in range(runs):
                llm.script(answer(3 * i))
                note, model = await _streamed_note(service, user, f"question {i}")
                raw["note"].append(note)
                raw["model"].append(model)
                llm.script(answer(3 * i + 1))
                pcm, sentence = await _streamed_pcm(service, user, f"question {i}")
                raw["pcm"].append(pcm)
                raw["sentence"].append(sentence)
                llm.script(answer(3 * i + 2))
                seq, seq_model = await _sequential(service, user, app.service.cases.talk.chat, f"question {i}")
                raw["sequential"].append(seq)
                raw["seq_model"].append(seq_model)
    s = {k: summary(v) for k, v in raw.items()}
    overhead = [p - f for p, f in zip(raw["pcm"], raw["sentence"], strict=True)]
    rows = [
        ["Telegram: first voice note", f"{s['note']['p50']:.2f} s", f"{s['note']['p99']:.2f} s",
         f"{s['sequential']['p50'] / s['note']['p50']:.1f}x"],
        ["voice channel: first packet", f"{s['pcm']['p50']:.2f} s", f"{s['pcm']['p99']:.2f} s",
         f"{s['sequential']['p50'] / s['pcm']['p50']:.1f}x"],
        ["sequential: whole answer, then whole speech", f"{s['sequential']['p50']:.2f} s",
         f"{s['sequential']['p99']:.2f} s", "1.0x"],
        ["(model: first sentence written)", f"{s['sentence']['p50']:.2f} s", f"{s['sentence']['p99']:.2f} s", ""],
        ["(model: whole answer written)", f"{s['seq_model']['p50']:.2f} s", f"{s['seq_model']['p99']:.2f} s", ""],
    ]
    bar = summary(overhead)["p50"] - FIRST_AUDIO
    return {
        "title": f"talking: time from the user's message to the first audio ({runs} runs each, 60-word answer)",
        "columns": ["way", "p50", "p99", "sooner than sequential (p50)"],
        "rows": rows,
        "notes": [f"chat model: first token {FIRST_TOKEN * 1000:.0f} ms, then {TOKENS_PER_SECOND:g} tokens/s; speech: "
                  f"first audio {FIRST_AUDIO * 1000:.0f} ms, {1 / REALTIME_FACTOR:g}x real time",
                  f"voice channel: first packet − first sentence written = {summary(overhead)['p50'] * 1000:.0f} ms "
                  f"p50, i.e. the provider's first audio + {bar * 1000:.0f} ms (bar: + 50 ms)"],
        "raw": raw,
    }

"""Helpers shared by the SiliconFlow provider tests."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import pytest

from core.errors import (
    VoiceBridgeError,
)
from core.models import PCMChunk, SynthesisRequest
from core.providers.siliconflow import SiliconFlowProvider

MODEL = "FunAudioLLM/CosyVoice2-0.5B"
Factory = Callable[..., SiliconFlowProvider]


class ErrorLog:
    """The errors of provider calls made one after another: ``await log.attempt(lambda: ...)`` keeps a
    :class:`VoiceBridgeError` in ``log.errors`` and lets anything else through."""

    def __init__(self) -> None:
        self.errors: list[VoiceBridgeError] = []

    async def attempt(self, call) -> None:
        try:
            await call()
        except VoiceBridgeError as exc:
            self.errors.append(exc)


class RecordingSleep:
    """A ``sleep`` for the provider that records the backoff pauses instead of taking them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def collect(provider: SiliconFlowProvider, request: SynthesisRequest, **kwargs: object) -> list[PCMChunk]:
    return [chunk async for chunk in provider.synthesize(request, **kwargs)]


def say(text: str = "hello there", voice: str = "alex", **kwargs: object) -> SynthesisRequest:
    return SynthesisRequest(text=text, voice=voice, **kwargs)


#: Words a body could carry that must never reach an error or a log line.
BODY_MARKER = "PROXY-PAGE-SECRET-TEXT"


async def speak_until_error(provider: SiliconFlowProvider, request: SynthesisRequest,
                            error: type[VoiceBridgeError]) -> tuple[VoiceBridgeError, int]:
    """Run one synthesis that must fail with ``error``; returns it and how many PCM bytes were yielded."""
    received = 0
    with pytest.raises(error) as caught:
        async for chunk in provider.synthesize(request):
            received += len(chunk.data)
    return caught.value, received


def assert_quotes_nothing(err: VoiceBridgeError, *secrets: str) -> None:
    texts = [str(err), repr(err), repr(err.params), str(err.detail), "".join(traceback.format_exception(err))]
    for secret in secrets:
        for text in texts:
            assert secret not in text

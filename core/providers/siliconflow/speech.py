"""Speech from SiliconFlow: CosyVoice2 streamed as ``pcm`` (or Ogg/Opus) and yielded as it arrives.

- Speech is requested as a chunked ``pcm`` stream with an explicit ``sample_rate`` and
  yielded as :class:`~core.models.PCMChunk` while it arrives (an odd trailing byte waits for
  the next chunk, so every chunk holds whole s16le samples); or, by :meth:`SiliconFlowSpeech.synthesize_opus`,
  as ``opus`` at 48 kHz: an Ogg/Opus file, yielded as the bytes arrive.
- A request with a ``reference`` (a "dynamic voice": speak like this recording, nothing stored) is sent with
  ``voice: ""`` and ``references: [{"audio": "data:…;base64,…", "text": transcript}]`` (SiliconFlow's guide;
  the April-2025 CosyVoice2 schema does not list the field, so a 400 for it is expected from some deployments).
- ``<|…|>`` tokens are removed from the user's text and the instruction; the instruction goes
  in front as ``instruction<|endofprompt|>text``.
- Retried like any idempotent call, but only *before* the first audio byte was yielded
  (afterwards a cut raises :class:`~core.errors.ProviderStreamCut`; retrying would duplicate audio).
- The ``Content-Type`` must not be text, JSON, XML/HTML (audio/*, octet-stream, ``application/audio``
  and a missing type are fine — the service's types vary), and the first bytes must not be text or
  another file format (RIFF, Ogg, ID3, fLaC: we asked for headerless ``pcm``). A JSON error body
  (``{"code", "message"}``) maps to the error its code means (20012 → 400, 30001 → 402, 50505 → 503,
  an HTTP-like code as itself) and is retried like that status; anything else is
  :class:`~core.errors.ProviderNotAudio`, as is an answer with no whole sample. An ``opus`` answer must
  start with an Ogg page.
- Capped: at most ``audio_seconds(text, speed)`` of audio, i.e.
  ``(audio_seconds_floor + audio_seconds_per_char × characters) / speed`` (15 s + 0.6 s per
  character: about 2.5× the slowest real CosyVoice2 Chinese, 8× English), as bytes at the
  requested rate, for ``opus`` as bytes at Opus's highest bit rate (→ ``ProviderNotAudio``; a declared
  ``Content-Length`` beyond it is refused before any audio is handed out), optionally also
  ``max_audio_bytes``; and a wall-clock deadline of
  ``first_byte_timeout + audio_seconds`` from sending the request (→ ``ProviderTimeout``; a consumer
  playing in real time needs at most the audio's duration).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx

from core.errors import (
    EmptyText,
    InvalidValue,
    ProviderError,
    ProviderNotAudio,
    ProviderStreamCut,
    ProviderTimeout,
    UnknownVoice,
)
from core.models import PRESET_VOICES, PCMChunk, Reference, SynthesisRequest
from core.providers.siliconflow.answers import (
    CONTAINER_MAGIC,
    ERROR_BODY_LIMIT,
    SNIFF_BYTES,
    as_int,
    is_text,
    may_be_audio,
    media_type,
    parse_json,
    read_limited,
    read_up_to,
    safe_media,
)
from core.providers.siliconflow.client import Budget, Failure, SiliconFlowClient, logger
from core.text import strip_control_tokens  # the one rule for user text: see core.text

__all__ = ["OPUS_SAMPLE_RATE", "PCM_SAMPLE_RATES", "SiliconFlowSpeech"]

#: Sample rates SiliconFlow accepts for ``pcm``.
PCM_SAMPLE_RATES: tuple[int, ...] = (8000, 16000, 24000, 32000, 44100)
#: The one sample rate of ``opus``.
OPUS_SAMPLE_RATE = 48000
#: Opus at its highest bit rate (510 kbit/s) plus the Ogg pages around it, rounded up.
OPUS_MAX_BYTES_PER_SECOND = 66_000


class StatusFailure(Exception):
    """Carries a non-2xx answer out of the speech opener (internal)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.error.detail)
        self.failure = failure


class SiliconFlowSpeech(SiliconFlowClient):
    """The speech half of the provider: :meth:`synthesize` (PCM), :meth:`synthesize_opus` and the caps they enforce."""

    async def synthesize(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        """Stream ``request`` as s16le mono PCM at ``request.sample_rate``.

        Raises a :class:`~core.errors.ProviderError` subclass (after retries where safe);
        :class:`~core.errors.ProviderStreamCut` if the stream breaks after audio was yielded;
        :class:`~core.errors.ProviderNotAudio` for a 200 that is not audio (or more of it than the
        text can take); :class:`~core.errors.ProviderTimeout` for a stream that does not end in time.
        """
        key = self._key(api_key)
        payload = self._speech_payload(request)
        rate = payload["sample_rate"]
        carry = b""
        total = 0
        stream = self._speech_stream(request, key, payload, self.max_speech_bytes(request, rate))
        async with contextlib.aclosing(stream):
            async for part in stream:
                data = carry + part if carry else part
                carry = b""
                if len(data) % 2:
                    data, carry = data[:-1], data[-1:]
                if data:
                    total += len(data)
                    yield PCMChunk(data, rate)
            if not total:
                logger.warning("siliconflow speech: HTTP 200 answer holds no whole sample (%d bytes)", len(carry))
                raise ProviderNotAudio("speech: 200 without a whole sample", status=200,
                                       message="the service sent no audio")
            if carry:
                logger.debug("siliconflow speech ended on an odd byte; dropped it")

    async def synthesize_opus(self, request: SynthesisRequest, *, api_key: str | None = None) -> AsyncIterator[bytes]:
        """Stream ``request`` as Ogg/Opus at 48 kHz (``response_format: "opus"``), the bytes as they arrive.

        ``request.sample_rate`` is ignored (Opus is 48 kHz); speed and gain are applied by the service.
        Retries, caps, deadline and errors as :meth:`synthesize`; the answer must start with an Ogg page
        (else :class:`~core.errors.ProviderNotAudio`); its pages are not checked here.
        """
        key = self._key(api_key)
        payload = self._speech_payload(request, opus=True)
        stream = self._speech_stream(request, key, payload, self.max_opus_bytes(request))
        async with contextlib.aclosing(stream):
            async for part in stream:
                yield part

    async def _speech_stream(self, request: SynthesisRequest, key: str, payload: dict[str, Any],
                             max_bytes: int) -> AsyncIterator[bytes]:
        """The answer to one speech request, as the bytes arrive: retried until the first of them,
        capped at ``max_bytes`` and at the deadline of ``request``."""
        opus = payload["response_format"] == "opus"
        url = self._url("/audio/speech")
        seconds = self.audio_seconds(request)
        budget = Budget(self.total_timeout)
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            attempt += 1
            stack = contextlib.AsyncExitStack()
            sent_at = loop.time()
            try:
                chunks, first = await self._timed(
                    self._open_speech(stack, url, payload, key, max_bytes, opus=opus), budget,
                    limit=self.first_byte_timeout)
                break
            except StatusFailure as exc:
                failure = exc.failure
            except ProviderError:
                await stack.aclose()
                raise
            except Exception as exc:  # noqa: BLE001 - _transport_failure re-raises what it does not know
                await stack.aclose()
                failure = self._transport_failure(exc, "speech", budget, idempotent=True, key=key)
            except BaseException:
                await stack.aclose()
                raise
            await stack.aclose()
            await self._backoff("speech", attempt, failure, budget)

        # From here on audio has been (or is about to be) handed out: no more retries.
        # Wall clock, consumer time included: a consumer playing in real time needs the audio's duration.
        allowed = self.first_byte_timeout + seconds
        deadline = sent_at + allowed
        received = 0
        try:
            data: bytes | None = first
            while data is not None:
                received += len(data)
                if received > max_bytes:
                    logger.warning("siliconflow speech: more than %d bytes of audio for %d characters; stopped",
                                   max_bytes, _spoken_chars(request))
                    raise ProviderNotAudio(f"speech: more than {max_bytes} bytes of audio", status=200,
                                           message="more audio than the text can take")
                if data:
                    yield data
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise self._deadline_error(allowed, received)
                by_deadline = remaining < budget.remaining
                try:
                    data = await self._timed(anext(chunks, None), budget, limit=remaining)
                except TimeoutError as exc:
                    if by_deadline:
                        raise self._deadline_error(allowed, received) from exc
                    raise self._timeout_error("speech", budget, after_audio=True) from exc
                except httpx.TimeoutException as exc:
                    raise ProviderTimeout(f"speech: stalled mid-stream after {received} bytes", status=None,
                                          message="the audio stream stalled") from exc
                except httpx.RequestError as exc:
                    raise ProviderStreamCut(f"speech: {type(exc).__name__} after {received} bytes", status=None,
                                            message="the audio stream was cut off") from exc
        finally:
            await stack.aclose()

    def audio_seconds(self, request: SynthesisRequest) -> float:
        """The most audio (seconds) ``request`` may produce: ``(floor + per_char × characters) / speed``."""
        speed = min(4.0, max(0.25, float(request.speed or 1.0)))
        return (self.audio_seconds_floor + self.audio_seconds_per_char * _spoken_chars(request)) / speed

    def max_speech_bytes(self, request: SynthesisRequest, sample_rate: int | None = None) -> int:
        """The largest speech answer accepted for ``request`` (s16le bytes at its sample rate)."""
        rate = sample_rate or request.sample_rate or self.sample_rate
        return self._byte_cap(math.ceil(self.audio_seconds(request) * rate) * 2)

    def max_opus_bytes(self, request: SynthesisRequest) -> int:
        """The largest Ogg/Opus answer accepted for ``request``: its longest audio at Opus's highest bit rate."""
        return self._byte_cap(math.ceil(self.audio_seconds(request) * OPUS_MAX_BYTES_PER_SECOND))

    def _byte_cap(self, limit: int) -> int:
        return limit if self.max_audio_bytes is None else min(limit, self.max_audio_bytes)

    def _deadline_error(self, allowed: float, received: int) -> ProviderTimeout:
        logger.warning("siliconflow speech: still streaming after %.1f s (%d bytes); stopped", allowed, received)
        shown = f"{round(allowed, 1):g}"
        return ProviderTimeout(f"speech: still streaming after {shown} s", status=None,
                               message=f"no complete answer within {shown} s")

    def voice_id(self, voice: str) -> str:
        """The ``voice`` value to send: ``alex`` → ``MODEL:alex``; ``MODEL:x`` and ``speech:…`` as is."""
        voice = (voice or "").strip()
        if voice.startswith("speech:") or ":" in voice:
            return voice
        if voice.lower() in PRESET_VOICES:
            return f"{self.model}:{voice.lower()}"
        raise UnknownVoice(name=voice)

    def _speech_payload(self, request: SynthesisRequest, *, opus: bool = False) -> dict[str, Any]:
        text = strip_control_tokens(request.text).strip()
        if not text:
            raise EmptyText()
        instruction = strip_control_tokens(request.instruction or "").strip()
        rate = OPUS_SAMPLE_RATE if opus else request.sample_rate or self.sample_rate
        if not opus and rate not in PCM_SAMPLE_RATES:
            raise InvalidValue(name="sample_rate", value=rate, allowed=", ".join(map(str, PCM_SAMPLE_RATES)))
        payload: dict[str, Any] = {
            "model": self.model,
            "input": f"{instruction}<|endofprompt|>{text}" if instruction else text,
            "voice": self.voice_id(request.voice) if request.reference is None else "",
            "response_format": "opus" if opus else "pcm",
            "sample_rate": rate,
            "stream": True,
            "speed": float(request.speed),
            "gain": float(request.gain),
        }
        if request.reference is not None:
            payload["references"] = [reference_entry(request.reference)]
        return payload

    async def _open_speech(self, stack: contextlib.AsyncExitStack, url: str, payload: dict[str, Any],
                           key: str, max_bytes: int, *, opus: bool) -> tuple[AsyncIterator[bytes], bytes]:
        """Send the speech request and wait for the first bytes; refuse what is not audio (for ``pcm``
        another file format; for ``opus`` anything but an Ogg page)."""
        response = await stack.enter_async_context(
            self._client.stream("POST", url, json=payload, headers=self._headers(key), timeout=self._stream_timeout))
        self._log_response("speech", response)
        if response.status_code != 200:
            text = await read_limited(response)
            raise StatusFailure(self._status_failure("speech", response, text, key, idempotent=True))
        media = media_type(response)
        declared = as_int(response.headers.get("content-length"))
        if declared is not None and declared > max_bytes and not response.headers.get("content-encoding"):
            logger.warning("siliconflow speech: HTTP 200 declares %d bytes, more than the %d this text can take",
                           declared, max_bytes)
            raise ProviderNotAudio(f"speech: HTTP 200 declares more than {max_bytes} bytes", status=200,
                                   message="more audio than the text can take")
        chunks = response.aiter_bytes()
        if not may_be_audio(media):
            body, _ = await read_up_to(chunks, ERROR_BODY_LIMIT)
            raise self._not_audio(response, media, body, key)
        head = bytearray()
        async for part in chunks:
            head += part
            if len(head) >= SNIFF_BYTES:
                break
        if not head or is_text(head):
            rest, _ = await read_up_to(chunks, max(0, ERROR_BODY_LIMIT - len(head))) if head else (b"", False)
            raise self._not_audio(response, media, bytes(head) + rest, key)
        other_format = bytes(head[:4]) != b"OggS" if opus else bytes(head[:4]).startswith(CONTAINER_MAGIC)
        if other_format:
            raise self._not_audio(response, media, bytes(head), key)
        return chunks, bytes(head)

    def _not_audio(self, response: httpx.Response, media: str, body: bytes, key: str) -> Exception:
        """What a 200 speech answer that is not audio becomes: the error its JSON error body means
        (as a retryable-or-not :class:`StatusFailure`), else :class:`ProviderNotAudio`."""
        logger.warning("siliconflow speech: HTTP %d answer is not audio (content type %s, %d bytes)",
                       response.status_code, safe_media(media, key), len(body))
        failure = self._body_failure("speech", response, parse_json(body), idempotent=True)
        if failure is not None:
            return StatusFailure(failure)
        what = "no audio" if not body.strip() else "something that is not audio"
        return ProviderNotAudio(f"speech: HTTP {response.status_code} with {what}", status=response.status_code,
                                message=f"the service sent {what}")


def reference_entry(reference: Reference) -> dict[str, str]:
    """One ``references`` item of a "dynamic voice" request: the recording as a base64 data URL and its
    transcript (``<|…|>`` tokens removed: nobody injects instructions through it either)."""
    text = strip_control_tokens(reference.text or "").strip()
    if not text or not reference.audio:
        raise InvalidValue(name="references", value="", allowed="allowed_transcript")
    encoded = base64.b64encode(reference.audio).decode("ascii")
    return {"audio": f"data:{reference.mime_type};base64,{encoded}", "text": text}


def _spoken_chars(request: SynthesisRequest) -> int:
    return len(strip_control_tokens(request.text or "").strip())

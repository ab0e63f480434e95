"""The offline engine: espeak-ng, bound with ctypes to the library inside the espeakng-loader wheel.

No keys, no network, no system package. Speech streams out while espeak is still synthesizing:

* espeak-ng keeps global state and is not thread-safe, so every call into it holds one
  process-wide lock (:data:`_ENGINE`), and each provider runs its syntheses in its own
  single-thread executor. The event loop never calls into espeak.
* espeak runs in ``AUDIO_OUTPUT_SYNCHRONOUS`` mode: ``espeak_Synth`` calls our callback with short
  buffers of 16-bit mono samples (22050 Hz) as it goes; they are coalesced into chunks of
  40–100 ms, gain is applied (numpy), and each chunk crosses to the event loop with
  ``loop.call_soon_threadsafe`` into the caller's ``asyncio.Queue``.
* If the consumer stops iterating (``aclose``, cancellation, garbage collection), the callback
  returns 1 and espeak stops at once, so the worker is free for the next request.

Mapping of the request (:mod:`core.providers.local_voices`): language and preset → an espeak voice
and variant, speed → words per minute; gain (dB) scales the samples (clipped to int16).
``instruction`` (style) is ignored by this engine; ``sample_rate`` is ignored too: chunks are
always at the engine's native rate (:attr:`LocalProvider.sample_rate`, 22050 Hz) and say so.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import logging
import os
import threading
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from core.errors import (
    CloningUnsupported,
    EmptyText,
    OutOfRange,
    ProviderError,
    ProviderUnavailable,
    VoiceBridgeError,
)
from core.models import (
    DEFAULT_VOICE,
    GAIN_RANGE,
    LANGUAGES,
    SPEED_RANGE,
    PCMChunk,
    RemoteVoice,
    SynthesisRequest,
)
from core.providers.local_voices import (
    LANGUAGE_VOICES,
    WPM_NORMAL,
    espeak_voice,
    plan_segments,
    speed_to_wpm,
)
from core.text import strip_control_tokens

__all__ = ["LocalProvider", "NATIVE_SAMPLE_RATE"]

log = logging.getLogger(__name__)

NATIVE_SAMPLE_RATE = 22050

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_espeakCHARS_UTF8 = 1
_espeakINITIALIZE_DONT_EXIT = 0x8000
_espeakRATE = 1
_espeakVOLUME = 2
_EE_OK = 0
_BUFFER_MS = 60

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.c_void_p)


class _Sink:
    """Where the callback's samples go. ``feed`` returns False to make espeak stop."""

    cancelled: threading.Event

    def feed(self, data: bytes) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def set_rate(self, sample_rate: int) -> None:
        """Told the engine's sample rate before the first sample."""


class _Engine:
    """The one libespeak-ng of this process. Every method runs in a worker thread, lock held."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lib: Any = None
        self.sample_rate = NATIVE_SAMPLE_RATE
        self.data_path: str | None = None
        self._voice: str | None = None
        self._sink: _Sink | None = None
        self._callback = _SynthCallback(self._on_samples)  # kept alive as long as the engine
        self._init_error: str | None = None

    # called with self.lock held
    def _ensure(self) -> None:
        if self.lib is not None:
            return
        if self._init_error is not None:
            raise ProviderUnavailable(self._init_error)
        try:
            import espeakng_loader

            lib_path = espeakng_loader.get_library_path()
            data_path = espeakng_loader.get_data_path()
            lib = ctypes.CDLL(lib_path)
            lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            lib.espeak_Initialize.restype = ctypes.c_int
            lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
            lib.espeak_SetSynthCallback.restype = None
            lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
            lib.espeak_SetVoiceByName.restype = ctypes.c_int
            lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
            lib.espeak_SetParameter.restype = ctypes.c_int
            lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                         ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
            lib.espeak_Synth.restype = ctypes.c_int
            rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS,
                                         os.fsencode(data_path), _espeakINITIALIZE_DONT_EXIT)
        except (OSError, ImportError, AttributeError) as exc:
            self._init_error = f"espeak-ng could not be loaded: {exc}"
            raise ProviderUnavailable(self._init_error) from exc
        if rate <= 0:
            self._init_error = f"espeak-ng failed to initialize (data at {data_path})"
            raise ProviderUnavailable(self._init_error)
        lib.espeak_SetSynthCallback(self._callback)
        self.lib = lib
        self.sample_rate = rate
        self.data_path = data_path

    def _on_samples(self, wav: Any, numsamples: int, _events: Any) -> int:
        sink = self._sink
        if sink is None:
            return 0
        try:
            if wav and numsamples > 0:
                return 0 if sink.feed(ctypes.string_at(wav, numsamples * 2)) else 1
            return 1 if sink.cancelled.is_set() else 0
        except BaseException:  # an exception must not unwind through C
            log.exception("espeak callback failed")
            sink.cancelled.set()
            return 1

    def synthesize(self, segments: list[tuple[str, str]], wpm: int, sink: _Sink) -> int:
        """Speak ``(voice, text)`` segments in order into ``sink``; returns the sample rate."""
        with self.lock:
            self._ensure()
            sink.set_rate(self.sample_rate)
            for voice, text in segments:
                if sink.cancelled.is_set():
                    break
                self._speak(voice, text, wpm, sink)
            return self.sample_rate

    def _speak(self, voice: str, text: str, wpm: int, sink: _Sink) -> None:
        if voice != self._voice:
            rc = self.lib.espeak_SetVoiceByName(voice.encode("ascii"))
            if rc != _EE_OK:
                self._voice = None
                raise ProviderError(f"espeak voice {voice!r} not available ({rc})",
                                    status="espeak", message=f"voice {voice} not available")
            self._voice = voice
        self.lib.espeak_SetParameter(_espeakRATE, wpm, 0)
        self.lib.espeak_SetParameter(_espeakVOLUME, 100, 0)
        data = text.replace("\x00", " ").encode("utf-8", "replace")
        self._sink = sink
        try:
            rc = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _espeakCHARS_UTF8,
                                       None, None)
        finally:
            self._sink = None
        if rc != _EE_OK and not sink.cancelled.is_set():
            raise ProviderError(f"espeak_Synth returned {rc}", status="espeak",
                                message=f"synthesis failed ({rc})")

    def language_available(self, espeak_voice: str) -> bool:
        import espeakng_loader

        return os.path.exists(os.path.join(espeakng_loader.get_data_path(), f"{espeak_voice.split('-')[0]}_dict"))


_ENGINE = _Engine()

_END = object()


class _StreamJob(_Sink):
    """One synthesize() call: coalesces samples and posts chunks to the caller's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any], gain_db: float,
                 sample_rate: int) -> None:
        self.loop = loop
        self.queue = queue
        self.cancelled = threading.Event()
        self.factor = 10.0 ** (gain_db / 20.0) if gain_db else 1.0
        self.buf = bytearray()
        self.set_rate(sample_rate)

    def set_rate(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.min_bytes = int(sample_rate * 0.040) * 2
        self.max_bytes = int(sample_rate * 0.100) * 2

    def post(self, item: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self.cancelled.set()

    def _emit(self, data: bytes) -> None:
        if self.factor != 1.0:
            samples = np.frombuffer(data, dtype=np.int16).astype(np.float32) * self.factor
            data = np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()
        self.post(PCMChunk(data, self.sample_rate))

    def feed(self, data: bytes) -> bool:
        if self.cancelled.is_set():
            return False
        self.buf += data
        while len(self.buf) >= self.max_bytes:
            self._emit(bytes(self.buf[: self.max_bytes]))
            del self.buf[: self.max_bytes]
        if len(self.buf) >= self.min_bytes:
            self._emit(bytes(self.buf))
            self.buf.clear()
        return not self.cancelled.is_set()

    def flush(self) -> None:
        if self.buf and not self.cancelled.is_set():
            self._emit(bytes(self.buf))
        self.buf.clear()


class _Collector(_Sink):
    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.parts: list[bytes] = []

    def feed(self, data: bytes) -> bool:
        self.parts.append(data)
        return True


class LocalProvider:
    """Offline speech with espeak-ng (see the module doc). Implements ``TTSProvider``."""

    name = "local"
    model = "espeak-ng"
    supports_cloning = False
    supports_instruction = False
    supports_opus = False
    sample_rate = NATIVE_SAMPLE_RATE

    def __init__(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        self._jobs: set[_StreamJob] = set()
        self._closed = False

    # --- mapping -------------------------------------------------------------------------------

    #: The espeak voice name (``cmn+f1``) for a request; raises the user-facing errors.
    espeak_voice = staticmethod(espeak_voice)

    def available_languages(self) -> list[str]:
        """Language codes this engine can speak with the bundled data (``auto`` not included)."""
        try:
            return [code for code in LANGUAGES if code in LANGUAGE_VOICES
                    and _ENGINE.language_available(LANGUAGE_VOICES[code])]
        except ImportError:
            return []

    # --- speech --------------------------------------------------------------------------------

    def _check(self, request: SynthesisRequest) -> tuple[str, str, int]:
        if self._closed:
            raise ProviderUnavailable("the local provider is closed")
        voice = self.espeak_voice(request.voice, request.language, request.text)
        low, high = SPEED_RANGE
        if not low <= request.speed <= high:
            raise OutOfRange(name="speed", value=request.speed, low=low, high=high)
        low, high = GAIN_RANGE
        if not low <= request.gain <= high:
            raise OutOfRange(name="gain", value=request.gain, low=low, high=high)
        text = strip_control_tokens(request.text).strip()
        if not text:
            raise EmptyText()
        return text, voice, speed_to_wpm(request.speed)

    @staticmethod
    def _run(job: _StreamJob, text: str, voice: str, wpm: int) -> None:
        """Worker thread: synthesize into ``job``; always ends with an error or ``_END``."""
        try:
            if not job.cancelled.is_set():
                _ENGINE.synthesize(plan_segments(text, voice), wpm, job)
                job.flush()
        except VoiceBridgeError as exc:
            job.post(exc)
        except Exception as exc:  # pragma: no cover - defensive
            log.exception("espeak synthesis failed")
            job.post(ProviderError(str(exc), status="espeak", message=type(exc).__name__))
        finally:
            job.post(_END)

    async def synthesize(self, request: SynthesisRequest, *,
                         api_key: str | None = None) -> AsyncIterator[PCMChunk]:
        """Stream ``request`` as 22050 Hz mono PCM chunks of 40–100 ms while espeak works."""
        text, voice, wpm = self._check(request)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        job = _StreamJob(loop, queue, float(request.gain), _ENGINE.sample_rate)
        self._jobs.add(job)
        try:
            self._executor.submit(self._run, job, text, voice, wpm)
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            job.cancelled.set()  # stops espeak within one buffer if it is still speaking
            self._jobs.discard(job)

    def health_check(self, text: str = "hello", *, timeout: float = 30.0) -> int:
        """Synchronously synthesize ``text`` (English); returns the number of samples produced.

        For ``voicebridge doctor``; raises ``ProviderUnavailable`` if espeak-ng cannot load.
        Do not call it from a running event loop (it blocks until done).
        """
        if self._closed:
            raise ProviderUnavailable("the local provider is closed")
        sink = _Collector()
        voice = self.espeak_voice(DEFAULT_VOICE, "en", text)
        future = self._executor.submit(_ENGINE.synthesize, [(voice, text)], WPM_NORMAL, sink)
        future.result(timeout=timeout)
        return sum(len(part) for part in sink.parts) // 2

    # --- the rest of the protocol ---------------------------------------------------------------

    async def clone(self, audio: bytes, filename: str, name: str, transcript: str, *,
                    api_key: str | None = None) -> RemoteVoice:
        raise CloningUnsupported()

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        return []

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        return None

    async def transcribe(self, audio: bytes, filename: str, *, api_key: str | None = None) -> str:
        raise CloningUnsupported()

    async def aclose(self) -> None:
        """Stop running syntheses (their streams raise ``ProviderUnavailable``) and the worker."""
        if self._closed:
            return
        self._closed = True
        for job in list(self._jobs):
            job.cancelled.set()
            job.post(ProviderUnavailable("the local provider was closed"))
        await asyncio.to_thread(self._executor.shutdown, True)

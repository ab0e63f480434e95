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

Mapping of the request:

* language ``zh`` → espeak ``cmn``, ``yue`` → ``yue``, ``en`` → ``en-us``, ``ja`` → ``ja``,
  ``ko`` → ``ko``; ``auto`` → :func:`core.text.detect_language` on the text. (espeak's Japanese
  reads kana; kanji are read poorly — a limit of the engine.)
* the eight presets map to espeak voice variants (``voices/!v/`` in the data dir), see
  :data:`PRESET_VARIANTS`; ``MODEL:alex`` is accepted like ``alex``; a ``speech:…`` clone cannot
  be spoken offline (:class:`CloningUnsupported`); anything else is :class:`UnknownVoice`.
* speed 0.25–4.0 → words per minute, 175 × speed, clamped to espeak's 80–450;
  gain (dB) scales the samples (clipped to int16).
* ``instruction`` (style) is ignored by this engine; ``sample_rate`` is ignored too: chunks are
  always at the engine's native rate (:attr:`LocalProvider.sample_rate`, 22050 Hz) and say so.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import logging
import os
import re
import threading
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from core.errors import (
    CloningUnsupported,
    EmptyText,
    InvalidValue,
    OutOfRange,
    ProviderError,
    ProviderUnavailable,
    UnknownVoice,
    VoiceBridgeError,
)
from core.models import (
    DEFAULT_VOICE,
    GAIN_RANGE,
    LANGUAGES,
    PCMChunk,
    RemoteVoice,
    SPEED_RANGE,
    SynthesisRequest,
)
from core.text import detect_language, strip_control_tokens

__all__ = [
    "LocalProvider",
    "LANGUAGE_VOICES",
    "PRESET_VARIANTS",
    "NATIVE_SAMPLE_RATE",
    "speed_to_wpm",
    "plan_segments",
]

log = logging.getLogger(__name__)

NATIVE_SAMPLE_RATE = 22050

#: Our language codes → espeak-ng voice names.
LANGUAGE_VOICES: dict[str, str] = {"zh": "cmn", "yue": "yue", "en": "en-us", "ja": "ja", "ko": "ko"}

#: The presets → espeak-ng variants (files in ``espeak-ng-data/voices/!v/``), chosen by their
#: pitch settings to echo the preset's character: steady = a plain variant, deep = the lowest
#: pitch, magnetic = slight echo, cheerful = a wider pitch range.
PRESET_VARIANTS: dict[str, str] = {
    "alex": "m3",      # steady male: plain formants, pitch 80–122
    "benjamin": "m4",  # deep male: lowest base pitch, 70–110
    "charles": "m2",   # magnetic male: pitch 88–115 with a light echo
    "david": "m6",     # cheerful male: brighter formants, 82–117
    "anna": "f1",      # steady female: narrow range 140–200
    "bella": "f3",     # passionate female: widest range 140–240, stronger stress
    "claire": "f2",    # gentle female: breathy, soft echo
    "diana": "f4",     # cheerful female: lively stress, 142–200
}

WPM_NORMAL = 175
WPM_MIN = 80
WPM_MAX = 450

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


def speed_to_wpm(speed: float) -> int:
    """175 wpm at 1.0, proportional, clamped to espeak's 80–450."""
    return max(WPM_MIN, min(WPM_MAX, round(WPM_NORMAL * float(speed))))


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


_HAN_RUN = re.compile("[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF々〆ヶ]+")


def plan_segments(text: str, voice: str) -> list[tuple[str, str]]:
    """``(espeak voice, text)`` pieces to speak in order.

    espeak-ng's Japanese voice reads kana only: each kanji comes out as the English words
    "Chinese letter". So for ``ja`` the Han runs are read by the Mandarin voice (same variant) —
    not Japanese readings, but closer than "Chinese letter". Other languages: one piece.
    """
    base, _, variant = voice.partition("+")
    if base != "ja" or not _HAN_RUN.search(text):
        return [(voice, text)]
    han_voice = f"{LANGUAGE_VOICES['zh']}+{variant}" if variant else LANGUAGE_VOICES["zh"]
    segments: list[tuple[str, str]] = []

    def add(piece_voice: str, piece: str) -> None:
        if not piece.strip():
            return
        if segments and not any(ch.isalnum() for ch in piece):
            # punctuation only: it ends the previous piece (its pause and intonation)
            segments[-1] = (segments[-1][0], segments[-1][1] + piece)
        else:
            segments.append((piece_voice, piece))

    pos = 0
    for m in _HAN_RUN.finditer(text):
        add(voice, text[pos:m.start()])
        add(han_voice, m.group())
        pos = m.end()
    add(voice, text[pos:])
    return segments


class LocalProvider:
    """Offline speech with espeak-ng (see the module doc). Implements ``TTSProvider``."""

    name = "local"
    model = "espeak-ng"
    supports_cloning = False
    sample_rate = NATIVE_SAMPLE_RATE

    def __init__(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        self._jobs: set[_StreamJob] = set()
        self._closed = False

    # --- mapping -------------------------------------------------------------------------------

    @staticmethod
    def espeak_voice(voice: str, language: str, text: str) -> str:
        """The espeak voice name (``cmn+f1``) for a request; raises the user-facing errors."""
        raw = (voice or "").strip() or DEFAULT_VOICE
        if raw.lower().startswith("speech:"):
            raise CloningUnsupported()
        preset = raw.rsplit(":", 1)[-1].strip().lower()
        variant = PRESET_VARIANTS.get(preset)
        if variant is None:
            raise UnknownVoice(name=raw)
        lang = (language or "auto").strip().lower()
        if lang == "auto":
            lang = detect_language(text)
        base = LANGUAGE_VOICES.get(lang)
        if base is None:
            raise InvalidValue(name="language", value=language, allowed=", ".join(LANGUAGES))
        return f"{base}+{variant}"

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

"""All codec work, in-process with PyAV (it bundles FFmpeg with libopus): no ffmpeg executable, no pydub.

The modules, each re-exported here (``from core import audio; audio.encode(...)``):

* :mod:`core.audio.decode` — :func:`decode_upload` / :func:`decode_upload_sync`: a user's upload
  (Ogg/Opus, MP3, M4A/AAC, WAV, WebM/Opus, FLAC) as bytes → mono s16le PCM at one rate, with the
  size, duration and hang limits enforced and every failure mapped into the
  :class:`core.errors.AudioError` tree.
* :mod:`core.audio.notes` — :func:`encode` / :func:`encode_sync` and :class:`StreamingNoteEncoder`:
  PCM → a voice note (Ogg/Opus mono, CELT wideband ~44 kbps, 20 ms frames; MP3; WAV) with the exact duration
  (from the sample count, never from container metadata) and a waveform. The streaming encoder lets
  the service encode while the provider is still speaking. :func:`describe` rebuilds that metadata
  for a cached clip.
* :mod:`core.audio.pcm` — measuring and shaping PCM: :func:`trim_silence`, :func:`rms_db`,
  :func:`is_silent`, :func:`apply_gain`, :func:`pcm_duration`, and :func:`waveform` (the loudness
  points a voice note carries).
* :mod:`core.audio.resample` — the resampler the decoder and the encoder share.
* :mod:`core.audio.ogg` — Ogg pages read as bytes arrive and written, with their checksum
  (:class:`OggError` for bytes that are not Ogg).
* :mod:`core.audio.opus_join` — :class:`OggOpusJoiner`: Ogg/Opus streams (one per provider request)
  joined into one stream without decoding, granule positions continuous, the end trimmed.
* :mod:`core.audio.passthrough` — :class:`OpusNoteJoiner`: a voice note from a provider's Ogg/Opus
  (joined as above, the waveform from decoding), the counterpart of :class:`StreamingNoteEncoder`.

PCM everywhere in this package means signed 16-bit little-endian **mono** samples (``core.models.PCMChunk``).

Codec work is CPU-bound: the ``async`` functions run the synchronous ones in a worker thread
(:func:`asyncio.to_thread`), so nothing blocks the event loop. The encoder classes are not thread-safe:
use one instance from one thread (or one task) at a time.

PyAV version note: the project pins ``av>=18.1,<20`` because av 19 needs Python 3.12 and 18.1 is the
last release for 3.11. The code uses only API that exists in both (``AudioFrame.from_ndarray``,
``AudioResampler``, ``CodecContext.create``, ``container.add_stream``) and never reads ``time_base``/
``rate`` expecting a particular type (18 returns ``Fraction``, 19 ``AVRational``).
"""

from __future__ import annotations

from core.audio.decode import decode_upload, decode_upload_sync
from core.audio.notes import (
    OPUS_RATE,
    NoteFormat,
    StreamingNoteEncoder,
    describe,
    describe_sync,
    encode,
    encode_sync,
)
from core.audio.ogg import OggError
from core.audio.opus_join import JoinedOpus, OggOpusJoiner, OpusHead
from core.audio.passthrough import OpusNoteJoiner
from core.audio.pcm import apply_gain, is_silent, pcm_duration, rms_db, trim_silence, waveform

__all__ = [
    "OPUS_RATE",
    "JoinedOpus",
    "NoteFormat",
    "OggError",
    "OggOpusJoiner",
    "OpusHead",
    "OpusNoteJoiner",
    "StreamingNoteEncoder",
    "apply_gain",
    "decode_upload",
    "decode_upload_sync",
    "describe",
    "describe_sync",
    "encode",
    "encode_sync",
    "is_silent",
    "pcm_duration",
    "rms_db",
    "trim_silence",
    "waveform",
]

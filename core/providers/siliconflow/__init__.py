"""SiliconFlow's audio API: CosyVoice2 speech, voice cloning, SenseVoice transcription.

The modules:

* :mod:`.client` — :class:`SiliconFlowClient`: API keys, one JSON exchange with retries, and every
  failure mapped to a :class:`~core.errors.ProviderError`;
* :mod:`.answers` — reading and judging answers (content type, first bytes, JSON error bodies),
  and keeping the API key out of every message;
* :mod:`.speech` — streaming speech as PCM or Ogg/Opus, with its caps and deadline;
* :mod:`.provider` — :class:`SiliconFlowProvider`, the ``TTSProvider``: speech plus cloning, the
  voice list, deletion and transcription.

Shared rules:

- Retries: exponential backoff + jitter, honouring ``Retry-After``. A ``Retry-After`` longer than
  ``retry_after_max`` (default ``4 × backoff_max``) is not waited out: the call fails at once with
  ``ProviderRateLimited(retry_after=…)`` for the caller to show.
- Timeouts: ``connect_timeout`` for the TCP connect (and waiting for a pooled connection);
  ``first_byte_timeout`` from sending a speech request to its first audio byte (headers
  included), also the longest silence tolerated mid-stream; ``total_timeout`` is the budget of
  one call across all attempts and backoff pauses, counting only the time spent waiting on the
  provider — never the time the consumer holds a yielded chunk (a consumer that plays audio in
  real time must not kill long clips).
- The API key never appears in an exception, a log line or ``repr``.
"""

from __future__ import annotations

from core.providers.siliconflow.client import (
    DEFAULT_ASR_MODEL,
    DEFAULT_TTS_MODEL,
    SiliconFlowClient,
)
from core.providers.siliconflow.provider import SiliconFlowProvider
from core.providers.siliconflow.speech import PCM_SAMPLE_RATES

__all__ = ["DEFAULT_ASR_MODEL", "DEFAULT_TTS_MODEL", "PCM_SAMPLE_RATES", "SiliconFlowClient", "SiliconFlowProvider"]

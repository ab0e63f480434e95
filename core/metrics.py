"""Operator metrics in the Prometheus text format, through the official ``prometheus_client``.

Every process has one :class:`Metrics` (built by the composition root, on its own registry so several
apps in one process — tests — don't collide). The service counts utterances, cache lookups, time to the
first audio chunk, offline fallbacks, bytes sent to the paid provider, refusals by error code and clone
attempts, and talking characters' turns (answered, refused, failed, by reason), chat-model tokens and the time
from a message to its answer's first sentence ready for speech; adapters add live gauges (voice connections, queue depth) with :meth:`Metrics.watch`.
:func:`start_exporter` serves ``/metrics`` when ``VOICEBRIDGE_METRICS_PORT`` is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.errors import VoiceBridgeError

log = logging.getLogger(__name__)

# The ``*_created`` timestamp series only add noise to a scrape; this is process-wide in prometheus_client.
disable_created_metrics()

#: Seconds to the first audio chunk: CosyVoice2 is ~0.15 s at best and several seconds when loaded.
FIRST_AUDIO_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
#: Seconds from a message to its answer's first sentence: a model's first token is ~0.3 s to several seconds.
FIRST_SENTENCE_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 20.0, 30.0, 60.0)


class _Watched(Collector):
    """Gauges whose value is read from a callback at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gauges: dict[str, tuple[str, Callable[[], float]]] = {}

    def add(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        with self._lock:
            self._gauges[name] = (documentation, read)

    def remove(self, name: str) -> None:
        with self._lock:
            self._gauges.pop(name, None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            gauges = list(self._gauges.items())
        for name, (documentation, read) in gauges:
            try:
                value = float(read())
            except Exception:  # a scrape never fails because one gauge can't be read
                log.debug("metric %s could not be read", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


class Metrics:
    """The process's counters and histograms (see the module docstring)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.utterances = Counter("voicebridge_utterances", "Utterances rendered, by engine, kind and outcome",
                                  ["engine", "kind", "outcome"], registry=r)
        self.first_audio = Histogram("voicebridge_first_audio_seconds",
                                     "From asking an engine for speech to its first audio chunk", ["engine"],
                                     buckets=FIRST_AUDIO_BUCKETS, registry=r)
        self.cache_lookups = Counter("voicebridge_cache_lookups", "Voice-note cache lookups, by result",
                                     ["result"], registry=r)
        self.fallbacks = Counter("voicebridge_offline_fallbacks",
                                 "Texts spoken by the offline engine because the provider was down", registry=r)
        self.provider_bytes = Counter("voicebridge_provider_bytes",
                                      "UTF-8 bytes sent to the provider, by whose key paid (operator or user)",
                                      ["key"], registry=r)
        self.refusals = Counter("voicebridge_refusals", "Requests refused before synthesis, by error code",
                                ["code"], registry=r)
        self.clones = Counter("voicebridge_clones", "Clone attempts, by outcome", ["outcome"], registry=r)
        self.talk_turns = Counter("voicebridge_talk_turns",
                                  "Talking characters' turns, by result (answered, refused, failed, abandoned) and "
                                  "reason (complete or truncated; else the error's code)",
                                  ["result", "reason"], registry=r)
        self.talk_tokens = Counter("voicebridge_talk_tokens",
                                   "Chat-model tokens, by kind (prompt or completion) and whose key paid "
                                   "(operator or user)", ["kind", "key"], registry=r)
        self.talk_first_sentence = Histogram("voicebridge_talk_first_sentence_seconds",
                                             "From a user's message reaching the core to the answer's first "
                                             "sentence ready for speech", buckets=FIRST_SENTENCE_BUCKETS, registry=r)
        self._watched = _Watched()
        r.register(self._watched)

    def watch(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge read from ``read()`` at each scrape (replaces one of the same name)."""
        self._watched.add(name, documentation, read)

    def unwatch(self, name: str) -> None:
        self._watched.remove(name)


def outcome(exc: BaseException) -> str:
    """A metrics label for a failure: the error's code, or ``error`` for an unexpected one."""
    return exc.code if isinstance(exc, VoiceBridgeError) else "error"


@dataclass
class Exporter:
    """A running ``/metrics`` HTTP server (a daemon thread of prometheus_client)."""

    server: Any
    thread: threading.Thread
    port: int

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_exporter(metrics: Metrics, host: str, port: int) -> Exporter:
    """Serve ``metrics`` on ``http://host:port/metrics``; port 0 picks a free one. Raises OSError if taken."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    bound = server.server_address[1]
    log.info("metrics on http://%s:%s/metrics", host, bound)
    return Exporter(server=server, thread=thread, port=bound)

"""The SiliconFlow provider: speech (:mod:`.speech`) plus voice cloning, the account's voice list,
deleting a voice and SenseVoice transcription.

Uploads (clone) are not idempotent: they are retried only when the request provably did not reach the
service; list, delete and transcribe are retried like speech. JSON answers are read up to
``max_json_bytes``; HTML/XML, non-JSON, a JSON error body or missing fields raise a typed error, never
``KeyError``.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from core.errors import (
    InvalidName,
    InvalidValue,
    ProviderBadRequest,
    ProviderNotFound,
    ProviderProtocolError,
)
from core.models import RemoteVoice
from core.providers.siliconflow.answers import GONE
from core.providers.siliconflow.client import logger
from core.providers.siliconflow.speech import SiliconFlowSpeech
from core.text import strip_control_tokens

__all__ = ["SiliconFlowProvider"]

_CUSTOM_NAME = re.compile(r"[A-Za-z0-9_-]+")
_URI_LIMIT = 512


class SiliconFlowProvider(SiliconFlowSpeech):
    """:class:`core.providers.base.OpusTTSProvider` for SiliconFlow; constructed with the arguments of
    :class:`~core.providers.siliconflow.client.SiliconFlowClient`."""

    name = "siliconflow"
    supports_cloning = True
    supports_instruction = True
    supports_opus = True
    #: A speech request may carry a reference recording instead of a voice (``SynthesisRequest.reference``).
    supports_references = True

    def __repr__(self) -> str:
        key = "set" if self._api_key else "unset"
        return f"SiliconFlowProvider(base_url={self.base_url!r}, model={self.model!r}, api_key={key})"

    async def clone(self, audio: bytes, filename: str, name: str, transcript: str, *,
                    api_key: str | None = None) -> RemoteVoice:
        """Upload reference audio (multipart ``file``) and return the new voice.

        ``name`` becomes ``customName``: letters, digits, ``_`` and ``-`` only (the service
        refuses anything else, so we refuse it first with :class:`~core.errors.InvalidName`).
        """
        key = self._key(api_key)
        if not _CUSTOM_NAME.fullmatch(name or ""):
            raise InvalidName(name=name, rule="rule_provider_name_characters")
        text = strip_control_tokens(transcript or "").strip()
        if not text:
            raise InvalidValue(name="transcript", value="", allowed="allowed_transcript")
        files = {"file": (filename or "voice.wav", audio, _mime(filename))}
        data = {"model": self.model, "customName": name, "text": text}
        payload = await self._call("POST", "/uploads/audio/voice", key, op="clone", idempotent=False,
                                   files=files, data=data)
        uri = payload.get("uri") if isinstance(payload, dict) else None
        if (not isinstance(uri, str) or not uri.startswith("speech:") or len(uri) > _URI_LIMIT
                or not uri.isprintable() or any(ch.isspace() for ch in uri)):
            logger.warning("siliconflow clone: HTTP 200 answer has no usable voice uri")
            raise ProviderProtocolError("clone: no speech: uri in the answer", status=200,
                                        message="the upload answer has no voice uri")
        return RemoteVoice(name=name, uri=uri, model=self.model, transcript=text)

    async def list_voices(self, *, api_key: str | None = None) -> list[RemoteVoice]:
        """The account's clones. Accepts ``results``, ``result``, a bare list or an envelope."""
        key = self._key(api_key)
        payload = await self._call("GET", "/audio/voice/list", key, op="list", idempotent=True)
        return _parse_voice_list(payload, 200)

    async def delete_voice(self, uri: str, *, api_key: str | None = None) -> None:
        """Delete a clone. 404, or a 400 that says "not found", means it is already gone."""
        key = self._key(api_key)
        try:
            # The success body is unspecified ("string"): any 2xx but a web page or an error body is success.
            await self._call("POST", "/audio/voice/deletions", key, op="delete", idempotent=True,
                             lenient=True, json={"uri": uri})
        except ProviderNotFound:
            logger.debug("siliconflow delete: voice already gone (404)")
        except ProviderBadRequest as exc:
            if not GONE.search(str(exc.params.get("message") or "")):
                raise
            logger.debug("siliconflow delete: voice already gone (%s)", exc.params.get("message"))

    async def transcribe(self, audio: bytes, filename: str, *, api_key: str | None = None) -> str:
        """SenseVoice transcription with its ``<|zh|><|NEUTRAL|>…`` tags removed."""
        key = self._key(api_key)
        files = {"file": (filename or "audio", audio, _mime(filename))}
        payload = await self._call("POST", "/audio/transcriptions", key, op="transcribe", idempotent=True,
                                   files=files, data={"model": self.asr_model})
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str):
            logger.warning("siliconflow transcribe: HTTP 200 answer has no text")
            raise ProviderProtocolError("transcribe: no text in the answer", status=200,
                                        message="the transcription answer has no text")
        return strip_control_tokens(text).strip()

    async def aclose(self) -> None:
        """Nothing to release: the HTTP client belongs to the composition root."""


def _mime(filename: str | None) -> str:
    return (mimetypes.guess_type(filename or "")[0] if filename else None) or "application/octet-stream"


def _voice_items(payload: Any, depth: int = 0) -> list[Any] | None:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and depth < 3:
        for name in ("results", "result", "data", "voices"):
            if name in payload:
                if payload[name] is None:
                    return []
                found = _voice_items(payload[name], depth + 1)
                if found is not None:
                    return found
    return None


def _parse_voice_list(payload: Any, status: int) -> list[RemoteVoice]:
    if isinstance(payload, dict) and payload.get("status") is False:
        raise ProviderProtocolError("list: envelope reports failure", status=status,
                                    message="the voice list answer reports a failure")
    items = _voice_items(payload)
    if items is None:
        logger.warning("siliconflow list: HTTP %d answer has no voice list", status)
        raise ProviderProtocolError("list: no voice list in the answer", status=status,
                                    message="the voice list answer has no list")
    voices: list[RemoteVoice] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("uri"), str) or not item["uri"]:
            logger.debug("siliconflow list: skipped an entry without a uri")
            continue
        uri = item["uri"]
        name = item.get("customName") or item.get("custom_name") or item.get("name")
        if not isinstance(name, str) or not name:
            parts = uri.split(":")
            name = parts[1] if len(parts) > 2 else uri
        model = item.get("model")
        text = item.get("text")
        voices.append(RemoteVoice(name=name, uri=uri, model=model if isinstance(model, str) else None,
                                  transcript=text if isinstance(text, str) else None))
    return voices

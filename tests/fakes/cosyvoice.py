"""A fake of CosyVoice's official FastAPI server (FunAudioLLM/CosyVoice ``runtime/python/fastapi/server.py``),
a real HTTP server on loopback that follows that server's contract:

- ``/inference_sft`` (``tts_text``, ``spk_id``), ``/inference_zero_shot`` (``tts_text``, ``prompt_text``, file
  ``prompt_wav``), ``/inference_cross_lingual`` (``tts_text``, file ``prompt_wav``), ``/inference_instruct``
  (``tts_text``, ``spk_id``, ``instruct_text``), ``/inference_instruct2`` (``tts_text``, ``instruct_text``, file
  ``prompt_wav``); each on GET and POST, fields as form data (urlencoded or multipart);
- a missing field: FastAPI's 422 ``{"detail": [{"type": "missing", "loc": ["body", NAME], …}]}``;
- a ``prompt_wav`` that is not a WAV of at least 16 kHz: 500 ``Internal Server Error`` (``load_wav`` raises in the
  endpoint, before the response starts);
- an unknown ``spk_id``, or ``/inference_instruct`` on a CosyVoice2 model: the model raises inside the streaming
  generator, after the 200 went out: the body breaks off with no audio;
- audio: raw int16 mono PCM at ``sample_rate`` (24000: CosyVoice2), no header and no Content-Type (a
  ``StreamingResponse`` without a media type), one piece per sentence (``stream=False`` in the server);
- ``GET /openapi.json`` lists the routes, as FastAPI does.

Faults (``fail``, ``cut_stream``, ``break_before_audio``, ``hang``) come from :class:`LoopbackServer`.
"""

from __future__ import annotations

import re
import struct
import urllib.parse
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer, Recorded, speech_pcm

ROUTES = ("sft", "zero_shot", "cross_lingual", "instruct", "instruct2")
FIELDS = {
    "sft": ("tts_text", "spk_id"),
    "zero_shot": ("tts_text", "prompt_text", "prompt_wav"),
    "cross_lingual": ("tts_text", "prompt_wav"),
    "instruct": ("tts_text", "spk_id", "instruct_text"),
    "instruct2": ("tts_text", "instruct_text", "prompt_wav"),
}
#: CosyVoice-300M-SFT's speakers (CosyVoice2 ships none; operators copy these in).
SFT_SPEAKERS = ("中文女", "中文男", "日语男", "粤语女", "英文女", "英文男", "韩语女")
_SENTENCE = re.compile(r"[^。！？.!?]+[。！？.!?]*")
SECONDS_PER_CHAR = 0.06


class FakeCosyVoice(LoopbackServer):
    """``with FakeCosyVoice() as fake: fake.base_url …``; ``speakers`` are the SFT speakers the model has,
    ``version`` 2 (CosyVoice2: no ``/inference_instruct``) or 1."""

    name = "FakeCosyVoice"

    def __init__(self, *, speakers: tuple[str, ...] = SFT_SPEAKERS, sample_rate: int = 24000, version: int = 2,
                 sentence_delay: float = 0.0) -> None:
        super().__init__()
        self.speakers = speakers
        self.sample_rate = sample_rate
        self.version = version
        self.sentence_delay = sentence_delay

    @property
    def base_url(self) -> str:
        return self.origin

    def routes(self, app: web.Application) -> None:
        for route in ROUTES:
            handler = self._handler(route)
            app.router.add_get(f"/inference_{route}", handler)
            app.router.add_post(f"/inference_{route}", handler)
        app.router.add_get("/openapi.json", self._openapi)

    def expected_seconds(self, text: str) -> float:
        return sum(max(0.3, SECONDS_PER_CHAR * len(s)) for s in self._sentences(text))

    @staticmethod
    def _sentences(text: str) -> list[str]:
        return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)) if s] or [text]

    async def _openapi(self, request: web.Request) -> web.Response:
        paths = {f"/inference_{r}": {"get": {}, "post": {}} for r in ROUTES}
        return web.json_response({"openapi": "3.1.0", "info": {"title": "FastAPI"}, "paths": paths})

    def _handler(self, route: str):
        async def handle(request: web.Request) -> web.StreamResponse:
            rec = Recorded(route=route, method=request.method, headers=dict(request.headers))
            self.requests.append(rec)
            await _read_form(request, rec)
            missing = [name for name in FIELDS[route] if name not in rec.form and name not in rec.files]
            if missing:
                rec.status = 422
                detail = [{"type": "missing", "loc": ["body", name], "msg": "Field required", "input": None}
                          for name in missing]
                return web.json_response({"detail": detail}, status=422)
            text = rec.form["tts_text"]
            audio = b"".join(self._speech(text))
            fault = self.take_fault(route)
            if fault is not None:
                return await self.answer_fault(request, rec, fault, audio)
            if "prompt_wav" in FIELDS[route] and not _wav_rate_ok(rec.files["prompt_wav"]):
                rec.status = 500
                return web.Response(status=500, text="Internal Server Error", content_type="text/plain")
            model_fails = (("spk_id" in rec.form and rec.form["spk_id"] not in self.speakers)
                           or (route == "instruct" and self.version != 1))
            if model_fails:
                return await self.answer_fault(request, rec, _BREAK, audio)
            response = await self.start_audio(request, rec)
            return await self.send_pieces(response, rec, self._speech(text), self.sentence_delay)

        return handle

    def _speech(self, text: str) -> list[bytes]:
        return [speech_pcm(max(0.3, SECONDS_PER_CHAR * len(s)), self.sample_rate) for s in self._sentences(text)]


class _Break:
    kind = "break"
    after = 0


_BREAK: Any = _Break()


async def _read_form(request: web.Request, rec: Recorded) -> None:
    """Form fields and files from any method (FastAPI reads a GET's body too)."""
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()  # type: ignore[union-attr]
            if part.filename is not None:  # type: ignore[union-attr]
                rec.files[part.name or ""] = bytes(data)  # type: ignore[union-attr]
            else:
                rec.form[part.name or ""] = bytes(data).decode()  # type: ignore[union-attr]
    elif ctype.startswith("application/x-www-form-urlencoded"):
        body = (await request.read()).decode()
        rec.form.update(dict(urllib.parse.parse_qsl(body, keep_blank_values=True)))


def _wav_rate_ok(data: bytes) -> bool:
    """Whether ``data`` is a RIFF/WAVE file of at least 16 kHz (``load_wav``'s ``min_sr``)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk == b"fmt " and pos + 16 <= len(data):
            return struct.unpack("<I", data[pos + 12:pos + 16])[0] >= 16000
        pos += 8 + size
    return False

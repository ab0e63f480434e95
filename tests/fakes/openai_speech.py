"""A fake OpenAI-compatible speech server on loopback, following OpenAI's ``POST /v1/audio/speech`` and what
Kokoro-FastAPI adds (``GET /v1/audio/voices``, streaming by default):

- JSON ``{model, input, voice, response_format, speed, instructions?}``; ``pcm`` is raw s16le mono at 24 kHz
  (Content-Type ``audio/pcm``, as Kokoro-FastAPI), streamed in chunks; other formats are refused here (the bot
  asks for pcm only);
- errors are OpenAI's ``{"error": {"message", "type", "param", "code"}}``: 401 for a missing or wrong bearer key
  (when ``api_key`` is set), 400 for an unknown model or voice, an empty input or a speed outside 0.25–4.0;
- ``GET /v1/audio/voices`` → ``{"voices": [{"id", "name"}]}`` (Kokoro-FastAPI), or 404 with
  ``list_voices=False`` (OpenAI itself, openedai-speech).
"""

from __future__ import annotations

import json

from aiohttp import web

from tests.fakes.loopback import LoopbackServer, Recorded, speech_pcm

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "kokoro")
RATE = 24000
SECONDS_PER_CHAR = 0.06
CHUNK_BYTES = 4800  # 100 ms


class FakeOpenAISpeech(LoopbackServer):
    """``with FakeOpenAISpeech(api_key="sk-local") as fake: fake.base_url`` (ends in ``/v1``)."""

    name = "FakeOpenAISpeech"

    def __init__(self, *, api_key: str | None = None, voices: tuple[str, ...] = VOICES,
                 list_voices: bool = True) -> None:
        super().__init__()
        self.api_key = api_key
        self.voices = voices
        self.list_voices = list_voices

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_get("/v1/audio/voices", self._voices)

    def expected_seconds(self, text: str, speed: float = 1.0) -> float:
        return max(0.3, SECONDS_PER_CHAR * len(text)) / speed

    async def _voices(self, request: web.Request) -> web.Response:
        rec = Recorded(route="voices", method="GET", headers=dict(request.headers))
        self.requests.append(rec)
        if not self.list_voices:
            rec.status = 404
            return web.json_response({"detail": "Not Found"}, status=404)
        rec.status = 200
        return web.json_response({"voices": [{"id": v, "name": v} for v in self.voices]})

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        rec = Recorded(route="speech", method="POST", headers=dict(request.headers))
        self.requests.append(rec)
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(rec, 401, "Incorrect API key provided.", code="invalid_api_key")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(rec, 400, "We could not parse the JSON body of your request.")
        rec.json = body
        if not isinstance(body, dict):
            return _error(rec, 400, "The request body must be an object.")
        problem = _check(body, self.voices)
        if problem:
            return _error(rec, 400, problem[1], param=problem[0])
        speed = float(body.get("speed", 1.0))
        pcm = speech_pcm(self.expected_seconds(body["input"], speed), RATE)
        fault = self.take_fault("speech")
        if fault is not None:
            return await self.answer_fault(request, rec, fault, pcm)
        response = await self.start_audio(request, rec, "audio/pcm")
        pieces = [pcm[i:i + CHUNK_BYTES] for i in range(0, len(pcm), CHUNK_BYTES)]
        return await self.send_pieces(response, rec, pieces)


def _check(body: dict, voices: tuple[str, ...]) -> tuple[str, str] | None:
    if body.get("model") not in MODELS:
        return "model", f"Unsupported model: {body.get('model')}"
    if not isinstance(body.get("input"), str) or not body["input"].strip():
        return "input", "input is required"
    if body.get("voice") not in voices:
        return "voice", f"Voice '{body.get('voice')}' not found"
    if body.get("response_format", "mp3") != "pcm":
        return "response_format", "this fake answers pcm only"
    speed = body.get("speed", 1.0)
    if not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
        return "speed", "speed must be between 0.25 and 4.0"
    return None


def _error(rec: Recorded, status: int, message: str, *, param: str | None = None,
           code: str | None = None) -> web.Response:
    rec.status = status
    kind = "invalid_request_error"
    return web.json_response({"error": {"message": message, "type": kind, "param": param, "code": code}},
                             status=status)

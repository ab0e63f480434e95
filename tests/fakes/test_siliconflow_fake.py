"""The fake SiliconFlow follows SiliconFlow's published HTTP contract (see tests/fakes/siliconflow.py)."""

from __future__ import annotations

import base64
import io
import json
import struct
import threading
import time

import av
import httpx
import numpy as np
import pytest

from tests.fakes.siliconflow import DEFAULT_TRANSCRIPT, FakeSiliconFlow, sample_wav
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY

MODEL = "FunAudioLLM/CosyVoice2-0.5B"
ASR = "FunAudioLLM/SenseVoiceSmall"
OP = {"Authorization": f"Bearer {OPERATOR_KEY}"}
USER = {"Authorization": f"Bearer {USER_KEY}"}


def speech_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"model": MODEL, "input": "hello there, general kenobi", "voice": f"{MODEL}:alex",
                               "response_format": "pcm", "sample_rate": 24000, "stream": True}
    body.update(overrides)
    return body


def decode(data: bytes) -> tuple[int, int]:
    """(samples, sample_rate) of a file, decoded with PyAV."""
    with av.open(io.BytesIO(data)) as src:
        samples, rate = 0, 0
        for frame in src.decode(src.streams.audio[0]):
            samples += frame.samples
            rate = frame.sample_rate
    return samples, rate


@pytest.fixture
def http(fake_siliconflow: FakeSiliconFlow):
    with httpx.Client(base_url=fake_siliconflow.base_url, timeout=10) as client:
        yield client


def upload(http: httpx.Client, headers: dict[str, str], name: str = "kurisu", **files: object) -> httpx.Response:
    return http.post("/uploads/audio/voice", headers=headers,
                     data={"model": MODEL, "customName": name, "text": "hello world"},
                     files=files or {"file": ("ref.wav", sample_wav(2.0), "audio/wav")})


# --- protocol odd corners --------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk-nope"}, {"Authorization": OPERATOR_KEY}])
def test_bad_or_missing_key_is_401_plain_text(http: httpx.Client, headers: dict[str, str]) -> None:
    response = http.post("/audio/speech", json=speech_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Invalid token"


def test_unknown_path_is_404_plain_text(http: httpx.Client) -> None:
    response = http.get("/audio/nothing-here", headers=OP)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "404 page not found"


def test_speech_is_chunked_raw_pcm_with_trace_id(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    with http.stream("POST", "/audio/speech", json=speech_body(), headers=OP) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        assert response.headers["x-siliconcloud-trace-id"]
        data = response.read()
    assert len(data) == 2 * fake_siliconflow.expected_samples("hello there, general kenobi", 24000)
    rec = fake_siliconflow.requests[-1]
    assert rec.endpoint == "speech" and rec.api_key == OPERATOR_KEY and rec.completed
    assert rec.headers["authorization"] == f"Bearer {OPERATOR_KEY}"
    assert rec.json["voice"] == f"{MODEL}:alex"
    assert rec.trace_id == response.headers["x-siliconcloud-trace-id"]


def test_pcm_chunks_hold_about_43_ms(fake_siliconflow: FakeSiliconFlow, http: httpx.Client) -> None:
    fake_siliconflow.realtime_factor = 0.2  # pace the chunks so they travel separately
    with http.stream("POST", "/audio/speech", json=speech_body(input="a" * 12), headers=OP) as response:
        sizes = [len(c) for c in response.iter_raw()]
    assert len(sizes) > 5
    assert max(sizes) == round(24000 * 0.043) * 2


@pytest.mark.parametrize(("fmt", "rate", "tolerance"), [
    ("pcm", 16000, 0), ("wav", 24000, 0), ("wav", 8000, 0), ("mp3", 44100, 0.06), ("mp3", 32000, 0.06),
    ("opus", 48000, 0.03),
])
def test_formats_decode_to_the_expected_duration(http: httpx.Client, fake_siliconflow: FakeSiliconFlow,
                                                 fmt: str, rate: int, tolerance: float) -> None:
    text = "春节快到了，大家都很开心。"
    response = http.post("/audio/speech", json=speech_body(input=text, response_format=fmt, sample_rate=rate),
                         headers=OP)
    assert response.status_code == 200, response.text
    expected = fake_siliconflow.expected_duration(text)
    if fmt == "pcm":
        assert len(response.content) == 2 * round(expected * rate)
        return
    samples, got_rate = decode(response.content)
    assert got_rate == rate
    assert samples / got_rate == pytest.approx(expected, abs=tolerance or 1 / rate)
    if fmt == "wav":  # the streaming header's placeholder sizes, like the real service
        assert struct.unpack_from("<I", response.content, 4)[0] == 0xFFFFFFFF
        assert struct.unpack_from("<I", response.content, 40)[0] == 0xFFFFFFFF
    if fmt == "opus":
        assert response.content[:4] == b"OggS"


def test_duration_follows_text_length_script_and_speed(fake_siliconflow: FakeSiliconFlow) -> None:
    assert fake_siliconflow.expected_duration("你" * 50) == pytest.approx(4.0)
    assert fake_siliconflow.expected_duration("a" * 50) == pytest.approx(3.0)
    assert fake_siliconflow.expected_duration("a" * 50, speed=2.0) == pytest.approx(1.5)
    assert fake_siliconflow.expected_duration("hi") == 0.5
    # the instruction before <|endofprompt|> and any other token is not spoken
    assert fake_siliconflow.expected_duration("用开心的语气说<|endofprompt|><|x|>" + "a" * 50) == pytest.approx(3.0)
    fake_siliconflow.seconds_per_char = 0.1
    assert fake_siliconflow.expected_duration("你" * 50) == pytest.approx(5.0)


def test_gain_scales_the_signal(http: httpx.Client) -> None:
    def rms(gain: float) -> float:
        response = http.post("/audio/speech", json=speech_body(gain=gain), headers=OP)
        return float(np.sqrt(np.mean(np.frombuffer(response.content, "<i2").astype(float) ** 2)))

    assert rms(-6) / rms(0) == pytest.approx(10 ** (-6 / 20), rel=0.02)


def test_stream_false_gives_one_body_with_length(http: httpx.Client) -> None:
    response = http.post("/audio/speech", json=speech_body(stream=False), headers=OP)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) > 0


@pytest.mark.parametrize("overrides", [
    {"response_format": "opus", "sample_rate": 24000},
    {"response_format": "mp3", "sample_rate": 24000},
    {"response_format": "pcm", "sample_rate": 48000},
    {"response_format": "flac"},
    {"speed": 4.5}, {"speed": 0.2}, {"gain": 11}, {"gain": "loud"},
    {"voice": "alex"}, {"voice": "FunAudioLLM/CosyVoice2-0.5B:zed"}, {"voice": "speech:x:y:z"},
    {"model": "fishaudio/fish-speech-1.5"}, {"input": ""}, {"input": "x" * 128001},
    {"input": "<|endofprompt|>"}, {"instruction": "be happy"}, {"stream": "yes"},
])
def test_speech_rejects_invalid_requests_with_400_json(http: httpx.Client, overrides: dict[str, object]) -> None:
    response = http.post("/audio/speech", json=speech_body(**overrides), headers=OP)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 20012 and body["message"] and "data" in body


def test_speech_accepts_the_edges_of_the_ranges(http: httpx.Client) -> None:
    for overrides in ({"speed": 0.25}, {"speed": 4}, {"gain": -10}, {"gain": 10},
                      {"response_format": "opus", "sample_rate": 48000}):
        assert http.post("/audio/speech", json=speech_body(**overrides), headers=OP).status_code == 200


def test_max_length_input_is_accepted(fake_siliconflow: FakeSiliconFlow, http: httpx.Client) -> None:
    fake_siliconflow.max_seconds = 1.0
    response = http.post("/audio/speech", json=speech_body(input="x" * 128000, sample_rate=8000), headers=OP)
    assert response.status_code == 200
    assert len(response.content) == 2 * 8000


# --- clones: per key ----------------------------------------------------------------------------


def test_clone_belongs_to_the_key_that_made_it(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    response = upload(http, OP)
    assert response.status_code == 200
    uri = response.json()["uri"]
    assert uri.startswith("speech:kurisu:") and len(uri.split(":")) == 4

    assert [v["uri"] for v in http.get("/audio/voice/list", headers=OP).json()["results"]] == [uri]
    assert http.get("/audio/voice/list", headers=USER).json() == {"results": []}

    assert http.post("/audio/speech", json=speech_body(voice=uri), headers=OP).status_code == 200
    wrong = http.post("/audio/speech", json=speech_body(voice=uri), headers=USER)
    assert wrong.status_code == 400 and wrong.json()["code"] == 20012
    assert fake_siliconflow.requests_for("upload")[0].files["file"].filename == "ref.wav"


def test_upload_variant_a_base64_as_json_body_and_as_form_field(http: httpx.Client) -> None:
    data_url = "data:audio/wav;base64," + base64.b64encode(sample_wav(1.0)).decode()
    as_json = http.post("/uploads/audio/voice", headers=OP,
                        json={"model": MODEL, "customName": "a-1", "text": "hi", "audio": data_url})
    assert as_json.status_code == 200, as_json.text
    as_form = http.post("/uploads/audio/voice", headers=OP,
                        files={"audio": (None, data_url)}, data={"model": MODEL, "customName": "b_2", "text": "hi"})
    assert as_form.status_code == 200, as_form.text
    names = sorted(v["customName"] for v in http.get("/audio/voice/list", headers=OP).json()["results"])
    assert names == ["a-1", "b_2"]


@pytest.mark.parametrize(("name", "files"), [
    ("クリス", None),
    ("has space", None),
    ("ok", {"file": ("x.wav", b"definitely not audio" * 50, "audio/wav")}),
    ("ok", {"file": ("long.wav", sample_wav(30.5, 8000), "audio/wav")}),
])
def test_upload_rejects_bad_names_and_audio(http: httpx.Client, name: str, files: dict | None) -> None:
    response = upload(http, OP, name, **(files or {}))
    assert response.status_code == 400
    assert response.json()["code"] == 20012


def test_upload_requires_the_text_fields(http: httpx.Client) -> None:
    response = http.post("/uploads/audio/voice", headers=OP, data={"model": MODEL, "customName": "x"},
                         files={"file": ("ref.wav", sample_wav(1.0), "audio/wav")})
    assert response.status_code == 400


@pytest.mark.parametrize(("list_key", "expected"), [
    ("results", lambda v: {"results": v}),
    ("result", lambda v: {"result": v}),
    (None, lambda v: v),
    ("data", lambda v: {"code": 20000, "message": "Success", "status": True, "data": v}),
])
def test_list_key_variants(http: httpx.Client, fake_siliconflow: FakeSiliconFlow, list_key, expected) -> None:
    uri = fake_siliconflow.add_voice(OPERATOR_KEY, "seeded", text="hello")
    fake_siliconflow.list_key = list_key
    voices = [{"model": MODEL, "customName": "seeded", "text": "hello", "uri": uri}]
    assert http.get("/audio/voice/list", headers=OP).json() == expected(voices)


def test_delete_answers_a_json_string_and_400_for_unknown_uris(http: httpx.Client,
                                                               fake_siliconflow: FakeSiliconFlow) -> None:
    uri = fake_siliconflow.add_voice(OPERATOR_KEY, "gone")
    other = http.post("/audio/voice/deletions", json={"uri": uri}, headers=USER)  # not the owner
    assert other.status_code == 400 and "not found" in other.json()["message"].lower()
    response = http.post("/audio/voice/deletions", json={"uri": uri}, headers=OP)
    assert response.status_code == 200
    assert response.json() == "success"
    assert fake_siliconflow.voices(OPERATOR_KEY) == []
    again = http.post("/audio/voice/deletions", json={"uri": uri}, headers=OP)
    assert again.status_code == 400 and "not found" in again.json()["message"].lower()


def test_transcription_has_rich_tags_and_checks_the_audio(http: httpx.Client,
                                                          fake_siliconflow: FakeSiliconFlow) -> None:
    ok = http.post("/audio/transcriptions", headers=OP, data={"model": ASR},
                   files={"file": ("a.wav", sample_wav(1.0), "audio/wav")})
    assert ok.json() == {"text": DEFAULT_TRANSCRIPT}
    assert DEFAULT_TRANSCRIPT.startswith("<|zh|><|NEUTRAL|><|Speech|>")
    fake_siliconflow.transcript = "<|en|>hi"
    assert http.post("/audio/transcriptions", headers=OP, data={"model": ASR},
                     files={"file": ("a.wav", sample_wav(1.0), "audio/wav")}).json() == {"text": "<|en|>hi"}
    bad = http.post("/audio/transcriptions", headers=OP, data={"model": ASR}, files={"file": ("a.wav", b"nope" * 99)})
    assert bad.status_code == 400
    wrong_model = http.post("/audio/transcriptions", headers=OP, data={"model": MODEL},
                            files={"file": ("a.wav", sample_wav(1.0), "audio/wav")})
    assert wrong_model.status_code == 400


# --- fault injection ----------------------------------------------------------------------------------


def test_429_is_json_with_retry_after_and_consumed_per_request(http: httpx.Client,
                                                               fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(429, retry_after=2, times=2)
    for _ in range(2):
        response = http.post("/audio/speech", json=speech_body(), headers=OP)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "2"
        assert "TPM limit reached" in response.json()["message"]
    assert http.post("/audio/speech", json=speech_body(), headers=OP).status_code == 200
    assert [r.fault for r in fake_siliconflow.requests] == ["status", "status", None]


@pytest.mark.parametrize(("status", "is_json", "text"), [
    (500, True, "overloaded"), (503, True, "overloaded"), (402, True, "balance"),
    (504, False, "timeout"), (403, False, "Forbidden"), (401, False, "Invalid token"), (400, True, "Invalid"),
])
def test_fault_bodies_follow_the_contract(http: httpx.Client, fake_siliconflow: FakeSiliconFlow,
                                          status: int, is_json: bool, text: str) -> None:
    fake_siliconflow.fail(status)
    response = http.post("/audio/speech", json=speech_body(), headers=OP)
    assert response.status_code == status
    assert text in response.text
    if is_json:
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        if status in (500, 503):
            assert body["code"] == 50505
    else:
        assert response.headers["content-type"].startswith("text/plain")
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)


def test_faults_can_target_one_endpoint_in_fifo_order(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.fail(503, endpoint="list")
    fake_siliconflow.fail(429)
    assert http.post("/audio/speech", json=speech_body(), headers=OP).status_code == 429
    assert http.post("/audio/speech", json=speech_body(), headers=OP).status_code == 200
    assert http.get("/audio/voice/list", headers=OP).status_code == 503
    assert http.get("/audio/voice/list", headers=OP).status_code == 200
    with pytest.raises(ValueError):
        fake_siliconflow.fail(500, endpoint="nope")


def test_cut_stream_drops_the_connection_mid_body(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.cut_stream(after_bytes=5000)
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("POST", "/audio/speech", json=speech_body(), headers=OP) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += chunk
    assert len(received) == 5000
    assert fake_siliconflow.requests[-1].fault == "cut"
    assert http.post("/audio/speech", json=speech_body(), headers=OP).status_code == 200  # once only


def test_slow_first_byte_sends_headers_then_waits(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.slow_first_byte(2.0)
    with http.stream("POST", "/audio/speech", json=speech_body(), headers=OP,
                     timeout=httpx.Timeout(5, read=0.2)) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            response.read()


def test_hang_never_answers_and_stop_is_prompt() -> None:
    fake = FakeSiliconFlow(api_keys={OPERATOR_KEY}).start()
    fake.hang(times=None)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.get(fake.base_url + "/audio/voice/list", headers=OP, timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    with httpx.Client(timeout=httpx.Timeout(5, read=0.2)) as client, pytest.raises(httpx.ReadTimeout):
        client.get(fake.base_url + "/audio/voice/list", headers=OP)
    waiting = threading.Thread(target=call)
    waiting.start()
    while len(fake.requests) < 2:
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 3
    waiting.join(5)
    assert not waiting.is_alive()


def test_reset_forgets_requests_faults_voices_and_knobs(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.add_voice(OPERATOR_KEY, "x")
    fake_siliconflow.fail(500, times=None)
    fake_siliconflow.list_key = "result"
    http.get("/audio/voice/list", headers=OP)
    fake_siliconflow.reset()
    assert fake_siliconflow.requests == [] and fake_siliconflow.voices(OPERATOR_KEY) == []
    assert http.get("/audio/voice/list", headers=OP).json() == {"results": []}


def test_revoked_key_gets_401(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.revoke_api_key(USER_KEY)
    assert http.get("/audio/voice/list", headers=USER).status_code == 401
    fake_siliconflow.add_api_key(USER_KEY)
    assert http.get("/audio/voice/list", headers=USER).status_code == 200


async def test_usable_from_async_tests_and_paced_streams_arrive_incrementally(
        fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.realtime_factor = 1.0
    async with httpx.AsyncClient(base_url=fake_siliconflow.base_url) as client:
        async with client.stream("POST", "/audio/speech", json=speech_body(input="a" * 10), headers=OP) as response:
            first = True
            async for _chunk in response.aiter_raw():
                if first:  # the clip (~0.6 s at real time) is still being produced when the first bytes arrive
                    assert not fake_siliconflow.requests[-1].completed
                    first = False
    assert fake_siliconflow.requests[-1].completed


# --- 200 answers that are not what was asked for ------------------------------------------------------------


def test_ok_json_error_is_a_200_with_the_contracts_error_body(http: httpx.Client,
                                                              fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.ok_json_error(50505, "Model service overloaded.", endpoint="speech")
    response = http.post("/audio/speech", json=speech_body(), headers=OP)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"code": 50505, "message": "Model service overloaded.", "data": None}
    fake_siliconflow.ok_json_error(endpoint="list", content_type="application/octet-stream")
    response = http.get("/audio/voice/list", headers=OP)
    assert response.status_code == 200 and response.headers["content-type"] == "application/octet-stream"
    assert response.json()["code"] == 20012
    assert http.post("/audio/speech", json=speech_body(), headers=OP).headers["content-type"] == \
        "application/octet-stream"  # once only


def test_ok_html_is_a_200_web_page(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.ok_html(endpoint="upload")
    response = upload(http, OP)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    assert fake_siliconflow.voices(OPERATOR_KEY) == []  # nothing was made


def test_ok_empty_is_a_200_without_a_body(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.ok_empty(endpoint="speech")
    with http.stream("POST", "/audio/speech", json=speech_body(), headers=OP) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.read() == b""
    fake_siliconflow.ok_empty(endpoint="transcribe")
    response = http.post("/audio/transcriptions", headers=OP, data={"model": ASR},
                         files={"file": ("a.wav", sample_wav(1.0), "audio/wav")})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("application/json")


def test_endless_stream_trickles_until_reset(fake_siliconflow: FakeSiliconFlow) -> None:
    fake_siliconflow.endless_stream(chunk=b"\x01\x00\x02\x00", interval=0.02)
    received = bytearray()
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=fake_siliconflow.base_url, timeout=10) as client:
            with client.stream("POST", "/audio/speech", json=speech_body(), headers=OP) as response:
                assert response.status_code == 200
                assert response.headers["content-type"] == "application/octet-stream"
                for chunk in response.iter_bytes():
                    received.extend(chunk)
        done.set()

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.5)
    assert not done.is_set()
    assert len(received) >= 4 * 5 and len(received) % 4 == 0
    assert fake_siliconflow.requests[-1].fault == "endless"
    fake_siliconflow.reset()  # releases it: the body ends
    assert done.wait(5)
    reader.join(5)


def test_oversize_sends_exactly_that_many_bytes(http: httpx.Client, fake_siliconflow: FakeSiliconFlow) -> None:
    normal = 2 * fake_siliconflow.expected_samples("hello there, general kenobi", 24000)
    fake_siliconflow.oversize(5 * normal + 3)
    with http.stream("POST", "/audio/speech", json=speech_body(), headers=OP) as response:
        data = response.read()
    assert len(data) == 5 * normal + 3
    assert data[:normal] == data[normal:2 * normal]  # the real audio, looped
    fake_siliconflow.add_voice(OPERATOR_KEY, "kurisu")
    fake_siliconflow.oversize(100_000, endpoint="list")
    response = http.get("/audio/voice/list", headers=OP)
    assert len(response.content) == 100_000
    assert [v["customName"] for v in response.json()["results"]] == ["kurisu"]  # still valid JSON

"""``voicebridge doctor``: check every moving part and say plainly what is wrong."""

from __future__ import annotations

import asyncio
import importlib.util
import stat
import time
from collections.abc import Awaitable, Callable

from bots import platforms
from core.config import Config
from core.secret_key import pending_secret_key_path, resolve_secret_key, secret_key_path
from core.errors import VoiceBridgeError
from core.keys import secret_key_id

OK, WARN, FAIL = "ok", "warn", "FAIL"


async def _codecs() -> tuple[str, str]:
    import av

    from core import audio

    pcm = b"\x00\x10" * 24000  # 1 s
    for fmt in ("ogg", "mp3", "wav"):
        await audio.encode(pcm, 24000, fmt)
    return OK, f"PyAV {av.__version__}, FFmpeg {av.ffmpeg_version_info}: ogg/opus, mp3, wav encode"


async def _engine() -> tuple[str, str]:
    from core.providers.local import LocalProvider

    provider = LocalProvider()
    try:
        start = time.perf_counter()
        samples = await asyncio.to_thread(provider.health_check)
        took = time.perf_counter() - start
    finally:
        await provider.aclose()
    if not samples:
        return FAIL, "espeak-ng produced no audio"
    return OK, f"espeak-ng (offline) spoke a test phrase in {took * 1000:.0f} ms"


#: The voice-channel lead-in the Discord player sends before speech (see bots.discord.opus.OpusPacketEncoder).
LEAD_IN_MS = 200


async def _voice_path() -> tuple[str, str]:
    """Speech → 20 ms Opus packets (exactly what a Discord voice channel is sent) → decoded back:
    is it audible, and does it start with the lead-in that keeps the first syllable from being clipped?"""
    from bots.discord import opus
    from core import audio
    from core.models import SynthesisRequest
    from core.providers.local import LocalProvider

    provider = LocalProvider()
    encoder = opus.OpusPacketEncoder(leading_silence_ms=LEAD_IN_MS)
    packets: list[bytes] = []
    try:
        async for chunk in provider.synthesize(SynthesisRequest(text="Testing the voice channel.", voice="anna",
                                                                language="en")):
            packets += await asyncio.to_thread(encoder.feed, chunk.data, chunk.sample_rate)
    finally:
        await provider.aclose()
    packets += encoder.flush()
    pcm = await asyncio.to_thread(opus.decode_opus_packets, packets)
    frame = audio.OPUS_RATE * 2 * 2 // 1000  # bytes of 1 ms of stereo s16
    lead, speech = pcm[:(LEAD_IN_MS - 20) * frame], pcm[LEAD_IN_MS * frame:]
    seconds = len(pcm) / (frame * 1000)
    if audio.is_silent(speech, audio.OPUS_RATE * 2):
        return FAIL, f"{len(packets)} Opus packets decode to silence: nobody would hear the bot"
    if not audio.is_silent(lead, audio.OPUS_RATE * 2):
        return WARN, "no silent lead-in before speech: the first syllable may be clipped"
    return OK, (f"speech → {len(packets)} Opus packets of 20 ms → decoded back: {seconds:.1f} s, audible "
                f"({audio.rms_db(speech):.0f} dBFS), {LEAD_IN_MS} ms silent lead-in")


async def _secret(config: Config) -> tuple[str, str]:
    """Where the secret key comes from; the doctor never creates one."""
    found = resolve_secret_key(config, create=False)
    if found is None:
        return OK, (f"none yet: `voicebridge run` generates {secret_key_path(config)} (0600) when it first starts; "
                    "back it up then")
    detail = f"from {found.source} (key id {secret_key_id(found.key)})"
    pending = pending_secret_key_path(config)
    if found.path is not None and pending.exists():
        return WARN, f"{detail}; {pending} is left by an interrupted `voicebridge db rotate-key` (the next start " \
                     "finishes or ignores it)"
    if found.path is not None and stat.S_IMODE(found.path.stat().st_mode) & 0o077:
        return WARN, f"{detail}, but other users can read it: chmod 600 {found.path}"
    return OK, detail


async def _database(config: Config) -> tuple[str, str]:
    from storage.keyring import open_store

    store, key = await open_store(config, create_key=False, finish_rotation=False)
    async with store:
        await store.ping()
        dialect = store.dialect
        recorded = await store.recorded_secret_key_id()
    if key is None:
        return OK, f"{dialect} reachable, migrations applied; no secret key yet and no API key stored"
    return OK, f"{dialect} reachable, migrations applied, the secret key matches the database's (key id {recorded})"


async def _provider(config: Config) -> tuple[str, str]:
    import httpx

    from core.providers.siliconflow import SiliconFlowProvider

    if config.self_hosted:
        return await _self_hosted(config)
    key = config.operator_key()
    if config.effective_provider == "local":
        return OK, "offline engine for everyone (users may add their own SiliconFlow key with /key)"
    if not key:
        return WARN, "VOICEBRIDGE_PROVIDER=siliconflow but SILICONFLOW_API_KEY is not set"
    async with httpx.AsyncClient(timeout=10.0) as client:
        provider = SiliconFlowProvider(client, base_url=config.siliconflow_base_url, api_key=key,
                                       model=config.tts_model, asr_model=config.asr_model, max_retries=0)
        voices = await provider.list_voices()
    return OK, f"SiliconFlow at {config.siliconflow_base_url} accepted the key ({len(voices)} cloned voices)"


# --- self-hosted engines (VOICEBRIDGE_PROVIDER=cosyvoice|openai) ------------------------------------

#: The routes of the CosyVoice2 FastAPI server this bot uses (FastAPI lists them at /openapi.json).
_COSYVOICE_ROUTES = ("/inference_sft", "/inference_zero_shot", "/inference_instruct2")


async def _self_hosted(config: Config) -> tuple[str, str]:
    """The self-hosted server answers as the engine it is said to be, and a preset's voice can speak."""
    import httpx

    from bots.app import build_remote
    from core.errors import ProviderError
    from core.models import SynthesisRequest

    url = config.provider_base_url
    async with httpx.AsyncClient(timeout=10.0) as client:
        remote = build_remote(config.model_copy(update={"provider_max_retries": 0, "http_timeout": 20.0}),
                              client, None)  # type: ignore[arg-type]  # no store: nothing is cloned here
        http = remote.http  # type: ignore[attr-defined]
        if config.provider == "cosyvoice":
            spec = await http.get_json("/openapi.json")
            paths = spec.get("paths") if isinstance(spec, dict) else None
            if not isinstance(paths, dict):
                return FAIL, f"no CosyVoice FastAPI server at {url} (no /openapi.json)"
            missing = [route for route in _COSYVOICE_ROUTES if route not in paths]
            if missing:
                return FAIL, f"the server at {url} lacks {', '.join(missing)}: not CosyVoice's runtime/python/fastapi"
        else:
            listed = await remote.server_voices()  # type: ignore[attr-defined]
            unknown = sorted(set(remote.voices.values()) - set(listed or ()))  # type: ignore[attr-defined]
            if listed is not None and unknown:
                return WARN, f"{url} does not list the voices {', '.join(unknown)} (set VOICEBRIDGE_PROVIDER_VOICES)"
        try:
            async for _ in remote.synthesize(SynthesisRequest(text="你好" if config.provider == "cosyvoice" else "Hi",
                                                              voice="anna")):
                break
        except ProviderError as exc:
            if config.provider == "cosyvoice":
                return WARN, (f"CosyVoice at {url} is up, but the preset voice's SFT speaker did not speak ({exc}); "
                              "presets fall back to the offline engine (CosyVoice2 ships no SFT speakers: copy "
                              "spk2info.pt or set VOICEBRIDGE_PROVIDER_VOICES); clones work")
            return FAIL, f"{url} did not speak: {exc}"
    what = "CosyVoice" if config.provider == "cosyvoice" else "the OpenAI-compatible server"
    return OK, f"{what} at {url} speaks (presets, and {'clones' if remote.supports_cloning else 'no clones'})"


async def _tokens() -> tuple[str, str]:
    """Which registered platforms have a token (what ``voicebridge run`` would start)."""
    have = [platform.label for platform, _ in platforms.configured()]
    if not have:
        needed = " or ".join(platform.token_env() for platform in platforms.PLATFORMS)
        return WARN, f"no bot token set: `voicebridge run` needs {needed}"
    return OK, "tokens set for " + ", ".join(have)


async def _voice_deps() -> tuple[str, str]:
    missing = [m for m in ("nacl", "davey") if importlib.util.find_spec(m) is None]
    if missing:
        return WARN, f"Discord voice channels disabled: missing {', '.join(missing)} (install discord.py[voice])"
    return OK, "PyNaCl and davey present: Discord voice (DAVE) available"


async def run_checks(config: Config, out: Callable[[str], None] = print) -> bool:
    """Run every check, print one line each; False if any check failed."""
    checks: list[tuple[str, Callable[[], Awaitable[tuple[str, str]]]]] = [
        ("codecs", _codecs),
        ("engine", _engine),
        ("voicepath", _voice_path),
        ("secret", lambda: _secret(config)),
        ("database", lambda: _database(config)),
        ("provider", lambda: _provider(config)),
        ("tokens", _tokens),
        ("voice", _voice_deps),
    ]
    ok = True
    for name, check in checks:
        try:
            status, detail = await asyncio.wait_for(check(), timeout=30)
        except VoiceBridgeError as exc:
            status, detail = FAIL, str(exc)
        except TimeoutError:
            status, detail = FAIL, "timed out after 30 s"
        except Exception as exc:  # the doctor reports; it never crashes
            status, detail = FAIL, f"{type(exc).__name__}: {exc}"
        ok &= status != FAIL
        out(f"[{status:>4}] {name:<9} {detail}")
    return ok

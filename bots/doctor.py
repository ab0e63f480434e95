"""``voicebridge doctor``: check every moving part and say plainly what is wrong."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Awaitable, Callable

from core.config import Config, load_secret_key
from core.errors import VoiceBridgeError

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


async def _database(config: Config) -> tuple[str, str]:
    from storage.store import Store

    secret = load_secret_key(config)
    async with await Store.open(config.effective_database_url, secret) as store:
        await store.ping()
        dialect = store.dialect
    return OK, f"{dialect} reachable, migrations applied"


async def _provider(config: Config) -> tuple[str, str]:
    import httpx

    from core.providers.siliconflow import SiliconFlowProvider

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


async def _tokens(config: Config) -> tuple[str, str]:
    have = [name for name, tok in (("Telegram", config.telegram_bot_token),
                                   ("Discord", config.discord_bot_token)) if tok]
    if not have:
        return WARN, "no bot token set: `voicebridge run` needs TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN"
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
        ("database", lambda: _database(config)),
        ("provider", lambda: _provider(config)),
        ("tokens", lambda: _tokens(config)),
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

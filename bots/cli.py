"""The ``voicebridge`` command: run the bots, speak, clone, list voices, check the setup, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from core.config import Config, load_config
from core.errors import ConfigError, VoiceBridgeError
from core.models import SettingsPatch, UserRef

log = logging.getLogger("voicebridge")

CLI_USER = UserRef(platform="cli", user_id="operator", is_private=True)


class CLIError(Exception):
    """A one-line failure of a CLI command."""


def _setup_logging(config: Config | None) -> None:
    level = getattr(logging, config.log_level if config else "INFO")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Request URLs of the Telegram client contain the bot token: keep httpx quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)


# --- commands -------------------------------------------------------------------------------


def _start_metrics(app):
    """The ``/metrics`` server when VOICEBRIDGE_METRICS_PORT is set (None otherwise)."""
    config = app.config
    if config.metrics_port is None:
        return None
    from core.metrics import start_exporter

    try:
        return start_exporter(app.metrics, config.metrics_host, config.metrics_port)
    except OSError as exc:
        raise CLIError(f"VOICEBRIDGE_METRICS_PORT: can't listen on {config.metrics_host}:{config.metrics_port} "
                       f"({exc.strerror or exc})") from None


async def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Run every adapter that has a token until Ctrl-C or SIGTERM."""
    from bots.app import build_app

    runners = []
    if config.telegram_bot_token:
        from bots.telegram.runner import run_telegram

        runners.append(("telegram", run_telegram))
    if config.discord_bot_token:
        from bots.discord.runner import run_discord

        runners.append(("discord", run_discord))
    if not runners:
        raise CLIError("no bot token: set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN "
                       "(try `voicebridge speak TEXT -o out.ogg` to use the engine without a bot)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with await build_app(config) as app:
        log.info("engine for users without a key: %s; adapters: %s", app.service.engine,
                 ", ".join(name for name, _ in runners))
        exporter = _start_metrics(app)
        try:
            tasks = [asyncio.create_task(run(app, stop), name=name) for name, run in runners]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            stop.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if exporter is not None:
                exporter.close()
    failed = [(t.get_name(), r) for t, r in zip(tasks, results, strict=True) if isinstance(r, BaseException)]
    for name, exc in failed:
        log.error("%s adapter stopped: %s", name, exc)
    return 1 if failed else 0


async def cmd_speak(args: argparse.Namespace, config: Config) -> int:
    """Synthesize TEXT into an audio file."""
    from bots.app import build_app

    out = Path(args.output)
    fmt = args.format or {".mp3": "mp3", ".wav": "wav"}.get(out.suffix.lower(), "ogg")
    override = SettingsPatch(voice=args.voice, speed=args.speed, gain=args.gain, language=args.lang,
                             style=args.style)
    async with await build_app(config) as app:
        result = await app.service.speak(CLI_USER, args.text, override=override, fmt=fmt)
    if len(result.notes) == 1:
        paths = [out]
    else:
        paths = [out.with_name(f"{out.stem}-{i + 1}{out.suffix}") for i in range(len(result.notes))]
    for path, note in zip(paths, result.notes, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(note.audio.data)
        print(f"{path}: {note.audio.duration:.2f} s, {len(note.audio.data)} bytes ({fmt}, {result.engine})")
    for notice in result.notices:
        from core.i18n import t

        print(t(notice, "en"), file=sys.stderr)
    return 0


async def cmd_clone(args: argparse.Namespace, config: Config) -> int:
    """Clone a voice from an audio file; it becomes usable as --voice NAME."""
    from bots.app import build_app

    data = Path(args.audio).read_bytes()
    if not args.yes:
        if not sys.stdin.isatty():
            raise CLIError("confirm with --yes that the voice is yours or that you may use it")
        answer = input(f"Is the voice in {args.audio} yours, or do you have permission to clone it? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise CLIError("cancelled: nothing was uploaded")
    async with await build_app(config) as app:
        check = await app.service.check_clone_audio(data, Path(args.audio).name)
        voice = await app.service.clone(CLI_USER, data, args.name, filename=Path(args.audio).name,
                                        transcript=args.text, consent=True)
    print(f"cloned “{voice.name}” from {check.speech_duration:.1f} s of speech: {voice.provider_id}")
    print(f"transcript: {voice.transcript}")
    return 0


async def cmd_voices(args: argparse.Namespace, config: Config) -> int:
    """List the preset voices and the operator's clones."""
    from bots.app import build_app

    async with await build_app(config) as app:
        listing = await app.service.voices(CLI_USER)
        remote = []
        if app.remote is not None and config.operator_key():
            remote = await app.remote.list_voices()
    print(f"engine: {app.service.engine}")
    print("presets:")
    for v in listing.presets:
        print(f"  {v.name:<10} {v.label}")
    if listing.clones:
        print("clones:")
        for v in listing.clones:
            print(f"  {v.name:<20} {v.provider_id}")
    known = {v.provider_id for v in listing.clones}
    others = [v for v in remote if v.uri not in known]
    if others:
        print("other voices on the provider account:")
        for v in others:
            print(f"  {v.name:<20} {v.uri}")
    return 0


async def cmd_doctor(args: argparse.Namespace, config: Config) -> int:
    """Check codecs, the offline engine, the database, the provider and the tokens."""
    from bots.doctor import run_checks

    ok = await run_checks(config)
    return 0 if ok else 1


async def cmd_db(args: argparse.Namespace, config: Config) -> int:
    """Database maintenance: upgrade, export, import."""
    from core.config import load_secret_key
    from storage.store import Store, upgrade
    from storage.transfer import export_to_file, import_from_file

    url = config.effective_database_url
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if args.db_command == "upgrade":
        await upgrade(url)
        print(f"database is up to date ({url.split('://')[0]})")
        return 0
    secret = load_secret_key(config)
    async with await Store.open(url, secret) as store:
        if args.db_command == "export":
            await export_to_file(store, Path(args.file))
            print(f"exported to {args.file}")
        else:
            await import_from_file(store, Path(args.file))
            print(f"imported {args.file}")
    return 0


# --- parsing --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voicebridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help=cmd_run.__doc__, description=cmd_run.__doc__)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("speak", help=cmd_speak.__doc__, description=cmd_speak.__doc__)
    p.add_argument("text")
    p.add_argument("-o", "--output", required=True, help="output file (.ogg, .mp3 or .wav)")
    p.add_argument("--voice", help="a preset (alex, anna, …) or a clone's name")
    p.add_argument("--speed", type=float, help="0.25–4.0")
    p.add_argument("--gain", type=float, help="-10–10 dB")
    p.add_argument("--lang", help="auto, zh, en, ja, ko or yue")
    p.add_argument("--style", help="e.g. 开心/happy, 粤语, or free text")
    p.add_argument("--format", choices=("ogg", "mp3", "wav"), help="default: from the file name, else ogg")
    p.set_defaults(func=cmd_speak)

    p = sub.add_parser("clone", help=cmd_clone.__doc__, description=cmd_clone.__doc__)
    p.add_argument("audio", help="reference audio: 3–30 s of one clean speaker")
    p.add_argument("--name", required=True)
    p.add_argument("--text", help="what is said in the audio (default: transcribed by SenseVoice)")
    p.add_argument("--yes", action="store_true", help="confirm the voice is yours or you may use it")
    p.set_defaults(func=cmd_clone)

    p = sub.add_parser("voices", help=cmd_voices.__doc__, description=cmd_voices.__doc__)
    p.set_defaults(func=cmd_voices)

    p = sub.add_parser("doctor", help=cmd_doctor.__doc__, description=cmd_doctor.__doc__)
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("db", help=cmd_db.__doc__, description=cmd_db.__doc__)
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", help="apply migrations")
    e = dbsub.add_parser("export", help="write everything to a JSON file")
    e.add_argument("file")
    i = dbsub.add_parser("import", help="load a JSON export into an empty database")
    i.add_argument("file")
    p.set_defaults(func=cmd_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"voicebridge: {exc}", file=sys.stderr)
        return 2
    _setup_logging(config)
    try:
        return asyncio.run(args.func(args, config))
    except (VoiceBridgeError, CLIError) as exc:
        print(f"voicebridge: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"voicebridge: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""The ``voicebridge`` command: run the bots, speak, clone, list voices, check the setup, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from pathlib import Path

from bots import platforms
from core.config import Config, load_config
from core.secret_key import ensure_data_dir
from core.errors import ConfigError, VoiceBridgeError
from core.models import SettingsPatch, UserRef

log = logging.getLogger("voicebridge")

CLI_USER = UserRef(platform="cli", user_id="operator", is_private=True)
#: Where ``db rotate-key`` may read the new secret key from (not a setting: read by that command only).
NEW_SECRET_KEY_ENV = "VOICEBRIDGE_NEW_SECRET_KEY"


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


#: The collector's thresholds for a running bot (CPython's default is 700, 10, 10); see quiet_garbage_collector.
GC_THRESHOLDS = (10_000, 20, 100)


def quiet_garbage_collector() -> None:
    """Keep the garbage collector from stalling the voice sender (``python -m bench scale``).

    What start-up built (modules, catalogs, the app) lives as long as the process: ``gc.freeze`` keeps it out of
    every later pass. Fewer, larger young passes replace many small ones, and full passes become rare: a pass
    holds the GIL, and at 200 speaking channels the default thresholds left 1–8 % of packets more than 5 ms
    late (0.3 % with the collector off)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Run every adapter that has a token until Ctrl-C or SIGTERM."""
    from bots.app import build_app

    chosen = platforms.configured()
    if not chosen and not config.web:
        tokens = " and/or ".join(platform.token_env() for platform in platforms.PLATFORMS)
        raise CLIError(f"no bot token and the web console is off: set {tokens}, or VOICEBRIDGE_WEB=on "
                       "(try `voicebridge speak TEXT -o out.ogg` to use the engine without a bot)")
    runners = [(platform.id, platform.runner(), settings) for platform, settings in chosen]
    if config.web:  # the web console, beside the bots; alone (with a sign-in link printed) when there is none
        from bots.web.server import run_web

        async def web_runner(app, stop, owner_link):
            await run_web(app, stop, announce_owner_link=owner_link)

        runners.append(("web", web_runner, not chosen))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with await build_app(config) as app:
        quiet_garbage_collector()
        log.info("engine for users without a key: %s; adapters: %s", app.service.engine,
                 ", ".join(name for name, _, _ in runners))
        exporter = _start_metrics(app)
        try:
            tasks = [asyncio.create_task(run(app, stop, settings), name=name) for name, run, settings in runners]
            await _until_failed_or_bots_done(tasks)
            stop.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if exporter is not None:
                exporter.close()
    failed = [(t.get_name(), r) for t, r in zip(tasks, results, strict=True) if isinstance(r, BaseException)]
    for name, exc in failed:
        log.error("%s adapter stopped: %s", name, exc)
    return 1 if failed else 0


async def _until_failed_or_bots_done(tasks: list[asyncio.Task]) -> None:
    """Wait until an adapter fails, or every bot has stopped (the web console serves until then, or alone)."""
    bots = [task for task in tasks if task.get_name() != "web"]
    pending = set(tasks)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if any(not t.cancelled() and t.exception() is not None for t in done):
            return
        if bots and all(t.done() for t in bots):
            return


async def cmd_speak(args: argparse.Namespace, config: Config) -> int:
    """Synthesize TEXT into an audio file."""
    from bots.app import build_app

    out = Path(args.output)
    fmt = args.format or {".mp3": "mp3", ".wav": "wav"}.get(out.suffix.lower(), "ogg")
    override = SettingsPatch(voice=args.voice, speed=args.speed, gain=args.gain, language=args.lang,
                             style=args.style)
    async with await build_app(config, create_key=False) as app:
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
    async with await build_app(config, create_key=False) as app:
        check = await app.service.check_clone_audio(data, Path(args.audio).name)
        voice = await app.service.clone(CLI_USER, data, args.name, filename=Path(args.audio).name,
                                        transcript=args.text, consent=True)
    print(f"cloned “{voice.name}” from {check.speech_duration:.1f} s of speech: {voice.provider_id}")
    print(f"transcript: {voice.transcript}")
    return 0


async def cmd_voices(args: argparse.Namespace, config: Config) -> int:
    """List the preset voices and the operator's clones."""
    from bots.app import build_app

    async with await build_app(config, create_key=False) as app:
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
    """Database maintenance: upgrade, export, import, rotate-key."""
    from storage.keyring import open_store
    from storage.transfer import export_to_file, import_from_file

    url = config.effective_database_url
    ensure_data_dir(config)
    if args.db_command == "rotate-key":
        return await _rotate_key(args, config)
    # upgrade generates the secret key if there is none (SQLite), records it in the database and upgrades
    # key fingerprints; export and import only use the key that exists
    store, _ = await open_store(config, create_key=args.db_command == "upgrade")
    async with store:
        if args.db_command == "upgrade":
            print(f"database is up to date ({url.split('://')[0]})")
        elif args.db_command == "export":
            await export_to_file(store, Path(args.file))
            print(f"exported to {args.file}")
        else:
            await import_from_file(store, Path(args.file))
            print(f"imported {args.file}")
    return 0


ROTATE_HELP = """\
Re-encrypt every stored API key under a new secret key, in one transaction. Stop every instance first.
The current key comes from VOICEBRIDGE_SECRET_KEY or the data dir's secret.key, as at start. The new key:
--new-key-file PATH, else VOICEBRIDGE_NEW_SECRET_KEY, else (only when the current key is the data dir's
secret.key) a new one is generated and written there. A crash at any moment leaves the old or the new
state: the database changes in one transaction, and the new key is written to secret.key.new (fsynced)
before it commits; the next start finishes or ignores that file according to what the database says.
With VOICEBRIDGE_SECRET_KEY, set it to the new key everywhere afterwards. Neither key is ever printed.
"""


def _new_secret_key(args: argparse.Namespace) -> bytes | None:
    """The new key given on the command line or in VOICEBRIDGE_NEW_SECRET_KEY (None: generate one)."""
    from core.secret_key import is_fernet_key

    from_env = os.environ.get(NEW_SECRET_KEY_ENV, "").strip()
    if args.new_key_file and from_env:
        raise CLIError(f"give the new key once: --new-key-file or {NEW_SECRET_KEY_ENV}, not both")
    if args.new_key_file:
        try:
            key = Path(args.new_key_file).read_bytes().strip()
        except OSError as exc:
            raise CLIError(f"--new-key-file: can't read {args.new_key_file} ({exc.strerror or exc})") from None
        if not is_fernet_key(key):
            raise CLIError(f"--new-key-file: {args.new_key_file} does not hold a Fernet key "
                           "(32 url-safe base64-encoded bytes)")
        return key
    if from_env:
        if not is_fernet_key(from_env.encode()):
            raise CLIError(f"{NEW_SECRET_KEY_ENV} is not a Fernet key (32 url-safe base64-encoded bytes)")
        return from_env.encode()
    return None


async def _rotate_key(args: argparse.Namespace, config: Config) -> int:
    """``db rotate-key``: see ROTATE_HELP."""
    from cryptography.fernet import Fernet

    from core.secret_key import SECRET_KEY_ENV, fsync_dir, pending_secret_key_path, secret_key_path, write_key_file
    from core.keys import secret_key_id
    from storage.keyring import open_store

    new = _new_secret_key(args)
    from_file = config.secret_key is None
    store, old = await open_store(config, create_key=False)
    async with store:
        if old is None:
            raise CLIError(f"there is no secret key to rotate: neither {SECRET_KEY_ENV} nor "
                           f"{secret_key_path(config)} is set")
        if new is None:
            if not from_file:
                raise CLIError(f"the secret key comes from {SECRET_KEY_ENV}: give the new one with --new-key-file "
                               f"PATH or {NEW_SECRET_KEY_ENV} (this command can't change your environment)")
            new = Fernet.generate_key()
        if new == old:
            raise CLIError("the new secret key is the current one: nothing to rotate")
        path, pending = secret_key_path(config), pending_secret_key_path(config)
        if from_file:
            write_key_file(pending, new, replace=True)  # complete and durable before the database moves
        try:
            report = await store.rotate_secret_key(old, new, operator_key=config.operator_key())
        except Exception:
            if from_file:
                with contextlib.suppress(Exception):
                    if await store.recorded_secret_key_id() != secret_key_id(new):
                        pending.unlink(missing_ok=True)  # certainly not committed: the old state, untouched
            raise
        if from_file:
            write_key_file(path, new, replace=True)
            pending.unlink(missing_ok=True)
            fsync_dir(path.parent)
    print(f"re-encrypted {report.reencrypted} stored API key(s) under the new secret key (key id "
          f"{report.new_key_id}); {report.fingerprints_upgraded} key fingerprint(s) upgraded")
    if from_file:
        print(f"{path} now holds the new key: back it up; the old key no longer decrypts anything")
    else:
        print(f"now set {SECRET_KEY_ENV} to the new key on every instance, then start them")
    if report.undecryptable:
        print(f"{report.undecryptable} stored key(s) did not decrypt with the old key either; left as they were",
              file=sys.stderr)
    if report.fingerprints_left:
        print(f"{report.fingerprints_left} fingerprint(s) of keys that are no longer stored could not be upgraded: "
              "clones made with them can't be matched to a key any more", file=sys.stderr)
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
    dbsub.add_parser("upgrade", help="apply migrations, check and record the secret key (generating it for SQLite)")
    e = dbsub.add_parser("export", help="write everything to a JSON file")
    e.add_argument("file")
    i = dbsub.add_parser("import", help="load a JSON export into an empty database")
    i.add_argument("file")
    r = dbsub.add_parser("rotate-key", help="re-encrypt stored API keys under a new secret key",
                         description=ROTATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("--new-key-file", metavar="PATH",
                   help=f"read the new Fernet key from PATH (else {NEW_SECRET_KEY_ENV}, else generated into the "
                        "data dir's secret.key when the current key is that file)")
    p.set_defaults(func=cmd_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        config = load_config()
        platforms.load_all()  # a bad platform setting stops every command, as a bad core one does
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

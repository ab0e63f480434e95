"""The secret key that encrypts users' API keys (and other secrets) at rest, and the data directory it lives in.

VOICEBRIDGE_SECRET_KEY wins; else ``$DATA_DIR/secret.key``, generated once (SQLite only, and only by the
commands that need one: see :func:`resolve_secret_key`). ``secret.key.new`` exists only while
``voicebridge db rotate-key`` runs (or after it crashed): storage.keyring decides at the next start, from what
the database records, whether it is the key in use.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError, SecretKeyFileInvalid, SecretKeyMissing

if TYPE_CHECKING:
    from core.config import Config

log = logging.getLogger("voicebridge.config")

SECRET_KEY_ENV = "VOICEBRIDGE_SECRET_KEY"
SECRET_KEY_FILE = "secret.key"
PENDING_SECRET_KEY_FILE = "secret.key.new"
_FERNET_ALLOWED = "a Fernet key (32 url-safe base64-encoded bytes)"


@dataclass(frozen=True)
class SecretKey:
    """The Fernet key and where it came from (``source`` is safe to show: never the key itself)."""

    key: bytes = field(repr=False)
    source: str  # "VOICEBRIDGE_SECRET_KEY" or the key file's path
    path: Path | None = None  # the key file, when the key came from one
    created: bool = False  # generated just now


def uses_postgres(config: Config) -> bool:
    return config.effective_database_url.startswith(("postgres", "postgresql"))


def secret_key_path(config: Config) -> Path:
    return config.data_dir / SECRET_KEY_FILE


def pending_secret_key_path(config: Config) -> Path:
    return config.data_dir / PENDING_SECRET_KEY_FILE


def is_fernet_key(key: bytes) -> bool:
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; the directory created last gets mode 0700.
    An existing directory is left as it is (it may be shared on purpose)."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def ensure_data_dir(config: Config) -> Path:
    """The data directory, created 0700 if it does not exist yet."""
    make_private_dir(config.data_dir)
    return config.data_dir


def fsync_dir(path: Path) -> None:
    """Make a rename or link in ``path`` durable (a no-op where directories can't be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_key_file(path: Path, key: bytes, *, replace: bool) -> bool:
    """Write ``key`` to ``path`` (mode 0600) so that ``path`` never exists half-written: a temp file in the
    same directory, fsynced, then hard-linked into place (``replace=False``: fails, returning False, if
    ``path`` exists — O_EXCL semantics for two processes generating at once) or renamed over it
    (``replace=True``); then the directory is fsynced."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            except OSError:  # a file system without hard links: check, then rename (a tiny race)
                if path.exists():
                    return False
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def read_key_file(path: Path) -> bytes:
    """The key in ``path``; SecretKeyFileInvalid (naming the file and what to do) if it is unusable."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise SecretKeyFileInvalid(path=str(path), problem=f"can't be read ({exc.strerror or exc})") from None
    key = raw.strip()
    if not key:
        raise SecretKeyFileInvalid(path=str(path), problem="is empty")
    if not is_fernet_key(key):
        raise SecretKeyFileInvalid(path=str(path), problem="does not hold a Fernet key")
    if stat.S_IMODE(mode) & 0o077:
        log.warning("%s can be read by other users of this machine: chmod 600 %s", path, path)
    return key


def resolve_secret_key(config: Config, *, create: bool) -> SecretKey | None:
    """The Fernet key: ``VOICEBRIDGE_SECRET_KEY``, else ``$DATA_DIR/secret.key``.

    Missing: with PostgreSQL an error (several instances share the database, and one generating its own
    key would make the others' stored keys unreadable); with SQLite a new key is generated into the data
    dir when ``create`` (the commands that write users' keys: ``run``, ``db upgrade``), else None — the
    caller then works without one (``speak``, ``doctor``…) and nothing is written.
    """
    if config.secret_key is not None:
        key = config.secret_key.get_secret_value().strip().encode()
        if not is_fernet_key(key):
            raise ConfigError(name=SECRET_KEY_ENV, allowed=_FERNET_ALLOWED)
        return SecretKey(key=key, source=SECRET_KEY_ENV)
    path = secret_key_path(config)
    if os.path.lexists(path):
        return SecretKey(key=read_key_file(path), source=str(path), path=path)
    if uses_postgres(config):
        raise SecretKeyMissing(path=str(path))
    if not create:
        return None
    from cryptography.fernet import Fernet

    ensure_data_dir(config)
    key = Fernet.generate_key()
    if write_key_file(path, key, replace=False):
        log.info("generated a new secret key into %s: back it up, stored API keys need it", path)
        return SecretKey(key=key, source=str(path), path=path, created=True)
    return SecretKey(key=read_key_file(path), source=str(path), path=path)  # another process won the race


def load_secret_key(config: Config) -> bytes:
    """The Fernet key, generated into ``$DATA_DIR/secret.key`` (0600) if there is none (SQLite only);
    see :func:`resolve_secret_key`."""
    found = resolve_secret_key(config, create=True)
    assert found is not None
    return found.key

"""Which secret key the database is written with, rotating it, and upgrading key fingerprints.

The ``meta`` row ``secret_key_id`` holds the non-reversible id (:func:`core.keys.secret_key_id`) of the
``VOICEBRIDGE_SECRET_KEY`` that encrypts ``api_keys.ciphertext``. It is recorded the first time the
database is opened with a key — for a database from before it was recorded, only once every stored
ciphertext is checked to decrypt with that key — and from then on a different key is refused at start
with one line (:class:`core.errors.SecretKeyMismatch`) instead of silently losing every user's key.

Rotation (``voicebridge db rotate-key``, :func:`rotate`) re-encrypts every key and moves the record in one
transaction. When the key lives in ``$DATA_DIR/secret.key`` the new key is first written, complete and
fsynced, to ``secret.key.new``; after the commit it replaces ``secret.key``. A crash leaves either the old
state (the record names the old key: ``secret.key.new`` is ignored) or the new one (the record names the
key in ``secret.key.new``: the next start takes it and finishes the rename, :func:`open_store`).

Fingerprints: the legacy scheme was an HMAC with the secret key; :func:`upgrade_fingerprints` rewrites
them to the ``k2`` scheme (:mod:`core.keys`) wherever the key is known (stored and decryptable, or the
operator's), at every start and before a rotation, so that afterwards nothing depends on the old secret.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.ext.asyncio import AsyncConnection

from core import keys
from core.errors import SecretKeyLost, SecretKeyMismatch
from storage import schema

if TYPE_CHECKING:
    from core.config import Config
    from storage.store import Store

log = logging.getLogger("voicebridge.storage")

#: ``meta`` key: the id of the secret key the API keys are encrypted with.
META_SECRET_KEY_ID = "secret_key_id"
#: What a message says for a database whose key was never recorded (from before the record existed).
UNRECORDED = "unrecorded"


@dataclass(frozen=True)
class RotationReport:
    reencrypted: int  # API keys now under the new key
    undecryptable: int  # stored keys the old key could not read either (left as they were)
    fingerprints_upgraded: int
    fingerprints_left: int  # legacy fingerprints whose key is not known: they can no longer be matched
    new_key_id: str


# --- meta ------------------------------------------------------------------------------------


async def meta_get(conn: AsyncConnection, key: str) -> str | None:
    return (await conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == key))).scalar_one_or_none()


async def meta_set(conn: AsyncConnection, key: str, value: str, *, only_if_absent: bool = False) -> None:
    """Write a ``meta`` row; ``only_if_absent``: keep a value already there (another process's)."""
    now = schema.utcnow()
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(schema.meta).values(key=key, value=value, updated_at=now)
    if only_if_absent:
        stmt = stmt.on_conflict_do_nothing(index_elements=["key"])
    else:
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
    await conn.execute(stmt)


async def has_meta_table(conn: AsyncConnection) -> bool:
    return await conn.run_sync(lambda sync: sa.inspect(sync).has_table(schema.meta.name))


# --- the check at open ------------------------------------------------------------------------


async def check_secret_key(conn: AsyncConnection, key: bytes | None, *, next_key: bytes | None = None) -> bytes | None:
    """The key to use with this database (inside the open's write transaction), recording it if the
    database has no record yet; SecretKeyMismatch / SecretKeyLost if the database was written with another.

    ``next_key`` (the pending key of an interrupted file rotation) is returned instead of ``key`` when
    the record names it. ``key`` None: no key at all, fine only for a database that never stored one.
    The error's ``source`` is a placeholder: :func:`open_store` fills in where the key came from.
    """
    recorded = await meta_get(conn, META_SECRET_KEY_ID)
    if key is None:
        if recorded is not None:
            raise SecretKeyLost(expected=recorded, path="the secret key file")
        if (await conn.execute(sa.select(sa.func.count()).select_from(schema.api_keys))).scalar_one():
            raise SecretKeyLost(expected=UNRECORDED, path="the secret key file")
        return None
    actual = keys.secret_key_id(key)
    if recorded == actual:
        return key
    if recorded is not None:
        if next_key is not None and recorded == keys.secret_key_id(next_key):
            return next_key
        raise SecretKeyMismatch(source="the secret key", expected=recorded, actual=actual)
    # No record: a new database, or one from before the record existed. Every stored key must decrypt.
    ciphertexts = (await conn.execute(sa.select(schema.api_keys.c.ciphertext))).scalars().all()
    if ciphertexts:
        fernet = Fernet(key)
        unreadable = sum(1 for c in ciphertexts if _decrypt(fernet, c) is None)
        if unreadable == len(ciphertexts):
            raise SecretKeyMismatch(source="the secret key", expected=UNRECORDED, actual=actual)
        if unreadable:
            log.warning("%d of %d stored API keys do not decrypt with this secret key (they were stored under "
                        "an earlier one); they stay unusable until their owners set them again",
                        unreadable, len(ciphertexts))
    await meta_set(conn, META_SECRET_KEY_ID, actual, only_if_absent=True)
    recorded = await meta_get(conn, META_SECRET_KEY_ID)
    if recorded != actual:  # another process recorded its key in the meantime
        raise SecretKeyMismatch(source="the secret key", expected=recorded, actual=actual)
    log.info("recorded the secret key's id (%s) in the database", actual)
    return key


def _decrypt(fernet: Fernet, ciphertext: str) -> str | None:
    try:
        return fernet.decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


# --- fingerprints -----------------------------------------------------------------------------


_LEGACY = sa.not_(schema.api_keys.c.fingerprint.like(keys.PREFIX + "%"))
_LEGACY_VOICE = sa.and_(schema.voices.c.key_fingerprint.is_not(None),
                        sa.not_(schema.voices.c.key_fingerprint.like(keys.PREFIX + "%")))


async def count_legacy_fingerprints(conn: AsyncConnection) -> int:
    stored = (await conn.execute(sa.select(sa.func.count()).select_from(schema.api_keys).where(_LEGACY))).scalar_one()
    voices = (await conn.execute(sa.select(sa.func.count()).select_from(schema.voices)
                                 .where(_LEGACY_VOICE))).scalar_one()
    return int(stored) + int(voices)


async def upgrade_fingerprints(conn: AsyncConnection, key: bytes | None, *, operator_key: str | None) -> int:
    """Rewrite legacy (HMAC with ``key``) fingerprints to the ``k2`` scheme where the API key is known:
    every stored key that decrypts, and the operator's. Covers ``api_keys``, ``voices`` and the key
    markers links keep for ``/unlink``. Returns how many rows changed; cheap when there is nothing to do."""
    if key is None or not await count_legacy_fingerprints(conn):
        return 0
    fernet = Fernet(key)
    changed = 0
    upgrade: dict[str, str] = {}  # legacy fingerprint → k2
    rows = (await conn.execute(sa.select(schema.api_keys.c.user_id, schema.api_keys.c.ciphertext,
                                         schema.api_keys.c.fingerprint))).all()
    for row in rows:
        plain = _decrypt(fernet, row.ciphertext)
        if plain is None:
            continue
        new, legacy = keys.fingerprint(plain), keys.legacy_fingerprint(key, plain)
        upgrade[legacy] = new
        if row.fingerprint == legacy:  # (anything else is not a fingerprint we know how to read: left alone)
            await conn.execute(sa.update(schema.api_keys).where(schema.api_keys.c.user_id == row.user_id)
                               .values(fingerprint=new))
            changed += 1
    if operator_key:
        upgrade[keys.legacy_fingerprint(key, operator_key)] = keys.fingerprint(operator_key)
    voices = (await conn.execute(sa.select(schema.voices.c.id, schema.voices.c.key_fingerprint)
                                 .where(_LEGACY_VOICE))).all()
    for row in voices:
        new = upgrade.get(row.key_fingerprint)
        if new is not None:
            await conn.execute(sa.update(schema.voices).where(schema.voices.c.id == row.id).values(key_fingerprint=new))
            changed += 1
    links = (await conn.execute(sa.select(schema.identity_links.c.identity_id, schema.identity_links.c.brought))).all()
    for row in links:
        brought = _load(row.brought)
        marker = brought.get("key")
        if isinstance(marker, str) and marker in upgrade:
            brought["key"] = upgrade[marker]
            await conn.execute(sa.update(schema.identity_links)
                               .where(schema.identity_links.c.identity_id == row.identity_id)
                               .values(brought=json.dumps(brought)))
    if changed:
        log.info("upgraded %d API key fingerprints to the scheme that does not depend on the secret key", changed)
    return changed


def _load(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- rotation ---------------------------------------------------------------------------------


async def rotate(conn: AsyncConnection, old_key: bytes, new_key: bytes, *, operator_key: str | None) -> RotationReport:
    """Inside one write transaction: upgrade fingerprints (while the old key can still compute the legacy
    ones), re-encrypt every stored API key under ``new_key`` and record it. Any failure rolls all of it back."""
    if conn.dialect.name == "postgresql":  # nobody stores a key under the old one while we re-encrypt
        await conn.execute(sa.text("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE"))
    recorded = await meta_get(conn, META_SECRET_KEY_ID)
    if recorded not in (None, keys.secret_key_id(old_key)):
        raise SecretKeyMismatch(source="the secret key", expected=recorded, actual=keys.secret_key_id(old_key))
    upgraded = await upgrade_fingerprints(conn, old_key, operator_key=operator_key)
    old, new = Fernet(old_key), Fernet(new_key)
    done = unreadable = 0
    rows = (await conn.execute(sa.select(schema.api_keys.c.user_id, schema.api_keys.c.ciphertext)
                               .order_by(schema.api_keys.c.user_id))).all()
    for row in rows:
        plain = _decrypt(old, row.ciphertext)
        if plain is None:
            unreadable += 1
            continue
        ciphertext = new.encrypt(plain.encode()).decode("ascii")
        await conn.execute(sa.update(schema.api_keys).where(schema.api_keys.c.user_id == row.user_id)
                           .values(ciphertext=ciphertext))
        done += 1
    from storage.references import reencrypt_references  # the self-hosted engine's reference recordings

    await reencrypt_references(conn, old, new)
    new_id = keys.secret_key_id(new_key)
    await meta_set(conn, META_SECRET_KEY_ID, new_id)
    left = await count_legacy_fingerprints(conn)
    return RotationReport(reencrypted=done, undecryptable=unreadable, fingerprints_upgraded=upgraded,
                          fingerprints_left=left, new_key_id=new_id)


# --- opening the store for the app and the CLI -------------------------------------------------


async def open_store(config: Config, *, create_key: bool, upgrade: bool = True,
                     finish_rotation: bool = True) -> tuple[Store, bytes | None]:
    """Load the secret key, open the store on it (checked against the database's record, fingerprints
    upgraded) and return both. ``create_key``: generate a key if there is none (SQLite only; see
    :func:`core.config.resolve_secret_key`). An interrupted ``db rotate-key`` is finished here
    (``finish_rotation``) when the database says it committed: ``secret.key.new`` becomes ``secret.key``."""
    from core.secret_key import fsync_dir, pending_secret_key_path, read_key_file, resolve_secret_key, secret_key_path
    from core.errors import SecretKeyFileInvalid
    from storage.store import Store

    found = resolve_secret_key(config, create=create_key)
    pending_path = pending_secret_key_path(config)
    pending = None
    if found is not None and found.path is not None and pending_path.exists():
        try:
            pending = read_key_file(pending_path)
        except SecretKeyFileInvalid as exc:
            log.warning("ignoring %s: %s", pending_path, exc)
    try:
        store = await Store.open(config.effective_database_url, found.key if found else None, upgrade=upgrade,
                                 operator_key=config.operator_key(), next_key=pending)
    except SecretKeyMismatch as exc:
        raise SecretKeyMismatch(**{**exc.params, "source": found.source if found else "?"}) from None
    except SecretKeyLost as exc:
        raise SecretKeyLost(expected=exc.params.get("expected"), path=str(secret_key_path(config))) from None
    key = found.key if found else None
    if pending is not None and found is not None and found.path is not None:
        if store.secret_key_id == keys.secret_key_id(pending):
            key = pending
            if finish_rotation:
                os.replace(pending_path, found.path)
                fsync_dir(found.path.parent)
                log.warning("finished an interrupted `voicebridge db rotate-key`: %s now holds the new key",
                            found.path)
        else:
            log.info("ignoring %s, left by a `voicebridge db rotate-key` that did not complete (the database "
                     "still uses %s)", pending_path, found.path)
    return store, key

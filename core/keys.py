"""Fingerprints of API keys: a stable, non-reversible id of a key, independent of the secret key.

A fingerprint says which account key made a clone (``voices.key_fingerprint``) and which key a user
stored (``api_keys.fingerprint``), so a clone is spoken with the key of the account that owns it.

Scheme ``k2``: ``"k2:"`` + the first 32 hex digits (128 bits) of a domain-separated SHA-256 of the key.
It does not depend on ``VOICEBRIDGE_SECRET_KEY``, so rotating that key (``voicebridge db rotate-key``)
leaves every clone usable. API keys are long random strings, so the hash cannot be inverted by guessing.

Legacy scheme (before ``k2``): HMAC-SHA256 of the key with the secret key, 24 hex digits and no prefix.
Databases still holding those are upgraded at start (``storage.keyring``) where the key is known; the
rest are still compared with :func:`matches` given the secret they were made with.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "k2:"
_DOMAIN = b"voicebridge api key fingerprint v2\x00"


def fingerprint(api_key: str) -> str:
    """The ``k2`` fingerprint of ``api_key``."""
    return PREFIX + hashlib.sha256(_DOMAIN + api_key.encode()).hexdigest()[:32]


def legacy_fingerprint(secret_key: bytes, api_key: str) -> str:
    """The fingerprint older versions stored: HMAC-SHA256 with the secret key, 24 hex digits."""
    return hmac.new(secret_key, api_key.encode(), hashlib.sha256).hexdigest()[:24]


def is_legacy(value: str | None) -> bool:
    """Whether a stored fingerprint is of the legacy (secret-dependent) scheme."""
    return bool(value) and not str(value).startswith(PREFIX)


def matches(value: str | None, api_key: str | None, *, legacy_secret: bytes | None = None) -> bool:
    """Whether the stored fingerprint ``value`` is of ``api_key``, under either scheme (a legacy one
    only when ``legacy_secret``, the secret key it was made with, is given). Constant time per scheme."""
    if not value or not api_key:
        return False
    if value.startswith(PREFIX):
        return hmac.compare_digest(value, fingerprint(api_key))
    if legacy_secret is None:
        return False
    return hmac.compare_digest(value, legacy_fingerprint(legacy_secret, api_key))


def secret_key_id(secret_key: bytes) -> str:
    """A short, non-reversible id of a Fernet key (``VOICEBRIDGE_SECRET_KEY``): recorded in the database and
    in exports, so a different key is noticed, and safe to show in messages."""
    return hashlib.sha256(b"voicebridge-secret-key-id\x00" + secret_key).hexdigest()[:16]

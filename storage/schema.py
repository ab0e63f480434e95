"""The tables, as SQLAlchemy Core metadata.

Portable types only: every table works the same on SQLite and PostgreSQL. The migrations in
``storage/migrations/versions`` create exactly these tables; a test compares the two.

Conventions:

* datetimes are stored as UTC and always come back timezone-aware (:class:`UTCDateTime`);
* names a user types (voices, characters) are unique per owner/scope *case-insensitively*:
  ``name`` keeps what the user typed, ``name_key`` (``name.casefold()``) carries the unique
  constraint and the lookups, computed in Python so SQLite and PostgreSQL agree on non-ASCII;
* integer ids never get reused (``sqlite_autoincrement``; PostgreSQL sequences never reuse).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware (UTC).

    PostgreSQL stores ``timestamp with time zone``; SQLite stores the naive UTC text.
    Naive datetimes handed in are taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # defensive: SQLite rows written by hand
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def name_key(name: str) -> str:
    """The case-insensitive form of a voice or character name (what uniqueness is about)."""
    return name.casefold()


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("platform_user_id", sa.String, nullable=False),
    sa.Column("ui_language", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("platform", "platform_user_id", name="uq_users_platform_user"),
    sqlite_autoincrement=True,
)

user_settings = sa.Table(
    "user_settings",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("voice", sa.String, nullable=True),
    sa.Column("speed", sa.Float, nullable=True),
    sa.Column("gain", sa.Float, nullable=True),
    sa.Column("language", sa.String, nullable=True),
    sa.Column("style", sa.String, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

scope_settings = sa.Table(
    "scope_settings",
    metadata,
    # "<platform>:<chat or server id>" (core.models.UserRef.scope)
    sa.Column("scope", sa.String, primary_key=True),
    sa.Column("voice", sa.String, nullable=True),
    sa.Column("speed", sa.Float, nullable=True),
    sa.Column("gain", sa.Float, nullable=True),
    sa.Column("language", sa.String, nullable=True),
    sa.Column("style", sa.String, nullable=True),
    # adapter-specific options as a JSON object (text, so both databases store it alike)
    sa.Column("options", sa.Text, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

voices = sa.Table(
    "voices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("name_key", sa.String, nullable=False),
    sa.Column("provider", sa.String, nullable=False),
    sa.Column("provider_id", sa.String, nullable=False),  # the clone's speech:… URI
    sa.Column("key_fingerprint", sa.String, nullable=True),  # of the account key that made it
    sa.Column("transcript", sa.Text, nullable=True),
    sa.Column("consent_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # whether others may speak with it (through a character); NULL: the default, which depends on whose
    # key pays (the operator's: yes; the owner's own: no)
    sa.Column("shared", sa.Boolean, nullable=True),
    sa.UniqueConstraint("owner_id", "name_key", name="uq_voices_owner_name"),
    sqlite_autoincrement=True,
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ciphertext", sa.Text, nullable=False),  # Fernet token (VOICEBRIDGE_SECRET_KEY)
    sa.Column("fingerprint", sa.String, nullable=False),
    sa.Column("hint", sa.String, nullable=False),  # the last 4 characters, for "sk-…abcd"
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

characters = sa.Table(
    "characters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("name_key", sa.String, nullable=False),
    sa.Column("voice", sa.String, nullable=True),
    sa.Column("speed", sa.Float, nullable=True),
    sa.Column("gain", sa.Float, nullable=True),
    sa.Column("language", sa.String, nullable=True),
    sa.Column("style", sa.String, nullable=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # the persona of a talking character (core.characters.PERSONA_FIELDS): its system prompt, what it says when
    # a conversation starts, the language it answers in (zh, ja, en; NULL: the speaker's) and a chat model id
    sa.Column("persona", sa.Text, nullable=True),
    sa.Column("greeting", sa.Text, nullable=True),
    sa.Column("reply_language", sa.String, nullable=True),
    sa.Column("model", sa.String, nullable=True),
    sa.UniqueConstraint("scope", "name_key", name="uq_characters_scope_name"),
    sa.Index("ix_characters_owner_id", "owner_id"),
    sqlite_autoincrement=True,
)

usage = sa.Table(
    "usage",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),  # UTC day
    sa.Column("bytes", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    sa.Column("requests", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    # the part of ``bytes`` paid by the operator's key (what the daily quota limits)
    sa.Column("operator_bytes", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    # bytes other people spoke through this account's clones on this account's own key
    sa.Column("lent_bytes", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    # chat-model tokens of talking characters (prompt + answer), and the part the operator's key paid for
    sa.Column("tokens", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    sa.Column("operator_tokens", sa.BigInteger, nullable=False, server_default=sa.text("0")),
)

pronunciations = sa.Table(
    "pronunciations",
    metadata,
    # "user:<users.id>" for a user's own dictionary, or a scope ("<platform>:<chat or server id>")
    sa.Column("owner", sa.String, primary_key=True),
    sa.Column("word_key", sa.String, primary_key=True),  # core.lexicon.word_key(word)
    sa.Column("word", sa.String, nullable=False),
    sa.Column("spoken", sa.String, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

pending_clones = sa.Table(
    "pending_clones",
    metadata,
    # A clone request waiting for its owner's consent button: what to clone, not the audio itself
    # (the platform keeps the file; ``file_ref`` is its id there, e.g. a file id the platform issued).
    sa.Column("token", sa.String, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("chat_id", sa.String, nullable=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("transcript", sa.Text, nullable=True),
    sa.Column("file_ref", sa.String, nullable=False),
    sa.Column("filename", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_pending_clones_user_id", "user_id"),
)

identity_links = sa.Table(
    "identity_links",
    metadata,
    # One person on two platforms: the identity (a users row) uses the account's data (another users row).
    sa.Column("identity_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # what the identity brought to the account (JSON: voice ids, key, settings, words, characters),
    # so that /unlink gives each side back its own
    sa.Column("brought", sa.Text, nullable=False, server_default=sa.text("'{}'")),
    sa.Index("ix_identity_links_account_id", "account_id"),
)

link_codes = sa.Table(
    "link_codes",
    metadata,
    # A one-time code the account's owner shows on one platform and types on the other.
    sa.Column("code", sa.String, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_link_codes_user_id", "user_id"),
)

talks = sa.Table(
    "talks",
    metadata,
    # The conversation going on in a chat or channel ("<platform>:<chat or channel id>"): which character answers.
    sa.Column("place", sa.String, primary_key=True),
    sa.Column("character_id", sa.Integer, sa.ForeignKey("characters.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),  # who began
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Index("ix_talks_character_id", "character_id"),
    sa.Index("ix_talks_user_id", "user_id"),
)

conversation_turns = sa.Table(
    "conversation_turns",
    metadata,
    # A conversation's memory: a place and a character; each turn is a user's message or the character's answer
    # to it, and belongs to that user (/forget deletes both).
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("place", sa.String, nullable=False),
    sa.Column("character_id", sa.Integer, sa.ForeignKey("characters.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String, nullable=False),  # "user" or "assistant"
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("tokens", sa.Integer, nullable=False),  # estimated (core.talk_memory.estimate_tokens)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_conversation_turns_place", "place", "character_id", "id"),
    sa.Index("ix_conversation_turns_user_id", "user_id"),
    sa.Index("ix_conversation_turns_character_id", "character_id"),
    sqlite_autoincrement=True,
)

meta = sa.Table(
    "meta",
    metadata,
    # Facts about the database itself, e.g. which VOICEBRIDGE_SECRET_KEY its API keys are encrypted with.
    # Not exported: they describe this database, not the users' data.
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

voice_references = sa.Table(
    "voice_references",
    metadata,
    # Reference recordings of clones on a self-hosted CosyVoice2 (which keeps none itself): the WAV and its
    # transcript, each a Fernet token (VOICEBRIDGE_SECRET_KEY), like api_keys.ciphertext. ``name`` is the clone's
    # provider name (``vb<uid>-…``), so /forget finds what a crash left without a voices row.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("audio", sa.Text, nullable=False),
    sa.Column("transcript", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)

web_links = sa.Table(
    "web_links",
    metadata,
    # A one-time sign-in link of the web console: the SHA-256 of its nonce (never the nonce itself), the
    # account it opens, and when it stops working. Used up (deleted) when opened.
    sa.Column("nonce_hash", sa.String, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_web_links_user_id", "user_id"),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    # A signed-in browser: the SHA-256 of its cookie's token, the account, the expiry. Deleting the row
    # (sign-out, forget) ends the session at once. Not exported: sessions are this server's, not data.
    sa.Column("token_hash", sa.String, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_web_sessions_user_id", "user_id"),
)

#: Every table, parents before children (the order export/import use).
TABLES: tuple[sa.Table, ...] = (users, user_settings, scope_settings, voices, api_keys, characters, usage,
                                pronunciations, pending_clones, identity_links, link_codes, voice_references,
                                talks, conversation_turns)

#: The settings columns shared by user_settings, scope_settings and characters.
SETTINGS_FIELDS: tuple[str, ...] = ("voice", "speed", "gain", "language", "style")

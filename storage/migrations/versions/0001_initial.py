"""initial schema: users, settings, voices, API keys, characters, usage

Revision ID: 0001
Revises:
Create Date: 2025-11-25

Written by hand (portable types only; runs on SQLite and PostgreSQL). Datetimes are
``timestamp with time zone`` on PostgreSQL and UTC text on SQLite (see storage.schema.UTCDateTime).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _settings_columns() -> list[sa.Column]:
    return [
        sa.Column("voice", sa.String(), nullable=True),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("gain", sa.Float(), nullable=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("style", sa.String(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("platform_user_id", sa.String(), nullable=False),
        sa.Column("ui_language", sa.String(), nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("platform", "platform_user_id", name="uq_users_platform_user"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_settings_columns(),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_settings_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_settings"),
    )
    op.create_table(
        "scope_settings",
        sa.Column("scope", sa.String(), nullable=False),
        *_settings_columns(),
        sa.Column("options", sa.Text(), server_default=sa.text("'{}'"), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("scope", name="pk_scope_settings"),
    )
    op.create_table(
        "voices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("provider_id", sa.String(), nullable=False),
        sa.Column("key_fingerprint", sa.String(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        _ts("consent_at"),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_voices_owner_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_voices"),
        sa.UniqueConstraint("owner_id", "name_key", name="uq_voices_owner_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "api_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("hint", sa.String(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_keys_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name="pk_api_keys"),
    )
    op.create_table(
        "characters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        *_settings_columns(),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_characters_owner_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_characters"),
        sa.UniqueConstraint("scope", "name_key", name="uq_characters_scope_name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_characters_owner_id", "characters", ["owner_id"])
    op.create_table(
        "usage",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("requests", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_usage_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day", name="pk_usage"),
    )


def downgrade() -> None:
    op.drop_table("usage")
    op.drop_index("ix_characters_owner_id", table_name="characters")
    op.drop_table("characters")
    op.drop_table("api_keys")
    op.drop_table("voices")
    op.drop_table("scope_settings")
    op.drop_table("user_settings")
    op.drop_table("users")

"""pronunciation dictionaries (per user and per chat or server), clone requests awaiting consent,
links between one person's accounts on two platforms, and the operator-paid part of usage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("usage", sa.Column("operator_bytes", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.create_table(
        "pronunciations",
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("word_key", sa.String(), nullable=False),
        sa.Column("word", sa.String(), nullable=False),
        sa.Column("spoken", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "word_key", name="pk_pronunciations"),
    )
    op.create_table(
        "pending_clones",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("file_ref", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_pending_clones_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name="pk_pending_clones"),
    )
    op.create_index("ix_pending_clones_user_id", "pending_clones", ["user_id"])
    op.create_table(
        "identity_links",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["users.id"], name="fk_identity_links_identity_id_users",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["users.id"], name="fk_identity_links_account_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("identity_id", name="pk_identity_links"),
    )
    op.create_index("ix_identity_links_account_id", "identity_links", ["account_id"])
    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_link_codes_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code", name="pk_link_codes"),
    )
    op.create_index("ix_link_codes_user_id", "link_codes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_link_codes_user_id", table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_index("ix_identity_links_account_id", table_name="identity_links")
    op.drop_table("identity_links")
    op.drop_index("ix_pending_clones_user_id", table_name="pending_clones")
    op.drop_table("pending_clones")
    op.drop_table("pronunciations")
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("operator_bytes")

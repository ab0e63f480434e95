"""talking characters: a character's persona (system prompt, greeting, reply language, chat model), the
conversation going on in a chat (``talks``), conversations' memory (``conversation_turns``) and chat-model
tokens in ``usage``

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("characters") as batch:
        batch.add_column(sa.Column("persona", sa.Text(), nullable=True))
        batch.add_column(sa.Column("greeting", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_language", sa.String(), nullable=True))
        batch.add_column(sa.Column("model", sa.String(), nullable=True))
    with op.batch_alter_table("usage") as batch:
        batch.add_column(sa.Column("tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        batch.add_column(sa.Column("operator_tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.create_table(
        "talks",
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("character_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["character_id"], ["characters.id"], name="fk_talks_character_id_characters",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_talks_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place", name="pk_talks"),
    )
    op.create_index("ix_talks_character_id", "talks", ["character_id"])
    op.create_index("ix_talks_user_id", "talks", ["user_id"])
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("character_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["character_id"], ["characters.id"],
                                name="fk_conversation_turns_character_id_characters", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_conversation_turns_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_turns"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_conversation_turns_place", "conversation_turns", ["place", "character_id", "id"])
    op.create_index("ix_conversation_turns_user_id", "conversation_turns", ["user_id"])
    op.create_index("ix_conversation_turns_character_id", "conversation_turns", ["character_id"])


def downgrade() -> None:
    op.drop_table("conversation_turns")
    op.drop_table("talks")
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("operator_tokens")
        batch.drop_column("tokens")
    with op.batch_alter_table("characters") as batch:
        batch.drop_column("model")
        batch.drop_column("reply_language")
        batch.drop_column("greeting")
        batch.drop_column("persona")

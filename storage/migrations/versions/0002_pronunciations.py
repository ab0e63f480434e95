"""pronunciation dictionaries, per user and per chat or guild

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
    op.create_table(
        "pronunciations",
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("word_key", sa.String(), nullable=False),
        sa.Column("word", sa.String(), nullable=False),
        sa.Column("spoken", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "word_key", name="pk_pronunciations"),
    )


def downgrade() -> None:
    op.drop_table("pronunciations")

"""self-hosted engines: the reference recordings (and their transcripts) of clones made on a self-hosted
CosyVoice2, which keeps none itself, encrypted with the secret key like API keys

Revision ID: 0008
Revises: 0005
Create Date: 2027-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_references",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("audio", sa.Text(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_voice_references"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("voice_references")

"""hardening: which secret key the database was written with (``meta``), whether a clone may be used
by others and the bytes others spent through it, and what an identity brought to a link (so ``/unlink``
can give it back)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )
    with op.batch_alter_table("voices") as batch:
        batch.add_column(sa.Column("shared", sa.Boolean(), nullable=True))
    with op.batch_alter_table("usage") as batch:
        batch.add_column(sa.Column("lent_bytes", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    with op.batch_alter_table("identity_links") as batch:
        batch.add_column(sa.Column("brought", sa.Text(), server_default=sa.text("'{}'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("identity_links") as batch:
        batch.drop_column("brought")
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("lent_bytes")
    with op.batch_alter_table("voices") as batch:
        batch.drop_column("shared")
    op.drop_table("meta")

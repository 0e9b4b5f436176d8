"""a project holds one sample of each content unless duplicates were asked for

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-05 13:00:00.000000

Duplicate detection was check-then-insert, so two simultaneous uploads of the same content
could both be stored. samples.dedupe_key (the content hash, or NULL for duplicates stored with
allow_duplicates=true and for edited samples) gets a unique index per project. Existing rows:
the oldest sample of each content in a project takes the key, later copies keep NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("samples") as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE samples SET dedupe_key = content_hash WHERE id IN "
        "(SELECT MIN(id) FROM samples GROUP BY project_id, content_hash)"
    )
    op.create_index(
        "uq_samples_project_dedupe_key", "samples", ["project_id", "dedupe_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_samples_project_dedupe_key", table_name="samples")
    with op.batch_alter_table("samples") as batch_op:
        batch_op.drop_column("dedupe_key")

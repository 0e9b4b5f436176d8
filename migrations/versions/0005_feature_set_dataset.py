"""feature sets record the dataset they were made from

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00.000000

Feature sets made before this revision have no dataset record: they read as stale (nobody can
tell whether a sample was cropped since), and generating them again fills it in.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feature_sets") as batch_op:
        batch_op.add_column(sa.Column("dataset_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("feature_set_data") as batch_op:
        batch_op.add_column(sa.Column("dataset_samples", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feature_set_data") as batch_op:
        batch_op.drop_column("dataset_samples")
    with op.batch_alter_table("feature_sets") as batch_op:
        batch_op.drop_column("dataset_digest")

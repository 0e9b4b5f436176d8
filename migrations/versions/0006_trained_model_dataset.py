"""trained models record the dataset they were trained on

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:00:00.000000

Models trained before this revision have no dataset record: whether the dataset changed since
they were trained is unknown, and they are not refused for it (see
worker.training.model_staleness); training again records it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trained_models") as batch_op:
        batch_op.add_column(
            sa.Column("training_dataset_digest", sa.String(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("dataset_samples", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trained_models") as batch_op:
        batch_op.drop_column("dataset_samples")
        batch_op.drop_column("training_dataset_digest")

"""samples carry bounding boxes

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-05 16:45:00.000000

samples.bounding_boxes holds the objects of an image sample as a JSON list of
{"label", "x", "y", "width", "height"} in pixels of the stored image, (x, y) the top-left
corner. Existing samples get an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("samples") as batch_op:
        batch_op.add_column(
            sa.Column("bounding_boxes", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("samples") as batch_op:
        batch_op.drop_column("bounding_boxes")

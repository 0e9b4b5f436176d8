"""feature matrices are stored in chunks of rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:30:00.000000

Feature generation writes each feature set's matrix as consecutive chunks of rows
(feature_set_chunks) instead of one blob, so neither the worker nor the database driver holds the
whole matrix. Feature sets generated before keep their blob in feature_set_data.matrix (now
nullable) and are read from it; nothing is rewritten. The downgrade joins each chunked set's
chunks back into its blob, one feature set at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_set_chunks",
        sa.Column(
            "feature_set_id",
            sa.Integer(),
            sa.ForeignKey("feature_sets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("chunk_index", sa.Integer(), primary_key=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("matrix", sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table("feature_set_data") as batch_op:
        batch_op.alter_column("matrix", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    connection = op.get_bind()
    chunked = [
        int(feature_set_id)
        for (feature_set_id,) in connection.execute(
            sa.text("SELECT feature_set_id FROM feature_set_data WHERE matrix IS NULL")
        )
    ]
    for feature_set_id in chunked:
        parts = connection.execute(
            sa.text(
                "SELECT matrix FROM feature_set_chunks WHERE feature_set_id = :id "
                "ORDER BY chunk_index"
            ),
            {"id": feature_set_id},
        )
        matrix = b"".join(bytes(part) for (part,) in parts)
        connection.execute(
            sa.text("UPDATE feature_set_data SET matrix = :matrix WHERE feature_set_id = :id"),
            {"matrix": matrix, "id": feature_set_id},
        )
    with op.batch_alter_table("feature_set_data") as batch_op:
        batch_op.alter_column("matrix", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("feature_set_chunks")

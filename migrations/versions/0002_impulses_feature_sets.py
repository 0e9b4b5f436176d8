"""impulses and feature sets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
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
        "impulses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("input_block", sa.JSON(), nullable=False),
        sa.Column("dsp_blocks", sa.JSON(), nullable=False),
        sa.Column("learning_blocks", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_impulses_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impulses")),
    )
    op.create_index(op.f("ix_impulses_project_id"), "impulses", ["project_id"], unique=False)
    op.create_table(
        "feature_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("impulse_id", sa.Integer(), nullable=False),
        sa.Column("dsp_block_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("shape", sa.JSON(), nullable=False),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.Column("label_counts", sa.JSON(), nullable=False),
        sa.Column("projection_method", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["impulse_id"],
            ["impulses.id"],
            name=op.f("fk_feature_sets_impulse_id_impulses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_feature_sets_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_sets")),
        sa.UniqueConstraint("impulse_id", "dsp_block_id", name=op.f("uq_feature_sets_impulse_id")),
    )
    op.create_index(
        op.f("ix_feature_sets_impulse_id"), "feature_sets", ["impulse_id"], unique=False
    )
    op.create_table(
        "feature_set_data",
        sa.Column("feature_set_id", sa.Integer(), nullable=False),
        sa.Column("matrix", sa.LargeBinary(), nullable=False),
        sa.Column("sample_ids", sa.LargeBinary(), nullable=False),
        sa.Column("offsets_ms", sa.LargeBinary(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("projection", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feature_set_id"],
            ["feature_sets.id"],
            name=op.f("fk_feature_set_data_feature_set_id_feature_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feature_set_id", name=op.f("pk_feature_set_data")),
    )


def downgrade() -> None:
    op.drop_table("feature_set_data")
    op.drop_index(op.f("ix_feature_sets_impulse_id"), table_name="feature_sets")
    op.drop_table("feature_sets")
    op.drop_index(op.f("ix_impulses_project_id"), table_name="impulses")
    op.drop_table("impulses")

"""device test reports: a board's results on the test windows against the platform's

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_test_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("impulse_id", sa.Integer(), nullable=False),
        sa.Column("learning_block_id", sa.Integer(), nullable=False),
        sa.Column("trained_model_id", sa.Integer(), nullable=False),
        sa.Column("board", sa.String(length=40), nullable=False),
        sa.Column("windows_total", sa.Integer(), nullable=False),
        sa.Column("windows_agreeing", sa.Integer(), nullable=False),
        sa.Column("counter_unit", sa.String(length=20), nullable=False),
        sa.Column("counter_mean", sa.Float(), nullable=False),
        sa.Column("counter_max", sa.Integer(), nullable=False),
        sa.Column("estimate_cycles", sa.Float(), nullable=True),
        sa.Column("estimate_note", sa.String(length=300), nullable=False),
        sa.Column("seconds_per_window", sa.Float(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"],
            name=op.f("fk_device_test_reports_project_id_projects"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_test_reports")),
    )
    op.create_index(
        op.f("ix_device_test_reports_project_id"), "device_test_reports", ["project_id"]
    )
    op.create_index(
        op.f("ix_device_test_reports_created_at"), "device_test_reports", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_device_test_reports_created_at"), table_name="device_test_reports")
    op.drop_index(op.f("ix_device_test_reports_project_id"), table_name="device_test_reports")
    op.drop_table("device_test_reports")

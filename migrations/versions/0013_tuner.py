"""tuner searches and trials

Revision ID: 0013
Revises: 0016
Create Date: 2026-12-05 16:00:00.000000

A search row per tuner run (project, who started it, board and limits, objective, budget, state,
progress) and a row per trial (its configuration, the worker that ran it, its measured cost and
metrics). Optuna's own tables are created by Optuna in the same database when a search starts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tuner_searches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "impulse_id", sa.Integer(), sa.ForeignKey("impulses.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "started_by_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("board", sa.String(length=40), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("objective", sa.String(length=16), nullable=False),
        sa.Column("objective_labels", sa.JSON(), nullable=False),
        sa.Column("multi_objective", sa.Boolean(), nullable=False),
        sa.Column("max_trials", sa.Integer(), nullable=True),
        sa.Column("time_budget_s", sa.Integer(), nullable=True),
        sa.Column("parallel_trials", sa.Integer(), nullable=False),
        sa.Column("epochs", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trials_started", sa.Integer(), nullable=False),
        sa.Column("study_name", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_seconds", sa.Float(), nullable=False),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_tuner_searches_project_id", "tuner_searches", ["project_id"])
    op.create_index("ix_tuner_searches_state", "tuner_searches", ["state"])
    op.create_table(
        "tuner_trials",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "search_id",
            sa.Integer(),
            sa.ForeignKey("tuner_searches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "job_id", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("worker_name", sa.String(length=255), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("objective_value", sa.Float(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("search_id", "number"),
    )
    op.create_index("ix_tuner_trials_search_id", "tuner_trials", ["search_id"])


def downgrade() -> None:
    op.drop_index("ix_tuner_trials_search_id", table_name="tuner_trials")
    op.drop_table("tuner_trials")
    op.drop_index("ix_tuner_searches_state", table_name="tuner_searches")
    op.drop_index("ix_tuner_searches_project_id", table_name="tuner_searches")
    op.drop_table("tuner_searches")

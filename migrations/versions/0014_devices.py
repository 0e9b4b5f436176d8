"""devices: boards that stream into a project through the device relay

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-05 16:00:00.000000

One row per (project, device id): the name, axes and frequency of the device's last hello and
when it was last heard; the relay's live state (connected or not) is not stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("axes", sa.JSON(), nullable=False),
        sa.Column("frequency_hz", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_devices_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("project_id", "device_id", name=op.f("uq_devices_project_id")),
    )
    op.create_index(op.f("ix_devices_project_id"), "devices", ["project_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_devices_project_id"), table_name="devices")
    op.drop_table("devices")

"""audio is mono by default: existing projects downmix WAV channels unless they keep them already

New projects downmix multi-channel WAVs into one 'audio' axis (the model's default is now True).
Existing projects are switched to downmix only where that changes nothing stored: a project
holding a multi-channel WAV sample (axes ch0, ch1, ...) keeps its channels, so that its later
uploads still match its data. The setting only affects later uploads; no sample is rewritten.
The downgrade leaves the values as they are (which projects were switched is not recorded).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-05 14:00:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _projects_keeping_channels(connection: sa.Connection) -> set[int]:
    """Projects with a WAV sample of more than one axis."""
    rows = connection.execute(
        sa.text("SELECT project_id, axes FROM samples WHERE source_format = 'wav'")
    )
    keeping: set[int] = set()
    for project_id, axes in rows:
        if isinstance(axes, str):  # SQLite hands JSON back as text
            axes = json.loads(axes)
        if len(axes) > 1:
            keeping.add(int(project_id))
    return keeping


def upgrade() -> None:
    connection = op.get_bind()
    keeping = _projects_keeping_channels(connection)
    projects = sa.table(
        "projects", sa.column("id", sa.Integer), sa.column("downmix_audio", sa.Boolean)
    )
    update = projects.update().values(downmix_audio=True)
    if keeping:
        update = update.where(projects.c.id.not_in(sorted(keeping)))
    connection.execute(update)


def downgrade() -> None:
    # Which projects were switched is not recorded; downmix_audio stays a valid setting either way.
    pass

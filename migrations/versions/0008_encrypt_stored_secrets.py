"""project HMAC keys are stored encrypted (projects.hmac_key -> projects.hmac_key_encrypted)

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-05 13:00:00.000000

The keys are encrypted with the MCUFORGE_SECRET_KEY configured when the migration runs
(backend.settings), so run it with the secret key the server uses. The downgrade decrypts them
with that key; it stops, changing nothing, when a key was sealed with another one.

The column is renamed so that no code can take a token for the key itself. The columns are
added and dropped with plain ALTER TABLE (SQLite >= 3.35 has DROP COLUMN), not a batch copy:
rebuilding `projects` would DROP the old table, which with foreign keys on deletes every
project's samples, jobs and members through their ON DELETE CASCADE.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.services import secret_box

revision: str = "0008"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _converted(source: str, convert) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """convert(`source`) of every project that has a key, computed before the schema changes
    so that a failing conversion leaves the database as it was."""
    projects = sa.table("projects", sa.column("id", sa.Integer), sa.column(source, sa.String))
    rows = op.get_bind().execute(
        sa.select(projects.c.id, projects.c[source]).where(projects.c[source].is_not(None))
    )
    return [{"project_id": project_id, "value": convert(value)} for project_id, value in rows]


def _store(target: str, converted: list[dict[str, object]]) -> None:
    if converted:
        op.get_bind().execute(
            sa.text(f"UPDATE projects SET {target} = :value WHERE id = :project_id"), converted
        )


def upgrade() -> None:
    encrypted = _converted("hmac_key", secret_box.encrypt)
    op.add_column("projects", sa.Column("hmac_key_encrypted", sa.String(length=1024), nullable=True))
    _store("hmac_key_encrypted", encrypted)
    op.drop_column("projects", "hmac_key")


def _decrypt_or_stop(token: str) -> str:
    try:
        return secret_box.decrypt(token)
    except secret_box.SecretUnreadable:
        raise RuntimeError(
            "A project's HMAC key was encrypted with another MCUFORGE_SECRET_KEY; run the "
            "downgrade with the secret key the server used, or clear the key in that project's "
            "settings first."
        ) from None


def downgrade() -> None:
    decrypted = _converted("hmac_key_encrypted", _decrypt_or_stop)
    op.add_column("projects", sa.Column("hmac_key", sa.String(length=128), nullable=True))
    _store("hmac_key", decrypted)
    op.drop_column("projects", "hmac_key_encrypted")

"""A file the platform made (a .tflite model, a script, a notebook, an SDK zip), bytes included.

The bytes live in the database so that every worker and API server can read them. An artifact
belongs to a project and to the object that made it: a trained model or a job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models.common import utcnow


class Artifact(Base):
    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    trained_model_id: Mapped[int | None] = mapped_column(
        ForeignKey("trained_models.id", ondelete="CASCADE"), index=True, default=None
    )
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), index=True, default=None
    )
    # e.g. tflite-float32, tflite-int8, savedmodel-zip, training-script, notebook-zip, sdk-zip
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    # Deferred: listing artifacts must not read megabytes of model bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

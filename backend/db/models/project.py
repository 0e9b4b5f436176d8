"""A project: one dataset, its impulses, models and jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models.common import utcnow


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # When set, data-acquisition-format uploads must carry a valid HMAC-SHA256 signature.
    # The key is kept encrypted (backend.services.secret_box; read and set it through
    # backend.services.projects' project_hmac_key / set_project_hmac_key); 1024 characters hold
    # the token of the longest key the API accepts (128 characters of 4 UTF-8 bytes: 780).
    hmac_key_encrypted: Mapped[str | None] = mapped_column(String(1024), default=None)
    # Multi-channel WAVs become one averaged "audio" axis (the default: audio projects are mono,
    # whatever order stereo and mono files arrive in); False keeps one axis per channel.
    downmix_audio: Mapped[bool] = mapped_column(Boolean, default=True)
    # Public projects are readable by everyone, anonymous callers included, and can be cloned.
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

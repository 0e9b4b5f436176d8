"""A sample: one recording's metadata; its values live in SampleData so listings stay light."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db.base import Base
from backend.db.models.common import utcnow


class SampleCategory(enum.StrEnum):
    training = "training"
    testing = "testing"


class Sample(Base):
    __tablename__ = "samples"
    __table_args__ = (
        Index("ix_samples_project_label", "project_id", "label"),
        Index("ix_samples_project_category", "project_id", "category"),
        Index("ix_samples_project_content_hash", "project_id", "content_hash"),
        # Two uploads of the same content at the same moment both pass the duplicate check;
        # this index lets only one of them commit. NULL keys never collide, so duplicates
        # stored on request (allow_duplicates) and edited samples are not constrained.
        Index("uq_samples_project_dedupe_key", "project_id", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # "timeseries" | "image"
    source_format: Mapped[str] = mapped_column(String(8))  # wav | csv | json | cbor | png | jpeg
    # [{"name": "accX", "units": "m/s2"}, ...], one per column of the values.
    axes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Shape of the float32 values: (length, n_axes) for time series, (h, w, c) for images.
    shape: Mapped[list[int]] = mapped_column(JSON)
    interval_ms: Mapped[float | None] = mapped_column(Float, default=None)
    sample_rate_hz: Mapped[float | None] = mapped_column(Float, default=None)
    length: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float | None] = mapped_column(Float, default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    # content_hash while this sample is the project's one copy of its content (an upload that
    # refused duplicates); NULL for duplicates stored on request and for cropped or split samples.
    dedupe_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # Objects in an image: [{"label", "x", "y", "width", "height"}] in pixels of the stored image,
    # (x, y) the top-left corner; validated by backend.schemas.bounding_box.validate_boxes.
    bounding_boxes: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    device_name: Mapped[str | None] = mapped_column(String(255), default=None)
    device_type: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    data: Mapped[SampleData] = relationship(
        back_populates="sample", cascade="all, delete-orphan", lazy="raise", uselist=False
    )


class SampleData(Base):
    """The sample's values as little-endian float32 bytes, in the database so every worker sees them."""

    __tablename__ = "sample_data"

    sample_id: Mapped[int] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True
    )
    values: Mapped[bytes] = mapped_column(LargeBinary)

    sample: Mapped[Sample] = relationship(back_populates="data")

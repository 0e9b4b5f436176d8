"""An impulse (input window -> DSP blocks -> learning blocks) and the feature sets made from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db.base import Base
from backend.db.models.common import utcnow


class Impulse(Base):
    __tablename__ = "impulses"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # {"axes": [...], "window_size_ms", "window_increase_ms", "frequency_hz", "zero_pad"}
    input_block: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"id", "type", "name", "axes", "params"}], params complete (defaults filled in).
    dsp_blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Filled by the learning issue; stored as given.
    learning_blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Hash of the input block and every DSP block; feature sets compare their own per-block hash.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class FeatureSet(Base):
    """The features one DSP block of an impulse produced; light metadata. The matrix is in
    FeatureSetChunk rows, the per-window arrays in FeatureSetData."""

    __tablename__ = "feature_sets"
    __table_args__ = (UniqueConstraint("impulse_id", "dsp_block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    impulse_id: Mapped[int] = mapped_column(
        ForeignKey("impulses.id", ondelete="CASCADE"), index=True
    )
    dsp_block_id: Mapped[int] = mapped_column(Integer)
    # The block's fingerprint when generated; a different current one means the set is stale.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Digest of the samples the features were made from (worker.features.dataset); the project's
    # samples giving another one means the set is stale. None: made before it was recorded.
    dataset_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None
    )
    shape: Mapped[list[int]] = mapped_column(JSON)  # features of one window
    window_count: Mapped[int] = mapped_column(Integer)
    label_counts: Mapped[dict[str, int]] = mapped_column(JSON)
    projection_method: Mapped[str] = mapped_column(String(16))  # "pca" | "umap" | "none"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    data: Mapped[FeatureSetData] = relationship(
        back_populates="feature_set", cascade="all, delete-orphan", lazy="raise", uselist=False
    )
    # Deleted by the database (ON DELETE CASCADE): loading every chunk to delete it would hold
    # the whole matrix in memory.
    chunks: Mapped[list[FeatureSetChunk]] = relationship(
        back_populates="feature_set", lazy="raise", passive_deletes=True
    )


class FeatureSetData(Base):
    """Row-aligned arrays of a feature set, in the database so every worker and trainer reads them.

    Row i: features in FeatureSetChunk (or, for sets generated before chunks, `matrix[i]`,
    float32 LE, shape (rows, *shape)), `sample_ids[i]` (int64 LE),
    `offsets_ms[i]` (float64 LE, window start in the sample), `labels[i]`, `categories[i]` and
    its explorer point `projection[i]` (float32 LE, (rows, 2)).
    """

    __tablename__ = "feature_set_data"

    feature_set_id: Mapped[int] = mapped_column(
        ForeignKey("feature_sets.id", ondelete="CASCADE"), primary_key=True
    )
    # None since features are stored in chunks (FeatureSetChunk).
    matrix: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)
    sample_ids: Mapped[bytes] = mapped_column(LargeBinary)
    offsets_ms: Mapped[bytes] = mapped_column(LargeBinary)
    labels: Mapped[list[str]] = mapped_column(JSON)
    categories: Mapped[list[str]] = mapped_column(JSON)
    projection: Mapped[bytes] = mapped_column(LargeBinary)
    # [[sample id, file name, label, category, content hash], ...] of the samples read, windowed
    # or not: what `dataset_digest` summarises, kept to say which samples changed since.
    dataset_samples: Mapped[list[list[Any]] | None] = mapped_column(JSON, default=None)

    feature_set: Mapped[FeatureSet] = relationship(back_populates="data")


class FeatureSetChunk(Base):
    """Consecutive rows of a feature set's matrix (float32 LE, (row_count, *shape)), in the order
    of `chunk_index`: written and read one chunk at a time, so that storing the features holds
    neither the matrix nor a copy of it in the database driver."""

    __tablename__ = "feature_set_chunks"

    feature_set_id: Mapped[int] = mapped_column(
        ForeignKey("feature_sets.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    row_count: Mapped[int] = mapped_column(Integer)
    matrix: Mapped[bytes] = mapped_column(LargeBinary)

    feature_set: Mapped[FeatureSet] = relationship(back_populates="chunks")

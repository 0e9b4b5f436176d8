"""A trained model of one learning block of an impulse: what it was trained on and how good it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models.common import utcnow


class TrainedModel(Base):
    """Metrics are on the validation windows; its files (.tflite, scripts) are Artifact rows."""

    __tablename__ = "trained_models"
    __table_args__ = (
        Index("ix_trained_models_impulse_block", "impulse_id", "learning_block_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    impulse_id: Mapped[int] = mapped_column(ForeignKey("impulses.id", ondelete="CASCADE"))
    learning_block_id: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None
    )
    # "classification" | "regression" | "anomaly"
    task: Mapped[str] = mapped_column(String(16))
    # The learning block as trained (layers, settings, script source), whatever it says now.
    learning_block: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {dsp_block_id (as text): fingerprint of the feature set trained on}
    feature_fingerprints: Mapped[dict[str, str]] = mapped_column(JSON)
    # Digest of the training split it learned from (worker.training.model_staleness): the test
    # split is not in it, so adding test samples leaves the model current. None for models
    # trained before revision 0006, whose dataset nobody recorded.
    training_dataset_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # The samples of the features it was trained on (Dataset.to_json), to say what changed;
    # read only when the digest differs, hence deferred: it grows with the dataset.
    dataset_samples: Mapped[list[list[Any]] | None] = mapped_column(
        JSON, default=None, deferred=True
    )
    class_names: Mapped[list[str]] = mapped_column(JSON)
    input_shape: Mapped[list[int]] = mapped_column(JSON)
    # {"float32": {...}, "int8": {...}, "differences": {...} | None, windows counts...}
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {"float32": ModelSize, "int8": ModelSize}
    sizes: Mapped[dict[str, Any]] = mapped_column(JSON)
    int8_model_bytes: Mapped[int | None] = mapped_column(Integer, default=None)
    mac_count: Mapped[int | None] = mapped_column(Integer, default=None)
    tflm_arena_bytes: Mapped[int | None] = mapped_column(Integer, default=None)
    history: Mapped[list[dict[str, float]]] = mapped_column(JSON, default=list)
    training_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # The latest model test on the test split (metrics and per-sample results), None before one.
    test_results: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    tested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Tuner searches and their trials. Optuna keeps its own tables (studies, trials, ...) in the
same database for the sampler; these rows are what the platform shows and acts on."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models.common import utcnow


class SearchState(enum.StrEnum):
    running = "running"
    paused = "paused"
    cancelled = "cancelled"
    done = "done"


class TrialState(enum.StrEnum):
    running = "running"
    complete = "complete"
    pruned = "pruned"
    failed = "failed"


class TunerSearch(Base):
    __tablename__ = "tuner_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # The impulse whose input block and data the search explores (applied trials make new ones).
    impulse_id: Mapped[int | None] = mapped_column(
        ForeignKey("impulses.id", ondelete="SET NULL"), default=None
    )
    started_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    board: Mapped[str] = mapped_column(String(40))
    # {"max_latency_ms", "max_ram_bytes", "max_flash_bytes"}: None = the board's own.
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    objective: Mapped[str] = mapped_column(String(16))  # accuracy | f1 | mae
    objective_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    multi_objective: Mapped[bool] = mapped_column(default=True)  # NSGA-II: objective + latency
    max_trials: Mapped[int | None] = mapped_column(Integer, default=None)
    time_budget_s: Mapped[int | None] = mapped_column(Integer, default=None)
    parallel_trials: Mapped[int] = mapped_column(Integer, default=2)
    epochs: Mapped[int] = mapped_column(Integer, default=20)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default=SearchState.running, index=True)
    # Trials handed to a job (queued, running or finished); bounded by max_trials.
    trials_started: Mapped[int] = mapped_column(Integer, default=0)
    study_name: Mapped[str] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Seconds spent running before the last pause (the time budget counts running time only).
    run_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class TunerTrial(Base):
    __tablename__ = "tuner_trials"
    __table_args__ = (UniqueConstraint("search_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(
        ForeignKey("tuner_searches.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # Optuna's trial number in the study
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None
    )
    state: Mapped[str] = mapped_column(String(16), default=TrialState.running)
    worker: Mapped[str | None] = mapped_column(String(255), default=None)  # host:pid
    worker_name: Mapped[str | None] = mapped_column(String(255), default=None)  # Celery node
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # TrialOutcome.as_json(): layers, device cost, metrics, fits, reason.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    objective_value: Mapped[float | None] = mapped_column(Float, default=None)
    latency_ms: Mapped[float | None] = mapped_column(Float, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

"""A device-test report: the project's test windows run on a board by `mcuforge device-test`,
compared with the platform's int8 results, with the board's cycle count beside the estimate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models.common import utcnow


class DeviceTestReport(Base):
    __tablename__ = "device_test_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # Not foreign keys: a report stays readable after its impulse or model is replaced.
    impulse_id: Mapped[int] = mapped_column(Integer)
    learning_block_id: Mapped[int] = mapped_column(Integer)
    trained_model_id: Mapped[int] = mapped_column(Integer)
    board: Mapped[str] = mapped_column(String(40))
    windows_total: Mapped[int] = mapped_column(Integer)
    windows_agreeing: Mapped[int] = mapped_column(Integer)
    counter_unit: Mapped[str] = mapped_column(String(20))
    counter_mean: Mapped[float] = mapped_column(Float)
    counter_max: Mapped[int] = mapped_column(Integer)
    estimate_cycles: Mapped[float | None] = mapped_column(Float, default=None)
    estimate_note: Mapped[str] = mapped_column(String(300), default="")
    seconds_per_window: Mapped[float] = mapped_column(Float)
    # notes and per-window outcomes, bounded by the request schema
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

"""A board that streamed data into a project through the device relay (`WS /api/devices/connect`,
e.g. `mcuforge forward --stream`): what it said of itself in its hello, and when it was last heard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models.common import utcnow


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("project_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # The device's own id (a serial number, a MAC address...), unique within the project.
    device_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    # [{"name": "accX", "units": "m/s2"}, ...], one per value of a time step.
    axes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    frequency_hz: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

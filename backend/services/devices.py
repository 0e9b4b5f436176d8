"""The devices table: what each device said in its last hello and when it was last heard."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.models import Device, Project
from backend.schemas.devices import DeviceHello, DevicePublic, DevicesPublic


def record_hello(session: Session, project_id: int, hello: DeviceHello) -> None:
    """Create the device's row or bring it up to date with this hello."""
    fields = {
        "name": hello.name,
        "axes": [axis.model_dump() for axis in hello.axes],
        "frequency_hz": hello.frequency_hz,
        "last_seen_at": datetime.now(UTC),
    }
    where = (Device.project_id == project_id, Device.device_id == hello.device_id)
    if session.execute(update(Device).where(*where).values(**fields)).rowcount:  # type: ignore[attr-defined]
        session.commit()
        return
    try:
        session.add(Device(project_id=project_id, device_id=hello.device_id, **fields))
        session.commit()
    except IntegrityError:
        # Another process stored the same new device between our update and insert.
        session.rollback()
        session.execute(update(Device).where(*where).values(**fields))
        session.commit()


def device_exists(session: Session, project_id: int, device_id: str) -> bool:
    return (
        session.scalar(
            select(Device.id).where(Device.project_id == project_id, Device.device_id == device_id)
        )
        is not None
    )


def record_seen(session: Session, project_id: int, device_id: str) -> None:
    session.execute(
        update(Device)
        .where(Device.project_id == project_id, Device.device_id == device_id)
        .values(last_seen_at=datetime.now(UTC))
    )
    session.commit()


def list_devices(
    session: Session, project: Project, connected: set[str], *, offset: int, limit: int
) -> DevicesPublic:
    """The project's devices, most recently heard first, each saying whether it is connected."""
    rows = session.scalars(
        select(Device)
        .where(Device.project_id == project.id)
        .order_by(Device.last_seen_at.desc(), Device.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    count = session.scalar(select(func.count()).where(Device.project_id == project.id)) or 0
    data = [
        DevicePublic.model_validate(row).model_copy(
            update={"connected": row.device_id in connected}
        )
        for row in rows
    ]
    return DevicesPublic(data=data, count=count)

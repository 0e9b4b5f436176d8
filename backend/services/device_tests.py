"""Device-test reports of a project: store one, list the latest, read one with its windows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import DeviceTestReport, Project
from backend.schemas.device_tests import DeviceTestReportCreate
from backend.services.errors import InvalidRequest, NotFound


def _public(report: DeviceTestReport, with_details: bool = False) -> dict[str, Any]:
    public = {
        column: getattr(report, column)
        for column in (
            "id", "project_id", "impulse_id", "learning_block_id", "trained_model_id", "board",
            "windows_total", "windows_agreeing", "counter_unit", "counter_mean", "counter_max",
            "estimate_cycles", "estimate_note", "seconds_per_window", "created_at",
        )
    }
    public["agreement_percent"] = 100.0 * report.windows_agreeing / report.windows_total
    if with_details:
        public["notes"] = list(report.details.get("notes", []))
        public["windows"] = list(report.details.get("windows", []))
    return public


def create_report(session: Session, project: Project, report_in: DeviceTestReportCreate
                  ) -> dict[str, Any]:
    """Store a report; the counts must add up (agreeing within total, windows within total)."""
    if report_in.windows_agreeing > report_in.windows_total:
        raise InvalidRequest(
            f"windows_agreeing {report_in.windows_agreeing} is more than windows_total "
            f"{report_in.windows_total}"
        )
    if len(report_in.windows) > report_in.windows_total:
        raise InvalidRequest(
            f"the report lists {len(report_in.windows)} windows but windows_total is "
            f"{report_in.windows_total}"
        )
    report = DeviceTestReport(
        project_id=project.id,
        details={
            "notes": report_in.notes,
            "windows": [window.model_dump() for window in report_in.windows],
        },
        **report_in.model_dump(exclude={"notes", "windows"}),
    )
    session.add(report)
    session.commit()
    session.refresh(report)
    return _public(report, with_details=True)


def list_reports(session: Session, project: Project, limit: int) -> dict[str, Any]:
    """The project's reports, newest first."""
    rows = session.scalars(
        select(DeviceTestReport)
        .where(DeviceTestReport.project_id == project.id)
        .order_by(DeviceTestReport.created_at.desc(), DeviceTestReport.id.desc())
        .limit(limit)
    ).all()
    count = session.scalar(
        select(func.count()).select_from(DeviceTestReport)
        .where(DeviceTestReport.project_id == project.id)
    )
    return {"data": [_public(row) for row in rows], "count": int(count or 0)}


def read_report(session: Session, project: Project, report_id: int) -> dict[str, Any]:
    report = session.get(DeviceTestReport, report_id)
    if report is None or report.project_id != project.id:
        raise NotFound(f"device-test report {report_id} does not exist in project {project.id}")
    return _public(report, with_details=True)

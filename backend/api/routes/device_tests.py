"""Device-test reports: `mcuforge device-test` stores what a board answered on the test windows;
the Deployment page shows the latest. Deployment's permission: deploy to store, read or deploy
to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from backend.api.deps import ProjectDep, SessionDep
from backend.schemas.device_tests import (
    DeviceTestReportCreate,
    DeviceTestReportDetailPublic,
    DeviceTestReportsPublic,
)
from backend.services import device_tests as service

router = APIRouter(prefix="/projects/{project_id}/device-tests", tags=["deployment"])
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The report's id.")]


@router.post("", response_model=DeviceTestReportDetailPublic,
             status_code=status.HTTP_201_CREATED)
def create_device_test_report(
    session: SessionDep, project: ProjectDep, report_in: DeviceTestReportCreate
) -> DeviceTestReportDetailPublic:
    """Store a device-test report (what `mcuforge device-test` measured on a board)."""
    return DeviceTestReportDetailPublic.model_validate(
        service.create_report(session, project, report_in)
    )


@router.get("", response_model=DeviceTestReportsPublic)
def read_device_test_reports(
    session: SessionDep, project: ProjectDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> DeviceTestReportsPublic:
    """The project's device-test reports, newest first, without their windows."""
    return DeviceTestReportsPublic.model_validate(service.list_reports(session, project, limit))


@router.get("/{report_id}", response_model=DeviceTestReportDetailPublic)
def read_device_test_report(
    session: SessionDep, project: ProjectDep, report_id: ReportId
) -> DeviceTestReportDetailPublic:
    """One report with its notes and per-window outcomes."""
    return DeviceTestReportDetailPublic.model_validate(
        service.read_report(session, project, report_id)
    )

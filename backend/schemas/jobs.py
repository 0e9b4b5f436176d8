"""Response models of jobs (JobPublic, JobsPublic, JobDetail, JobLogsPublic) and the body of a
worker self-check request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from backend.db.models import JobState
from backend.schemas.common import StrictInput
from worker.self_check import SelfCheckParams


def _as_utc(moment: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything stored is UTC, so say so to clients.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class JobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int | None
    kind: str
    state: JobState
    progress: int
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None

    _utc = field_validator("created_at", "started_at", "finished_at", "heartbeat_at")(_as_utc)


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int  # all jobs that match the filter, not only those returned


class JobLogPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    line: str

    _utc = field_validator("created_at")(_as_utc)


class JobLogsPublic(BaseModel):
    data: list[JobLogPublic]


class JobDetail(JobPublic):
    logs: list[JobLogPublic]


class WorkerCheckCreate(SelfCheckParams, StrictInput):
    """Body of POST /jobs/check: how long the self-check runs, in how many steps, and whether it
    should fail half-way."""

"""Liveness and readiness: can jobs run (database, broker, a live worker), and which broker and
database are configured."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field, field_validator

from backend.api.deps import SessionDep
from backend.services.health import check_health
from backend.settings import settings
from worker.training.sandbox_policy import expert_mode, sandbox_probe

router = APIRouter(prefix="/health", tags=["health"])


class WorkerPublic(BaseModel):
    """A worker seen within the heartbeat window (no secrets: the route is public)."""

    name: str = Field(description="Celery node name, `mcuforge-<pid>@<host>`.")
    host: str
    queues: list[str]
    active_jobs: int = Field(description="Jobs it was running at its last heartbeat.")
    started_at: datetime
    last_seen_at: datetime

    @field_validator("started_at", "last_seen_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        # SQLite hands back naive datetimes; everything we store is UTC.
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class HealthPublic(BaseModel):
    status: str  # "ok" | "unavailable"
    database: str  # "sqlite" | "postgresql" | ...
    database_reachable: bool
    broker: str  # "embedded" | "redis"
    broker_reachable: bool
    workers: list[WorkerPublic] = Field(
        description="Workers whose heartbeat is within `worker_seen_within_seconds`."
    )
    worker_seen_within_seconds: float
    problems: list[str] = Field(
        description="Why jobs cannot run, in words; empty when the status is ok."
    )
    training_sandbox: str  # "bubblewrap" | "unavailable: <reason>"
    expert_mode: str  # "sandboxed" | "trusted" | "refused"


class LivenessPublic(BaseModel):
    status: str  # always "ok": the API process answers


@router.get(
    "",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "Jobs cannot run; `problems` says why."}},
)
def read_health(session: SessionDep, response: Response) -> HealthPublic:
    """Whether jobs can run; 503 naming the problems when the database or broker cannot be
    reached or no worker has been seen within the heartbeat window."""
    report = check_health(session)
    if not report.ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthPublic(
        status="ok" if report.ok else "unavailable",
        database=session.get_bind().dialect.name,
        database_reachable=report.database_reachable,
        broker="embedded" if settings.uses_embedded_broker else "redis",
        broker_reachable=report.broker_reachable,
        workers=[WorkerPublic.model_validate(w, from_attributes=True) for w in report.workers],
        worker_seen_within_seconds=settings.worker_seen_within_seconds,
        problems=report.problems,
        training_sandbox=sandbox_probe().describe(),
        expert_mode=expert_mode(),
    )


@router.get("/live", response_model=LivenessPublic)
def read_liveness() -> LivenessPublic:
    """Whether the API process answers at all (for container health checks: a worker waits for
    the API, so the API's own health must not wait for a worker)."""
    return LivenessPublic(status="ok")

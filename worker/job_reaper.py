"""Find running jobs whose worker stopped (stale heartbeat) and mark them failed.

Runs at worker start-up, periodically inside every worker, and from the API when jobs are read,
so a worker that died with no replacement still cannot leave a job "running" forever.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from backend.db.models import Job, JobLog, JobState
from backend.db.models.common import utcnow
from backend.settings import settings


def stale_worker_message(last_heartbeat_at: datetime | None) -> str:
    if last_heartbeat_at is None:
        return "the worker running this job stopped (it never sent a heartbeat)"
    if last_heartbeat_at.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        last_heartbeat_at = last_heartbeat_at.replace(tzinfo=UTC)
    when = last_heartbeat_at.isoformat(timespec="seconds")
    return f"the worker running this job stopped (last heartbeat at {when})"


def reap_stale_jobs(
    session: Session,
    *,
    stale_after_seconds: float | None = None,
    project_id: int | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Mark running jobs with no heartbeat for `stale_after_seconds` failed; return their ids.

    Each job is moved with a conditional update (still running, same heartbeat), so a worker that
    refreshes its heartbeat at the same moment keeps its job.
    """
    stale_after_seconds = (
        settings.job_stale_after_seconds if stale_after_seconds is None else stale_after_seconds
    )
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stale_after_seconds)
    query = select(Job.id, Job.heartbeat_at).where(
        Job.state == JobState.running,
        or_(
            Job.heartbeat_at < cutoff,
            and_(Job.heartbeat_at.is_(None), Job.started_at < cutoff),
        ),
    )
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    reaped: list[int] = []
    for job_id, heartbeat_at in session.execute(query).all():
        same_heartbeat = (
            Job.heartbeat_at.is_(None) if heartbeat_at is None else Job.heartbeat_at == heartbeat_at
        )
        message = stale_worker_message(heartbeat_at)
        moved = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.running, same_heartbeat)
            .values(state=JobState.failed, error=message, finished_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            session.add(JobLog(job_id=job_id, line=f"failed: {message}"))
            reaped.append(job_id)
    session.commit()
    return reaped

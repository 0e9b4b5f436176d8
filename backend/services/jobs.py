"""Jobs as the API sees them: write the row, then enqueue its task; list, read, cancel, log.

Reading jobs also reaps running jobs whose worker stopped, so a dead worker with no replacement
still cannot leave a job "running".
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.db.models import Job, JobLog, JobState
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from backend.services.errors import Conflict, NotFound, ServiceError
from worker.job_reaper import reap_stale_jobs
from worker.registry import get_job_kind

logger = logging.getLogger(__name__)

MAX_LOG_LINES_PER_READ = 5000


class JobNotFound(NotFound):
    """No such job in this project."""


class JobAlreadyFinished(Conflict):
    """The job is already succeeded, failed or cancelled."""


class JobQueueUnavailable(ServiceError):
    """The broker could not be reached; the job was marked failed."""

    status_code = 503


def create_job(
    session: Session, *, project_id: int | None, kind: str, params: dict[str, Any]
) -> Job:
    """Write a queued job after checking `kind` and `params` (ValueError / ValidationError)."""
    checked = get_job_kind(kind).params_model.model_validate(params)
    job = Job(
        project_id=project_id,
        kind=kind,
        state=JobState.queued,
        progress=0,
        params=checked.model_dump(mode="json"),
    )
    session.add(job)
    session.flush()
    session.add(JobLog(job_id=job.id, line=f"queued {kind}"))
    session.commit()
    return job


def enqueue_job(job: Job, *, app: Celery | None = None, queue: str | None = None) -> str:
    """Send the job's task (by name) to the broker; returns the Celery task id.

    If the broker cannot be reached the job is marked failed and JobQueueUnavailable raised,
    so no job waits for a message that was never sent.
    """
    if app is None:
        # Looked up at call time, so tests and tools can point it at another broker.
        from worker import celery_app as configured

        app = configured.celery_app
    task_name = get_job_kind(job.kind).task_name
    try:
        sent = app.send_task(task_name, args=[job.id], queue=queue)
    except Exception as exc:
        message = f"the job queue could not be reached, so the job was not started: {exc}"
        logger.exception("enqueueing job %s failed", job.id)
        with get_sessionmaker()() as session:
            session.execute(
                update(Job)
                .where(Job.id == job.id, Job.state == JobState.queued)
                .values(state=JobState.failed, error=message, finished_at=utcnow())
            )
            session.add(JobLog(job_id=job.id, line=f"failed: {message}"))
            session.commit()
        raise JobQueueUnavailable(message) from exc
    return str(sent.id)


def list_jobs(
    session: Session,
    *,
    project_id: int,
    state: JobState | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
    hide_failed: bool = False,
) -> tuple[list[Job], int]:
    """The project's jobs, newest first, and how many match in all (`hide_failed`: without the
    failed ones, for visitors who read a public project)."""
    reap_stale_jobs(session, project_id=project_id)
    query = select(Job).where(Job.project_id == project_id)
    if state is not None:
        query = query.where(Job.state == state)
    if hide_failed:
        query = query.where(Job.state != JobState.failed)
    if kind is not None:
        query = query.where(Job.kind == kind)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    jobs = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc())
        .offset(offset)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return list(jobs), count


def get_job(session: Session, *, project_id: int, job_id: int) -> Job:
    """One job of the project (JobNotFound if it is missing or belongs to another project)."""
    reap_stale_jobs(session, project_id=project_id)
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.project_id != project_id:
        raise JobNotFound(f"job {job_id} does not exist in project {project_id}")
    return job


def job_logs(
    session: Session, job_id: int, *, since_id: int = 0, limit: int = MAX_LOG_LINES_PER_READ
) -> list[JobLog]:
    """Log lines with id > since_id, oldest first (pass the last id seen to follow a log)."""
    return list(
        session.scalars(
            select(JobLog)
            .where(JobLog.job_id == job_id, JobLog.id > since_id)
            .order_by(JobLog.id)
            .limit(limit)
        )
    )


def cancel_job(session: Session, job: Job) -> Job:
    """Cancel a queued job at once, or a running one: its function stops at its next progress
    report or cancellation check (cooperative). JobAlreadyFinished if it had ended."""
    moved = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state.in_([JobState.queued, JobState.running]))
        .values(state=JobState.cancelled, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        session.rollback()
        current = session.get(Job, job.id, populate_existing=True)
        state = current.state if current else "deleted"
        raise JobAlreadyFinished(
            f"job {job.id} is already {state}; only queued or running jobs can be cancelled"
        )
    session.add(JobLog(job_id=job.id, line="cancelled on request"))
    session.commit()
    refreshed = session.get(Job, job.id, populate_existing=True)
    assert refreshed is not None
    return refreshed

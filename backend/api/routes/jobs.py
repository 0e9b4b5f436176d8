"""Jobs of a project: list, read with its log, follow as Server-Sent Events, cancel; start a
worker self-check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from backend.api.deps import ProjectDep, SessionDep
from backend.db.models import Job, JobLog, JobState
from backend.db.session import get_sessionmaker
from backend.schemas.jobs import (
    JobDetail,
    JobLogPublic,
    JobLogsPublic,
    JobPublic,
    JobsPublic,
    WorkerCheckCreate,
)
from backend.services import jobs as service
from backend.services.access import PUBLIC_PERMISSIONS, ProjectAccess

router = APIRouter(
    prefix="/projects/{project_id}/jobs",
    tags=["jobs"],
    responses={404: {"description": "No such project, or no such job in it."}},
)

# How often the event stream looks at the database for news.
STREAM_POLL_SECONDS = 0.5


def get_project_job(request: Request, project: ProjectDep, session: SessionDep, job_id: int) -> Job:
    job = service.get_job(session, project_id=project.id, job_id=job_id)
    if job.state == JobState.failed and is_public_visitor(request):
        # As in the list: a failed job does not exist for a visitor of a public project.
        raise service.JobNotFound(f"job {job_id} does not exist")
    return job


JobDep = Annotated[Job, Depends(get_project_job)]


def is_public_visitor(request: Request) -> bool:
    """Whether the caller reads the project only because it is public (anonymous, or signed in
    without membership). Such visitors see no failed jobs, no error text and no log lines: a
    failure or a log may hold server paths or a training script's output."""
    access: ProjectAccess = request.state.project_access
    return access.role is None and access.scope is None and access.permissions == PUBLIC_PERMISSIONS


def _public_job(job: Job, *, visitor: bool) -> JobPublic:
    public = JobPublic.model_validate(job)
    return public.model_copy(update={"error": None}) if visitor else public


@router.get("", response_model=JobsPublic)
def read_jobs(
    request: Request,
    session: SessionDep,
    project: ProjectDep,
    state: Annotated[JobState | None, Query(description="Only jobs in this state.")] = None,
    kind: Annotated[str | None, Query(description="Only jobs of this kind.")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobsPublic:
    """List the project's jobs, newest first (visitors of a public project: without the failed
    ones and without error text)."""
    visitor = is_public_visitor(request)
    jobs, count = service.list_jobs(
        session,
        project_id=project.id,
        state=state,
        kind=kind,
        limit=limit,
        offset=offset,
        hide_failed=visitor,
    )
    return JobsPublic(data=[_public_job(job, visitor=visitor) for job in jobs], count=count)


@router.post(
    "/check",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses={503: {"description": "The job queue could not be reached; the job failed."}},
)
def create_check_job(
    session: SessionDep, project: ProjectDep, check_in: WorkerCheckCreate
) -> JobPublic:
    """Start a worker self-check: a log line and a progress report per step, for `seconds`;
    it fails half-way when `fail` is true. Use it to verify that a worker runs jobs."""
    job = service.create_job(
        session, project_id=project.id, kind="worker.check", params=check_in.model_dump()
    )
    service.enqueue_job(job)
    return JobPublic.model_validate(job)


@router.get("/{job_id}", response_model=JobDetail)
def read_job(request: Request, session: SessionDep, job: JobDep) -> JobDetail:
    """Read one job with its log (visitors of a public project: no log, no error text)."""
    visitor = is_public_visitor(request)
    lines = [] if visitor else service.job_logs(session, job.id)
    logs = [JobLogPublic.model_validate(line) for line in lines]
    return JobDetail(**_public_job(job, visitor=visitor).model_dump(), logs=logs)


@router.get("/{job_id}/logs", response_model=JobLogsPublic)
def read_job_logs(
    request: Request,
    session: SessionDep,
    job: JobDep,
    since_id: Annotated[int, Query(ge=0, description="Only lines after this line id.")] = 0,
) -> JobLogsPublic:
    """Read the job's log lines after `since_id`, oldest first (none for visitors of a public
    project)."""
    if is_public_visitor(request):
        return JobLogsPublic(data=[])
    lines = service.job_logs(session, job.id, since_id=since_id)
    return JobLogsPublic(data=[JobLogPublic.model_validate(line) for line in lines])


@router.post(
    "/{job_id}/cancel",
    response_model=JobPublic,
    responses={409: {"description": "The job has already ended."}},
)
def cancel_job(session: SessionDep, job: JobDep) -> JobPublic:
    """Cancel a queued or running job (409 when it has already ended). A running job stops at
    its next progress report: cancellation is cooperative."""
    return JobPublic.model_validate(service.cancel_job(session, job))


@dataclass
class _JobNews:
    job: JobPublic | None
    logs: list[JobLogPublic]


def _read_news(project_id: int, job_id: int, since_log_id: int, *, visitor: bool) -> _JobNews:
    with get_sessionmaker()() as session:
        try:
            job = service.get_job(session, project_id=project_id, job_id=job_id)
        except service.JobNotFound:
            return _JobNews(job=None, logs=[])
        logs: list[JobLog] = (
            [] if visitor else service.job_logs(session, job_id, since_id=since_log_id)
        )
        return _JobNews(
            job=_public_job(job, visitor=visitor),
            logs=[JobLogPublic.model_validate(line) for line in logs],
        )


@router.get("/{job_id}/stream", response_class=EventSourceResponse)
async def stream_job(
    request: Request,
    session: SessionDep,
    job: JobDep,
    since_id: Annotated[int, Query(ge=0, description="Only log lines after this id.")] = 0,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Follow a job as Server-Sent Events until it ends: `log` (id = line id), `progress`
    ({"progress": percent}) and `state` (the whole job) events; the stream closes by itself
    after the state event of a finished job. A reconnecting EventSource resumes after the last
    log line it saw (Last-Event-ID)."""
    project_id, job_id = job.project_id or 0, job.id
    visitor = is_public_visitor(request)
    session.close()  # the stream polls with short sessions of its own; hold no connection
    last_log_id = last_event_id if last_event_id is not None else since_id
    sent_state: JobState | None = None
    sent_progress: int | None = None
    while True:
        news = await anyio.to_thread.run_sync(
            partial(_read_news, visitor=visitor), project_id, job_id, last_log_id
        )
        if news.job is None:
            yield ServerSentEvent(event="error", data={"detail": f"job {job_id} was deleted"})
            return
        for line in news.logs:
            yield ServerSentEvent(event="log", id=str(line.id), data=line.model_dump(mode="json"))
            last_log_id = line.id
        if news.job.progress != sent_progress:
            sent_progress = news.job.progress
            yield ServerSentEvent(event="progress", data={"progress": sent_progress})
        if news.job.state != sent_state:
            sent_state = news.job.state
            yield ServerSentEvent(event="state", data=news.job.model_dump(mode="json"))
        if sent_state.is_terminal:
            return
        await anyio.sleep(STREAM_POLL_SECONDS)

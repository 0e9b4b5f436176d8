"""Run one job: claim its row, give the pure job function a context, store how it ended.

A Celery task is a thin wrapper around `run_job(job_id, function)`. Every state change is a
conditional update (only from the state expected, only by the worker that owns the job), so a
task delivered twice, a cancelled job or a job the reaper already failed is never run or
overwritten by a second party.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn

import pydantic
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.db.models import Job, JobLog, JobState
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from backend.settings import settings
from worker.job_errors import JobCancelled, JobError, TransientJobError
from worker.job_reaper import stale_worker_message

logger = logging.getLogger(__name__)

# Progress is reported every step but written at most this often (and always at 100 %).
PROGRESS_WRITE_INTERVAL_SECONDS = 0.5
# How often `check_cancelled` actually asks the database.
CANCEL_CHECK_INTERVAL_SECONDS = 0.5
# A job whose worker died this many times is failed instead of being run once more.
MAX_ATTEMPTS = 3

JobFunction = Callable[["JobContext", dict[str, Any]], dict[str, Any] | None]
# Raises (Celery's Retry) after the job was put back in the queue.
ScheduleRetry = Callable[[TransientJobError], NoReturn]


def worker_identity() -> str:
    """`host:pid` of this process, stored on the job it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _process_is_gone(identity: str | None) -> bool:
    """True only when `identity` names a process on this host that no longer exists."""
    if not identity or ":" not in identity:
        return False
    host, _, pid_text = identity.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _owned(job_id: int, identity: str) -> Any:
    return and_(Job.id == job_id, Job.state == JobState.running, Job.worker == identity)


def _add_log(sessions: sessionmaker[Session], job_id: int, line: str) -> None:
    with sessions() as session:
        session.add(JobLog(job_id=job_id, line=line))
        session.commit()


class JobContext:
    """What a job function may do: report progress, write log lines, notice cancellation."""

    def __init__(self, job_id: int, identity: str, sessions: sessionmaker[Session]) -> None:
        self.job_id = job_id
        self._identity = identity
        self._sessions = sessions
        self._left_running = threading.Event()
        self._written_percent = -1
        self._last_write = float("-inf")
        self._last_check = float("-inf")

    def progress(self, done: float, total: float) -> None:
        """Report `done` of `total` steps; raises JobCancelled if the job was cancelled."""
        if total <= 0:
            raise ValueError(f"progress total must be positive, got {total}")
        percent = max(0, min(100, int(100 * done / total)))
        now = time.monotonic()
        finished = done >= total
        if percent == self._written_percent or (
            not finished and now - self._last_write < PROGRESS_WRITE_INTERVAL_SECONDS
        ):
            self.check_cancelled()
            return
        with self._sessions() as session:
            moved = session.execute(
                update(Job)
                .where(_owned(self.job_id, self._identity))
                .values(progress=percent)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        self._written_percent, self._last_write, self._last_check = percent, now, now
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            self._stop()

    def log(self, line: str) -> None:
        """Append one line to the job's log (visible in the API and its event stream)."""
        _add_log(self._sessions, self.job_id, line)

    def check_cancelled(self) -> None:
        """Raise JobCancelled when the job is no longer running (asks the database at most
        every CANCEL_CHECK_INTERVAL_SECONDS, so it is cheap to call in a loop)."""
        if self._left_running.is_set():
            self._stop()
        now = time.monotonic()
        if now - self._last_check < CANCEL_CHECK_INTERVAL_SECONDS:
            return
        self._last_check = now
        with self._sessions() as session:
            owner = session.execute(
                select(Job.state, Job.worker).where(Job.id == self.job_id)
            ).one()
        if owner.state != JobState.running or owner.worker != self._identity:
            self._stop()

    def mark_left_running(self) -> None:
        self._left_running.set()

    def _stop(self) -> NoReturn:
        self._left_running.set()
        raise JobCancelled(f"job {self.job_id} is no longer running")


class _Heartbeat(threading.Thread):
    """Refreshes the job's heartbeat while its function runs; tells the context when the job
    was cancelled or reaped so the function stops at its next progress report."""

    def __init__(self, context: JobContext, sessions: sessionmaker[Session], identity: str):
        super().__init__(name=f"job-{context.job_id}-heartbeat", daemon=True)
        self._context = context
        self._sessions = sessions
        self._identity = identity
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(settings.job_heartbeat_seconds):
            try:
                with self._sessions() as session:
                    moved = session.execute(
                        update(Job)
                        .where(_owned(self._context.job_id, self._identity))
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
                    session.commit()
            except Exception:  # a database hiccup must not kill the heartbeat; try again
                logger.warning("heartbeat of job %s failed", self._context.job_id, exc_info=True)
                continue
            if moved.rowcount == 0:  # type: ignore[attr-defined]
                self._context.mark_left_running()
                return

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=10)


def _claim(
    sessions: sessionmaker[Session], job_id: int, identity: str, celery_task_id: str | None
) -> dict[str, Any] | None:
    """Move the job to running for this worker; return its params, or None when it must not run."""
    now = utcnow()
    with sessions() as session:
        job = session.get(Job, job_id)
        if job is None:
            logger.warning("job %s does not exist (deleted?); nothing to run", job_id)
            return None
        if JobState(job.state).is_terminal:
            logger.info("job %s is already %s; nothing to run", job_id, job.state)
            return None
        expected: Any = Job.state == JobState.queued
        first_line = f"started on worker {identity}"
        if job.state == JobState.running:
            # A redelivered task: take over only if the job's worker is certainly gone.
            stale_cutoff = now - timedelta(seconds=settings.job_stale_after_seconds)
            heartbeat_stale = job.heartbeat_at is None or _as_utc(job.heartbeat_at) < stale_cutoff
            if not (heartbeat_stale or _process_is_gone(job.worker)):
                logger.info("job %s is running on live worker %s; skipping", job_id, job.worker)
                return None
            if job.attempts >= MAX_ATTEMPTS:
                message = (
                    f"{stale_worker_message(job.heartbeat_at)}; it was tried {job.attempts} "
                    f"times and is not retried again"
                )
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == JobState.running)
                    .values(state=JobState.failed, error=message, finished_at=now)
                )
                session.add(JobLog(job_id=job_id, line=f"failed: {message}"))
                session.commit()
                return None
            expected = and_(
                Job.state == JobState.running,
                Job.worker == job.worker,
                Job.attempts == job.attempts,
            )
            first_line = f"worker {job.worker} stopped; retrying on worker {identity}"
        moved = session.execute(
            update(Job)
            .where(Job.id == job_id, expected)
            .values(
                state=JobState.running,
                worker=identity,
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                progress=0,
                celery_task_id=celery_task_id or job.celery_task_id,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            return None  # cancelled or claimed by another worker in the meantime
        session.add(JobLog(job_id=job_id, line=f"{first_line} (attempt {job.attempts + 1})"))
        session.commit()
        return dict(job.params or {})


def _finish(
    sessions: sessionmaker[Session], job_id: int, identity: str, state: JobState, **values: Any
) -> JobState:
    """Move the job from running (by us) to `state`; returns the state the job ends up in."""
    if state.is_terminal:
        values["finished_at"] = utcnow()
    with sessions() as session:
        moved = session.execute(
            update(Job)
            .where(_owned(job_id, identity))
            .values(state=state, **values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            return state
        current = session.execute(select(Job.state).where(Job.id == job_id)).scalar()
        session.add(JobLog(job_id=job_id, line=f"outcome {state} discarded: the job is {current}"))
        session.commit()
        return JobState(current) if current else state


def _readable_error(exc: BaseException) -> str:
    if isinstance(exc, pydantic.ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'params'}: {error['msg']}"
            for error in exc.errors()
        )
        return f"invalid parameters: {problems}"
    if isinstance(exc, JobError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def run_job(
    job_id: int,
    function: JobFunction,
    *,
    retries_left: int = 0,
    schedule_retry: ScheduleRetry | None = None,
    celery_task_id: str | None = None,
) -> JobState | None:
    """Run `function(context, params)` for the job; return the job's final state, or None when
    the job was not run (missing, already finished, cancelled before it started, owned by a
    live worker). TransientJobError is retried through `schedule_retry` while `retries_left`."""
    sessions = get_sessionmaker()
    identity = worker_identity()
    params = _claim(sessions, job_id, identity, celery_task_id)
    if params is None:
        return None
    context = JobContext(job_id, identity, sessions)
    heartbeat = _Heartbeat(context, sessions, identity)
    heartbeat.start()
    failure: Exception | None = None
    try:
        result = function(context, params)
        json.dumps(result)  # the result column is JSON; fail here, not in the database driver
    except Exception as exc:  # recorded below, once the heartbeat has stopped
        failure = exc
    finally:
        heartbeat.stop()  # also when a BaseException (a worker shutting down) passes through
    if failure is not None:
        return _record_failure(sessions, job_id, identity, failure, retries_left, schedule_retry)
    _add_log(sessions, job_id, "succeeded")
    return _finish(
        sessions, job_id, identity, JobState.succeeded, progress=100, result=result, error=None
    )


def _record_failure(
    sessions: sessionmaker[Session],
    job_id: int,
    identity: str,
    failure: Exception,
    retries_left: int,
    schedule_retry: ScheduleRetry | None,
) -> JobState | None:
    if isinstance(failure, JobCancelled):
        with sessions() as session:
            current = session.execute(select(Job.state).where(Job.id == job_id)).scalar()
        _add_log(sessions, job_id, f"stopped: the job is {current}")
        return JobState(current) if current else None
    if isinstance(failure, SoftTimeLimitExceeded):
        message = "the job ran longer than its time limit and was stopped"
        _add_log(sessions, job_id, f"failed: {message}")
        return _finish(sessions, job_id, identity, JobState.failed, error=message)
    error = _readable_error(failure)
    if isinstance(failure, TransientJobError):
        if schedule_retry is not None and retries_left > 0:
            requeued = _finish(sessions, job_id, identity, JobState.queued, error=None)
            if requeued == JobState.queued:
                _add_log(sessions, job_id, f"retrying ({retries_left} retries left): {failure}")
                schedule_retry(failure)
            return requeued
        error = f"{error} (no retries left)"
    _add_log(sessions, job_id, "".join(traceback.format_exception(failure)).rstrip())
    _add_log(sessions, job_id, f"failed: {error}")
    return _finish(sessions, job_id, identity, JobState.failed, error=error)

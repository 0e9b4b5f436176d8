"""The job runtime called directly (no broker), on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import timedelta
from typing import Any, NoReturn

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import event, update

from backend.db.models import Job, JobState
from backend.db.models.common import utcnow
from backend.db.session import get_engine, get_sessionmaker
from backend.services.jobs import cancel_job, create_job
from backend.settings import settings
from tests.worker.jobs_helpers import log_lines, make_project, read_job, wait_for
from worker.job_errors import JobInputError, TransientJobError
from worker.job_reaper import reap_stale_jobs
from worker.job_runtime import MAX_ATTEMPTS, JobContext, run_job, worker_identity
from worker.self_check import run_self_check


def new_check_job(**params: Any) -> int:
    with get_sessionmaker()() as session:
        job = create_job(session, project_id=make_project(), kind="worker.check", params=params)
        return job.id


def set_running_on(job_id: int, worker: str, *, heartbeat_age_seconds: float, attempts: int = 1):
    beat = utcnow() - timedelta(seconds=heartbeat_age_seconds)
    with get_sessionmaker()() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state=JobState.running,
                worker=worker,
                heartbeat_at=beat,
                started_at=beat,
                attempts=attempts,
            )
        )
        session.commit()


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_check_job_runs_to_success_with_progress_and_log(database_url: str) -> None:
    job_id = new_check_job(seconds=0.2, steps=4)
    assert read_job(job_id).state == JobState.queued

    assert run_job(job_id, run_self_check) == JobState.succeeded

    job = read_job(job_id)
    assert (job.state, job.progress, job.attempts, job.error) == (JobState.succeeded, 100, 1, None)
    assert (
        job.result is not None and job.result["steps"] == 4 and job.result["worker"] == job.worker
    )
    assert job.worker == worker_identity()
    assert job.started_at is not None and job.finished_at is not None
    lines = log_lines(job_id)
    assert [line.split(" done")[0] for line in lines if line.startswith("step ")] == [
        "step 1/4",
        "step 2/4",
        "step 3/4",
        "step 4/4",
    ]
    assert lines[-1] == "succeeded"


def test_failing_job_stores_a_readable_error_and_the_traceback(database_url: str) -> None:
    job_id = new_check_job(seconds=0, steps=4, fail=True)

    assert run_job(job_id, run_self_check) == JobState.failed

    job = read_job(job_id)
    assert (
        job.error == "self-check failed on purpose at step 3 of 4 (it was started with fail=true)"
    )
    assert job.finished_at is not None and job.result is None
    lines = log_lines(job_id)
    assert any(line.startswith("Traceback") and "SelfCheckFailed" in line for line in lines)
    assert lines[-1] == f"failed: {job.error}"


def test_a_finished_or_missing_job_is_not_run_again(database_url: str) -> None:
    job_id = new_check_job(seconds=0, steps=1)
    run_job(job_id, run_self_check)
    lines_before = log_lines(job_id)

    assert run_job(job_id, run_self_check) is None  # a redelivered task
    assert run_job(job_id + 1000, run_self_check) is None

    assert read_job(job_id).attempts == 1
    assert log_lines(job_id) == lines_before


def test_a_job_cancelled_while_queued_never_starts(database_url: str) -> None:
    job_id = new_check_job(seconds=0, steps=1)
    with get_sessionmaker()() as session:
        cancel_job(session, session.get(Job, job_id))

    assert run_job(job_id, run_self_check) is None

    job = read_job(job_id)
    assert (job.state, job.started_at, job.attempts) == (JobState.cancelled, None, 0)


def test_a_running_job_stops_at_its_next_check_after_cancel(database_url: str) -> None:
    job_id = new_check_job(seconds=20, steps=4)

    def cancel_when_running() -> None:
        wait_for(
            lambda: read_job(job_id).state == JobState.running,
            timeout_seconds=10,
            what="the job to start",
        )
        with get_sessionmaker()() as session:
            cancel_job(session, session.get(Job, job_id))

    canceller = threading.Thread(target=cancel_when_running)
    canceller.start()
    started = time.monotonic()
    final_state = run_job(job_id, run_self_check)
    canceller.join()

    assert final_state == JobState.cancelled
    assert time.monotonic() - started < 5, "the function kept running after the cancel"
    job = read_job(job_id)
    assert job.state == JobState.cancelled and job.result is None
    assert log_lines(job_id)[-1] == "stopped: the job is cancelled"


def test_soft_time_limit_becomes_a_failed_job_with_a_reason(database_url: str) -> None:
    job_id = new_check_job()

    def too_slow(context: JobContext, params: dict[str, Any]) -> NoReturn:
        raise SoftTimeLimitExceeded()

    assert run_job(job_id, too_slow) == JobState.failed
    assert read_job(job_id).error == "the job ran longer than its time limit and was stopped"


class RetryScheduled(Exception):
    pass


def test_transient_errors_are_retried_while_retries_are_left(database_url: str) -> None:
    job_id = new_check_job()
    scheduled: list[Exception] = []

    def schedule_retry(exc: TransientJobError) -> NoReturn:
        scheduled.append(exc)
        raise RetryScheduled()

    def flaky(context: JobContext, params: dict[str, Any]) -> NoReturn:
        raise TransientJobError("the object store did not answer")

    with pytest.raises(RetryScheduled):
        run_job(job_id, flaky, retries_left=2, schedule_retry=schedule_retry)
    assert len(scheduled) == 1
    job = read_job(job_id)
    assert (job.state, job.finished_at) == (JobState.queued, None)
    assert "retrying (2 retries left): the object store did not answer" in log_lines(job_id)

    # The retried task runs the job again, from queued.
    assert run_job(job_id, lambda context, params: {"ok": True}) == JobState.succeeded
    assert read_job(job_id).attempts == 2

    exhausted = new_check_job()
    assert (
        run_job(exhausted, flaky, retries_left=0, schedule_retry=schedule_retry) == JobState.failed
    )
    assert read_job(exhausted).error == "the object store did not answer (no retries left)"
    assert len(scheduled) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (JobInputError("sample 12 was deleted"), "sample 12 was deleted"),
        (KeyError("window"), "KeyError: 'window'"),
    ],
)
def test_input_and_unexpected_errors_fail_without_retry(
    database_url: str, error: Exception, expected: str
) -> None:
    job_id = new_check_job()

    def broken(context: JobContext, params: dict[str, Any]) -> NoReturn:
        raise error

    def schedule_retry(exc: TransientJobError) -> NoReturn:
        raise AssertionError("a non-transient error was retried")

    assert run_job(job_id, broken, retries_left=3, schedule_retry=schedule_retry) == JobState.failed
    assert read_job(job_id).error == expected


def test_invalid_params_fail_with_the_rule_that_was_broken(database_url: str) -> None:
    job_id = new_check_job()
    with get_sessionmaker()() as session:
        session.execute(update(Job).where(Job.id == job_id).values(params={"seconds": -1}))
        session.commit()

    assert run_job(job_id, run_self_check) == JobState.failed
    assert read_job(job_id).error == (
        "invalid parameters: seconds: Input should be greater than or equal to 0"
    )


def test_heartbeat_is_refreshed_while_the_job_runs(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "job_heartbeat_seconds", 0.05)
    job_id = new_check_job()
    beats = []

    def slow(context: JobContext, params: dict[str, Any]) -> None:
        for _ in range(4):
            time.sleep(0.15)
            beats.append(read_job(job_id).heartbeat_at)

    run_job(job_id, slow)
    assert len(set(beats)) >= 3, "the heartbeat did not advance while the job ran"


def test_progress_reports_are_throttled_but_end_at_100(database_url: str) -> None:
    job_id = new_check_job()
    progress_writes = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE jobs SET progress"):
            progress_writes.append(statement)

    def many_steps(context: JobContext, params: dict[str, Any]) -> None:
        for step in range(1, 2001):
            context.progress(step, 2000)

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        run_job(job_id, many_steps)
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert 1 <= len(progress_writes) <= 5
    assert read_job(job_id).progress == 100


def test_reaper_fails_running_jobs_with_a_stale_heartbeat_only(database_url: str) -> None:
    stale, fresh = new_check_job(), new_check_job()
    set_running_on(stale, "gone-host:1", heartbeat_age_seconds=120)
    set_running_on(fresh, "other-host:1", heartbeat_age_seconds=1)

    with get_sessionmaker()() as session:
        assert reap_stale_jobs(session, stale_after_seconds=60) == [stale]

    job = read_job(stale)
    assert job.state == JobState.failed and job.finished_at is not None
    assert job.error.startswith("the worker running this job stopped (last heartbeat at ")
    assert log_lines(stale)[-1] == f"failed: {job.error}"
    assert read_job(fresh).state == JobState.running


def test_a_worker_reaped_mid_run_does_not_overwrite_the_failure(database_url: str) -> None:
    job_id = new_check_job()

    def reaped_while_running(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        set_running_on(job_id, worker_identity(), heartbeat_age_seconds=600)
        with get_sessionmaker()() as session:
            reap_stale_jobs(session, stale_after_seconds=60)
        return {"late": True}

    assert run_job(job_id, reaped_while_running) == JobState.failed
    assert read_job(job_id).result is None
    assert "outcome succeeded discarded: the job is failed" in log_lines(job_id)


def test_a_job_whose_worker_process_died_is_taken_over(database_url: str) -> None:
    job_id = new_check_job(seconds=0, steps=2)
    dead_worker = f"{worker_identity().rpartition(':')[0]}:{dead_pid()}"
    set_running_on(job_id, dead_worker, heartbeat_age_seconds=0)

    assert run_job(job_id, run_self_check) == JobState.succeeded

    job = read_job(job_id)
    assert (job.attempts, job.worker) == (2, worker_identity())
    assert f"worker {dead_worker} stopped; retrying on worker {worker_identity()} (attempt 2)" in (
        log_lines(job_id)
    )


def test_a_job_running_on_a_live_worker_is_left_alone(database_url: str) -> None:
    job_id = new_check_job()
    set_running_on(job_id, "another-host:4242", heartbeat_age_seconds=0)

    assert run_job(job_id, run_self_check) is None
    assert read_job(job_id).worker == "another-host:4242"


def test_a_job_that_keeps_killing_its_worker_is_failed_after_max_attempts(
    database_url: str,
) -> None:
    job_id = new_check_job()
    set_running_on(job_id, "gone-host:1", heartbeat_age_seconds=3600, attempts=MAX_ATTEMPTS)

    assert run_job(job_id, run_self_check) is None

    job = read_job(job_id)
    assert job.state == JobState.failed
    assert f"it was tried {MAX_ATTEMPTS} times and is not retried again" in job.error


def test_worker_start_up_reaps_with_the_configured_stale_time(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from worker.lifecycle import reap_once

    job_id = new_check_job()
    set_running_on(job_id, "gone-host:1", heartbeat_age_seconds=10)
    monkeypatch.setattr(settings, "job_stale_after_seconds", 60)
    assert reap_once() == []

    monkeypatch.setattr(settings, "job_stale_after_seconds", 5)
    assert reap_once() == [job_id]
    assert read_job(job_id).state == JobState.failed

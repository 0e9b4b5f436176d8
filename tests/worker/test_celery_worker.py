"""Real `mcuforge worker` processes on the embedded filesystem broker (with SQLite) and on the
local Redis (with PostgreSQL): jobs run, fail, are cancelled, and survive killed workers."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from backend.db.migrate import upgrade
from backend.db.models import Job, JobState
from backend.db.session import get_sessionmaker, set_database_url
from backend.services.jobs import cancel_job, create_job, enqueue_job
from tests.utils.databases import private_postgres_database
from tests.worker.jobs_helpers import log_lines, make_project, read_job, wait_for
from tests.worker.worker_process import TEST_STALE_AFTER_SECONDS, BrokerSetup, WorkerProcess

pytestmark = pytest.mark.timeout(180)

# Bounds every wait: a worker that is slow to start on a loaded machine still fits.
START_TIMEOUT_SECONDS = 60.0


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("embedded", id="embedded-broker-sqlite"),
        pytest.param("redis", id="redis-postgres", marks=[pytest.mark.redis, pytest.mark.postgres]),
    ],
)
def setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrokerSetup]:
    data_dir = tmp_path_factory.mktemp(f"worker-{request.param}")
    if request.param == "embedded":
        sqlite_url = f"sqlite:///{data_dir / 'worker-test.db'}"
        upgrade(sqlite_url)
        yield BrokerSetup("embedded", sqlite_url, None, data_dir)
        return
    redis_url = request.getfixturevalue("redis_url")
    with private_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        yield BrokerSetup("redis", database_url, redis_url, data_dir)


@pytest.fixture(scope="module")
def queue() -> str:
    # Our own queue on the shared Redis: other test runs never take our messages or we theirs.
    return f"test-jobs-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def workers(setup: BrokerSetup, queue: str) -> Iterator[dict[str, WorkerProcess]]:
    """The worker most tests use, and a victim on a queue of its own for the test that kills a
    whole worker; both start at once so the victim's start-up overlaps the other tests."""
    started = {
        "main": WorkerProcess(setup, queue, setup.data_dir / "worker.log").start(),
        "victim": WorkerProcess(setup, f"{queue}-victim", setup.data_dir / "victim.log").start(),
    }
    try:
        yield started
    finally:
        for worker in started.values():
            worker.stop()


@pytest.fixture
def running_worker(workers: dict[str, WorkerProcess]) -> WorkerProcess:
    return workers["main"]


@pytest.fixture(autouse=True)
def test_database(setup: BrokerSetup) -> str:
    set_database_url(setup.database_url)
    return setup.database_url


def submit(setup: BrokerSetup, queue: str, **params: Any) -> int:
    with get_sessionmaker()() as session:
        job = create_job(session, project_id=make_project(), kind="worker.check", params=params)
    enqueue_job(job, app=setup.app(queue))
    return job.id


def wait_state(job_id: int, state: JobState, worker: WorkerProcess, timeout: float = 45) -> Job:
    try:
        wait_for(
            lambda: read_job(job_id).state == state,
            timeout_seconds=timeout,
            what=f"job {job_id} to be {state}",
        )
    except AssertionError as error:
        job = read_job(job_id)
        raise AssertionError(
            f"{error}; it is {job.state} ({job.error}); log {log_lines(job_id)}\n"
            f"worker output:\n{worker.log_tail()}"
        ) from None
    return read_job(job_id)


def test_check_job_goes_queued_running_succeeded_with_progress_and_log(
    setup: BrokerSetup, queue: str, running_worker: WorkerProcess
) -> None:
    job_id = submit(setup, queue, seconds=1.5, steps=5)
    seen_states, seen_progress = [], []
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        job = read_job(job_id)
        if not seen_states or seen_states[-1] != job.state:
            seen_states.append(job.state)
        seen_progress.append(job.progress)
        if JobState(job.state).is_terminal:
            break
        time.sleep(0.05)

    assert seen_states == ["queued", "running", "succeeded"], running_worker.log_tail()
    assert seen_progress == sorted(seen_progress)
    assert any(0 < percent < 100 for percent in seen_progress)
    job = read_job(job_id)
    assert (job.progress, job.attempts, job.error) == (100, 1, None)
    assert job.result["broker"] == setup.name and job.result["steps"] == 5
    assert job.worker != f"{os.uname().nodename}:{os.getpid()}"
    assert job.celery_task_id
    assert sum(line.startswith("step ") for line in log_lines(job_id)) == 5


def test_failing_job_ends_failed_with_error_and_traceback(
    setup: BrokerSetup, queue: str, running_worker: WorkerProcess
) -> None:
    job_id = submit(setup, queue, seconds=0.2, steps=2, fail=True)

    job = wait_state(job_id, JobState.failed, running_worker)

    assert (
        job.error == "self-check failed on purpose at step 2 of 2 (it was started with fail=true)"
    )
    lines = log_lines(job_id)
    assert any(line.startswith("Traceback") and "SelfCheckFailed" in line for line in lines)


def test_cancelled_queued_job_never_runs(
    setup: BrokerSetup, queue: str, running_worker: WorkerProcess
) -> None:
    with get_sessionmaker()() as session:
        cancelled = create_job(session, project_id=make_project(), kind="worker.check", params={})
        cancel_job(session, cancelled)
    enqueue_job(cancelled, app=setup.app(queue))
    after_it = submit(setup, queue, seconds=0, steps=1)

    # One pool process takes messages in order: once the later job is done, ours was consumed.
    wait_state(after_it, JobState.succeeded, running_worker)
    job = read_job(cancelled.id)
    assert (job.state, job.started_at, job.attempts) == (JobState.cancelled, None, 0)


def test_cancelled_running_job_stops_and_frees_the_worker(
    setup: BrokerSetup, queue: str, running_worker: WorkerProcess
) -> None:
    job_id = submit(setup, queue, seconds=30, steps=30)
    wait_state(job_id, JobState.running, running_worker, timeout=START_TIMEOUT_SECONDS)
    with get_sessionmaker()() as session:
        cancel_job(session, session.get(Job, job_id))

    wait_for(
        lambda: "stopped: the job is cancelled" in log_lines(job_id),
        timeout_seconds=5,
        what="the running job to notice its cancellation",
    )
    assert read_job(job_id).state == JobState.cancelled
    next_job = submit(setup, queue, seconds=0, steps=1)
    wait_state(next_job, JobState.succeeded, running_worker)


def test_job_whose_pool_process_is_killed_is_retried_and_succeeds(
    setup: BrokerSetup, queue: str, running_worker: WorkerProcess
) -> None:
    job_id = submit(setup, queue, seconds=2, steps=8)
    wait_for(
        lambda: read_job(job_id).progress > 0,
        timeout_seconds=START_TIMEOUT_SECONDS,
        what="the job to make progress",
    )
    first_worker = read_job(job_id).worker
    os.kill(int(first_worker.rpartition(":")[2]), signal.SIGKILL)

    job = wait_state(job_id, JobState.succeeded, running_worker)

    assert job.attempts == 2 and job.worker != first_worker
    assert f"worker {first_worker} stopped; retrying on worker {job.worker} (attempt 2)" in (
        log_lines(job_id)
    )


def test_job_whose_whole_worker_is_killed_ends_failed_not_running(
    setup: BrokerSetup, queue: str, workers: dict[str, WorkerProcess]
) -> None:
    victim = workers["victim"]
    job_id = submit(setup, victim.queue, seconds=30, steps=30)
    wait_for(
        lambda: read_job(job_id).progress > 0,
        timeout_seconds=START_TIMEOUT_SECONDS,
        what=f"the job to make progress; victim output:\n{victim.log_tail()}",
    )

    victim.kill_group()

    assert read_job(job_id).state == JobState.running  # nobody is left to say otherwise...
    # ...until the surviving worker's reaper sees the heartbeat go stale.
    job = wait_state(
        job_id, JobState.failed, workers["main"], timeout=TEST_STALE_AFTER_SECONDS * 2 + 10
    )
    assert job.error.startswith("the worker running this job stopped (last heartbeat at ")
    assert job.finished_at is not None

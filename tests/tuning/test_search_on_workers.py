"""The search on real `mcuforge worker` processes: on Redis, trials run on two workers at once;
on the embedded broker, a worker killed mid-trial leaves a trial that is failed (not "running"
forever), and the search paused meanwhile resumes on a new worker and finishes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import worker.celery_app
from backend.db.migrate import upgrade
from backend.db.models import Job, Project, SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.session import get_sessionmaker, set_database_url
from backend.schemas.tuner import TunerSearchCreate
from backend.services import tuner as service
from backend.settings import settings
from tests.tuning.conftest import add_motion_project
from tests.worker.jobs_helpers import wait_for
from tests.worker.worker_process import TEST_STALE_AFTER_SECONDS, BrokerSetup, WorkerProcess


def _setup(tmp_path: Path, redis_url: str | None) -> BrokerSetup:
    database_url = f"sqlite:///{tmp_path / 'tuner.db'}"
    upgrade(database_url)
    set_database_url(database_url)
    return BrokerSetup("redis" if redis_url else "embedded", database_url, redis_url, tmp_path)


def _start_search(setup: BrokerSetup, queue: str, monkeypatch: pytest.MonkeyPatch,
                  **fields: Any) -> tuple[int, int]:
    # The API side sends to the test workers' queue on the test broker.
    monkeypatch.setattr(worker.celery_app, "celery_app", setup.app(queue))
    with get_sessionmaker()() as session:
        project_id, _ = add_motion_project(session)
        project = session.get(Project, project_id)
        body = {"max_trials": 2, "parallel_trials": 2, "epochs": 3, **fields}
        search = service.start_search(session, project, TunerSearchCreate.model_validate(body),
                                      None)
        return project_id, search.id


def _search(project_id: int, search_id: int) -> Any:
    with get_sessionmaker()() as session:
        return service.read_search(session, project_id, search_id)  # reaps, tops up


def _trials(search_id: int) -> list[TunerTrial]:
    with get_sessionmaker()() as session:
        return list(session.scalars(select(TunerTrial).where(TunerTrial.search_id == search_id)
                                    .order_by(TunerTrial.number)))


def _explain(workers: list[WorkerProcess], search_id: int) -> str:
    rows = [(t.number, t.state, t.worker_name, t.error) for t in _trials(search_id)]
    with get_sessionmaker()() as session:
        jobs = [(j.id, j.state, j.error) for j in session.scalars(select(Job).order_by(Job.id))]
    return f"trials {rows}\njobs {jobs}\n" + "\n".join(w.log_tail(1500) for w in workers)


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        process.stop()


def test_trials_run_on_two_redis_workers_at_once(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch,
    workers: list[WorkerProcess],
) -> None:
    setup = _setup(tmp_path, redis_url)
    queue = f"tune-test-{uuid.uuid4().hex[:8]}"
    for name in ("a", "b"):
        workers.append(WorkerProcess(setup, queue, tmp_path / f"worker-{name}.log").start())
    project_id, search_id = _start_search(setup, queue, monkeypatch)
    try:
        wait_for(lambda: _search(project_id, search_id).state == SearchState.done,
                 timeout_seconds=150, what=f"search {search_id} to finish")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{_explain(workers, search_id)}") from None
    trials = _trials(search_id)
    assert len(trials) == 2, _explain(workers, search_id)
    assert all(t.state in (TrialState.complete, TrialState.pruned) for t in trials), _explain(
        workers, search_id)
    # Both Celery nodes ran a trial: the two were spread over the workers, not queued behind one.
    assert len({t.worker_name for t in trials}) == 2, _explain(workers, search_id)
    assert len({t.worker for t in trials}) == 2


def test_a_paused_search_resumes_after_its_worker_was_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: list[WorkerProcess]
) -> None:
    setup = _setup(tmp_path, None)
    # The API's reaper judges heartbeats as the test workers send them.
    monkeypatch.setattr(settings, "job_stale_after_seconds", TEST_STALE_AFTER_SECONDS)
    queue = f"tune-test-{uuid.uuid4().hex[:8]}"
    workers.append(WorkerProcess(setup, queue, tmp_path / "first.log").start())
    project_id, search_id = _start_search(setup, queue, monkeypatch, max_trials=1,
                                          parallel_trials=1, epochs=3)
    wait_for(lambda: any(t.state == TrialState.running for t in _trials(search_id)),
             timeout_seconds=60, what="the first trial to start")
    workers[0].kill_group()  # mid-trial, as a crashed machine
    with get_sessionmaker()() as session:
        service.pause_search(session, project_id, search_id)
    # The job reaper notices the dead worker's heartbeat; the trial is failed, not left running.
    try:
        wait_for(lambda: _search(project_id, search_id).trials[0].state == TrialState.failed,
                 timeout_seconds=60, what="the killed worker's trial to be failed")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{_explain(workers, search_id)}") from None
    killed = _trials(search_id)[0]
    assert "stopped" in (killed.error or ""), killed.error
    with get_sessionmaker()() as session:
        paused = session.get(TunerSearch, search_id)
        assert paused is not None and paused.state == SearchState.paused
        # Its place in the budget was given back: the one trial is still to run.
        assert paused.trials_started == 0

    workers.append(WorkerProcess(setup, queue, tmp_path / "second.log").start())
    with get_sessionmaker()() as session:
        resumed = service.resume_search(session, project_id, search_id)
    assert resumed.state == SearchState.running
    try:
        wait_for(lambda: _search(project_id, search_id).state == SearchState.done,
                 timeout_seconds=200, what=f"search {search_id} to finish after resuming")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{_explain(workers, search_id)}") from None
    trials = _trials(search_id)
    assert [t.state for t in trials][0] == TrialState.failed
    finished = [t for t in trials[1:] if t.state in (TrialState.complete, TrialState.pruned)]
    assert len(finished) == 1 and len(trials) == 2, _explain(workers, search_id)
    assert {t.worker for t in finished} != {killed.worker}

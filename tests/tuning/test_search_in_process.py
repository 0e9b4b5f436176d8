"""A whole search, run in this process job by job as a worker would: trials are asked from the
Optuna study in the database, compiled and measured first, trained, told back; the search stops
at its budget and keeps every trial's figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.db.models import Job, SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.session import get_sessionmaker
from backend.schemas.tuner import TunerSearchCreate
from backend.services import tuner as service
from tests.tuning.conftest import RecordingApp, run_queued


def start(project_id: int, **fields: Any) -> int:
    body = {"board": "nano33ble", "max_trials": 3, "parallel_trials": 2, "epochs": 4, **fields}
    with get_sessionmaker()() as session:
        from backend.db.models import Project

        project = session.get(Project, project_id)
        search = service.start_search(
            session, project, TunerSearchCreate.model_validate(body), None
        )
        return search.id


def test_a_search_runs_its_trials_and_ends_at_its_budget(
    motion_project: tuple[int, int], local_queue: RecordingApp
) -> None:
    project_id, _ = motion_project
    search_id = start(project_id)
    assert len(local_queue.sent) == 2  # parallel_trials jobs queued at once
    run_queued(local_queue)
    with get_sessionmaker()() as session:
        search = session.get(TunerSearch, search_id)
        assert search is not None and search.state == SearchState.done
        trials = list(session.scalars(select(TunerTrial).where(TunerTrial.search_id == search_id)))
        jobs = list(session.scalars(select(Job).where(Job.kind == "tuner.trial")))
        public = service.read_search(session, project_id, search_id)
    assert len(trials) == 3 and search.trials_started == 3
    assert all(job.state == "succeeded" for job in jobs), [j.error for j in jobs]
    states = {t.state for t in trials}
    assert states <= {TrialState.complete, TrialState.pruned}, [t.error for t in trials]
    complete = [t for t in trials if t.state == TrialState.complete]
    assert complete, [t.result for t in trials]
    for trial in complete:
        result = trial.result or {}
        assert 0.0 <= (trial.objective_value or -1) <= 1.0
        assert result["int8"]["accuracy"] == trial.objective_value
        cost = result["cost"]
        assert cost["latency_ms"] > 0 and cost["ram_bytes"] > 0 and cost["flash_bytes"] > 0
        assert cost["latency_ms"] == trial.latency_ms
        assert result["fits"] is True
        assert trial.worker and trial.config["dsp"]["type"] in ("spectral", "raw", "flatten")
    assert public.best_trial_id in {t.id for t in complete}
    assert any(t.on_pareto_front for t in public.trials)

"""A whole search, run in this process job by job as a worker would: trials are asked from the
Optuna study in the database, compiled and measured first, trained, told back; the search stops
at its budget and keeps every trial's figures."""

from __future__ import annotations

from typing import Any

import optuna
from sqlalchemy import select

from backend.db.models import (
    Impulse,
    Job,
    JobState,
    SearchState,
    TrainedModel,
    TrialState,
    TunerSearch,
    TunerTrial,
)
from backend.db.session import get_sessionmaker
from backend.schemas.tuner import TunerSearchCreate
from backend.services import deployment as deployment_service
from backend.services import tuner as service
from tests.tuning.conftest import RecordingApp, run_queued
from worker.job_runtime import run_job
from worker.learning.settings import TrainingSettings
from worker.training.network import resolve_layers
from worker.training.train_job import run_train_model
from worker.tuning import study as studies


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
    project_id, impulse_id = motion_project
    search_id = start(project_id)
    assert len(local_queue.sent) == 2  # parallel_trials jobs queued at once
    run_queued(local_queue)
    with get_sessionmaker()() as session:
        search = session.get(TunerSearch, search_id)
        assert search is not None and search.state == SearchState.done
        trials = list(session.scalars(select(TunerTrial).where(TunerTrial.search_id == search_id)))
        jobs = list(session.scalars(select(Job).where(Job.kind == "tuner.trial")))
        public = service.read_search(session, project_id, search_id)
    # A configuration the sampler proposes again is recorded as a repeat ("same as #n"), trains
    # nothing and does not use up the budget: three trials are new points, any others repeats.
    repeats = [t for t in trials if (t.result or {}).get("same_as") is not None]
    trials = [t for t in trials if t not in repeats]
    assert len(trials) == 3 and search.trials_started == 3
    for repeat in repeats:
        earlier = next(t for t in trials if t.number == repeat.result["same_as"])
        assert repeat.config == earlier.config and repeat.objective_value == earlier.objective_value
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
    assert_trial_zero_is_the_impulse(search, impulse_id, trials)
    assert any(t.on_pareto_front for t in public.trials)
    best = next(t for t in complete if t.id == public.best_trial_id)
    reproduce_applied_trial(project_id, search_id, best)


def assert_trial_zero_is_the_impulse(
    search: TunerSearch, impulse_id: int, trials: list[TunerTrial]
) -> None:
    """Trial 0 is the impulse's own DSP block and parameters, its network (the default preset's
    layers) and learning rate, run as the other trials are; Optuna keeps it out of the
    samplers' model (pruned, its objective kept as an attribute); the others are searched."""
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, impulse_id)
        assert impulse is not None
    baseline, *searched = sorted(trials, key=lambda t: t.number)
    assert baseline.number == 0 and baseline.state == TrialState.complete
    assert baseline.config["current_impulse"] is True
    assert baseline.config["dsp"] == {"type": "spectral", "params": impulse.dsp_blocks[0]["params"]}
    assert baseline.config["network"]["family"] == "impulse"
    assert baseline.config["learning_rate"] == TrainingSettings().learning_rate
    # The default preset for spectral features (dense_spectral), whatever their length.
    assert (baseline.result or {})["layers"] == resolve_layers({}, ["spectral"], (8,))
    assert not any(t.config["current_impulse"] for t in searched)
    study = studies.load_study(search.study_name, multi_objective=True, max_trials=3, seed=0)
    first = next(t for t in study.trials if t.number == 0)
    assert first.user_attrs["current_impulse"] is True and first.params == {}
    assert first.state == optuna.trial.TrialState.PRUNED
    assert first.user_attrs["objective"] == baseline.objective_value
    assert all(t.params for t in study.trials if t.number != 0)


def reproduce_applied_trial(project_id: int, search_id: int, trial: TunerTrial) -> None:
    """Applied with `train`, the trial is a new impulse (the old one kept) whose full training
    (same features, layers, settings and seed) gives the int8 accuracy the trial reported, and
    whose deployment estimate gives its latency.

    Tolerances: accuracy within one validation window (TensorFlow's multi-threaded CPU kernels
    may add floats in another order, which can move a window on the decision boundary; with the
    same seed nothing else differs); latency within 2 %: the kernels' instruction counts depend
    on the shapes, and only a few data-dependent branches (requantization rounding, clamps)
    differ between the untrained model the trial measured and the trained one."""
    with get_sessionmaker()() as session:
        before = {i.id for i in session.scalars(select(Impulse))}
        impulse, job = service.apply_trial(session, project_id, search_id, trial.id, train=True)
        assert job is not None and impulse.id not in before and len(before) == 1
    assert run_job(job.id, run_train_model) == JobState.succeeded
    with get_sessionmaker()() as session:
        model = session.scalars(
            select(TrainedModel).where(TrainedModel.impulse_id == impulse.id)
        ).one()
        impulse_row = session.get(Impulse, impulse.id)
        assert impulse_row is not None
        estimate = deployment_service.estimates(session, impulse_row, "nano33ble")
    result = trial.result or {}
    validation_windows = model.metrics["validation_windows"]
    reported = result["int8"]["accuracy"]
    assert abs(model.metrics["int8"]["accuracy"] - reported) <= 1.0 / validation_windows + 1e-9
    rebuilt_ms = estimate.int8.total.latency_ms
    assert rebuilt_ms is not None
    assert abs(rebuilt_ms - result["cost"]["latency_ms"]) <= 0.02 * result["cost"]["latency_ms"]
    assert estimate.int8.total.ram_bytes == result["cost"]["ram_bytes"]

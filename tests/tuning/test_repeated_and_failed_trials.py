"""Trials the search should not spend training on, and trials that fail: a configuration the
sampler suggests again reuses the earlier trial's figures (told to Optuna again, marked "same as
#n") and the job asks for a new point; a network that learned nothing fails with a sentence
naming the learning rate, in the trial's row."""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest
from sqlalchemy import select

from backend.db.models import TrialState, TunerSearch, TunerTrial
from backend.db.session import get_sessionmaker
from backend.services import tuner as service
from tests.tuning.conftest import RecordingApp, run_queued
from tests.tuning.test_search_in_process import start
from worker.job_runtime import run_job
from worker.learning.errors import NothingLearned
from worker.learning.train import outputs_are_constant
from worker.tuning import study as studies
from worker.tuning import trial as trial_module
from worker.tuning.job import run_tuner_trial


def counting_training(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = trial_module.train

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(trial_module, "train", counted)
    return calls


def test_a_repeated_configuration_reuses_the_earlier_figures_and_asks_again(
    motion_project: tuple[int, int], local_queue: RecordingApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, _ = motion_project
    search_id = start(project_id, max_trials=3, parallel_trials=1)
    trainings = counting_training(monkeypatch)
    for _ in range(2):  # trial 0 (the impulse), then trial 1 (searched)
        run_job(local_queue.sent.pop(0), run_tuner_trial)
    with get_sessionmaker()() as session:
        search = session.get(TunerSearch, search_id)
        assert search is not None
        study = studies.load_study(search.study_name, multi_objective=True, max_trials=3, seed=0)
    first = next(t for t in study.trials if t.number == 1)
    # What NSGA-II's crossover does now and then: the next trial asked is trial 1 again.
    study.enqueue_trial(first.params)
    trained_before = len(trainings)
    run_queued(local_queue)

    with get_sessionmaker()() as session:
        rows = {
            t.number: t
            for t in session.scalars(select(TunerTrial).where(TunerTrial.search_id == search_id))
        }
        public = service.read_search(session, project_id, search_id)
    assert sorted(rows) == [0, 1, 2, 3]
    original, repeat, new = rows[1], rows[2], rows[3]
    assert repeat.config == original.config
    assert (repeat.result or {})["same_as"] == 1
    assert repeat.state == original.state and repeat.objective_value == original.objective_value
    assert repeat.latency_ms == original.latency_ms
    assert {k: v for k, v in (repeat.result or {}).items() if k != "same_as"} == {
        k: v for k, v in (original.result or {}).items() if k != "same_as"
    }
    assert new.config != original.config and (new.result or {}).get("same_as") is None
    # The repeat trained nothing; the new point asked after it in the same job did (or was
    # pruned before training).
    assert len(trainings) - trained_before == int(new.state == TrialState.complete)
    told = {
        t.number: t
        for t in studies.load_study(
            search.study_name, multi_objective=True, max_trials=3, seed=0
        ).trials
    }
    assert told[2].state == told[1].state
    if told[1].state == optuna.trial.TrialState.COMPLETE:
        assert told[2].values == told[1].values
    # The budget bought three points: the repeat is shown but is no place of the budget, and
    # not on the Pareto front beside its original.
    assert public.trials_finished == 3 and public.state == "done"
    assert not next(t for t in public.trials if t.number == 2).on_pareto_front


def test_a_network_that_learned_nothing_fails_with_its_learning_rate_named(
    motion_project: tuple[int, int], local_queue: RecordingApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def learns_nothing(*args: Any, **kwargs: Any) -> Any:
        raise NothingLearned("the network learned nothing: its output is the same ...")

    monkeypatch.setattr(trial_module, "train", learns_nothing)
    project_id, _ = motion_project
    search_id = start(project_id, max_trials=2, parallel_trials=1)
    run_queued(local_queue)
    with get_sessionmaker()() as session:
        rows = list(session.scalars(select(TunerTrial).where(TunerTrial.search_id == search_id)))
    baseline = next(t for t in rows if t.number == 0)
    assert baseline.state == TrialState.failed
    assert baseline.error == (
        "the network learned nothing at learning rate 0.005: every output is constant, so its "
        "int8 model cannot run. The search moves on; if most trials end like this, check that "
        "the features differ between labels"
    )
    assert (baseline.result or {})["reason"] == baseline.error
    for trial in rows:
        if trial.state == TrialState.failed:
            rate = trial.config["learning_rate"]
            assert f"learned nothing at learning rate {rate:.3g}:" in (trial.error or "")


def test_constant_outputs_are_told_from_a_network_that_answers() -> None:
    same = np.tile(np.array([[0.25, 0.75]], dtype=np.float32), (20, 1))
    assert outputs_are_constant(same)
    varied = same.copy()
    varied[3] = [0.7, 0.3]
    assert not outputs_are_constant(varied)
    assert not outputs_are_constant(np.full((5, 2), np.nan, dtype=np.float32))
    assert not outputs_are_constant(np.zeros((0, 2), dtype=np.float32))


def test_the_cli_lists_failed_trials_with_their_settings_and_reason_in_full() -> None:
    from backend.commands.tune import _row, failed_trials

    reason = (
        "the network learned nothing at learning rate 0.05: every output is constant, so its "
        "int8 model cannot run. The search moves on; if most trials end like this, check that "
        "the features differ between labels"
    )
    config = {
        "dsp": {"type": "spectral"},
        "network": {"description": "dense ×2 width"},
        "learning_rate": 0.05,
    }
    failed = {"number": 6, "state": "failed", "config": config, "result": {"reason": reason}}
    repeat = {**failed, "number": 17, "result": {"reason": reason, "same_as": 6}}
    died = {"number": 8, "state": "failed", "config": config, "result": None, "error": "gone"}
    search = {"trials": [failed, repeat, died]}
    assert failed_trials(search) == [
        f"#6 (spectral; dense ×2 width; learning rate 0.05): {reason}",
        "#8 (spectral; dense ×2 width; learning rate 0.05): gone",
    ]
    assert "(same as #6)" in _row({**repeat, "objective_value": None}, "accuracy")

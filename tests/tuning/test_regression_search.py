"""A regression project's search: trials scored by int8 MAE (lower is better), with targets read
as the training job reads them."""

from __future__ import annotations

import optuna
from sqlalchemy import select

from backend.db.models import SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.session import get_sessionmaker
from backend.services import tuner as service
from tests.tuning.conftest import RecordingApp, add_regression_project, run_queued
from tests.tuning.test_search_in_process import start
from worker.tuning import study as studies


def _trials(search_id: int) -> list[TunerTrial]:
    with get_sessionmaker()() as session:
        query = select(TunerTrial).where(TunerTrial.search_id == search_id)
        return list(session.scalars(query.order_by(TunerTrial.number)))


def test_a_regression_search_ranks_trials_by_mae_lowest_first(
    sqlite_database_url: str, local_queue: RecordingApp
) -> None:
    with get_sessionmaker()() as session:
        project_id, _ = add_regression_project(session)
    search_id = start(
        project_id, objective="mae", max_trials=3, parallel_trials=1, epochs=3, seed=4
    )
    run_queued(local_queue)
    trials = _trials(search_id)
    with get_sessionmaker()() as session:
        search = session.get(TunerSearch, search_id)
        assert search is not None and search.state == SearchState.done
        public = service.read_search(session, project_id, search_id)
    assert len(trials) == 3
    complete = [t for t in trials if t.state == TrialState.complete]
    assert len(complete) >= 2, [(t.state, t.error, t.result) for t in trials]
    for trial in complete:
        result = trial.result or {}
        assert "accuracy" not in result["int8"]
        assert trial.objective_value == result["int8"]["mae"] and trial.objective_value > 0
    # Lower is better: the best trial and the front's most accurate end hold the lowest MAE.
    lowest = min(complete, key=lambda t: t.objective_value or 0.0)
    assert public.best_trial_id == lowest.id
    assert next(t for t in public.trials if t.id == lowest.id).on_pareto_front
    study = studies.load_study(search.study_name, multi_objective=True, max_trials=3, seed=0)
    assert study.directions[0] == optuna.study.StudyDirection.MINIMIZE


def test_a_label_that_is_no_number_fails_the_trial_naming_its_sample(
    sqlite_database_url: str, local_queue: RecordingApp
) -> None:
    with get_sessionmaker()() as session:
        project_id, _ = add_regression_project(session, bad_label="warm")
    search_id = start(project_id, objective="mae", max_trials=1, parallel_trials=1, epochs=1)
    run_queued(local_queue)
    [trial] = _trials(search_id)
    assert trial.state == TrialState.failed
    assert "labelled 'warm'" in (trial.error or "") and "warm.5.csv" in (trial.error or "")

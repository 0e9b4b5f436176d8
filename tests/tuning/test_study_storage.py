"""Optuna's study lives in the project's own database (SQLite and PostgreSQL) beside the
platform's tables, which Alembic keeps matching the models with Optuna's tables present."""

from __future__ import annotations

import optuna
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.db.base import Base
from backend.db.optuna_tables import OPTUNA_TABLES, include_object
from backend.db.session import get_engine
from worker.tuning import study as studies


def test_a_study_is_stored_in_the_project_database_and_alembic_ignores_its_tables(
    database_url: str,
) -> None:
    studies.create_study("storage-check", maximize=True, multi_objective=True)
    try:
        study = studies.load_study("storage-check", multi_objective=True, max_trials=4, seed=1)
        trial = study.ask()
        trial.suggest_categorical("audio.dsp", ["mfcc", "mfe"])
        study.tell(trial, [0.9, 12.5])
        again = studies.load_study("storage-check", multi_objective=True, max_trials=4, seed=2)
        assert [t.values for t in again.trials] == [[0.9, 12.5]]
        assert again.trials[0].state == optuna.trial.TrialState.COMPLETE

        engine = get_engine()
        tables = set(inspect(engine).get_table_names())
        assert studies.optuna_table_names() <= tables  # created by Optuna, in this database
        assert "tuner_searches" in tables
        assert OPTUNA_TABLES == studies.optuna_table_names()
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        studies.delete_study("storage-check")

"""The Optuna study of a search, in the project's own database (Optuna's RDB storage).

Optuna creates its tables (studies, trials, trial_params, ...) itself on first use. It would also
stamp the shared `alembic_version` table with its own revision on an empty database, and refuse
a database whose `alembic_version` holds ours; the platform's migrations always run first, so
the storage is opened without Optuna's schema check (optuna is pinned to major version 5 in
pyproject.toml, whose table layout this was written against).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import optuna

from backend.db.session import get_engine
from worker.tuning.baseline import CURRENT_IMPULSE

# Trials drawn at random before TPE / NSGA-II start modelling: a fifth of the budget, 3..10.
MIN_STARTUP_TRIALS, MAX_STARTUP_TRIALS = 3, 10
NSGA_POPULATION = 8

_storages: dict[str, optuna.storages.RDBStorage] = {}
_lock = threading.Lock()
optuna.logging.set_verbosity(optuna.logging.WARNING)


def optuna_table_names() -> set[str]:
    """Optuna's tables, which Alembic's autogenerate must leave alone (migrations/env.py)."""
    from optuna.storages._rdb import models

    return set(models.BaseModel.metadata.tables)


def storage() -> optuna.storages.RDBStorage:
    """One storage per database URL and process (the engine is pooled)."""
    engine = get_engine()
    url = engine.url.render_as_string(hide_password=False)
    with _lock:
        if url not in _storages:
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if url.startswith("sqlite"):
                kwargs = {"connect_args": {"timeout": 30}}
            _storages[url] = optuna.storages.RDBStorage(
                url, engine_kwargs=kwargs, skip_compatibility_check=True
            )
        return _storages[url]


def startup_trials(max_trials: int | None) -> int:
    budget = max_trials or 50
    return max(MIN_STARTUP_TRIALS, min(MAX_STARTUP_TRIALS, budget // 5))


def sampler(
    *, multi_objective: bool, max_trials: int | None, seed: int
) -> optuna.samplers.BaseSampler:
    """TPE for one objective; NSGA-II for the Pareto front of objective vs latency. Seeded:
    with one worker, the same search asks for the same trials."""
    if multi_objective:
        return optuna.samplers.NSGAIISampler(population_size=NSGA_POPULATION, seed=seed)
    return optuna.samplers.TPESampler(
        n_startup_trials=startup_trials(max_trials), seed=seed, constant_liar=True
    )


def directions(*, maximize: bool, multi_objective: bool) -> list[str]:
    first = "maximize" if maximize else "minimize"
    return [first, "minimize"] if multi_objective else [first]


def create_study(name: str, *, maximize: bool, multi_objective: bool) -> None:
    """The study, with the impulse's own configuration enqueued as its first trial (the first
    job to ask gets it; worker/tuning/baseline.py)."""
    study = optuna.create_study(
        study_name=name,
        storage=storage(),
        directions=directions(maximize=maximize, multi_objective=multi_objective),
    )
    study.enqueue_trial({}, user_attrs={CURRENT_IMPULSE: True})


def load_study(
    name: str, *, multi_objective: bool, max_trials: int | None, seed: int
) -> optuna.Study:
    return optuna.load_study(
        study_name=name,
        storage=storage(),
        sampler=sampler(multi_objective=multi_objective, max_trials=max_trials, seed=seed),
    )


def ask(study: optuna.Study) -> optuna.Trial:
    """The study's next trial. Optuna pops an enqueued trial with SELECT ... FOR UPDATE, which
    SQLite ignores: two workers asking at once could both get the same trial. A SQLite database
    lives on one machine, so a file lock beside it serialises the asks of every process there."""
    with _sqlite_ask_lock():
        return study.ask()


@contextmanager
def _sqlite_ask_lock() -> Iterator[None]:
    url = get_engine().url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    with open(f"{url.database}.ask-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


def delete_study(name: str) -> None:
    try:
        optuna.delete_study(study_name=name, storage=storage())
    except KeyError:
        pass

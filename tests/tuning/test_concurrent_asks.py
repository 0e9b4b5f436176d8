"""Workers asking the same study at once each get their own trial. Optuna pops an enqueued trial
with SELECT ... FOR UPDATE, which SQLite ignores: without the platform's lock, two trial jobs
starting together on SQLite could both take the impulse's own configuration (trial 0), and the
second then failed on the trial row's unique number, leaving the search one trial short."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from backend.db.migrate import upgrade
from backend.db.session import set_database_url
from worker.tuning import study as studies

WORKERS, ASKS_EACH = 4, 6


def _ask_many(database_url: str, name: str, start: object, numbers: object) -> None:
    set_database_url(database_url)
    study = studies.load_study(name, multi_objective=False, max_trials=50, seed=1)
    start.wait()  # type: ignore[attr-defined]
    for _ in range(ASKS_EACH):
        numbers.put(studies.ask(study).number)  # type: ignore[attr-defined]


def test_workers_asking_at_once_never_share_an_enqueued_trial(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'asks.db'}"
    upgrade(url)
    set_database_url(url)
    name = "concurrent-asks"
    studies.create_study(name, maximize=True, multi_objective=False)
    study = studies.load_study(name, multi_objective=False, max_trials=50, seed=1)
    for _ in range(WORKERS * ASKS_EACH - 1):  # every ask pops an enqueued trial
        study.enqueue_trial({})
    context = multiprocessing.get_context("spawn")
    start, numbers = context.Event(), context.Queue()
    processes = [
        context.Process(target=_ask_many, args=(url, name, start, numbers))
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    start.set()
    got = [numbers.get(timeout=120) for _ in range(WORKERS * ASKS_EACH)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert sorted(got) == list(range(WORKERS * ASKS_EACH)), sorted(got)

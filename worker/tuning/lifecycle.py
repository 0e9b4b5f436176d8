"""A search's life in the database: hand trials to jobs within the budget, pause, resume,
cancel, finish; fail trials whose worker died and replace them.

One job runs one trial. A search keeps `parallel_trials` jobs queued or running: each finished
trial's job enqueues the next while the search is running and budget is left, so trials run on
as many workers as there are. `trials_started` counts the jobs handed a trial (reserved with a
conditional update, so two workers never overspend the budget); a job that ends without a trial
(search paused or cancelled meanwhile) or whose trial died with its worker gives its place back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db.models import Job, JobState, SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.models.common import utcnow
from worker.job_reaper import reap_stale_jobs

logger = logging.getLogger(__name__)

TRIAL_KIND = "tuner.trial"
TUNE_QUEUE = "tune"
# Sends one trial job; the API and workers pass the real one (backend.services.jobs).
Enqueue = Callable[[Session, TunerSearch], None]


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def running_seconds(search: TunerSearch, now: datetime | None = None) -> float:
    """Seconds the search has been running, pauses left out (what a time budget counts)."""
    seconds = float(search.run_seconds or 0.0)
    if search.state == SearchState.running and search.resumed_at is not None:
        seconds += ((now or utcnow()) - _as_utc(search.resumed_at)).total_seconds()
    return seconds


def budget_left(search: TunerSearch) -> bool:
    if search.max_trials is not None and search.trials_started >= search.max_trials:
        return False
    if search.time_budget_s is not None and running_seconds(search) >= search.time_budget_s:
        return False
    return True


def pending_jobs(session: Session, search: TunerSearch) -> list[Job]:
    """The search's trial jobs still queued or running."""
    jobs = session.scalars(
        select(Job).where(
            Job.project_id == search.project_id,
            Job.kind == TRIAL_KIND,
            Job.state.in_([JobState.queued, JobState.running]),
        )
    )
    return [job for job in jobs if int((job.params or {}).get("search_id", 0)) == search.id]


def reserve_trial(session: Session, search_id: int) -> bool:
    """Take one place of the budget for a new trial job (False: none left or not running)."""
    search = session.get(TunerSearch, search_id, populate_existing=True)
    if search is None or search.state != SearchState.running or not budget_left(search):
        return False
    condition: Any = TunerSearch.state == SearchState.running
    if search.max_trials is not None:
        condition = condition & (TunerSearch.trials_started < search.max_trials)
    moved = session.execute(
        update(TunerSearch)
        .where(TunerSearch.id == search_id, condition)
        .values(trials_started=TunerSearch.trials_started + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(moved.rowcount)  # type: ignore[attr-defined]


def give_back(session: Session, search_id: int) -> None:
    session.execute(
        update(TunerSearch)
        .where(TunerSearch.id == search_id, TunerSearch.trials_started > 0)
        .values(trials_started=TunerSearch.trials_started - 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def top_up(
    session: Session, search: TunerSearch, enqueue: Enqueue, *, exclude_job: int | None = None
) -> int:
    """Enqueue trial jobs until `parallel_trials` are pending or the budget is spent; finish
    the search when nothing is pending and nothing is left. Returns the jobs enqueued."""
    session.refresh(search)
    if search.state != SearchState.running:
        return 0
    pending = [job for job in pending_jobs(session, search) if job.id != exclude_job]
    started = 0
    while len(pending) + started < search.parallel_trials and reserve_trial(session, search.id):
        enqueue(session, search)
        started += 1
    if not pending and started == 0:
        finish(session, search, SearchState.done)
    return started


def finish(
    session: Session, search: TunerSearch, state: SearchState, error: str | None = None
) -> None:
    now = utcnow()
    session.execute(
        update(TunerSearch)
        .where(
            TunerSearch.id == search.id,
            TunerSearch.state.in_([SearchState.running, SearchState.paused]),
        )
        .values(
            state=state,
            finished_at=now,
            error=error,
            run_seconds=running_seconds(search, now),
            resumed_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(search)


def pause(session: Session, search: TunerSearch) -> None:
    """Running trials finish; no new one starts (queued jobs give their place back)."""
    now = utcnow()
    session.execute(
        update(TunerSearch)
        .where(TunerSearch.id == search.id, TunerSearch.state == SearchState.running)
        .values(state=SearchState.paused, run_seconds=running_seconds(search, now), resumed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(search)


def resume(session: Session, search: TunerSearch, enqueue: Enqueue) -> None:
    """Fail what died while it was paused, then run `parallel_trials` trials again."""
    session.execute(
        update(TunerSearch)
        .where(TunerSearch.id == search.id, TunerSearch.state == SearchState.paused)
        .values(state=SearchState.running, resumed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(search)
    reap_dead_trials(session, search, tell_failed=tell_failed)
    top_up(session, search, enqueue)


def tell_failed(search: TunerSearch, number: int) -> None:
    """Tell Optuna a trial failed (it then no longer counts as running for the sampler). The
    impulse's own configuration is enqueued again: its worker died, the configuration did not
    fail, and the search is to hold it."""
    import optuna

    from worker.tuning import study as studies
    from worker.tuning.baseline import CURRENT_IMPULSE

    try:
        study = studies.load_study(
            search.study_name,
            multi_objective=search.multi_objective,
            max_trials=search.max_trials,
            seed=search.seed,
        )
        study.tell(number, state=optuna.trial.TrialState.FAIL)
    except (KeyError, ValueError, RuntimeError) as error:  # already finished, or no study
        logger.info("trial %s of search %s not told failed: %s", number, search.id, error)
        return
    if study.trials[number].user_attrs.get(CURRENT_IMPULSE):
        study.enqueue_trial({}, user_attrs={CURRENT_IMPULSE: True})


def reap_dead_trials(
    session: Session,
    search: TunerSearch,
    *,
    tell_failed: Callable[[TunerSearch, int], None] = tell_failed,
) -> list[int]:
    """Trials left running by a worker that died (their job failed by the job reaper, or
    cancelled) are failed, told to Optuna, and give their place in the budget back."""
    reap_stale_jobs(session, project_id=search.project_id)
    rows = session.execute(
        select(TunerTrial, Job.state, Job.error)
        .outerjoin(Job, Job.id == TunerTrial.job_id)
        .where(TunerTrial.search_id == search.id, TunerTrial.state == TrialState.running)
    ).all()
    failed = []
    for trial, job_state, job_error in rows:
        if job_state in (JobState.queued, JobState.running):
            continue
        moved = session.execute(
            update(TunerTrial)
            .where(TunerTrial.id == trial.id, TunerTrial.state == TrialState.running)
            .values(
                state=TrialState.failed,
                finished_at=utcnow(),
                error=job_error or f"its job is {job_state or 'gone'}",
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if moved.rowcount:  # type: ignore[attr-defined]
            tell_failed(search, trial.number)
            if search.state != SearchState.cancelled:
                give_back(session, search.id)
            failed.append(trial.id)
    return failed

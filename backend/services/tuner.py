"""The tuner as the API sees it: start a search, read it with its trials (and the Pareto front),
pause, resume, cancel; apply a trial as a new impulse (and train it)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session

from backend.db.models import (
    FeatureSet,
    FeatureSetChunk,
    FeatureSetData,
    Impulse,
    Job,
    Project,
    SearchState,
    TrialState,
    TunerSearch,
    TunerTrial,
    User,
)
from backend.db.models.common import utcnow
from backend.schemas.impulses import ImpulseCreate
from backend.schemas.tuner import (
    TunerSearchCreate,
    TunerSearchPublic,
    TunerTrialPublic,
)
from backend.services import impulses as impulse_service
from backend.services import training as training_service
from backend.services.errors import Conflict, InvalidRequest, NotFound, ServiceError
from backend.services.jobs import cancel_job
from deploy_targets.boards import BOARDS
from worker.features.fingerprint import block_fingerprint
from worker.tuning import lifecycle
from worker.tuning import study as studies
from worker.tuning.enqueue import TrialQueueUnavailable, enqueue_trial
from worker.tuning.features import cache_block_id

MAX_SEARCHES_LISTED = 100


class SearchNotFound(NotFound):
    """No such search in this project."""


class TunerQueueUnavailable(ServiceError):
    status_code = 503


def _enqueue(session: Session, search: TunerSearch) -> None:
    try:
        enqueue_trial(session, search)
    except TrialQueueUnavailable as error:
        raise TunerQueueUnavailable(str(error)) from None


def _impulse_for(session: Session, project: Project, impulse_id: int | None) -> Impulse:
    if impulse_id is not None:
        return impulse_service.get_impulse(session, project_id=project.id, impulse_id=impulse_id)
    impulse = session.scalar(
        select(Impulse).where(Impulse.project_id == project.id).order_by(Impulse.id.desc())
    )
    if impulse is None:
        raise Conflict(
            f"project {project.id} has no impulse; create one (its input block says which data "
            "to search over) before starting the tuner"
        )
    return impulse


def start_search(
    session: Session, project: Project, search_in: TunerSearchCreate, user: User | None
) -> TunerSearch:
    """Check the request against the project, write the search and its study, start trials."""
    if search_in.board not in BOARDS:
        raise InvalidRequest(
            f"unknown board {search_in.board!r}; known boards: {', '.join(sorted(BOARDS))}"
        )
    impulse = _impulse_for(session, project, search_in.impulse_id)
    regression = any(b.get("type") == "regression" for b in impulse.learning_blocks or [])
    if search_in.objective == "mae" and not regression:
        raise InvalidRequest("objective mae is for regression; this impulse classifies")
    if regression and search_in.objective != "mae":
        raise InvalidRequest("this impulse is a regression: the objective must be mae")
    search = TunerSearch(
        project_id=project.id,
        impulse_id=impulse.id,
        started_by_user_id=user.id if user else None,
        board=search_in.board,
        limits={
            "max_latency_ms": search_in.max_latency_ms,
            "max_ram_bytes": search_in.max_ram_bytes,
            "max_flash_bytes": search_in.max_flash_bytes,
        },
        objective=search_in.objective,
        objective_labels=list(search_in.objective_labels),
        multi_objective=search_in.pareto,
        max_trials=search_in.max_trials,
        time_budget_s=search_in.time_budget_s,
        parallel_trials=search_in.parallel_trials,
        epochs=search_in.epochs,
        seed=search_in.seed,
        state=SearchState.running,
        trials_started=0,
        study_name=f"mcuforge-{uuid.uuid4().hex[:20]}",
        resumed_at=utcnow(),
        run_seconds=0.0,
    )
    session.add(search)
    session.commit()
    studies.create_study(
        search.study_name, maximize=search_in.objective != "mae", multi_objective=search_in.pareto
    )
    lifecycle.top_up(session, search, _enqueue)
    return search


def get_search(session: Session, project_id: int, search_id: int) -> TunerSearch:
    search = session.get(TunerSearch, search_id, populate_existing=True)
    if search is None or search.project_id != project_id:
        raise SearchNotFound(f"search {search_id} does not exist in project {project_id}")
    return search


def _refresh(session: Session, search: TunerSearch) -> None:
    """Fail trials whose worker died and keep a running search's trials going."""
    if search.state in (SearchState.running, SearchState.paused):
        lifecycle.reap_dead_trials(session, search)
    if search.state == SearchState.running:
        try:
            lifecycle.top_up(session, search, _enqueue)
        except TunerQueueUnavailable:
            pass  # shown as pending trials; the next read tries again


def is_repeat(trial: TunerTrial) -> bool:
    """A trial whose configuration an earlier one ran: it shows that trial's figures, and is no
    point of its own (not on the front twice, not a place of the budget)."""
    return (trial.result or {}).get("same_as") is not None


def pareto_front(trials: list[TunerTrial], maximize: bool) -> set[int]:
    """Ids of complete trials no other complete trial beats on both objective and latency."""
    points = [
        (t.id, t.objective_value if maximize else -t.objective_value, t.latency_ms)
        for t in trials
        if t.state == TrialState.complete
        and t.objective_value is not None
        and t.latency_ms is not None
        and not is_repeat(t)
    ]
    front = set()
    for trial_id, value, latency in points:
        dominated = any(
            (v >= value and lat <= latency) and (v > value or lat < latency)
            for other, v, lat in points
            if other != trial_id
        )
        if not dominated:
            front.add(trial_id)
    return front


def best_trial(trials: list[TunerTrial], maximize: bool) -> TunerTrial | None:
    """The best scoring complete trial that fits (ties: the faster)."""
    fitting = [
        t
        for t in trials
        if t.state == TrialState.complete
        and t.objective_value is not None
        and (t.result or {}).get("fits") is not False
    ]
    if not fitting:
        return None
    sign = 1.0 if maximize else -1.0
    return max(fitting, key=lambda t: (sign * (t.objective_value or 0.0), -(t.latency_ms or 0.0)))


def search_public(
    session: Session, search: TunerSearch, *, with_trials: bool = True
) -> TunerSearchPublic:
    trials = list(
        session.scalars(
            select(TunerTrial).where(TunerTrial.search_id == search.id).order_by(TunerTrial.number)
        )
    )
    maximize = search.objective != "mae"
    front = pareto_front(trials, maximize)
    best = best_trial(trials, maximize)
    public = TunerSearchPublic.model_validate(search)
    public.trials_finished = sum(t.state != TrialState.running and not is_repeat(t) for t in trials)
    public.running_seconds = round(lifecycle.running_seconds(search), 1)
    public.best_trial_id = best.id if best else None
    if with_trials:
        public.trials = [
            TunerTrialPublic.model_validate(t).model_copy(update={"on_pareto_front": t.id in front})
            for t in trials
        ]
    return public


def read_search(session: Session, project_id: int, search_id: int) -> TunerSearchPublic:
    search = get_search(session, project_id, search_id)
    _refresh(session, search)
    return search_public(session, search)


def list_searches(session: Session, project_id: int) -> list[TunerSearchPublic]:
    searches = list(
        session.scalars(
            select(TunerSearch)
            .where(TunerSearch.project_id == project_id)
            .order_by(TunerSearch.id.desc())
            .limit(MAX_SEARCHES_LISTED)
        )
    )
    for search in searches:
        if search.state in (SearchState.running, SearchState.paused):
            _refresh(session, search)
    return [search_public(session, s, with_trials=False) for s in searches]


def pause_search(session: Session, project_id: int, search_id: int) -> TunerSearchPublic:
    search = get_search(session, project_id, search_id)
    if search.state != SearchState.running:
        raise Conflict(f"search {search_id} is {search.state}; only a running search can pause")
    lifecycle.pause(session, search)
    return search_public(session, search)


def resume_search(session: Session, project_id: int, search_id: int) -> TunerSearchPublic:
    search = get_search(session, project_id, search_id)
    if search.state != SearchState.paused:
        raise Conflict(f"search {search_id} is {search.state}; only a paused search can resume")
    lifecycle.resume(session, search, _enqueue)
    return search_public(session, search)


def cancel_search(session: Session, project_id: int, search_id: int) -> TunerSearchPublic:
    search = get_search(session, project_id, search_id)
    if search.state not in (SearchState.running, SearchState.paused):
        raise Conflict(f"search {search_id} is already {search.state}")
    lifecycle.finish(session, search, SearchState.cancelled)
    for job in lifecycle.pending_jobs(session, search):
        try:
            cancel_job(session, job)
        except Conflict:
            pass  # it ended meanwhile
    lifecycle.reap_dead_trials(session, search)
    return search_public(session, search)


def _trial(session: Session, search: TunerSearch, trial_id: int) -> TunerTrial:
    trial = session.get(TunerTrial, trial_id)
    if trial is None or trial.search_id != search.id:
        raise NotFound(f"trial {trial_id} does not exist in search {search.id}")
    if trial.state != TrialState.complete or not trial.result:
        raise Conflict(f"trial {trial_id} is {trial.state}; only a complete trial can be applied")
    return trial


def apply_trial(
    session: Session,
    project_id: int,
    search_id: int,
    trial_id: int,
    *,
    train: bool,
    epochs: int | None = None,
) -> tuple[Impulse, Job | None]:
    """A new impulse from the trial (the source impulse is kept); with `train`, its features
    copied from the tuner's cache and its training job started."""
    search = get_search(session, project_id, search_id)
    trial = _trial(session, search, trial_id)
    source = session.get(Impulse, search.impulse_id) if search.impulse_id else None
    if source is None:
        raise Conflict(f"the impulse search {search_id} explored was deleted")
    config = trial.config
    result = trial.result or {}
    learning_type = "regression" if search.objective == "mae" else "classifier"
    dsp_block: dict[str, Any] = {
        "id": 1,
        "type": config["dsp"]["type"],
        "params": dict(config["dsp"]["params"]),
    }
    input_block = {k: v for k, v in source.input_block.items()}
    impulse_in = ImpulseCreate.model_validate_json(
        json.dumps(
            {
                "name": f"Tuner search {search.id} trial {trial.number}",
                "input_block": input_block,
                "dsp_blocks": [dsp_block],
                "learning_blocks": [
                    {
                        "id": 1,
                        "type": learning_type,
                        "dsp_blocks": [1],
                        "layers": result.get("layers") or [],
                        "settings": {
                            "epochs": epochs or search.epochs,
                            "learning_rate": config["learning_rate"],
                            "batch_size": 32,
                            "seed": search.seed,
                        },
                    }
                ],
            }
        )
    )
    impulse = impulse_service.create_impulse(session, project_id, impulse_in)
    if not train:
        return impulse, None
    _copy_cached_features(session, source, impulse)
    job = training_service.start_training(session, impulse, 1, None)
    return impulse, job


def _copy_cached_features(session: Session, source: Impulse, impulse: Impulse) -> None:
    """The trial's features, as the tuner cached them, become the new impulse's own (copied in
    the database a chunk at a time, so the API holds none of the matrix)."""
    spec = impulse.dsp_blocks[0]
    cached_fp = block_fingerprint(
        source.input_block, {k: v for k, v in spec.items() if k not in ("id", "name")}
    )
    cached = session.scalar(
        select(FeatureSet).where(
            FeatureSet.impulse_id == source.id,
            FeatureSet.dsp_block_id == cache_block_id(cached_fp),
        )
    )
    if cached is None or cached.fingerprint != cached_fp:
        raise Conflict(
            f"the tuner's features of this trial are gone; generate features of impulse "
            f"{impulse.id}, then train it"
        )
    data = session.get(FeatureSetData, cached.id)
    assert data is not None
    copy = FeatureSet(
        impulse_id=impulse.id,
        dsp_block_id=int(spec["id"]),
        fingerprint=block_fingerprint(impulse.input_block, spec),
        dataset_digest=cached.dataset_digest,
        job_id=None,
        shape=list(cached.shape),
        window_count=cached.window_count,
        label_counts=dict(cached.label_counts),
        projection_method=cached.projection_method,
    )
    copy.data = FeatureSetData(
        matrix=data.matrix,
        sample_ids=data.sample_ids,
        offsets_ms=data.offsets_ms,
        labels=list(data.labels),
        categories=list(data.categories),
        projection=data.projection,
        dataset_samples=data.dataset_samples,
    )
    session.add(copy)
    session.flush()
    session.execute(
        insert(FeatureSetChunk).from_select(
            ["feature_set_id", "chunk_index", "row_count", "matrix"],
            select(
                literal(copy.id),
                FeatureSetChunk.chunk_index,
                FeatureSetChunk.row_count,
                FeatureSetChunk.matrix,
            ).where(FeatureSetChunk.feature_set_id == cached.id),
        )
    )
    session.commit()

"""The `tuner.trial` job: ask the search's Optuna study for a trial, run it (worker/tuning/trial),
tell the study how it went, store the trial row, and hand the next trial to a job."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import optuna
from sqlalchemy import select, update

from backend.db.models import Impulse, SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from deploy_targets.boards import get_board
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkError
from deploy_targets.sdk.spec import image_impulse
from worker.features.job import input_block_of, is_image_impulse
from worker.job_errors import JobCancelled, JobInputError
from worker.job_runtime import JobContext, worker_identity
from worker.scratch import job_scratch_dir
from worker.training.reporting import JobReporter
from worker.training.sandbox_policy import training_limits
from worker.training.targets import regression_targets
from worker.training.train_job import TRAINING_LIMITS, class_indices
from worker.tuning import lifecycle
from worker.tuning import study as studies
from worker.tuning.baseline import CURRENT_IMPULSE, NotComparable, current_impulse_config
from worker.tuning.enqueue import enqueue_trial
from worker.tuning.features import DspConfigRefused, dsp_spec, trial_features
from worker.tuning.params import TunerTrialParams
from worker.tuning.space import data_kind, suggest_config
from worker.tuning.trial import Limits, Objective, TrialData, TrialOutcome, run_trial

logger = logging.getLogger(__name__)
# Repeated configurations (NSGA-II's crossover and mutation can land on a point already run)
# one job tells from the earlier trial's figures before it keeps the last one as its trial:
# bounded, as a small space can have few points left.
MAX_REPEATS_PER_JOB = 3


def _celery_delivery() -> tuple[str | None, str | None]:
    """(the Celery node running this task, the queue it came from), when run by Celery."""
    from celery import current_task

    request = getattr(current_task, "request", None)
    if request is None or getattr(request, "id", None) is None:
        return None, None
    delivery = getattr(request, "delivery_info", None) or {}
    return getattr(request, "hostname", None), delivery.get("routing_key")


def _impulse_spec(impulse: Impulse, session: Any) -> ImpulseSpec:
    if is_image_impulse(impulse):
        from worker.deployment.inputs import image_input_shape

        return image_impulse("tuner", *image_input_shape(session, impulse))
    window = input_block_of(impulse)
    return ImpulseSpec("tuner", window.axes, window.frequency_hz, window.window_length)


def _trial_data(features: Any, task: str) -> TrialData:
    rows = features.rows_of("training")
    if len(rows) == 0:
        raise JobInputError("there are no training windows: move samples to the training split")
    x = features.features[rows]
    labels = [features.labels[i] for i in rows]
    if task == "regression":
        # As the training job reads them, with its error naming the sample whose label is not
        # a number.
        y = regression_targets(labels, features.sample_ids[rows], features.dataset_samples)
        return TrialData(x, y, [], features.sample_ids[rows], "regression")
    y_index, class_names = class_indices(labels)
    return TrialData(x, y_index, class_names, features.sample_ids[rows])


def _task_of(impulse: Impulse) -> str:
    for block in impulse.learning_blocks or []:
        if block.get("type") == "regression":
            return "regression"
    return "classification"


def _fail_previous_attempt(search: TunerSearch, job_id: int) -> None:
    """A redelivered job whose worker died mid-trial: that trial failed with its worker."""
    with get_sessionmaker()() as session:
        stale = (
            session.query(TunerTrial)
            .filter(TunerTrial.job_id == job_id, TunerTrial.state == TrialState.running)
            .all()
        )
        for trial in stale:
            trial.state = TrialState.failed
            trial.error = f"the worker running it ({trial.worker}) stopped"
            trial.finished_at = utcnow()
            session.commit()
            lifecycle.tell_failed(search, trial.number)


def _schedule_next(search_id: int, job_id: int, queue: str | None) -> None:
    with get_sessionmaker()() as session:
        search = session.get(TunerSearch, search_id)
        if search is None:
            return
        lifecycle.top_up(
            session,
            search,
            lambda s, found: enqueue_trial(s, found, queue=queue),
            exclude_job=job_id,
        )


def run_tuner_trial(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run one trial of the search, then keep the search going (see worker/tuning/lifecycle)."""
    checked = TunerTrialParams.model_validate(params)
    node, queue = _celery_delivery()
    sessions = get_sessionmaker()
    with sessions() as session:
        search = session.get(TunerSearch, checked.search_id)
        if search is None:
            raise JobInputError(f"search {checked.search_id} no longer exists")
        session.expunge(search)
    _fail_previous_attempt(search, context.job_id)
    with sessions() as session:
        if search.impulse_id is None or session.get(Impulse, search.impulse_id) is None:
            found = session.get(TunerSearch, search.id)
            if found is not None:
                lifecycle.finish(
                    session,
                    found,
                    SearchState.cancelled,
                    error="the impulse this search explores was deleted",
                )
            raise JobInputError(f"the impulse search {search.id} explores no longer exists")
    if search.state != SearchState.running or not _time_left(search):
        with sessions() as session:
            lifecycle.give_back(session, search.id)
        if search.state == SearchState.running:
            _schedule_next(search.id, context.job_id, queue)
        context.log(f"search {search.id} is {search.state}; no trial run")
        return {"search_id": search.id, "trial": None}
    study = studies.load_study(
        search.study_name,
        multi_objective=search.multi_objective,
        max_trials=search.max_trials,
        seed=search.seed * 1000 + search.trials_started,
    )
    for _ in range(MAX_REPEATS_PER_JOB + 1):
        trial = studies.ask(study)
        row_id, outcome = _run_and_tell(context, search, study, trial, node, queue)
        if outcome.same_as is None:
            break
        # A repeat costs no training and leaves the budget as it was: ask for a new point.
        context.log(f"trial {trial.number} is trial {outcome.same_as} again; asking for another")
    _schedule_next(search.id, context.job_id, queue)
    return {
        "search_id": search.id,
        "trial": trial.number,
        "trial_id": row_id,
        "state": outcome.state,
        "objective": outcome.objective,
        "same_as": outcome.same_as,
    }


def _run_and_tell(
    context: JobContext,
    search: TunerSearch,
    study: optuna.Study,
    trial: optuna.Trial,
    node: str | None,
    queue: str | None,
) -> tuple[int, TrialOutcome]:
    sessions = get_sessionmaker()
    try:
        row_id, outcome = _run(context, search, trial, node)
    except BaseException as error:
        reason = (
            "cancelled" if isinstance(error, JobCancelled) else str(error) or type(error).__name__
        )
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        with sessions() as session:
            query = update(TunerTrial).where(
                TunerTrial.search_id == search.id,
                TunerTrial.number == trial.number,
                TunerTrial.state == TrialState.running,
            )
            session.execute(
                query.values(state=TrialState.failed, error=reason, finished_at=utcnow())
            )
            session.commit()
        if not isinstance(error, JobCancelled | KeyboardInterrupt | SystemExit):
            _schedule_next(search.id, context.job_id, queue)
        raise
    _tell(study, trial, search, outcome)
    return row_id, outcome


def _time_left(search: TunerSearch) -> bool:
    return search.time_budget_s is None or lifecycle.running_seconds(search) < search.time_budget_s


def _tell(
    study: optuna.Study, trial: optuna.Trial, search: TunerSearch, outcome: TrialOutcome
) -> None:
    if trial.user_attrs.get(CURRENT_IMPULSE):
        # The impulse's own configuration is no point of the space (it suggested nothing, and
        # its values may lie outside the choices): told as complete it would empty NSGA-II's
        # intersection search space, so every later trial would be drawn at random. Both
        # samplers leave pruned trials out of their model; its figures are in tuner_trials.
        trial.set_user_attr("objective", outcome.objective)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        return
    if outcome.state == "complete" and outcome.objective is not None:
        latency = outcome.cost.latency_ms if outcome.cost else None
        if search.multi_objective:
            # Without a measured latency a trial cannot be placed on the front.
            values = [outcome.objective, latency if latency is not None else float("inf")]
            study.tell(trial, values)
        else:
            study.tell(trial, outcome.objective)
    elif outcome.state == "pruned":
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)


def _run(
    context: JobContext, search: TunerSearch, trial: optuna.Trial, node: str | None
) -> tuple[int, TrialOutcome]:
    sessions = get_sessionmaker()
    with sessions() as session:
        impulse = session.get(Impulse, search.impulse_id) if search.impulse_id else None
        if impulse is None:
            raise JobInputError(f"the impulse search {search.id} explores no longer exists")
        session.expunge(impulse)
        kind = data_kind(impulse.input_block, [str(b["type"]) for b in impulse.dsp_blocks])
        rate = float(impulse.input_block.get("frequency_hz") or 0.0)
        window_ms = float(impulse.input_block.get("window_size_ms") or 1000.0)
        refusal: str | None = None
        if trial.user_attrs.get(CURRENT_IMPULSE):
            try:
                config = current_impulse_config(
                    impulse.dsp_blocks, impulse.learning_blocks or [], kind
                )
            except NotComparable as error:
                refusal = str(error)
        else:
            config = suggest_config(trial, kind, rate, max(1, int(window_ms * rate / 1000.0)))
        earlier = None if refusal else _same_configuration(session, search.id, config.as_json())
        row = TunerTrial(
            search_id=search.id,
            number=trial.number,
            job_id=context.job_id,
            state=TrialState.running,
            worker=worker_identity(),
            worker_name=node or f"{socket.gethostname()} (in-process)",
            config={"kind": kind, "current_impulse": True} if refusal else config.as_json(),
        )
        session.add(row)
        session.commit()
        row_id = row.id
        if refusal is not None:
            outcome = TrialOutcome("failed", row.config, reason=refusal)
            _store(row_id, outcome)
            return row_id, outcome
        if earlier is not None:
            outcome = TrialOutcome.repeating(earlier.result or {}, earlier.number)
            _store(row_id, outcome)
            return row_id, outcome
        context.log(
            f"trial {trial.number}: {config.dsp_type} {config.dsp_params}; "
            f"{config.network.describe()}; learning rate {config.learning_rate:.4g}"
        )
        impulse_spec = _impulse_spec(impulse, session)
    with job_scratch_dir(context.job_id, "tune") as scratch:
        try:
            spec = dsp_spec(impulse, config.dsp_type, config.dsp_params)
            with sessions() as session:
                features, cached = trial_features(
                    session, impulse, spec, job_id=context.job_id, scratch=scratch, log=context.log
                )
        except DspConfigRefused as error:
            outcome = TrialOutcome(
                "pruned",
                config.as_json(),
                reason=f"the DSP block refuses these parameters: {error}",
            )
            _store(row_id, outcome)
            return row_id, outcome
        context.log("features read from the tuner's cache" if cached else "features computed")
        context.check_cancelled()
        data = _trial_data(features, _task_of(impulse))
        try:
            dsp = DspSpec(spec["type"], dict(spec["params"]), None)
        except SdkError as error:
            raise JobInputError(str(error)) from None
        limits = Limits(
            board=get_board(search.board),
            max_latency_ms=search.limits.get("max_latency_ms"),
            max_ram_bytes=search.limits.get("max_ram_bytes"),
            max_flash_bytes=search.limits.get("max_flash_bytes"),
        )
        outcome = run_trial(
            data,
            config,
            impulse=impulse_spec,
            dsp=dsp,
            limits=limits,
            objective=Objective(search.objective, tuple(search.objective_labels)),  # type: ignore[arg-type]
            epochs=search.epochs,
            seed=search.seed,
            workdir=scratch / "run",
            reporter=JobReporter(context),
            run_limits=training_limits(TRAINING_LIMITS, expert=False),
            check_stop=context.check_cancelled,
        )
    _store(row_id, outcome)
    context.log(
        f"trial {trial.number} {outcome.state}: objective {outcome.objective}, "
        f"{outcome.reason or ''}"
    )
    return row_id, outcome


def _same_configuration(session: Any, search_id: int, config: dict[str, Any]) -> TunerTrial | None:
    """The first finished trial of the search with exactly this configuration, whose figures
    a repeat reuses (a repeat trains with the same seed, so it would only measure them again).
    Trials still running are not waited for, and failures without a result (a worker that
    died) are no figures to reuse."""
    wanted = json.dumps(config, sort_keys=True)
    finished = session.scalars(
        select(TunerTrial)
        .where(
            TunerTrial.search_id == search_id,
            TunerTrial.state != TrialState.running,
            TunerTrial.result.is_not(None),
        )
        .order_by(TunerTrial.number)
    )
    for trial in finished:
        if json.dumps(trial.config, sort_keys=True) == wanted:
            return trial
    return None


def _store(row_id: int, outcome: TrialOutcome) -> None:
    state = {"complete": TrialState.complete, "pruned": TrialState.pruned}.get(
        outcome.state, TrialState.failed
    )
    with get_sessionmaker()() as session:
        session.execute(
            update(TunerTrial)
            .where(TunerTrial.id == row_id)
            .values(
                state=state,
                result=outcome.as_json(),
                objective_value=outcome.objective,
                latency_ms=outcome.cost.latency_ms if outcome.cost else None,
                error=outcome.reason if state == TrialState.failed else None,
                finished_at=utcnow(),
            )
        )
        session.commit()

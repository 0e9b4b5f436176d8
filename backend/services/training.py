"""Training, trained models, model testing, live classification and expert scripts of the
learning blocks of an impulse. Nothing here imports TensorFlow: jobs train, TFLM classifies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pydantic
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from backend.db.models import (
    Artifact,
    FeatureSet,
    Impulse,
    Job,
    JobState,
    Project,
    TrainedModel,
)
from backend.schemas.training import (
    ArtifactPublic,
    ClassifyRequest,
    LearningPresetPublic,
    LearningPresetsPublic,
    ScriptPublic,
    TestResultsPublic,
    TrainedModelPublic,
)
from backend.services.access import Actor, Permission, project_access
from backend.services.errors import Conflict, InvalidRequest, NotFound
from backend.services.initial_model_files import initial_model_file
from backend.services.jobs import create_job, enqueue_job
from backend.services.learning_blocks import dsp_output_shape, learning_input_shape
from worker.job_reaper import reap_stale_jobs
from worker.learning.architectures import PRESET_SETTINGS, PRESETS, misfit_reason, preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import TrainingError
from worker.learning.fomo import DetectionBlockSpec, generate_fomo_script
from worker.learning.layers import LayerShapeError, parse_layers
from worker.learning.script import generate_script
from worker.learning.settings import TrainingSettings
from worker.training.classify import (
    SampleNotClassifiable,
    Signal,
    check_classifiable_size,
    classify_sample,
    classify_signal,
)
from worker.training.initial_models import INITIAL_MODEL_KIND
from worker.training.inputs import LearningBlockMissing, features_problem, learning_block_of
from worker.training.model_staleness import model_staleness
from worker.training.network import resolve_layers
from worker.training.sandbox_policy import (
    ExpertScriptRefused,
    check_expert_script_allowed,
    expert_mode,
    expert_refused_message,
)
from worker.training.test_job import latest_model

TRAIN_KIND = "training.train"
TEST_KIND = "training.test"


class LearningBlockNotFound(NotFound):
    """No learning block with this id in the impulse."""


class SettingsInvalid(Exception):
    """Training settings out of range; `errors` are FastAPI-style entries naming the field."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e["msg"]) for e in errors))


def learning_block(impulse: Impulse, block_id: int) -> dict[str, Any]:
    try:
        return learning_block_of(impulse, block_id)
    except LearningBlockMissing as error:
        raise LearningBlockNotFound(str(error)) from None


def _save_block(session: Session, impulse: Impulse, block: dict[str, Any]) -> None:
    impulse.learning_blocks = [
        block if int(b["id"]) == int(block["id"]) else b for b in impulse.learning_blocks
    ]
    flag_modified(impulse, "learning_blocks")
    session.commit()


def _active_jobs(session: Session, impulse: Impulse, kind: str, block_id: int) -> list[Job]:
    reap_stale_jobs(session, project_id=impulse.project_id)
    jobs = session.scalars(
        select(Job)
        .where(
            Job.project_id == impulse.project_id,
            Job.kind == kind,
            Job.state.in_([JobState.queued, JobState.running]),
        )
        .execution_options(populate_existing=True)
    )
    return [
        job
        for job in jobs
        if (job.params or {}).get("impulse_id") == impulse.id
        and (job.params or {}).get("learning_block_id") == block_id
    ]


def _require_fresh_features(session: Session, impulse: Impulse, block: dict[str, Any]) -> None:
    problem = features_problem(session, impulse, block)
    if problem is not None:
        raise Conflict(problem)


def checked_settings(block: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The block's settings with `overrides` applied; SettingsInvalid naming each bad field."""
    merged = {**(block.get("settings") or {}), **(overrides or {})}
    try:
        return TrainingSettings.model_validate(merged).model_dump(mode="json")
    except pydantic.ValidationError as error:
        raise SettingsInvalid(
            [
                {
                    "loc": ["body", "settings", *error_item["loc"]],
                    "msg": error_item["msg"].removeprefix("Value error, "),
                    "type": error_item["type"],
                }
                for error_item in error.errors()
            ]
        ) from None


def start_training(
    session: Session,
    impulse: Impulse,
    block_id: int,
    settings: dict[str, Any] | None,
    actor: Actor | None = None,
) -> Job:
    """Check what can be known now (settings, fresh features, no training under way), save the
    settings on the block, write and enqueue the training job."""
    block = learning_block(impulse, block_id)
    if block["type"] != "anomaly":
        block["settings"] = checked_settings(block, settings)
    elif settings:
        raise InvalidRequest("anomaly blocks have no training settings; set `anomaly` on the block")
    _require_fresh_features(session, impulse, block)
    require_initial_models(session, impulse.project_id, [block], actor)
    if block.get("expert_script"):
        _require_expert_scripts_allowed()
    active = _active_jobs(session, impulse, TRAIN_KIND, block_id)
    if active:
        raise Conflict(
            f"learning block {block_id} is already being trained by job {active[0].id} "
            f"({active[0].state}); wait for it or cancel it"
        )
    _save_block(session, impulse, block)
    job = create_job(
        session,
        project_id=impulse.project_id,
        kind=TRAIN_KIND,
        params={
            "impulse_id": impulse.id,
            "learning_block_id": block_id,
            # Whose access lets the job read a model of another project (checked again there).
            "started_by_user_id": actor.user.id if actor and actor.user else None,
        },
    )
    enqueue_job(job)
    return job


def require_initial_models(
    session: Session, project_id: int, blocks: list[dict[str, Any]], actor: Actor | None
) -> None:
    """Each block's starting point exists and the caller may read it: checked when blocks are
    saved and again when training starts (access may have been revoked in between)."""
    for block in blocks:
        if block.get("initial_model_id") is not None:
            _require_initial_model(session, project_id, int(block["initial_model_id"]), actor)
        if block.get("initial_model_file_id") is not None:
            try:
                initial_model_file(session, project_id, int(block["initial_model_file_id"]))
            except NotFound as error:
                raise InvalidRequest(f"initial_model_file_id: {error}") from None


def _require_initial_model(
    session: Session, project_id: int, model_id: int, actor: Actor | None
) -> None:
    """The model is this project's, or one of a project the actor can read (None: this project
    only), and has a Keras file to start from."""
    model = session.get(TrainedModel, model_id)
    readable = model is not None and (
        model.project_id == project_id or _can_read_project(session, actor, model.project_id)
    )
    if model is None or not readable:
        # The same answer whether the model is missing or its project unreadable.
        raise InvalidRequest(
            f"initial_model_id: model {model_id} does not exist in this project or in one you "
            "can read"
        )
    keras = session.scalar(
        select(Artifact.id).where(
            Artifact.trained_model_id == model_id, Artifact.kind == INITIAL_MODEL_KIND
        )
    )
    if keras is None:
        raise InvalidRequest(
            f"initial_model_id: model {model_id} has no Keras file to start from (only "
            "object-detection models trained on this version store one); train it again"
        )


def _can_read_project(session: Session, actor: Actor | None, project_id: int) -> bool:
    project = session.get(Project, project_id)
    if actor is None or project is None:
        return False
    access = project_access(session, actor, project)
    return access is not None and Permission.read in access.permissions


def trained_model(session: Session, impulse: Impulse, block_id: int) -> TrainedModel:
    learning_block(impulse, block_id)
    model = latest_model(session, impulse.id, block_id)
    if model is None:
        raise NotFound(f"learning block {block_id} has no trained model yet; train it first")
    return model


def model_public(
    session: Session, impulse: Impulse, block_id: int, model: TrainedModel
) -> TrainedModelPublic:
    """`model` of learning block `block_id`, with whether it is out of date and why."""
    public = TrainedModelPublic.model_validate(model)
    public.artifacts = list_artifacts(session, model.project_id, model.id)
    dsp_block_ids = [int(i) for i in learning_block(impulse, block_id)["dsp_blocks"]]
    staleness = model_staleness(session, impulse, model, dsp_block_ids)
    public.outdated_reason = staleness.reason()
    public.dataset_recorded = not staleness.dataset_unrecorded
    public.number_in_project = number_in_project(session, model)
    return public


def number_in_project(session: Session, model: TrainedModel) -> int:
    """Which of its project's trained models `model` is, counting from 1 in id order."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(TrainedModel)
            .where(TrainedModel.project_id == model.project_id, TrainedModel.id <= model.id)
        )
        or 0
    )


def start_testing(session: Session, impulse: Impulse, block_id: int, uncertain_below: float) -> Job:
    block = learning_block(impulse, block_id)
    model = trained_model(session, impulse, block_id)
    _require_fresh_features(session, impulse, block)
    fingerprints = {
        str(fs.dsp_block_id): fs.fingerprint
        for fs in session.scalars(select(FeatureSet).where(FeatureSet.impulse_id == impulse.id))
    }
    if any(fingerprints.get(k) != v for k, v in model.feature_fingerprints.items()):
        raise Conflict(
            f"model {model.id} was trained on features made with other DSP parameters; train "
            f"learning block {block_id} again before testing"
        )
    if _active_jobs(session, impulse, TEST_KIND, block_id):
        raise Conflict(f"learning block {block_id} is already being tested; wait for that job")
    job = create_job(
        session,
        project_id=impulse.project_id,
        kind=TEST_KIND,
        params={
            "impulse_id": impulse.id,
            "learning_block_id": block_id,
            "uncertain_below": uncertain_below,
        },
    )
    enqueue_job(job)
    return job


def test_results(session: Session, impulse: Impulse, block_id: int) -> TestResultsPublic:
    model = trained_model(session, impulse, block_id)
    if model.test_results is None or model.tested_at is None:
        raise NotFound(f"model {model.id} has not been tested yet; start a model test first")
    return TestResultsPublic(
        trained_model_id=model.id, tested_at=model.tested_at, results=model.test_results
    )


def classify(
    session: Session, impulse: Impulse, block_id: int, request: ClassifyRequest
) -> dict[str, Any]:
    """Window by window classification of a stored sample, or of a recording that is not stored
    (the dataset and its features stay as they are), with the block's latest int8 model."""
    if request.signal is not None:
        # Before anything else: a recording's size after resampling and windowing is known from
        # its length and rate alone (a 1 Hz recording into a 16 kHz impulse grows 16 000 times).
        with _classification_errors():
            frames = len(request.signal.values) // len(request.signal.axes)
            check_classifiable_size(
                impulse, frames, request.signal.frequency_hz, "the recording"
            )
    model = _live_model(session, impulse, block_id)
    options = {
        "uncertain_below": request.uncertain_below,
        "include_windows": request.include_windows,
    }
    with _classification_errors():
        if request.signal is not None:
            recording = Signal(
                values=np.asarray(request.signal.values, dtype=np.float32).reshape(
                    -1, len(request.signal.axes)
                ),
                axes=tuple(request.signal.axes),
                frequency_hz=request.signal.frequency_hz,
            )
            result = classify_signal(session, impulse, model, recording, **options)
        else:
            assert request.sample_id is not None  # ClassifyRequest checks one source is given
            result = classify_sample(session, impulse, model, request.sample_id, **options)
    return {**result, "trained_model_id": model.id}


def _live_model(session: Session, impulse: Impulse, block_id: int) -> TrainedModel:
    model = trained_model(session, impulse, block_id)
    if model.task == "anomaly":
        raise InvalidRequest("live classification needs a classifier or regression block")
    return model


@contextmanager
def _classification_errors() -> Iterator[None]:
    try:
        yield
    except LookupError as error:
        raise NotFound(str(error)) from None
    except SampleNotClassifiable as error:
        raise InvalidRequest(str(error)) from None


# --- scripts -----------------------------------------------------------------------------------


def block_input_shape(
    session: Session, impulse: Impulse, block: dict[str, Any]
) -> tuple[int, ...] | None:
    """The learning block's input shape: from generated features, else from the DSP parameters."""
    specs = {int(s["id"]): s for s in impulse.dsp_blocks}
    shapes = []
    for dsp_block_id in block["dsp_blocks"]:
        stored = session.scalar(
            select(FeatureSet.shape).where(
                FeatureSet.impulse_id == impulse.id, FeatureSet.dsp_block_id == dsp_block_id
            )
        )
        shape = tuple(stored) if stored else None
        if shape is None and int(dsp_block_id) in specs:
            shape = dsp_output_shape(impulse.input_block, specs[int(dsp_block_id)])
        if shape is None:
            return None
        shapes.append(shape)
    return learning_input_shape(shapes)


def _require_expert_scripts_allowed() -> None:
    try:
        check_expert_script_allowed()
    except ExpertScriptRefused as error:
        raise Conflict(str(error)) from None


def refuse_new_expert_scripts(
    learning_blocks: list[dict[str, Any]], previous: list[dict[str, Any]]
) -> None:
    """Conflict when an impulse save brings in an edited script that this server cannot run
    (the same refusal as saving one through the script route)."""
    before = {int(block["id"]): block.get("expert_script") for block in previous}
    if any(
        block.get("expert_script") is not None
        and block.get("expert_script") != before.get(int(block["id"]))
        for block in learning_blocks
    ):
        _require_expert_scripts_allowed()


def _expert_mode_fields() -> dict[str, Any]:
    mode = expert_mode()
    notes = {
        "sandboxed": "Edited scripts run in the bubblewrap sandbox: no network, nothing but "
        "their own working directory writable, no other project's data visible.",
        "trusted": "Edited scripts run without a sandbox (MCUFORGE_EXPERT_MODE=trusted): "
        "they can read what the worker can read and reach the network.",
        "refused": f"Edited scripts cannot run: {expert_refused_message()}.",
    }
    return {"expert_mode": mode, "expert_mode_note": notes[mode]}


def read_script(session: Session, impulse: Impulse, block_id: int) -> ScriptPublic:
    block = learning_block(impulse, block_id)
    if block["type"] == "anomaly":
        raise InvalidRequest("anomaly blocks are K-means, not a training script")
    shape = block_input_shape(session, impulse, block)
    if block["type"] == "object_detection":
        return _detection_script(block, shape)
    if block.get("expert_script"):
        return ScriptPublic(
            learning_block_id=block_id,
            expert=True,
            input_shape=list(shape) if shape else None,
            script=block["expert_script"],
            **_expert_mode_fields(),
        )
    if shape is None:
        raise Conflict("the input shape is not known yet; generate features first")
    dsp_types = [str(s["type"]) for s in impulse.dsp_blocks if s["id"] in block["dsp_blocks"]]
    try:
        layers = parse_layers(resolve_layers(block, dsp_types, shape))
        spec = LearningBlockSpec(
            task="regression" if block["type"] == "regression" else "classification",
            layers=layers,
            quantization_aware_training=bool(block.get("quantization_aware_training")),
            pruning_sparsity=block.get("pruning_sparsity"),
        )
        script = generate_script(spec, shape)
    except (LayerShapeError, ValueError) as error:
        raise InvalidRequest(f"the network cannot take features {shape}: {error}") from None
    except TrainingError as error:  # QAT or pruning of layers tfmot cannot handle
        raise InvalidRequest(error.message) from None
    return ScriptPublic(
        learning_block_id=block_id,
        expert=False,
        input_shape=list(shape),
        script=script,
        **_expert_mode_fields(),
    )


def _detection_script(block: dict[str, Any], shape: tuple[int, ...] | None) -> ScriptPublic:
    """The FOMO script the block trains (read-only: its settings are `detection`)."""
    if shape is None:
        raise Conflict("the input shape is not known yet; generate features first")
    spec = DetectionBlockSpec.model_validate(block.get("detection") or {})
    return ScriptPublic(
        learning_block_id=int(block["id"]),
        expert=False,
        input_shape=list(shape),
        script=generate_fomo_script(spec, shape, None),
        **_expert_mode_fields(),
    )


def replace_script(
    session: Session, impulse: Impulse, block_id: int, script: str | None
) -> ScriptPublic:
    """Expert mode: `script` replaces the generated one; None returns to the visual editor."""
    block = learning_block(impulse, block_id)
    if block["type"] == "anomaly":
        raise InvalidRequest("anomaly blocks are K-means, not a training script")
    if block["type"] == "object_detection" and script is not None:
        raise InvalidRequest(
            "object_detection blocks train the generated FOMO script; change `detection` "
            "(width, head_filters, object_weight) on the block instead"
        )
    if script is not None:
        _require_expert_scripts_allowed()
    if script is not None and (
        block.get("quantization_aware_training") or block.get("pruning_sparsity") is not None
    ):
        raise InvalidRequest(
            "turn quantization-aware training and pruning off before editing the script: they "
            "are added to generated scripts; in an expert script, call tfmot yourself"
        )
    block["expert_script"] = script
    _save_block(session, impulse, block)
    return read_script(session, impulse, block_id)


# --- presets and artifacts ---------------------------------------------------------------------


def learning_presets(input_shape: tuple[int, ...]) -> LearningPresetsPublic:
    presets = []
    for name, function in PRESETS.items():
        description = (function.__doc__ or "").strip().splitlines()[0]
        try:
            layers = [layer.model_dump(mode="json") for layer in preset_layers(name, input_shape)]
            presets.append(
                LearningPresetPublic(
                    name=name,
                    description=description,
                    layers=layers,
                    error=None,
                    settings=PRESET_SETTINGS[name],
                )
            )
        except (LayerShapeError, ValueError) as error:
            presets.append(
                LearningPresetPublic(
                    name=name,
                    description=description,
                    layers=None,
                    error=misfit_reason(name, input_shape, error),
                    settings=PRESET_SETTINGS[name],
                )
            )
    return LearningPresetsPublic(input_shape=list(input_shape), data=presets)


def list_artifacts(session: Session, project_id: int, model_id: int) -> list[ArtifactPublic]:
    rows = session.scalars(
        select(Artifact)
        .where(Artifact.project_id == project_id, Artifact.trained_model_id == model_id)
        .order_by(Artifact.id)
    )
    return [ArtifactPublic.model_validate(row) for row in rows]


def project_model(session: Session, project_id: int, model_id: int) -> TrainedModel:
    model = session.get(TrainedModel, model_id)
    if model is None or model.project_id != project_id:
        raise NotFound(f"model {model_id} does not exist in project {project_id}")
    return model


def artifact_file(session: Session, project_id: int, artifact_id: int) -> Artifact:
    artifact = session.get(Artifact, artifact_id)
    if artifact is None or artifact.project_id != project_id:
        raise NotFound(f"artifact {artifact_id} does not exist in project {project_id}")
    return artifact

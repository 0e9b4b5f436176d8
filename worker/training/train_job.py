"""The `training.train` job: train one learning block on its features, store model and files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from backend.db.models import Impulse, TrainedModel
from backend.db.session import get_sessionmaker
from worker.job_errors import JobInputError
from worker.job_runtime import JobContext
from worker.learning.anomaly import AnomalySettings, fit_anomaly
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import TrainingError
from worker.learning.fomo import DetectionBlockSpec, train_detection
from worker.learning.initial_model import InitialModelSpec
from worker.learning.layers import parse_layers
from worker.learning.notebook import export_training_bundle
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import TrainingResult, train
from worker.scratch import job_scratch_dir
from worker.training.artifacts import new_artifact
from worker.training.initial_models import (
    INITIAL_MODEL_KIND,
    initial_model_bytes,
    initial_model_file_bytes,
)
from worker.training.inputs import (
    FeaturesNotReady,
    LearningBlockMissing,
    LearningFeatures,
    learning_block_of,
    load_learning_features,
)
from worker.training.model_staleness import training_record
from worker.training.network import resolve_layers
from worker.training.params import TrainModelParams
from worker.training.reporting import JobReporter
from worker.training.sample_boxes import object_labels, sample_boxes
from worker.training.sandbox_policy import (
    ExpertScriptRefused,
    isolation_description,
    training_limits,
)
from worker.training.targets import regression_targets

# Under the task's soft time limit (3300 s), so the sandbox stops first with a clear message.
TRAINING_LIMITS = RunLimits(time_limit_s=3000.0)


def class_indices(labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Class index of each label into the sorted class names."""
    class_names = sorted(set(labels))
    index = {name: i for i, name in enumerate(class_names)}
    return np.array([index[label] for label in labels], dtype=np.int64), class_names


def _load(checked: TrainModelParams) -> tuple[int, dict[str, Any], list[str], LearningFeatures]:
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, checked.impulse_id)
        if impulse is None:
            raise JobInputError(f"impulse {checked.impulse_id} no longer exists")
        try:
            block = learning_block_of(impulse, checked.learning_block_id)
            data = load_learning_features(session, impulse, block)
        except (LearningBlockMissing, FeaturesNotReady) as error:
            raise JobInputError(str(error)) from None
        dsp_types = [
            str(spec["type"])
            for spec in impulse.dsp_blocks
            if int(spec["id"]) in {int(i) for i in block["dsp_blocks"]}
        ]
        return impulse.project_id, block, dsp_types, data


def _network_spec(block: dict[str, Any], dsp_types: list[str], shape: tuple[int, ...]) -> Any:
    layers = [] if block.get("expert_script") else resolve_layers(block, dsp_types, shape)
    return LearningBlockSpec(
        task="regression" if block["type"] == "regression" else "classification",
        layers=parse_layers(layers),
        expert_script=block.get("expert_script"),
        quantization_aware_training=bool(block.get("quantization_aware_training")),
        pruning_sparsity=block.get("pruning_sparsity"),
    )


def _model_row(
    project_id: int,
    params: TrainModelParams,
    job_id: int,
    block: dict[str, Any],
    data: LearningFeatures,
    **values: Any,
) -> TrainedModel:
    # What it learned from, so that a later change of either makes it out of date.
    digest, samples = training_record(data.dataset_samples)
    return TrainedModel(
        project_id=project_id,
        impulse_id=params.impulse_id,
        learning_block_id=params.learning_block_id,
        job_id=job_id,
        learning_block=block,
        feature_fingerprints=data.fingerprints,
        training_dataset_digest=digest,
        dataset_samples=samples,
        **values,
    )


def _check_features_vary(x: np.ndarray, dsp_types: list[str]) -> None:
    """Refuse features a network cannot learn from, naming the problem: not finite, or the same
    value in every window (a network trains to chance on them, and its int8 model has degenerate
    quantization scales that LiteRT refuses)."""
    blocks = ", ".join(dsp_types)
    if not np.isfinite(x).all():
        raise JobInputError(
            f"the features of the DSP block(s) {blocks} hold NaN or infinite values; check the "
            "blocks' parameters and the samples"
        )
    if x.size and float(np.ptp(x)) == 0.0:
        raise JobInputError(
            f"every training window has the same features (all {float(x.flat[0]):g}) from the "
            f"DSP block(s) {blocks}, so a network cannot tell the labels apart. A block scaled "
            "to [0, 1] reads all 1 when the signal is far above its range and all 0 far below "
            "(MFE or spectrogram: a full_scale that does not fit the audio's units, 32768 for "
            "WAV, 1 for float audio in [-1, 1]; autotune suggests it): look at the block's "
            "features and parameters"
        )


def _train_network(
    context: JobContext,
    params: TrainModelParams,
    project_id: int,
    block: dict[str, Any],
    dsp_types: list[str],
    data: LearningFeatures,
    rows: np.ndarray,
) -> dict[str, Any]:
    x = data.features[rows]
    labels = [data.labels[i] for i in rows]
    class_names: list[str] = []
    if block["type"] == "regression":
        y = regression_targets(labels, data.sample_ids[rows], data.dataset_samples)
    else:
        y, class_names = class_indices(labels)
    _check_features_vary(x, dsp_types)
    settings = TrainingSettings.model_validate(block.get("settings") or {})
    try:
        spec = _network_spec(block, dsp_types, tuple(int(d) for d in x.shape[1:]))
    except (ValueError, TrainingError) as error:
        raise JobInputError(f"the learning block's network: {error}") from None
    try:
        # Checked again here: the sandbox may have become unavailable since the API accepted it.
        limits = training_limits(TRAINING_LIMITS, expert=spec.expert_script is not None)
    except ExpertScriptRefused as error:
        raise JobInputError(str(error)) from None
    context.log(f"Isolation: {isolation_description(limits)}")
    # Under the data directory, named after the job: a killed worker's leftovers are removed
    # at the next worker start (worker/scratch.py).
    with job_scratch_dir(context.job_id, "train") as scratch:
        workdir = scratch / "run"
        try:
            result = train(
                x,
                y,
                class_names,
                spec,
                settings,
                workdir,
                JobReporter(context),
                limits=limits,
                groups=data.sample_ids[rows],
            )
        except TrainingError as error:
            if error.log:
                context.log(error.log)
            raise JobInputError(error.message) from None
        context.check_cancelled()
        bundle = export_training_bundle(workdir, scratch / "notebook.zip")
        return _store_network(context, params, project_id, block, data, result, bundle)



def _store_model(impulse_id: int, project_id: int, model: TrainedModel,
                 outputs: list[tuple[str, str, Path]]) -> int:
    """Store the trained model and its files (kind, file name, path) in one transaction; its id.
    Refused when the impulse was deleted while the job trained."""
    with get_sessionmaker()() as session:
        if session.get(Impulse, impulse_id) is None:
            raise JobInputError(f"impulse {impulse_id} was deleted while training")
        session.add(model)
        session.flush()
        for kind, name, path in outputs:
            session.add(new_artifact(project_id=project_id, trained_model_id=model.id, kind=kind,
                                     file_name=name, data=path.read_bytes()))
        session.commit()
        return model.id

def _store_network(
    context: JobContext,
    params: TrainModelParams,
    project_id: int,
    block: dict[str, Any],
    data: LearningFeatures,
    result: TrainingResult,
    bundle: Path,
) -> dict[str, Any]:
    files = result.artifacts
    block_as_trained = {**block, "layers": block.get("layers") or None}
    model = _model_row(
        project_id,
        params,
        context.job_id,
        block_as_trained,
        data,
        task=result.task,
        class_names=result.class_names,
        input_shape=list(result.input_shape),
        metrics={
            "float32": result.float32.model_dump(),
            "int8": result.int8.model_dump(),
            "differences": result.differences.model_dump() if result.differences else None,
            "training_windows": result.training_windows,
            "validation_windows": result.validation_windows,
            "class_weight": result.class_weight,
            "parameter_count": result.parameter_count,
        },
        sizes={"float32": result.float32_size.model_dump(), "int8": result.int8_size.model_dump()},
        int8_model_bytes=result.int8_size.flatbuffer_bytes,
        mac_count=result.int8_size.mac_count,
        tflm_arena_bytes=result.int8_size.arena_bytes,
        history=result.history,
        training_seconds=result.training_seconds,
    )
    stem = f"impulse-{params.impulse_id}-block-{params.learning_block_id}"
    outputs = [
        ("tflite-float32", f"{stem}-float32.tflite", files.float32_tflite),
        ("tflite-int8", f"{stem}-int8.tflite", files.int8_tflite),
        ("savedmodel-zip", f"{stem}-savedmodel.zip", files.saved_model_zip),
        ("training-script", f"{stem}-train.py", files.script),
        ("notebook-zip", f"{stem}-notebook.zip", bundle),
    ]
    model_id = _store_model(params.impulse_id, project_id, model, outputs)
    summary: dict[str, Any] = {
        "trained_model_id": model_id,
        "task": result.task,
        "epochs": len(result.history),
        "training_seconds": round(result.training_seconds, 3),
    }
    if result.task == "classification":
        summary["float32_accuracy"] = result.float32.accuracy  # type: ignore[union-attr]
        summary["int8_accuracy"] = result.int8.accuracy  # type: ignore[union-attr]
    context.log(
        "Stored model "
        + str(model_id)
        + ": "
        + json.dumps({k: v for k, v in summary.items() if k != "trained_model_id"})
    )
    return summary


def _train_detection(
    context: JobContext,
    params: TrainModelParams,
    project_id: int,
    block: dict[str, Any],
    data: LearningFeatures,
    rows: np.ndarray,
) -> dict[str, Any]:
    images = data.features[rows]
    if images.ndim != 4:
        raise JobInputError(
            f"object detection takes images; the features have the shape {images.shape[1:]}"
        )
    _check_features_vary(images, ["image"])
    input_size = (int(images.shape[2]), int(images.shape[1]))
    with get_sessionmaker()() as session:
        boxes = sample_boxes(session, data.sample_ids[rows], input_size)
    labels = object_labels(boxes)
    boxed = sum(1 for image_boxes in boxes if image_boxes)
    context.log(
        f"{boxed} of {len(boxes)} training images have objects; labels: {', '.join(labels)}"
    )
    spec = DetectionBlockSpec.model_validate(block.get("detection") or {})
    initial_model = None
    if block.get("initial_model_id") is not None:
        initial_id = int(block["initial_model_id"])
        initial_model = initial_model_bytes(project_id, initial_id, params.started_by_user_id)
        if spec.initial_model is None:  # no layers frozen unless asked
            spec = spec.model_copy(update={"initial_model": InitialModelSpec()})
        assert spec.initial_model is not None
        context.log(
            f"Starting from the backbone of model {initial_id}, its first "
            f"{spec.initial_model.frozen_layers} layer(s) frozen"
        )
    elif block.get("initial_model_file_id") is not None:
        file_id = int(block["initial_model_file_id"])
        initial_model = initial_model_file_bytes(project_id, file_id)
        if spec.initial_model is None:
            spec = spec.model_copy(update={"initial_model": InitialModelSpec()})
        assert spec.initial_model is not None
        context.log(
            f"Starting from the uploaded Keras file {file_id}, its first "
            f"{spec.initial_model.frozen_layers} layer(s) frozen"
        )
    settings = TrainingSettings.model_validate(block.get("settings") or {})
    limits = training_limits(TRAINING_LIMITS, expert=False)
    context.log(f"Isolation: {isolation_description(limits)}")
    with job_scratch_dir(context.job_id, "train") as scratch:
        workdir = scratch / "run"
        try:
            result = train_detection(
                images,
                boxes,
                labels,
                spec,
                settings,
                workdir,
                JobReporter(context),
                limits=limits,
                initial_model=initial_model,
            )
        except TrainingError as error:
            if error.log:
                context.log(error.log)
            raise JobInputError(error.message) from None
        context.check_cancelled()
        bundle = export_training_bundle(workdir, scratch / "notebook.zip")
        files = result.artifacts
        model = _model_row(
            project_id,
            params,
            context.job_id,
            block,
            data,
            task="object_detection",
            class_names=result.labels,
            input_shape=list(result.input_shape),
            metrics={
                "float32": result.float32.model_dump(),
                "int8": result.int8.model_dump(),
                "f1_difference": result.f1_difference,
                "threshold": result.threshold,
                "output_shape": list(result.output_shape),
                "training_windows": result.training_images,
                "validation_windows": result.validation_images,
                "parameter_count": result.parameter_count,
            },
            sizes={
                "float32": result.float32_size.model_dump(),
                "int8": result.int8_size.model_dump(),
            },
            int8_model_bytes=result.int8_size.flatbuffer_bytes,
            mac_count=result.int8_size.mac_count,
            tflm_arena_bytes=result.int8_size.arena_bytes,
            history=result.history,
            training_seconds=result.training_seconds,
        )
        stem = f"impulse-{params.impulse_id}-block-{params.learning_block_id}"
        outputs = [
            ("tflite-float32", f"{stem}-float32.tflite", files.float32_tflite),
            ("tflite-int8", f"{stem}-int8.tflite", files.int8_tflite),
            ("savedmodel-zip", f"{stem}-savedmodel.zip", files.saved_model_zip),
            ("training-script", f"{stem}-train.py", files.script),
            ("notebook-zip", f"{stem}-notebook.zip", bundle),
        ]
        if files.keras is not None:
            # A later block can start from this model (its backbone).
            outputs.append((INITIAL_MODEL_KIND, f"{stem}.keras", files.keras))
        model_id = _store_model(params.impulse_id, project_id, model, outputs)
    summary = {
        "trained_model_id": model_id,
        "task": "object_detection",
        "epochs": len(result.history),
        "training_seconds": round(result.training_seconds, 3),
        "float32_f1": result.float32.f1,
        "int8_f1": result.int8.f1,
    }
    context.log(
        f"Stored model {model_id}: validation F1 float32 {result.float32.f1:.3f}, "
        f"int8 {result.int8.f1:.3f}"
    )
    return summary


def _train_anomaly(
    context: JobContext,
    params: TrainModelParams,
    project_id: int,
    block: dict[str, Any],
    data: LearningFeatures,
    rows: np.ndarray,
) -> dict[str, Any]:
    settings = AnomalySettings.model_validate(block.get("anomaly") or {})
    context.log(f"K-means with {settings.clusters} clusters on {len(rows)} training windows")
    try:
        anomaly = fit_anomaly(data.features[rows], settings)
    except TrainingError as error:
        raise JobInputError(error.message) from None
    scores = anomaly.scores(data.features[rows])
    metrics = {
        "threshold": anomaly.threshold,
        "training_windows": len(rows),
        "training_anomalies": int(np.sum(scores > anomaly.threshold)),
        "mean_training_score": float(np.mean(scores)),
    }
    model = _model_row(
        project_id,
        params,
        context.job_id,
        block,
        data,
        task="anomaly",
        class_names=[],
        input_shape=list(data.features.shape[1:]),
        metrics=metrics,
        sizes={},
        history=[],
        training_seconds=0.0,
    )
    with get_sessionmaker()() as session:
        session.add(model)
        session.flush()
        session.add(
            new_artifact(
                project_id=project_id,
                trained_model_id=model.id,
                kind="anomaly-model-json",
                file_name=f"impulse-{params.impulse_id}-block-{params.learning_block_id}"
                "-anomaly.json",
                data=json.dumps(anomaly.export(), indent=1).encode(),
            )
        )
        session.commit()
        return {"trained_model_id": model.id, "task": "anomaly", **metrics}


def run_train_model(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Train the learning block on the training split of its (fresh) features and store it."""
    checked = TrainModelParams.model_validate(params)
    project_id, block, dsp_types, data = _load(checked)
    rows = data.rows_of("training")
    if len(rows) == 0:
        raise JobInputError(
            "there are no training windows: every sample is in the test split; move samples "
            "to the training split"
        )
    context.log(
        f"Learning block {checked.learning_block_id} ({block['type']}): {len(rows)} training "
        f"windows of features {tuple(data.features.shape[1:])}"
    )
    if block["type"] == "anomaly":
        return _train_anomaly(context, checked, project_id, block, data, rows)
    if block["type"] == "object_detection":
        return _train_detection(context, checked, project_id, block, data, rows)
    return _train_network(context, checked, project_id, block, dsp_types, data, rows)

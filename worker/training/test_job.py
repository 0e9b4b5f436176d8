"""The `training.test` job: classify the whole test split with the int8 (TFLM) and float32 models
of a learning block's latest trained model; store metrics and per-sample results on it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Artifact, Impulse, Sample, TrainedModel
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from worker.job_errors import JobInputError
from worker.job_runtime import JobContext
from worker.learning import detection
from worker.learning.anomaly import AnomalyModel
from worker.learning.fomo import evaluate
from worker.learning.model_testing import UNCERTAIN_LABEL, ModelTestResult, run_model_test
from worker.training.inputs import (
    FeaturesNotReady,
    LearningBlockMissing,
    LearningFeatures,
    learning_block_of,
    load_learning_features,
)
from worker.training.model_staleness import model_staleness
from worker.training.params import TestModelParams
from worker.training.sample_boxes import sample_boxes
from worker.training.targets import regression_targets


def latest_model(session: Session, impulse_id: int, learning_block_id: int) -> TrainedModel | None:
    return session.scalar(
        select(TrainedModel)
        .where(
            TrainedModel.impulse_id == impulse_id,
            TrainedModel.learning_block_id == learning_block_id,
        )
        .order_by(TrainedModel.id.desc())
        .limit(1)
    )


def model_file(session: Session, model_id: int, kind: str) -> bytes:
    data = session.scalar(
        select(Artifact.data).where(Artifact.trained_model_id == model_id, Artifact.kind == kind)
    )
    if data is None:
        raise JobInputError(f"model {model_id} has no {kind} file; train the block again")
    return bytes(data)


def _majority(predictions: list[str]) -> str:
    """The most frequent answer among a sample's windows; uncertain only when nothing else is."""
    decided = [p for p in predictions if p != UNCERTAIN_LABEL]
    if not decided:
        return UNCERTAIN_LABEL
    counts = Counter(decided).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return UNCERTAIN_LABEL  # a tie says nothing about the sample
    return counts[0][0]


def per_sample_results(
    result: ModelTestResult,
    sample_ids: np.ndarray,
    names: dict[int, str],
    class_names: list[str],
    task: str,
) -> list[dict[str, Any]]:
    """One row per test sample: majority class over its windows (mean value for regression)."""
    by_sample: dict[int, list[int]] = {}
    for position, sample_id in enumerate(sample_ids.tolist()):
        by_sample.setdefault(int(sample_id), []).append(position)
    rows = []
    for sample_id, positions in by_sample.items():
        windows = [result.samples[p] for p in positions]
        if task == "regression":
            target = windows[0].label
            float32 = float(np.mean([w.float32_prediction for w in windows]))
            int8 = float(np.mean([w.int8_prediction for w in windows]))
            rows.append(
                {
                    "sample_id": sample_id,
                    "filename": names.get(sample_id, ""),
                    "label": target,
                    "windows": len(windows),
                    "float32": float32,
                    "int8": int8,
                    "int8_error": int8 - target,
                }
            )
            continue
        name = class_names[int(windows[0].label)]
        float_answers = [class_names[int(w.float32_prediction)] for w in windows]
        int8_answers = [
            UNCERTAIN_LABEL if w.uncertain else class_names[int(w.int8_prediction)] for w in windows
        ]
        int8_answer = _majority(int8_answers)
        rows.append(
            {
                "sample_id": sample_id,
                "filename": names.get(sample_id, ""),
                "label": name,
                "windows": len(windows),
                "float32": _majority(float_answers),
                "int8": int8_answer,
                "int8_votes": dict(Counter(int8_answers)),
                "int8_mean_confidence": float(np.mean([w.int8_confidence for w in windows])),
                "correct": int8_answer == name,
            }
        )
    return rows


@dataclass
class ModelTestInputs:
    model: TrainedModel
    float_bytes: bytes
    int8_bytes: bytes
    data: LearningFeatures
    names: dict[int, str]
    # Testing an out-of-date model is allowed (it tells how the model in hand does on the test
    # split as it is now) but its results say why it is out of date: a training sample moved to
    # the test split, say, is one the model has learned.
    outdated_reason: str | None


def _load(checked: TestModelParams) -> ModelTestInputs:
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, checked.impulse_id)
        if impulse is None:
            raise JobInputError(f"impulse {checked.impulse_id} no longer exists")
        try:
            block = learning_block_of(impulse, checked.learning_block_id)
            data = load_learning_features(session, impulse, block)
        except (LearningBlockMissing, FeaturesNotReady) as error:
            raise JobInputError(str(error)) from None
        model = latest_model(session, impulse.id, checked.learning_block_id)
        if model is None:
            raise JobInputError(
                f"learning block {checked.learning_block_id} has no trained model; train it first"
            )
        if model.feature_fingerprints != data.fingerprints:
            raise JobInputError(
                f"model {model.id} was trained on features made with other DSP parameters; "
                "train the learning block again before testing"
            )
        outdated_reason = model_staleness(session, impulse, model, block["dsp_blocks"]).reason()
        if model.task == "anomaly":
            float_bytes = model_file(session, model.id, "anomaly-model-json")
            int8_bytes = b""
        else:
            float_bytes = model_file(session, model.id, "tflite-float32")
            int8_bytes = model_file(session, model.id, "tflite-int8")
        names = dict(
            session.execute(
                select(Sample.id, Sample.filename).where(Sample.project_id == impulse.project_id)
            ).all()
        )
        session.expunge(model)
        return ModelTestInputs(model, float_bytes, int8_bytes, data, names, outdated_reason)


def _test_anomaly(
    model: TrainedModel,
    anomaly_json: bytes,
    data: LearningFeatures,
    rows: np.ndarray,
    names: dict[int, str],
) -> dict[str, Any]:
    exported = json.loads(anomaly_json)
    anomaly = AnomalyModel.model_validate(
        {k: v for k, v in exported.items() if k in AnomalyModel.model_fields}
    )
    scores = anomaly.scores(data.features[rows])
    samples: dict[int, list[float]] = {}
    labels: dict[int, str] = {}
    for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
        sample_id = int(data.sample_ids[row])
        samples.setdefault(sample_id, []).append(float(score))
        labels.setdefault(sample_id, data.labels[row])
    return {
        "task": "anomaly",
        "threshold": anomaly.threshold,
        "windows": len(rows),
        "anomalous_windows": int(np.sum(scores > anomaly.threshold)),
        "samples": [
            {
                "sample_id": sample_id,
                "filename": names.get(sample_id, ""),
                "label": labels[sample_id],
                "max_score": max(window_scores),
                "anomaly": max(window_scores) > anomaly.threshold,
            }
            for sample_id, window_scores in samples.items()
        ],
    }


def _all_matched(confusion: list[list[int]]) -> bool:
    return all(
        count == 0
        for t, row in enumerate(confusion)
        for p, count in enumerate(row)
        if t != p
    )


def _test_detection(
    model: TrainedModel,
    float_bytes: bytes,
    int8_bytes: bytes,
    data: LearningFeatures,
    rows: np.ndarray,
    names: dict[int, str],
) -> dict[str, Any]:
    """Objects found in each test image by both models, and centroid-matched metrics per label."""
    images = data.features[rows]
    sample_ids = data.sample_ids[rows]
    with get_sessionmaker()() as session:
        boxes = sample_boxes(session, sample_ids, (int(images.shape[2]), int(images.shape[1])))
    labels = list(model.class_names)
    threshold = float((model.metrics or {}).get("threshold", detection.DEFAULT_THRESHOLD))
    float_metrics, float_found = evaluate(float_bytes, images, boxes, labels, threshold)
    int8_metrics, int8_found = evaluate(int8_bytes, images, boxes, labels, threshold)
    samples = []
    for position, sample_id in enumerate(sample_ids.tolist()):
        per_image = detection.detection_metrics(
            [int8_found[position]], [boxes[position]], labels
        )
        samples.append(
            {
                "sample_id": int(sample_id),
                "filename": names.get(int(sample_id), ""),
                "label": data.labels[int(rows[position])],
                "input_size": [int(images.shape[2]), int(images.shape[1])],
                "boxes": boxes[position],
                "float32_objects": [o.model_dump() for o in float_found[position]],
                "int8_objects": [o.model_dump() for o in int8_found[position]],
                "int8_f1": per_image.f1,
                # Every labelled object found with its label, and nothing else.
                "correct": _all_matched(per_image.confusion_matrix),
            }
        )
    return {
        "task": "object_detection",
        "labels": labels,
        "threshold": threshold,
        "float32": float_metrics.model_dump(),
        "int8": int8_metrics.model_dump(),
        "f1_difference": int8_metrics.f1 - float_metrics.f1,
        "samples": samples,
    }


def run_test_model(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Test the learning block's latest model on the test split; store the results on it."""
    checked = TestModelParams.model_validate(params)
    inputs = _load(checked)
    model, float_bytes, int8_bytes, data, names = (
        inputs.model,
        inputs.float_bytes,
        inputs.int8_bytes,
        inputs.data,
        inputs.names,
    )
    if inputs.outdated_reason is not None:
        context.log(f"Model {model.id} is out of date: {inputs.outdated_reason}")
    rows = data.rows_of("testing")
    if len(rows) == 0:
        raise JobInputError(
            "there are no test windows: no sample is in the test split; move samples to it "
            "(category testing) and generate features again"
        )
    if model.task == "anomaly":
        results = _test_anomaly(model, float_bytes, data, rows, names)
    elif model.task == "object_detection":
        context.log(f"Testing model {model.id} on {len(rows)} test images")
        results = _test_detection(model, float_bytes, int8_bytes, data, rows, names)
    else:
        labels = [data.labels[i] for i in rows]
        if model.task == "classification":
            known = [i for i, label in enumerate(labels) if label in model.class_names]
            unknown = sorted({label for label in labels if label not in model.class_names})
            if unknown:
                context.log(
                    f"left out {len(labels) - len(known)} test window(s) labelled {unknown}: the "
                    f"model knows only {model.class_names}"
                )
            if not known:
                raise JobInputError(
                    f"no test window has a label the model knows ({', '.join(model.class_names)})"
                )
            rows = rows[known]
            y = np.array([model.class_names.index(data.labels[i]) for i in rows], dtype=np.int64)
        else:
            y = regression_targets(labels, data.sample_ids[rows], data.dataset_samples)
        context.log(f"Testing model {model.id} on {len(rows)} test windows (int8 on TFLM)")
        context.progress(1, 3)
        result = run_model_test(
            float_bytes,
            int8_bytes,
            data.features[rows],
            y,
            model.class_names,
            task=model.task,
            uncertain_below=checked.uncertain_below,
        )
        context.progress(2, 3)
        samples = per_sample_results(
            result, data.sample_ids[rows], names, model.class_names, model.task
        )
        results = {
            "task": model.task,
            "uncertain_below": result.uncertain_below,
            "float32": result.float32.model_dump(),
            "int8": result.int8.model_dump(),
            "differences": result.differences.model_dump() if result.differences else None,
            "uncertain_windows": result.uncertain_windows,
            "int8_accuracy_with_uncertain": result.int8_accuracy_with_uncertain,
            "samples": samples,
        }
        if model.task == "classification":
            results["int8_sample_accuracy"] = float(np.mean([s["correct"] for s in samples]))
    results["job_id"] = context.job_id
    results["model_outdated_reason"] = inputs.outdated_reason
    context.check_cancelled()
    with get_sessionmaker()() as session:
        stored = session.get(TrainedModel, model.id)
        if stored is None:
            raise JobInputError(f"model {model.id} was deleted while it was tested")
        stored.test_results = results
        stored.tested_at = utcnow()
        session.commit()
    summary = {"trained_model_id": model.id, "windows": int(len(rows))}
    for precision in ("float32", "int8"):
        metrics = results.get(precision)
        if isinstance(metrics, dict) and "accuracy" in metrics:
            summary[f"{precision}_accuracy"] = metrics["accuracy"]
        if isinstance(metrics, dict) and "f1" in metrics and model.task == "object_detection":
            summary[f"{precision}_f1"] = metrics["f1"]
    context.log(f"Test results: {json.dumps(summary)}")
    return summary

"""Live classification: one sample cut into the impulse's windows, its DSP blocks run in numpy,
each window classified by the int8 model on TensorFlow Lite Micro (no TensorFlow import)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.db.models import Impulse, Sample, TrainedModel
from backend.settings import settings
from dsp_blocks.base import DspParameterError
from worker.features.generate import extract_features
from worker.features.job import block_configs, input_block_of, is_image_impulse, sample_rate_of
from worker.features.windowing import (
    ImageSample,
    ResampleTooLarge,
    SeriesSample,
    Windows,
    check_resampled_size,
    image_groups,
    window_count,
    window_samples,
)
from worker.learning.anomaly import AnomalyModel
from worker.learning.detection import DEFAULT_THRESHOLD, decode
from worker.learning.fomo import output_maps
from worker.learning.inference import predict
from worker.learning.model_testing import classify_windows
from worker.training.sample_boxes import scale_boxes
from worker.training.test_job import latest_model, model_file

# Raw window values a classification returns at most (a long sample's windows overlap: 10 min of
# 16 kHz audio in 1 s windows every 250 ms would be 38 million values, hundreds of MB of JSON).
MAX_RAW_WINDOW_VALUES = 2_000_000


class SampleNotClassifiable(ValueError):
    """The sample cannot go through this impulse (wrong kind, too short, missing axis)."""


@dataclass(frozen=True)
class Signal:
    """A recording that is not stored: (length, n_axes) values at `frequency_hz`."""

    values: np.ndarray
    axes: tuple[str, ...]
    frequency_hz: float


def check_classifiable_size(impulse: Impulse, length: int, rate_hz: float, what: str) -> None:
    """Refuse, before resampling or windowing, a series whose resampled values or whose windows
    would hold more than MCUFORGE_MAX_RESAMPLED_VALUES values: a recording at 1 Hz into a 16 kHz
    impulse grows 16 000 times, and windows overlap (a step of one sample copies each value a
    window length of times). Images are bounded when uploaded (MCUFORGE_MAX_IMAGE_PIXELS)."""
    if is_image_impulse(impulse):
        return
    block = input_block_of(impulse)
    n_axes = len(block.axes)
    try:
        new_length = check_resampled_size(length, n_axes, rate_hz, block.frequency_hz, what)
    except ResampleTooLarge as error:
        raise SampleNotClassifiable(str(error)) from None
    n_windows = window_count(
        new_length, block.window_length, block.window_step, zero_pad=block.zero_pad
    )
    windowed_values = n_windows * block.window_length * n_axes
    limit = settings.max_resampled_values
    if windowed_values > limit:
        raise SampleNotClassifiable(
            f"{what} makes {n_windows} windows of {block.window_length} samples x {n_axes} axes, "
            f"{windowed_values} values; the limit is {limit} values (setting "
            "MCUFORGE_MAX_RESAMPLED_VALUES): classify a shorter recording"
        )


def _series_windows(impulse: Impulse, series: SeriesSample, what: str) -> tuple[Windows, float]:
    block = input_block_of(impulse)
    windows = window_samples([series], block)
    if len(windows) == 0:
        reason = "; ".join(windows.skipped) or "it is shorter than one window"
        raise SampleNotClassifiable(f"{what} gives no window: {reason}")
    return windows, block.frequency_hz


def _windows(impulse: Impulse, sample: Sample) -> tuple[Windows, float]:
    values = np.frombuffer(sample.data.values, dtype="<f4").reshape(sample.shape)
    if is_image_impulse(impulse):
        if sample.kind != "image":
            raise SampleNotClassifiable(
                f"sample {sample.id} is not an image; the impulse takes images"
            )
        image = ImageSample(sample.id, sample.filename, sample.label, sample.category, values)
        return image_groups([image])[0], 1.0
    rate_hz = sample_rate_of(sample)
    if sample.kind != "timeseries" or rate_hz is None:
        raise SampleNotClassifiable(f"sample {sample.id} is not a time series; it has no windows")
    check_classifiable_size(impulse, int(sample.shape[0]), rate_hz, f"sample {sample.id}")
    series = SeriesSample(
        sample_id=sample.id,
        name=sample.filename,
        label=sample.label,
        category=sample.category,
        values=values.astype(np.float32),
        axes=tuple(str(axis["name"]) for axis in sample.axes),
        sample_rate_hz=rate_hz,
    )
    return _series_windows(impulse, series, f"sample {sample.id}")


def _signal_windows(impulse: Impulse, signal: Signal) -> tuple[Windows, float]:
    if is_image_impulse(impulse):
        raise SampleNotClassifiable("the impulse takes images; a recording has no image")
    wanted = input_block_of(impulse).axes
    missing = [axis for axis in wanted if axis not in signal.axes]
    if missing:
        raise SampleNotClassifiable(
            f"the recording has no axis {', '.join(map(repr, missing))}; the impulse takes "
            f"{', '.join(wanted)} and the recording has {', '.join(signal.axes)}"
        )
    check_classifiable_size(impulse, len(signal.values), signal.frequency_hz, "the recording")
    series = SeriesSample(
        sample_id=0,
        name="recording",
        label="",
        category="testing",
        values=np.ascontiguousarray(signal.values, dtype=np.float32),
        axes=signal.axes,
        sample_rate_hz=signal.frequency_hz,
    )
    return _series_windows(impulse, series, "the recording")


def _features(
    impulse: Impulse, dsp_block_ids: list[int], windows: Windows, rate_hz: float
) -> np.ndarray:
    configs = {config.block_id: config for config in block_configs(impulse)}
    try:
        parts = [
            extract_features(windows.windows, configs[int(i)], sample_rate_hz=rate_hz)
            for i in dsp_block_ids
        ]
    except DspParameterError as error:
        raise SampleNotClassifiable(
            f"DSP block parameters do not fit the sample: {error}"
        ) from None
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1)


def sample_features(
    impulse: Impulse, dsp_block_ids: list[int], sample: Sample
) -> tuple[np.ndarray, np.ndarray]:
    """(features of every window as the learning block receives them, window offsets in ms)."""
    windows, rate_hz = _windows(impulse, sample)
    return _features(impulse, dsp_block_ids, windows, rate_hz), windows.offsets_ms


def classify_sample(
    session: Session,
    impulse: Impulse,
    model: TrainedModel,
    sample_id: int,
    *,
    uncertain_below: float = 0.6,
    include_windows: bool = False,
) -> dict[str, Any]:
    """Every window of one sample through the model's DSP blocks and its int8 model."""
    sample = session.scalar(
        select(Sample)
        .where(Sample.id == sample_id)
        .options(selectinload(Sample.data))
        .execution_options(populate_existing=True)
    )
    if sample is None or sample.project_id != impulse.project_id:
        raise LookupError(f"sample {sample_id} does not exist in project {impulse.project_id}")
    windows, rate_hz = _windows(impulse, sample)
    result = _classify_windows(
        session, impulse, model, windows, rate_hz, uncertain_below, include_windows
    )
    if model.task == "object_detection":
        # The labelled objects next to the found ones, in the same (input) pixels.
        input_width, input_height = result["input_size"]
        result["boxes"] = scale_boxes(
            sample.bounding_boxes or [],
            (int(sample.shape[1]), int(sample.shape[0])),
            (input_width, input_height),
        )
    return {"sample_id": sample.id, "label": sample.label, **result}


def classify_signal(
    session: Session,
    impulse: Impulse,
    model: TrainedModel,
    signal: Signal,
    *,
    uncertain_below: float = 0.6,
    include_windows: bool = False,
) -> dict[str, Any]:
    """Every window of a recording that is not stored, as `classify_sample` does for a sample."""
    windows, rate_hz = _signal_windows(impulse, signal)
    result = _classify_windows(
        session, impulse, model, windows, rate_hz, uncertain_below, include_windows
    )
    return {"sample_id": None, "label": None, **result}


def _classify_windows(
    session: Session,
    impulse: Impulse,
    model: TrainedModel,
    windows: Windows,
    rate_hz: float,
    uncertain_below: float,
    include_windows: bool,
) -> dict[str, Any]:
    dsp_block_ids = [int(i) for i in model.feature_fingerprints]
    features = _features(impulse, dsp_block_ids, windows, rate_hz)
    offsets_ms = windows.offsets_ms
    raw = _raw_windows(windows) if include_windows else {}
    int8_bytes = model_file(session, model.id, "tflite-int8")
    if model.task == "object_detection":
        return {**_detect_objects(model, int8_bytes, features, offsets_ms), **raw}
    anomaly = _anomaly_scores(session, impulse, dsp_block_ids, features)
    if model.task == "regression":
        values = predict(int8_bytes, features)[:, 0]
        return {
            "windows": [
                {"window": i, "offset_ms": float(offset), "value": float(value),
                 **anomaly.window(i)}
                for i, (offset, value) in enumerate(zip(offsets_ms, values, strict=True))
            ],
            "mean_value": float(np.mean(values)),
            **anomaly.summary(),
            **raw,
        }
    results = classify_windows(
        int8_bytes, features, list(model.class_names), uncertain_below=uncertain_below
    )
    counts: dict[str, int] = {}
    for result in results:
        counts[result.top] = counts.get(result.top, 0) + 1
    return {
        "windows": [
            {"window": r.window, "offset_ms": float(offset_ms), "scores": r.scores, "top": r.top,
             **anomaly.window(r.window)}
            for r, offset_ms in zip(results, offsets_ms, strict=True)
        ],
        "top_counts": counts,
        **anomaly.summary(),
        **raw,
    }


def _detect_objects(
    model: TrainedModel, int8_bytes: bytes, images: np.ndarray, offsets_ms: np.ndarray
) -> dict[str, Any]:
    """Objects in each image (one window per image) by the int8 model, decoded as the SDK does;
    boxes in pixels of the model's input (`input_size`, width x height)."""
    labels = list(model.class_names)
    threshold = float((model.metrics or {}).get("threshold", DEFAULT_THRESHOLD))
    maps = output_maps(int8_bytes, images, labels)
    found = [decode(m, labels, threshold=threshold) for m in maps]
    return {
        "input_size": [int(images.shape[2]), int(images.shape[1])],
        "threshold": threshold,
        "windows": [
            {"window": i, "offset_ms": float(offset), "objects": [o.model_dump() for o in objs]}
            for i, (offset, objs) in enumerate(zip(offsets_ms, found, strict=True))
        ],
        "objects": [o.model_dump() for o in found[0]] if found else [],
    }


@dataclass(frozen=True)
class _AnomalyScores:
    """The K-means anomaly block's scores of the windows, or none (with why, when it matters)."""

    scores: np.ndarray | None = None
    flags: np.ndarray | None = None
    threshold: float | None = None
    note: str | None = None

    def window(self, index: int) -> dict[str, Any]:
        if self.scores is None or self.flags is None:
            return {}
        return {"anomaly": float(self.scores[index]), "anomalous": bool(self.flags[index])}

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        if self.threshold is not None:
            summary["anomaly_threshold"] = self.threshold
        if self.note is not None:
            summary["anomaly_note"] = self.note
        return summary


def _anomaly_scores(
    session: Session, impulse: Impulse, dsp_block_ids: list[int], features: np.ndarray
) -> _AnomalyScores:
    """Scores of the impulse's anomaly block when it reads the same DSP blocks as the model (as
    the deployed library does: worker.deployment.inputs), computed as the device computes them
    (AnomalyModel.scores)."""
    for block in impulse.learning_blocks or []:
        if block.get("type") != "anomaly":
            continue
        if [int(i) for i in block["dsp_blocks"]] != dsp_block_ids:
            return _AnomalyScores(
                note=f"anomaly block {block['id']} uses other DSP blocks than this model; "
                "no anomaly scores"
            )
        trained = latest_model(session, impulse.id, int(block["id"]))
        if trained is None:
            return _AnomalyScores(note=f"anomaly block {block['id']} is not trained")
        model = AnomalyModel.from_export(
            json.loads(model_file(session, trained.id, "anomaly-model-json"))
        )
        try:
            scores = model.scores(features)
        except ValueError as error:  # trained on features of other DSP parameters
            return _AnomalyScores(note=f"anomaly block {block['id']}: {error}; train it again")
        return _AnomalyScores(scores, model.above_threshold(scores), model.threshold)
    return _AnomalyScores()


def _raw_windows(windows: Windows) -> dict[str, Any]:
    """Each window as the device's classifier takes it: samples in time order, axes interleaved;
    left out, saying why, past MAX_RAW_WINDOW_VALUES."""
    if windows.windows.size > MAX_RAW_WINDOW_VALUES:
        return {
            "raw_windows_note": (
                f"the {len(windows)} windows hold {windows.windows.size} values, more than the "
                f"{MAX_RAW_WINDOW_VALUES} returned at most; classify a shorter sample to compare "
                "with the device build"
            )
        }
    return {"raw_windows": [w.reshape(-1).tolist() for w in windows.windows]}

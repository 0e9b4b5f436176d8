"""Live classification: one sample cut into the impulse's windows, its DSP blocks run in numpy,
each window classified by the int8 model on TensorFlow Lite Micro (no TensorFlow import)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.db.models import Impulse, Sample, TrainedModel
from dsp_blocks.base import DspParameterError
from worker.features.generate import extract_features
from worker.features.job import block_configs, input_block_of, is_image_impulse, sample_rate_of
from worker.features.windowing import (
    ImageSample,
    SeriesSample,
    Windows,
    image_groups,
    window_samples,
)
from worker.learning.inference import predict
from worker.learning.model_testing import classify_windows
from worker.training.test_job import model_file


class SampleNotClassifiable(ValueError):
    """The sample cannot go through this impulse (wrong kind, too short, missing axis)."""


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
    series = SeriesSample(
        sample_id=sample.id,
        name=sample.filename,
        label=sample.label,
        category=sample.category,
        values=values.astype(np.float32),
        axes=tuple(str(axis["name"]) for axis in sample.axes),
        sample_rate_hz=rate_hz,
    )
    block = input_block_of(impulse)
    windows = window_samples([series], block)
    if len(windows) == 0:
        reason = "; ".join(windows.skipped) or "it is shorter than one window"
        raise SampleNotClassifiable(f"sample {sample.id} gives no window: {reason}")
    return windows, block.frequency_hz


def sample_features(
    impulse: Impulse, dsp_block_ids: list[int], sample: Sample
) -> tuple[np.ndarray, np.ndarray]:
    """(features of every window as the learning block receives them, window offsets in ms)."""
    windows, rate_hz = _windows(impulse, sample)
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
        return parts[0], windows.offsets_ms
    return np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1), windows.offsets_ms


def classify_sample(
    session: Session,
    impulse: Impulse,
    model: TrainedModel,
    sample_id: int,
    *,
    uncertain_below: float = 0.6,
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
    dsp_block_ids = [int(i) for i in model.feature_fingerprints]
    features, offsets_ms = sample_features(impulse, dsp_block_ids, sample)
    int8_bytes = model_file(session, model.id, "tflite-int8")
    if model.task == "regression":
        values = predict(int8_bytes, features)[:, 0]
        windows = [
            {"window": i, "offset_ms": float(offset), "value": float(value)}
            for i, (offset, value) in enumerate(zip(offsets_ms, values, strict=True))
        ]
        return {
            "sample_id": sample.id,
            "label": sample.label,
            "windows": windows,
            "mean_value": float(np.mean(values)),
        }
    results = classify_windows(
        int8_bytes, features, list(model.class_names), uncertain_below=uncertain_below
    )
    counts: dict[str, int] = {}
    for result in results:
        counts[result.top] = counts.get(result.top, 0) + 1
    return {
        "sample_id": sample.id,
        "label": sample.label,
        "windows": [
            {"window": r.window, "offset_ms": float(offset_ms), "scores": r.scores, "top": r.top}
            for r, offset_ms in zip(results, offsets_ms, strict=True)
        ],
        "top_counts": counts,
    }

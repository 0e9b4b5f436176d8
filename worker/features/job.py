"""The `features.generate` job: load an impulse and its project's samples, generate, store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.db.models import Impulse, Sample
from backend.db.session import get_sessionmaker
from dsp_blocks.base import DspParameterError
from worker.features.dataset import Dataset
from worker.features.generate import DspBlockConfig, generate_features
from worker.features.params import GenerateFeaturesParams
from worker.features.store import store_feature_sets
from worker.features.windowing import (
    ImageSample,
    InputBlock,
    SeriesSample,
    Windows,
    image_groups,
    window_samples,
)
from worker.job_errors import JobInputError
from worker.job_runtime import JobContext

Log = Callable[[str], None]


def input_block_of(impulse: Impulse) -> InputBlock:
    spec = impulse.input_block
    return InputBlock(
        axes=tuple(spec["axes"]),
        window_size_ms=float(spec["window_size_ms"]),
        window_increase_ms=float(spec["window_increase_ms"]),
        frequency_hz=float(spec["frequency_hz"]),
        zero_pad=bool(spec["zero_pad"]),
    )


def block_configs(impulse: Impulse) -> list[DspBlockConfig]:
    """Each DSP block with its axes as column indices of the input block's windows."""
    input_axes = list(impulse.input_block["axes"])
    if is_image_impulse(impulse):
        return [
            DspBlockConfig(int(b["id"]), str(b["type"]), None, dict(b.get("params") or {}))
            for b in impulse.dsp_blocks
        ]
    configs = []
    for block in impulse.dsp_blocks:
        axes = block.get("axes") or input_axes
        missing = [axis for axis in axes if axis not in input_axes]
        if missing:
            raise JobInputError(
                f"DSP block {block['id']} uses axes {missing} that the input block does not "
                f"select ({', '.join(input_axes)})"
            )
        configs.append(
            DspBlockConfig(
                block_id=int(block["id"]),
                block_type=str(block["type"]),
                axis_indices=tuple(input_axes.index(axis) for axis in axes),
                params=dict(block.get("params") or {}),
            )
        )
    return configs


def sample_rate_of(sample: Sample) -> float | None:
    if sample.sample_rate_hz:
        return float(sample.sample_rate_hz)
    if sample.interval_ms:
        return 1000.0 / float(sample.interval_ms)
    return None


def is_image_impulse(impulse: Impulse) -> bool:
    return impulse.input_block.get("type") == "image"


def sample_kind_of(impulse: Impulse) -> str:
    """The kind of sample ("image" or "timeseries") the impulse makes features of."""
    return "image" if is_image_impulse(impulse) else "timeseries"


def project_samples(session: Session, project_id: int) -> list[Sample]:
    return list(
        session.scalars(
            select(Sample)
            .where(Sample.project_id == project_id)
            .options(selectinload(Sample.data))
            .order_by(Sample.id)
        )
    )


def load_series(samples: list[Sample], log: Log) -> list[SeriesSample]:
    """The time-series samples with their values; images are logged and left out."""
    series = []
    for sample in samples:
        rate_hz = sample_rate_of(sample)
        if sample.kind != "timeseries" or rate_hz is None:
            log(f"skipped sample {sample.filename!r} (id {sample.id}): not a time series")
            continue
        values = np.frombuffer(sample.data.values, dtype="<f4").reshape(sample.shape)
        series.append(
            SeriesSample(
                sample_id=sample.id,
                name=sample.filename,
                label=sample.label,
                category=sample.category,
                values=values.astype(np.float32),
                axes=tuple(str(axis["name"]) for axis in sample.axes),
                sample_rate_hz=rate_hz,
            )
        )
    return series


def load_images(samples: list[Sample], log: Log) -> list[ImageSample]:
    """The images with their pixels; time series are logged and left out."""
    images = []
    for sample in samples:
        if sample.kind != "image":
            log(f"skipped sample {sample.filename!r} (id {sample.id}): not an image")
            continue
        values = np.frombuffer(sample.data.values, dtype="<f4").reshape(sample.shape)
        images.append(
            ImageSample(
                sample_id=sample.id,
                name=sample.filename,
                label=sample.label,
                category=sample.category,
                values=values.astype(np.float32),
            )
        )
    return images


def impulse_windows(
    impulse: Impulse, samples: list[Sample], log: Log
) -> tuple[list[Windows], float]:
    """The windows the impulse's DSP blocks run on (one group per image size for images) and
    the sample rate they are at."""
    if is_image_impulse(impulse):
        images = load_images(samples, log)
        groups = image_groups(images)
        log(f"{len(images)} images in {len(groups)} sizes, each image one window")
        return groups, 1.0
    try:
        block = input_block_of(impulse)
    except ValueError as error:
        raise JobInputError(f"input block: {error}") from None
    series = load_series(samples, log)
    log(
        f"windowing {len(series)} samples: {block.window_size_ms:g} ms windows every "
        f"{block.window_increase_ms:g} ms at {block.frequency_hz:g} Hz, axes "
        f"{', '.join(block.axes)}, zero-pad {'on' if block.zero_pad else 'off'}"
    )
    windows = window_samples(series, block, log=log)
    log(f"{len(windows)} windows from {len(series) - len(windows.skipped)} samples")
    return [windows], block.frequency_hz


def run_generate_features(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Window every sample of the impulse's project, run each DSP block, store the features."""
    checked = GenerateFeaturesParams.model_validate(params)
    sessions = get_sessionmaker()
    with sessions() as session:
        impulse = session.get(Impulse, checked.impulse_id)
        if impulse is None:
            raise JobInputError(f"impulse {checked.impulse_id} no longer exists")
        if not impulse.dsp_blocks:
            raise JobInputError(f"impulse {impulse.id} has no DSP block; add one first")
        # The parameters as read now are the ones the stored fingerprints describe.
        session.expunge(impulse)
        configs = block_configs(impulse)
        samples = project_samples(session, impulse.project_id)
        # Recorded from the very rows windowed, so no edit can slip between reading and recording.
        dataset = Dataset.of(s for s in samples if s.kind == sample_kind_of(impulse))
        groups, sample_rate_hz = impulse_windows(impulse, samples, context.log)
    window_count = sum(len(group) for group in groups)
    if window_count == 0:
        raise JobInputError("no sample gave a window, so there are no features to generate")
    try:
        results = generate_features(
            groups,
            configs,
            sample_rate_hz=sample_rate_hz,
            progress=context.progress,
            log=context.log,
        )
    except DspParameterError as error:
        raise JobInputError(f"DSP block parameters do not fit the data: {error}") from None
    context.check_cancelled()
    with sessions() as session:
        if session.get(Impulse, impulse.id) is None:
            raise JobInputError(f"impulse {impulse.id} was deleted while features were generated")
        store_feature_sets(
            session, impulse, groups, results, job_id=context.job_id, dataset=dataset
        )
    return {
        "impulse_id": impulse.id,
        "window_count": window_count,
        "skipped_samples": sum(len(group.skipped) for group in groups),
        "blocks": [
            {
                "dsp_block_id": r.config.block_id,
                "shape": list(r.shape),
                "method": r.projection_method,
            }
            for r in results
        ],
    }

"""Autotune a DSP block: parameters suggested from a bounded set of the project's training
windows (at most `autotune_max_windows` windows and `autotune_max_values` values, one sample
in memory at a time), answered in the request: nothing is stored."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Impulse, Sample
from backend.schemas.dsp_blocks import DspAutotunePublic
from backend.services.errors import InvalidRequest
from backend.services.features import block_spec
from backend.settings import settings
from dsp_blocks.autotune import AUTOTUNE_BLOCKS, suggest_params
from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import BLOCKS, get_block
from worker.features.job import input_block_of, is_image_impulse, sample_rate_of, sample_values
from worker.features.windowing import InputBlock, cut_windows, resample, select_axes, window_starts

T = TypeVar("T")


def spread(items: Sequence[T], count: int) -> list[T]:
    """At most `count` of `items`, evenly spaced from first to last, in order."""
    if len(items) <= count:
        return list(items)
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, count).round()]


def training_windows(
    session: Session, project_id: int, block: InputBlock, limit: int
) -> NDArray[np.float32]:
    """Up to `limit` windows `(n, window_length, n_axes)` cut from the training time series,
    spread over the samples and over each sample; samples lacking an axis are left out."""
    sample_ids = session.scalars(
        select(Sample.id)
        .where(
            Sample.project_id == project_id,
            Sample.kind == "timeseries",
            Sample.category == "training",
        )
        .order_by(Sample.id)
    ).all()
    chosen = spread(sample_ids, limit)
    per_sample = math.ceil(limit / max(1, len(chosen)))
    parts: list[NDArray[np.float32]] = []
    for sample_id in chosen:
        sample = session.get(Sample, sample_id)
        sample_rate_hz = sample_rate_of(sample) if sample is not None else None
        if sample is None or sample_rate_hz is None:
            continue
        # One sample's values in memory at a time (sample_values reads them as columns).
        read = next(sample_values(session, [sample]), None)
        if read is None:
            continue
        axes = [str(axis["name"]) for axis in sample.axes]
        try:
            values = select_axes(read[1], axes, block.axes, sample.filename)
        except ValueError:
            continue
        values = resample(values, sample_rate_hz, block.frequency_hz)
        starts = window_starts(
            values.shape[0], block.window_length, block.window_step, zero_pad=block.zero_pad
        )
        parts.append(cut_windows(values, spread(starts, per_sample), block.window_length))
    if not parts:
        return np.zeros((0, block.window_length, len(block.axes)), dtype=np.float32)
    windows = np.concatenate(parts)
    return windows[spread(range(len(windows)), limit)]


def autotune_block(session: Session, impulse: Impulse, dsp_block_id: int) -> DspAutotunePublic:
    """Suggested parameters of one DSP block of the impulse, with a reason for each tuned one."""
    spec = block_spec(impulse, dsp_block_id)
    block = get_block(spec["type"])
    if block.name not in AUTOTUNE_BLOCKS or is_image_impulse(impulse):
        titles = ", ".join(BLOCKS[name].title for name in AUTOTUNE_BLOCKS)
        raise InvalidRequest(
            f"DSP block {dsp_block_id} is a {block.title} block; autotune suggests parameters "
            f"of these blocks: {titles}"
        )
    try:
        input_block = replace(input_block_of(impulse), axes=tuple(spec["axes"]))
    except ValueError as error:
        raise InvalidRequest(f"input block: {error}") from None
    values_per_window = input_block.window_length * len(input_block.axes)
    limit = max(
        1, min(settings.autotune_max_windows, settings.autotune_max_values // values_per_window)
    )
    windows = training_windows(session, impulse.project_id, input_block, limit)
    if len(windows) == 0:
        raise InvalidRequest(
            "autotune looks at the training samples, and none of them has a window on the axes "
            f"{', '.join(input_block.axes)}; upload training data first"
        )
    try:
        params = block.parse_params(spec["params"])
        suggestion = suggest_params(
            block, windows, sample_rate_hz=input_block.frequency_hz, params=params
        )
    except DspParameterError as error:
        raise InvalidRequest(f"DSP block {dsp_block_id}: {error}") from None
    return DspAutotunePublic(
        dsp_block_id=dsp_block_id,
        type=block.name,
        window_count=len(windows),
        current=dict(spec["params"]),
        suggested=suggestion.params.model_dump(mode="json"),
        reasons=suggestion.reasons,
    )

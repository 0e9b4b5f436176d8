"""Regression targets: each window's sample label read as a number (backend/ingest/targets.py
writes them), with an error that names the first sample whose label is not one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from worker.job_errors import JobInputError


def _number(label: str) -> float | None:
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def regression_targets(
    labels: Sequence[str],
    sample_ids: Sequence[int] | np.ndarray,
    dataset_samples: list[list[Any]] | None = None,
) -> np.ndarray:
    """One float32 target per window; JobInputError naming the samples whose label is no number.

    dataset_samples: the features' Dataset.to_json rows ([id, filename, ...]), for file names.
    """
    values = [_number(label) for label in labels]
    bad = sorted({(int(sample_ids[i]), labels[i]) for i, v in enumerate(values) if v is None})
    if not bad:
        return np.array(values, dtype=np.float32)
    filenames = {int(row[0]): str(row[1]) for row in dataset_samples or []}
    sample_id, label = bad[0]
    name = f' ("{filenames[sample_id]}")' if sample_id in filenames else ""
    more = f" (and {len(bad) - 1} more sample(s))" if len(bad) > 1 else ""
    raise JobInputError(
        f"a regression block learns a number per sample, but sample {sample_id}{name} is "
        f"labelled {label!r}, which is not a finite number{more}; give each sample its target "
        "value as its label (e.g. 21.5), a file name VALUE.NAME.ext (e.g. 1.08.n000.csv) or the "
        "upload's value field"
    )

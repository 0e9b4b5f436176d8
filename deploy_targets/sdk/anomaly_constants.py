"""The K-means anomaly block as C++ constants (from `AnomalyModel.export()`), checked first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from deploy_targets.sdk.spec import SdkError
from dsp_blocks import cpp_emit


@dataclass(frozen=True)
class AnomalyConstants:
    """What the template writes: column indices, cluster count, threshold and the arrays."""

    columns: list[int]
    clusters: int
    threshold: float
    threshold_literal: str
    arrays: str


def anomaly_constants(exported: Mapping[str, Any], feature_count: int) -> AnomalyConstants:
    """Check an exported anomaly model against the features and render its const arrays."""
    required = ("feature_columns", "mean", "scale", "centroids", "radii", "threshold")
    missing = [key for key in required if key not in exported]
    if missing:
        raise SdkError(f"the anomaly block's export lacks {', '.join(missing)}")
    columns = [int(c) for c in exported["feature_columns"]]
    mean = np.asarray(exported["mean"], dtype=np.float64)
    scale = np.asarray(exported["scale"], dtype=np.float64)
    centroids = np.asarray(exported["centroids"], dtype=np.float64)
    radii = np.asarray(exported["radii"], dtype=np.float64)
    if not columns or any(not 0 <= c < feature_count for c in columns):
        raise SdkError(
            f"the anomaly block uses feature columns {columns[:8]}...; the DSP block produces "
            f"{feature_count} features (columns 0..{feature_count - 1})"
        )
    n_columns = len(columns)
    if mean.shape != (n_columns,) or scale.shape != (n_columns,):
        raise SdkError(f"the anomaly block's mean and scale must hold {n_columns} values each")
    if centroids.ndim != 2 or centroids.shape[1] != n_columns or len(centroids) < 1:
        raise SdkError(
            f"the anomaly block's centroids have shape {centroids.shape}; expected (clusters, "
            f"{n_columns})"
        )
    if radii.shape != (len(centroids),) or np.any(radii <= 0) or np.any(scale == 0):
        raise SdkError("the anomaly block needs one positive radius per cluster and nonzero scales")
    threshold = float(exported["threshold"])
    arrays = "\n".join(
        [
            cpp_emit.array("uint16_t", "anomaly_columns", columns).replace("static ", "", 1),
            cpp_emit.array("float", "anomaly_mean", mean).replace("static ", "", 1),
            cpp_emit.array("float", "anomaly_scale", scale).replace("static ", "", 1),
            cpp_emit.array("float", "anomaly_centroids", centroids.reshape(-1)).replace(
                "static ", "", 1
            ),
            cpp_emit.array("float", "anomaly_radii", radii).replace("static ", "", 1),
        ]
    )
    return AnomalyConstants(
        columns=columns,
        clusters=len(centroids),
        threshold=threshold,
        threshold_literal=cpp_emit.float_literal(threshold),
        arrays=arrays,
    )

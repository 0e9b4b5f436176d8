"""Anomaly detection: K-means clusters of normal data; a window far from every cluster is anomalous.

Score = (distance to the nearest centroid) / (that cluster's radius), in standardized feature
space, where a cluster's radius is the RMS distance of its training windows to its centroid.
Scaling by the radius makes a tight cluster as strict as a loose one is lenient: a score of 1 is
"as far as a typical member", whatever the cluster. The threshold is a quantile of the training
scores. Everything needed to score on a device is exported as plain numbers (`export()`).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from worker.learning.data import check_features
from worker.learning.errors import TrainingError

# A cluster of identical windows has radius 0; this floor keeps its scores finite.
_RADIUS_FLOOR = 1e-6


class AnomalySettings(BaseModel):
    # strict: booleans and strings are not numbers, 1.5 is not a cluster count.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    clusters: int = Field(default=32, ge=1, le=256, description="K-means clusters")
    feature_columns: list[int] | None = Field(
        default=None, description="indices of the flattened feature values to use; None = all"
    )
    threshold_quantile: float = Field(
        default=0.99, ge=0.5, le=1.0, description="share of training windows scored as normal"
    )
    seed: int = Field(default=1, ge=0)


class AnomalyModel(BaseModel):
    """Centroids and scaling in the chosen columns; JSON-serializable for the C++ SDK."""

    feature_columns: list[int]
    mean: list[float]
    scale: list[float]
    centroids: list[list[float]]
    radii: list[float]
    threshold: float

    def _standardized(self, features: np.ndarray) -> np.ndarray:
        flat = np.asarray(features, dtype=np.float32).reshape(len(features), -1)
        if flat.shape[1] <= max(self.feature_columns):
            raise ValueError(
                f"windows have {flat.shape[1]} feature values but the model uses column "
                f"{max(self.feature_columns)}; use features of the same DSP block and parameters"
            )
        columns = flat[:, self.feature_columns]
        mean = np.asarray(self.mean, dtype=np.float32)
        scale = np.asarray(self.scale, dtype=np.float32)
        return np.asarray((columns - mean) / scale, dtype=np.float32)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Anomaly score of each window: nearest-centroid distance over that cluster's radius.

        Computed as the C++ SDK computes it (mf_impulse_anomaly), so that the device and the
        platform agree to float32 rounding, not only to 1e-5: the constants rounded to float32,
        float32 arithmetic, squared differences summed column after column (not numpy's
        pairwise sum), the first nearest cluster on ties, sqrt then division by its radius."""
        points = self._standardized(features)
        centroids = np.asarray(self.centroids, dtype=np.float32)
        radii = np.asarray(self.radii, dtype=np.float32)
        sum_squares = np.zeros((len(points), len(centroids)), dtype=np.float32)
        for column in range(points.shape[1]):
            difference = points[:, column, None] - centroids[None, :, column]
            sum_squares += difference * difference
        nearest = sum_squares.argmin(axis=1)
        distances = np.sqrt(sum_squares[np.arange(len(points)), nearest])
        return np.asarray(distances / radii[nearest], dtype=np.float32)

    def above_threshold(self, scores: np.ndarray) -> np.ndarray:
        """Which scores are anomalous: above the threshold, compared in float32 as the device
        compares with MF_ANOMALY_THRESHOLD (a score between the float32 and the float64
        threshold would otherwise be flagged on one side only)."""
        return np.asarray(np.asarray(scores, dtype=np.float32) > np.float32(self.threshold))

    def is_anomaly(self, features: np.ndarray) -> np.ndarray:
        return self.above_threshold(self.scores(features))

    @classmethod
    def from_export(cls, exported: dict[str, object]) -> AnomalyModel:
        """The model back from `export()` (its descriptive `score` entry left aside)."""
        return cls.model_validate({k: v for k, v in exported.items() if k in cls.model_fields})

    def export(self) -> dict[str, object]:
        """Plain lists the C++ generator writes as const arrays (float32 on the device)."""
        return {
            "feature_columns": self.feature_columns,
            "mean": self.mean,
            "scale": self.scale,
            "centroids": self.centroids,
            "radii": self.radii,
            "threshold": self.threshold,
            "score": "min_k(||(x[cols] - mean) / scale - centroid_k||) / radius_k of that k",
        }


def fit_anomaly(features: np.ndarray, settings: AnomalySettings) -> AnomalyModel:
    """K-means on the normal training windows (flattened), scores and threshold from them."""
    from sklearn.cluster import KMeans

    flat = check_features(features).reshape(len(features), -1).astype(np.float64)
    columns = settings.feature_columns
    if columns is None:
        columns = list(range(flat.shape[1]))
    if not columns:
        raise TrainingError("choose at least one feature column for anomaly detection")
    bad = [c for c in columns if not 0 <= c < flat.shape[1]]
    if bad:
        raise TrainingError(
            f"feature columns {bad} do not exist: windows have {flat.shape[1]} feature values "
            f"(columns 0..{flat.shape[1] - 1})"
        )
    if len(flat) < settings.clusters * 2:
        raise TrainingError(
            f"{len(flat)} windows cannot form {settings.clusters} clusters of at least two "
            f"windows; use at most {max(1, len(flat) // 2)} clusters or add data"
        )
    chosen = flat[:, columns]
    mean = chosen.mean(axis=0)
    # A constant column carries no information; scale 1 keeps it at zero instead of dividing by 0.
    scale = np.where(chosen.std(axis=0) > 0, chosen.std(axis=0), 1.0)
    points = (chosen - mean) / scale
    kmeans = KMeans(n_clusters=settings.clusters, n_init=4, random_state=settings.seed)
    assignment = kmeans.fit_predict(points)
    centroids = kmeans.cluster_centers_
    member_distances = np.linalg.norm(points - centroids[assignment], axis=1)
    radii = np.array(
        [
            np.sqrt(np.mean(member_distances[assignment == k] ** 2))
            if np.any(assignment == k)
            else 0.0
            for k in range(settings.clusters)
        ]
    )
    model = AnomalyModel(
        feature_columns=list(columns),
        mean=mean.tolist(),
        scale=scale.tolist(),
        centroids=centroids.tolist(),
        radii=np.maximum(radii, _RADIUS_FLOOR).tolist(),
        threshold=0.0,
    )
    training_scores = model.scores(flat)
    threshold = float(np.quantile(training_scores, settings.threshold_quantile))
    return model.model_copy(update={"threshold": threshold})

"""K-means anomaly detection: outliers score higher than normal windows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from worker.learning.anomaly import AnomalyModel, AnomalySettings, fit_anomaly
from worker.learning.errors import TrainingError


def _normal_windows(rng: np.random.Generator, count: int = 300) -> np.ndarray:
    # Two operating modes of a machine: two blobs in a 6-value feature space.
    modes = np.array([[0, 0, 0, 5, 5, 5], [4, 4, 4, 0, 0, 0]], dtype=float)
    return modes[rng.integers(0, 2, count)] + rng.normal(0, 0.3, (count, 6))


def test_outliers_score_higher_than_normal_windows(rng: np.random.Generator) -> None:
    model = fit_anomaly(_normal_windows(rng), AnomalySettings(clusters=4, seed=0))
    normal = _normal_windows(rng, 100)
    outliers = rng.normal(0, 0.3, (100, 6)) + np.array([8, -3, 8, -3, 8, -3])
    normal_scores, outlier_scores = model.scores(normal), model.scores(outliers)
    assert outlier_scores.min() > normal_scores.max()
    assert model.is_anomaly(outliers).all()
    assert model.is_anomaly(normal).mean() < 0.05


def test_threshold_is_the_training_score_quantile(rng: np.random.Generator) -> None:
    windows = _normal_windows(rng)
    model = fit_anomaly(windows, AnomalySettings(clusters=2, threshold_quantile=0.9))
    assert np.mean(model.scores(windows) > model.threshold) == pytest.approx(0.1, abs=0.01)


def test_score_is_distance_over_the_cluster_radius(rng: np.random.Generator) -> None:
    model = fit_anomaly(_normal_windows(rng), AnomalySettings(clusters=2))
    centroid = np.asarray(model.centroids[0])
    # A point one radius away from centroid 0 along the first axis (in standardized units).
    standardized = centroid + np.r_[model.radii[0], np.zeros(5)]
    window = standardized * np.asarray(model.scale) + np.asarray(model.mean)
    assert model.scores(window[None])[0] == pytest.approx(1.0)


def test_chosen_columns_and_export(rng: np.random.Generator) -> None:
    windows = _normal_windows(rng).reshape(300, 2, 3)  # features may come as 2-D windows
    model = fit_anomaly(windows, AnomalySettings(clusters=2, feature_columns=[0, 3]))
    assert len(model.centroids[0]) == 2
    exported = json.loads(json.dumps(model.export()))
    assert exported["feature_columns"] == [0, 3]
    restored = AnomalyModel.model_validate_json(model.model_dump_json())
    assert np.allclose(restored.scores(windows), model.scores(windows))


def test_bad_anomaly_input(rng: np.random.Generator) -> None:
    with pytest.raises(TrainingError, match=r"columns \[9\] do not exist.*columns 0..5"):
        fit_anomaly(_normal_windows(rng), AnomalySettings(clusters=2, feature_columns=[0, 9]))
    with pytest.raises(TrainingError, match="cannot form 32 clusters"):
        fit_anomaly(_normal_windows(rng, 20), AnomalySettings(clusters=32))

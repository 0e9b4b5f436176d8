"""Metrics against hand-computed values; MAC and weight counts of a hand-built model."""

from __future__ import annotations

import numpy as np
import pytest

from worker.learning.inference import UNCERTAIN, predicted_classes
from worker.learning.metrics import (
    classification_metrics,
    differences,
    regression_metrics,
)

NAMES = ["cat", "dog", "bird"]


def _one_hot_probabilities(predicted: list[int], classes: int = 3) -> np.ndarray:
    return np.eye(classes)[predicted] * 0.8 + 0.2 / classes


def test_confusion_matrix_and_per_class_scores_by_hand() -> None:
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1]
    metrics = classification_metrics(labels, _one_hot_probabilities(predicted), NAMES)
    assert metrics.confusion_matrix == [[2, 1, 1], [1, 2, 0], [0, 1, 2]]
    assert metrics.accuracy == pytest.approx(0.6)
    assert metrics.windows == 10
    cat, dog, bird = metrics.per_class
    # cat: 2 right of 3 predicted cat, of 4 real cats
    assert (cat.precision, cat.recall) == pytest.approx((2 / 3, 2 / 4))
    assert cat.f1 == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert (dog.precision, dog.recall, dog.support) == pytest.approx((2 / 4, 2 / 3, 3))
    assert (bird.precision, bird.recall) == pytest.approx((2 / 3, 2 / 3))
    # Right answers got 0.8 + 0.2/3 probability, wrong ones 0.2/3.
    right, wrong = 0.8 + 0.2 / 3, 0.2 / 3
    assert metrics.loss == pytest.approx(-(6 * np.log(right) + 4 * np.log(wrong)) / 10)


def test_a_class_never_predicted_has_zero_precision_not_nan() -> None:
    labels = np.array([0, 1, 2])
    metrics = classification_metrics(labels, _one_hot_probabilities([0, 0, 0]), NAMES)
    assert metrics.per_class[1].precision == 0.0
    assert metrics.per_class[1].f1 == 0.0


def test_zero_probability_gives_a_finite_loss() -> None:
    metrics = classification_metrics(np.array([1]), np.array([[1.0, 0.0, 0.0]]), NAMES)
    assert np.isfinite(metrics.loss) and metrics.loss > 10


def test_differences_are_int8_minus_float() -> None:
    labels = np.array([0, 1, 2, 2])
    float32 = classification_metrics(labels, _one_hot_probabilities([0, 1, 2, 2]), NAMES)
    int8 = classification_metrics(labels, _one_hot_probabilities([0, 1, 2, 1]), NAMES)
    diff = differences(float32, int8)
    assert diff.accuracy == pytest.approx(-0.25)
    assert diff.f1["cat"] == 0.0
    assert diff.f1["bird"] == pytest.approx(int8.per_class[2].f1 - 1.0)


def test_regression_metrics() -> None:
    metrics = regression_metrics(np.array([1.0, 2.0, 3.0]), np.array([[1.5], [2.0], [1.0]]))
    assert metrics.mean_squared_error == pytest.approx((0.25 + 0 + 4) / 3)
    assert metrics.mean_absolute_error == pytest.approx(2.5 / 3)


def test_uncertain_threshold() -> None:
    probabilities = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.1, 0.6, 0.3]])
    assert predicted_classes(probabilities, 0.5).tolist() == [0, UNCERTAIN, 1]
    assert predicted_classes(probabilities).tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="probability in 0..1"):
        predicted_classes(probabilities, 1.5)


@pytest.mark.parametrize(
    "model_name",
    [
        "micro_speech_int8.tflite",
        "mlperf_kws_dscnn_int8.tflite",
        "mlperf_ic_resnet8_int8.tflite",
        "mlperf_ad_autoencoder_int8.tflite",
    ],
)
def test_own_mac_count_agrees_with_the_compiler(shared_models, model_name: str) -> None:  # type: ignore[no-untyped-def]
    from worker.learning.metrics import _flatbuffer_mac_count, weight_bytes

    model_bytes = (shared_models / model_name).read_bytes()
    own = _flatbuffer_mac_count(model_bytes)
    assert own > 0
    try:
        from deploy_targets.compiler import load_graph
    except ImportError:
        pytest.skip("the compiler is not importable yet")
    graph = load_graph(model_bytes)
    assert own == graph.mac_count()
    assert weight_bytes(model_bytes) >= graph.weights_bytes()

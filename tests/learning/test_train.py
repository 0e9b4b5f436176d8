"""train(): the whole pipeline through the sandbox, on tiny separable datasets."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.learning.conftest import (
    CLASS_NAMES,
    COEFFICIENTS,
    FRAMES,
    TEST_LIMITS,
    TrainedClassifier,
)
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import classify, tensor_dtypes
from worker.learning.layers import Conv2D, Flatten, MaxPooling2D, Reshape
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

pytestmark = pytest.mark.slow


def test_training_writes_every_artifact(trained_classifier: TrainedClassifier) -> None:
    artifacts = trained_classifier.result.artifacts
    for path in (
        artifacts.script,
        artifacts.float32_tflite,
        artifacts.int8_tflite,
        artifacts.notebook,
    ):
        assert path.stat().st_size > 0
    with zipfile.ZipFile(artifacts.saved_model_zip) as archive:
        assert "saved_model/saved_model.pb" in archive.namelist()
    assert artifacts.keras is not None and artifacts.keras.exists()
    assert "layers.Conv1D(8" in artifacts.script.read_text()


def test_history_and_progress_are_reported_per_epoch(
    trained_classifier: TrainedClassifier,
) -> None:
    result, reporter = trained_classifier.result, trained_classifier.reporter
    assert len(result.history) == 5
    assert set(result.history[0]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert reporter.progress_calls == [(epoch, 5) for epoch in range(1, 6)]
    assert any(line.startswith("Epoch 5/5: loss") for line in reporter.lines)
    saved = json.loads(result.artifacts.history.read_text())
    assert saved == result.history


def test_int8_model_has_int8_input_and_output(trained_classifier: TrainedClassifier) -> None:
    int8_bytes = trained_classifier.result.artifacts.int8_tflite.read_bytes()
    assert tensor_dtypes(int8_bytes) == (np.dtype(np.int8), np.dtype(np.int8))
    float_bytes = trained_classifier.result.artifacts.float32_tflite.read_bytes()
    assert tensor_dtypes(float_bytes) == (np.dtype(np.float32), np.dtype(np.float32))


def test_int8_accuracy_is_close_to_float_on_separable_classes(
    trained_classifier: TrainedClassifier,
) -> None:
    result = trained_classifier.result
    assert result.float32.accuracy >= 0.9
    assert result.int8.accuracy >= 0.9
    assert result.differences is not None
    assert abs(result.differences.accuracy) <= 0.05
    assert result.differences.accuracy == pytest.approx(
        result.int8.accuracy - result.float32.accuracy
    )


def test_validation_metrics_count_every_validation_window(
    trained_classifier: TrainedClassifier,
) -> None:
    result = trained_classifier.result
    # 40 windows per class with a 0.2 split: 8 validation windows per class.
    assert result.validation_windows == 24
    assert result.training_windows == 96
    matrix = np.array(result.int8.confusion_matrix)
    assert matrix.sum() == 24
    assert matrix.sum(axis=1).tolist() == [8, 8, 8]
    assert [c.support for c in result.float32.per_class] == [8, 8, 8]


def test_model_size_figures(trained_classifier: TrainedClassifier) -> None:
    result = trained_classifier.result
    # Conv1D 8: 13 steps x 8 filters x 3 taps x 10 coefficients; pool to 7 steps;
    # Conv1D 16: 7 x 16 x 3 x 8; pool to 4 steps; Dense: 64 inputs x 3 classes.
    expected_macs = 13 * 8 * 3 * 10 + 7 * 16 * 3 * 8 + 4 * 16 * 3
    assert result.int8_size.mac_count == expected_macs
    assert result.float32_size.mac_count == expected_macs
    # int8 weights take a quarter of the float32 bytes (biases stay int32).
    assert result.int8_size.weight_bytes < result.float32_size.weight_bytes / 2
    if result.int8_size.arena_bytes is not None:
        assert result.int8_size.arena_bytes % 16 == 0
        assert result.int8_size.arena_bytes > 13 * 8  # at least the first activation


def test_classify_matches_reported_validation_accuracy(
    trained_classifier: TrainedClassifier, mfcc_dataset: tuple[np.ndarray, np.ndarray]
) -> None:
    features, labels = mfcc_dataset
    probabilities = classify(trained_classifier.result.artifacts.int8_tflite.read_bytes(), features)
    assert probabilities.shape == (len(features), len(CLASS_NAMES))
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=0.02)
    assert (probabilities.argmax(axis=1) == labels).mean() >= 0.9


def test_quantization_aware_training_converts_to_int8(
    tmp_path: Path, mfcc_dataset: tuple[np.ndarray, np.ndarray]
) -> None:
    features, labels = mfcc_dataset
    block = LearningBlockSpec(
        layers=[
            Reshape(target_shape=(FRAMES, COEFFICIENTS, 1)),
            Conv2D(filters=4, kernel_size=3, activation="relu"),
            MaxPooling2D(pool_size=2),
            Flatten(),
        ],
        quantization_aware_training=True,
    )
    settings = TrainingSettings(epochs=3, learning_rate=0.01, batch_size=16)
    result = train(
        features,
        labels,
        CLASS_NAMES,
        block,
        settings,
        tmp_path,
        limits=TEST_LIMITS,
        measure_arena=False,
    )
    assert "tfmot.quantization.keras.quantize_model(model)" in result.artifacts.script.read_text()
    assert tensor_dtypes(result.artifacts.int8_tflite.read_bytes()) == (
        np.dtype(np.int8),
        np.dtype(np.int8),
    )
    assert result.int8.accuracy >= 0.9


def test_pruning_zeroes_the_requested_share_of_weights(
    tmp_path: Path, mfcc_dataset: tuple[np.ndarray, np.ndarray]
) -> None:
    import tflite

    features, labels = mfcc_dataset
    flat = features.reshape(len(features), -1)
    block = LearningBlockSpec(
        layers=preset_layers("dense_spectral", flat.shape[1:]), pruning_sparsity=0.5
    )
    settings = TrainingSettings(epochs=4, learning_rate=0.01, batch_size=16)
    result = train(
        flat,
        labels,
        CLASS_NAMES,
        block,
        settings,
        tmp_path,
        limits=TEST_LIMITS,
        measure_arena=False,
    )
    model = tflite.Model.GetRootAsModel(result.artifacts.float32_tflite.read_bytes(), 0)
    graph = model.Subgraphs(0)
    # The first Dense kernel (20 x 130 float32) is the largest buffer; half of it must be zero.
    kernel = max(
        (graph.Tensors(i) for i in range(graph.TensorsLength())),
        key=lambda t: int(np.prod(t.ShapeAsNumpy())) if t.ShapeLength() else 0,
    )
    values = np.frombuffer(model.Buffers(kernel.Buffer()).DataAsNumpy().tobytes(), np.float32)
    assert values.size == 20 * FRAMES * COEFFICIENTS
    assert (values == 0).mean() >= 0.45
    assert result.float32.accuracy >= 0.8


def _regression_dataset() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    features = rng.normal(0.0, 1.0, (150, 8)).astype(np.float32)
    targets = features @ np.linspace(-1.0, 1.0, 8) + 0.5
    return features, targets.astype(np.float32)


def test_regression_is_deterministic_with_the_seed(tmp_path: Path) -> None:
    features, targets = _regression_dataset()
    block = LearningBlockSpec(task="regression", layers=preset_layers("dense_spectral", (8,)))
    settings = TrainingSettings(epochs=8, learning_rate=0.01, batch_size=16, seed=5)
    first = train(
        features,
        targets,
        [],
        block,
        settings,
        tmp_path / "a",
        limits=TEST_LIMITS,
        measure_arena=False,
    )
    second = train(
        features,
        targets,
        [],
        block,
        settings,
        tmp_path / "b",
        limits=TEST_LIMITS,
        measure_arena=False,
    )
    assert "layers.Dense(1)" in first.artifacts.script.read_text()
    assert set(first.history[0]) >= {"loss", "val_loss", "mean_absolute_error"}
    assert first.history == second.history
    assert (
        first.artifacts.float32_tflite.read_bytes() == second.artifacts.float32_tflite.read_bytes()
    )
    # The targets vary with a variance of about 2.9; a trained model explains most of it.
    assert first.float32.mean_squared_error < 0.5 * float(np.var(targets))
    assert first.int8.mean_absolute_error < 2 * first.float32.mean_absolute_error + 0.1

"""Model testing on the held-out test split, and live classification of a new sample's windows."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from worker.learning import data
from worker.learning.inference import UNCERTAIN, predict, predicted_classes
from worker.learning.metrics import (
    ClassificationMetrics,
    MetricDifferences,
    RegressionMetrics,
    classification_metrics,
    differences,
    regression_metrics,
)

UNCERTAIN_LABEL = "uncertain"


class SampleResult(BaseModel):
    """One test window: its label and what each model said (class index, -1 = uncertain)."""

    index: int
    label: float
    float32_prediction: float
    int8_prediction: float
    int8_confidence: float
    uncertain: bool


class ModelTestResult(BaseModel):
    float32: ClassificationMetrics | RegressionMetrics
    int8: ClassificationMetrics | RegressionMetrics
    differences: MetricDifferences | None
    uncertain_below: float
    uncertain_windows: int
    # Accuracy counting uncertain answers as wrong (what a device with the threshold achieves).
    int8_accuracy_with_uncertain: float | None
    samples: list[SampleResult]


class WindowClassification(BaseModel):
    window: int
    scores: dict[str, float]
    top: str


def run_model_test(
    float32_tflite: bytes,
    int8_tflite: bytes,
    features: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    *,
    task: str = "classification",
    uncertain_below: float = 0.6,
) -> ModelTestResult:
    """Both models on the whole test split: metrics, their difference and per-window results."""
    x = data.check_features(features, "test features")
    float_outputs = predict(float32_tflite, x)
    int8_outputs = predict(int8_tflite, x)
    if task == "regression":
        y = data.check_regression_targets(labels, len(x))
        samples = [
            SampleResult(
                index=i,
                label=float(y[i]),
                float32_prediction=float(float_outputs[i, 0]),
                int8_prediction=float(int8_outputs[i, 0]),
                int8_confidence=1.0,
                uncertain=False,
            )
            for i in range(len(x))
        ]
        return ModelTestResult(
            float32=regression_metrics(y, float_outputs),
            int8=regression_metrics(y, int8_outputs),
            differences=None,
            uncertain_below=0.0,
            uncertain_windows=0,
            int8_accuracy_with_uncertain=None,
            samples=samples,
        )
    y_class = np.asarray(labels)
    if y_class.shape != (len(x),) or not np.issubdtype(y_class.dtype, np.integer):
        raise ValueError(f"labels must be one class index per test window ({len(x)})")
    float_metrics = classification_metrics(y_class, float_outputs, class_names)
    int8_metrics = classification_metrics(y_class, int8_outputs, class_names)
    int8_classes = predicted_classes(int8_outputs, uncertain_below)
    float_classes = float_outputs.argmax(axis=1)
    confidence = int8_outputs.max(axis=1)
    samples = [
        SampleResult(
            index=i,
            label=float(y_class[i]),
            float32_prediction=float(float_classes[i]),
            int8_prediction=float(int8_classes[i]),
            int8_confidence=float(confidence[i]),
            uncertain=bool(int8_classes[i] == UNCERTAIN),
        )
        for i in range(len(x))
    ]
    return ModelTestResult(
        float32=float_metrics,
        int8=int8_metrics,
        differences=differences(float_metrics, int8_metrics),
        uncertain_below=uncertain_below,
        uncertain_windows=int(np.sum(int8_classes == UNCERTAIN)),
        int8_accuracy_with_uncertain=float(np.mean(int8_classes == y_class)),
        samples=samples,
    )


def classify_windows(
    tflite_bytes: bytes,
    window_features: np.ndarray,
    class_names: list[str],
    *,
    uncertain_below: float = 0.6,
) -> list[WindowClassification]:
    """Live classification: the scores of every window of a newly uploaded sample."""
    x = data.check_features(window_features, "window features")
    probabilities = predict(tflite_bytes, x)
    if probabilities.shape[1] != len(class_names):
        raise ValueError(
            f"the model has {probabilities.shape[1]} outputs but {len(class_names)} class names"
        )
    tops = predicted_classes(probabilities, uncertain_below)
    return [
        WindowClassification(
            window=i,
            scores={name: float(p) for name, p in zip(class_names, row, strict=True)},
            top=UNCERTAIN_LABEL if tops[i] == UNCERTAIN else class_names[tops[i]],
        )
        for i, row in enumerate(probabilities)
    ]

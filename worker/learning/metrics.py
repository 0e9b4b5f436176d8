"""How good a model is: accuracy, loss, confusion matrix, per-class F1, size, MACs and arena."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

# Probabilities are clipped before the log so a confident wrong int8 answer has a finite loss.
_PROBABILITY_FLOOR = 1e-7


class ClassMetrics(BaseModel):
    name: str
    precision: float
    recall: float
    f1: float
    support: int


class ClassificationMetrics(BaseModel):
    """Metrics of one model on one split. confusion_matrix[true][predicted] counts windows."""

    accuracy: float
    loss: float
    confusion_matrix: list[list[int]]
    per_class: list[ClassMetrics]
    windows: int


class RegressionMetrics(BaseModel):
    mean_squared_error: float
    mean_absolute_error: float
    windows: int


class MetricDifferences(BaseModel):
    """int8 minus float32: a negative accuracy difference is what quantization cost."""

    accuracy: float
    loss: float
    f1: dict[str, float]


class ModelSize(BaseModel):
    """On-device cost of one .tflite model; arena_bytes is None when it could not be measured,
    and arena_note then says why."""

    flatbuffer_bytes: int
    weight_bytes: int
    mac_count: int
    arena_bytes: int | None
    arena_note: str | None = None


def classification_metrics(
    labels: np.ndarray, probabilities: np.ndarray, class_names: list[str]
) -> ClassificationMetrics:
    """Metrics of argmax predictions; precision, recall or F1 with no defined value count as 0."""
    labels = np.asarray(labels, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(labels), len(class_names)):
        raise ValueError(
            f"probabilities have the shape {probabilities.shape}; expected "
            f"({len(labels)} windows, {len(class_names)} classes)"
        )
    predicted = probabilities.argmax(axis=1)
    classes = len(class_names)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = []
    for index, name in enumerate(class_names):
        hits = confusion[index, index]
        predicted_as = confusion[:, index].sum()
        actual = confusion[index, :].sum()
        precision = hits / predicted_as if predicted_as else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(
            ClassMetrics(
                name=name,
                precision=float(precision),
                recall=float(recall),
                f1=float(f1),
                support=int(actual),
            )
        )
    chosen = probabilities[np.arange(len(labels)), labels]
    loss = -np.log(np.clip(chosen, _PROBABILITY_FLOOR, 1.0)).mean() if len(labels) else 0.0
    return ClassificationMetrics(
        accuracy=float(np.trace(confusion) / len(labels)) if len(labels) else 0.0,
        loss=float(loss),
        confusion_matrix=confusion.tolist(),
        per_class=per_class,
        windows=len(labels),
    )


def regression_metrics(targets: np.ndarray, predictions: np.ndarray) -> RegressionMetrics:
    errors = np.asarray(predictions, np.float64).reshape(-1) - np.asarray(targets, np.float64)
    return RegressionMetrics(
        mean_squared_error=float(np.mean(errors**2)),
        mean_absolute_error=float(np.mean(np.abs(errors))),
        windows=len(errors),
    )


def differences(float32: ClassificationMetrics, int8: ClassificationMetrics) -> MetricDifferences:
    return MetricDifferences(
        accuracy=int8.accuracy - float32.accuracy,
        loss=int8.loss - float32.loss,
        f1={a.name: b.f1 - a.f1 for a, b in zip(float32.per_class, int8.per_class, strict=True)},
    )


def weight_bytes(tflite_bytes: bytes) -> int:
    """Bytes of all constant data stored in the flatbuffer's buffers (weights, biases, shapes)."""
    import tflite

    model = tflite.Model.GetRootAsModel(tflite_bytes, 0)
    return sum(model.Buffers(i).DataLength() for i in range(model.BuffersLength()))


def _weight_shape(graph: Any, tensor_index: int) -> np.ndarray:
    """The tensor's shape; for weights behind (DE)QUANTIZE ops (quantization-aware models
    converted to float), the shape of the constant they start from."""
    shape = graph.Tensors(tensor_index).ShapeAsNumpy()
    if isinstance(shape, np.ndarray) and shape.size:
        return shape
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        if op.OutputsLength() and op.Outputs(0) == tensor_index and op.InputsLength():
            return _weight_shape(graph, op.Inputs(0))
    return np.zeros(0, dtype=np.int32)


def _flatbuffer_mac_count(tflite_bytes: bytes) -> int:
    # Same formula as the compiler's Graph.mac_count, read straight from the flatbuffer.
    import tflite

    model = tflite.Model.GetRootAsModel(tflite_bytes, 0)
    graph = model.Subgraphs(0)
    total = 0
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if kind not in (
            tflite.BuiltinOperator.CONV_2D,
            tflite.BuiltinOperator.DEPTHWISE_CONV_2D,
            tflite.BuiltinOperator.FULLY_CONNECTED,
        ):
            continue
        out_elements = int(np.prod(graph.Tensors(op.Outputs(0)).ShapeAsNumpy()))
        weights = _weight_shape(graph, op.Inputs(1))
        if weights.size == 0:
            continue
        if kind == tflite.BuiltinOperator.CONV_2D:
            total += out_elements * int(weights[1] * weights[2] * weights[3])
        elif kind == tflite.BuiltinOperator.DEPTHWISE_CONV_2D:
            total += out_elements * int(weights[1] * weights[2])
        else:
            total += out_elements * int(weights[-1])
    return total


def mac_count(tflite_bytes: bytes) -> int:
    """Multiply-accumulates of one inference, by the compiler when it can read the model."""
    try:
        from deploy_targets.compiler import load_graph
    except ImportError:
        return _flatbuffer_mac_count(tflite_bytes)
    try:
        return int(load_graph(tflite_bytes).mac_count())
    except Exception:  # an operator the compiler does not support yet; count it ourselves
        return _flatbuffer_mac_count(tflite_bytes)


def tflm_arena_bytes(tflite_bytes: bytes) -> tuple[int | None, str | None]:
    """TensorFlow Lite Micro's smallest arena for the model, or (None, why it is unknown).

    The search runs tflite-micro in a child process (it can segfault on a too-small arena), so
    a crash there never ends the training that asked.
    """
    try:
        import tflite_micro  # noqa: F401

        from deploy_targets.estimate.tflm_arena import tflm_min_arena_bytes
    except ImportError:
        return None, "tflite-micro is not installed on the worker"
    try:
        return int(tflm_min_arena_bytes(tflite_bytes)), None
    except (ValueError, OSError) as error:  # ArenaMeasurementError: TFLM cannot run it, or crashed
        return None, f"the TFLM arena could not be measured: {error}"


def model_size(tflite_bytes: bytes, *, measure_arena: bool = True) -> ModelSize:
    arena_bytes, arena_note = (
        tflm_arena_bytes(tflite_bytes) if measure_arena else (None, "not measured")
    )
    return ModelSize(
        flatbuffer_bytes=len(tflite_bytes),
        weight_bytes=weight_bytes(tflite_bytes),
        mac_count=mac_count(tflite_bytes),
        arena_bytes=arena_bytes,
        arena_note=arena_note,
    )

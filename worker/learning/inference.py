"""Runs a .tflite model on feature windows: int8 models on TensorFlow Lite Micro (what the device
computes, bit for bit), float32 models on the TFLite interpreter. Used by training metrics, model
testing and live classification alike."""

from __future__ import annotations

from typing import Any

import numpy as np

UNCERTAIN = -1


def _interpreter(tflite_bytes: bytes) -> Any:
    # LiteRT is TFLite's interpreter without the rest of TensorFlow (0.2 s to import, not 5 s).
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from tensorflow.lite import Interpreter
    interpreter = Interpreter(model_content=tflite_bytes)
    interpreter.allocate_tensors()
    return interpreter


# Bytes per element of TFLite's tensor types (TensorType codes); 8 for any other type.
_TENSOR_TYPE_BYTES = {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 9: 1, 10: 8}
# TFLM's own bookkeeping (tensor and node structs) and kernel scratch buffers on top of the
# tensors; its default arena is 10 times the model.
_MICRO_OVERHEAD_FACTOR = 10
_MICRO_OVERHEAD_BYTES = 64 * 1024
_MICRO_ARENA_MAX_BYTES = 256 * 1024 * 1024


def micro_arena_bytes(tflite_bytes: bytes) -> int:
    """An arena TFLM surely fits the model in: every tensor that is not a constant, without
    reuse, plus room for TFLM's bookkeeping.

    tflite-micro's default (10 times the model) is too small for a model with large activations
    and few weights, and a too-small arena is where the interpreter fails or even segfaults, so
    inference never runs near the minimum.
    """
    import tflite

    model = tflite.Model.GetRootAsModel(tflite_bytes, 0)
    tensor_bytes = 0
    for subgraph_index in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(subgraph_index)
        for tensor_index in range(subgraph.TensorsLength()):
            tensor = subgraph.Tensors(tensor_index)
            buffer = model.Buffers(tensor.Buffer())
            if buffer is not None and buffer.DataLength() > 0:
                continue  # a constant: TFLM reads it from the flatbuffer
            shape = tensor.ShapeAsNumpy() if tensor.ShapeLength() else []
            elements = int(np.prod(shape, dtype=np.int64))
            item_bytes = _TENSOR_TYPE_BYTES.get(tensor.Type(), 8)
            tensor_bytes += (max(elements, 1) * item_bytes + 15) // 16 * 16
    arena = tensor_bytes + _MICRO_OVERHEAD_FACTOR * len(tflite_bytes) + _MICRO_OVERHEAD_BYTES
    return min(arena, _MICRO_ARENA_MAX_BYTES)


def _micro_interpreter(tflite_bytes: bytes) -> Any:
    # The generated C++ is bit-exact with TFLM's reference kernels, and tf.lite's optimised
    # kernels round differently (1-3 LSB on some models), so int8 results come from TFLM.
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(
        tflite_bytes, arena_size=micro_arena_bytes(tflite_bytes)
    )


def tensor_dtypes(tflite_bytes: bytes) -> tuple[np.dtype[Any], np.dtype[Any]]:
    """(input dtype, output dtype) of the model's first input and output."""
    interpreter = _interpreter(tflite_bytes)
    return (
        np.dtype(interpreter.get_input_details()[0]["dtype"]),
        np.dtype(interpreter.get_output_details()[0]["dtype"]),
    )


def _as_windows(features: np.ndarray, window_shape: tuple[int, ...]) -> np.ndarray:
    windows = np.asarray(features, dtype=np.float32)
    if windows.ndim == len(window_shape) or windows.ndim == 1:
        windows = windows[np.newaxis]
    if int(np.prod(windows.shape[1:])) != int(np.prod(window_shape)):
        raise ValueError(
            f"each window has {int(np.prod(windows.shape[1:]))} feature values {windows.shape[1:]}"
            f" but the model takes {int(np.prod(window_shape))} {window_shape}; generate the "
            "features with the impulse's DSP block and parameters"
        )
    return windows


def _quantize(values: np.ndarray, dtype: np.dtype[Any], scale: float, zero: int) -> np.ndarray:
    if dtype.kind != "i":
        return values.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(values / scale + zero), info.min, info.max).astype(dtype)


def _dequantize(raw: np.ndarray, scale: float, zero: int) -> np.ndarray:
    if raw.dtype.kind != "i":
        return raw.astype(np.float32)
    return ((raw.astype(np.float32) - zero) * scale).astype(np.float32)


def predict_int8_raw(tflite_bytes: bytes, features: np.ndarray) -> np.ndarray:
    """The int8 model's raw integer outputs from TensorFlow Lite Micro, one row per window."""
    interpreter = _micro_interpreter(tflite_bytes)
    source = interpreter.get_input_details(0)
    window_shape = tuple(int(d) for d in source["shape"][1:])
    input_dtype = np.dtype(source["dtype"])
    if input_dtype.kind != "i":
        raise ValueError(f"the model takes {input_dtype} input; TFLM inference here is for int8")
    input_scale = float(source["quantization_parameters"]["scales"][0])
    input_zero = int(source["quantization_parameters"]["zero_points"][0])
    outputs = []
    for window in _as_windows(features, window_shape):
        values = _quantize(window.reshape((1, *window_shape)), input_dtype, input_scale, input_zero)
        interpreter.set_input(values, 0)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0)).reshape(-1))
    return np.stack(outputs)


def predict(tflite_bytes: bytes, features: np.ndarray) -> np.ndarray:
    """The model's outputs as float32, one row per window; int8 models run on TensorFlow Lite
    Micro (their integer outputs dequantized here), float32 models on the TFLite interpreter."""
    input_dtype, _ = tensor_dtypes(tflite_bytes)
    if input_dtype.kind == "i":
        interpreter = _micro_interpreter(tflite_bytes)
        target = interpreter.get_output_details(0)
        scale = float(target["quantization_parameters"]["scales"][0])
        zero = int(target["quantization_parameters"]["zero_points"][0])
        return _dequantize(predict_int8_raw(tflite_bytes, features), scale, zero)
    interpreter = _interpreter(tflite_bytes)
    source = interpreter.get_input_details()[0]
    target = interpreter.get_output_details()[0]
    window_shape = tuple(int(d) for d in source["shape"][1:])
    output_scale, output_zero = target["quantization"]
    outputs = []
    for window in _as_windows(features, window_shape):
        interpreter.set_tensor(source["index"], window.reshape((1, *window_shape)))
        interpreter.invoke()
        raw = interpreter.get_tensor(target["index"]).reshape(-1)
        outputs.append(_dequantize(raw, output_scale, output_zero))
    return np.stack(outputs)


def classify(tflite_bytes: bytes, features: np.ndarray) -> np.ndarray:
    """Class probabilities, shape (windows, classes), from a float32 or int8 classifier."""
    return predict(tflite_bytes, features)


def predicted_classes(probabilities: np.ndarray, uncertain_below: float = 0.0) -> np.ndarray:
    """The most likely class of each row, or UNCERTAIN (-1) when its probability is below the threshold."""
    if not 0.0 <= uncertain_below <= 1.0:
        raise ValueError(
            f"the uncertain threshold is {uncertain_below}; it must be a probability in 0..1"
        )
    probabilities = np.asarray(probabilities)
    best = probabilities.argmax(axis=1)
    confident = probabilities[np.arange(len(best)), best] >= uncertain_below
    return np.where(confident, best, UNCERTAIN)

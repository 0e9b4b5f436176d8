"""Runs a .tflite model (float32 or int8) on feature windows: model testing and live classification."""

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


def tensor_dtypes(tflite_bytes: bytes) -> tuple[np.dtype[Any], np.dtype[Any]]:
    """(input dtype, output dtype) of the model's first input and output."""
    interpreter = _interpreter(tflite_bytes)
    return (
        np.dtype(interpreter.get_input_details()[0]["dtype"]),
        np.dtype(interpreter.get_output_details()[0]["dtype"]),
    )


def predict(tflite_bytes: bytes, features: np.ndarray) -> np.ndarray:
    """The model's outputs as float32, one row per window (int8 models are (de)quantized here)."""
    interpreter = _interpreter(tflite_bytes)
    source = interpreter.get_input_details()[0]
    target = interpreter.get_output_details()[0]
    window_shape = tuple(int(d) for d in source["shape"][1:])
    windows = np.asarray(features, dtype=np.float32)
    if windows.ndim == len(window_shape) or windows.ndim == 1:
        windows = windows[np.newaxis]
    if int(np.prod(windows.shape[1:])) != int(np.prod(window_shape)):
        raise ValueError(
            f"each window has {int(np.prod(windows.shape[1:]))} feature values {windows.shape[1:]}"
            f" but the model takes {int(np.prod(window_shape))} {window_shape}; generate the "
            "features with the impulse's DSP block and parameters"
        )
    input_scale, input_zero = source["quantization"]
    output_scale, output_zero = target["quantization"]
    input_dtype = np.dtype(source["dtype"])
    outputs = []
    for window in windows:
        values = window.reshape((1, *window_shape))
        if input_dtype.kind == "i":
            info = np.iinfo(input_dtype)
            values = np.clip(np.round(values / input_scale + input_zero), info.min, info.max)
        interpreter.set_tensor(source["index"], values.astype(input_dtype))
        interpreter.invoke()
        raw = interpreter.get_tensor(target["index"]).reshape(-1)
        if np.dtype(target["dtype"]).kind == "i":
            raw = (raw.astype(np.float32) - output_zero) * output_scale
        outputs.append(raw.astype(np.float32))
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

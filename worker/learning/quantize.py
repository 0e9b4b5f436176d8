"""Float32 and int8 (full-integer post-training quantization) .tflite models from a SavedModel.

Runs inside the training sandbox, where TensorFlow and the trained model already are.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


def representative_windows(x_train: np.ndarray, *, count: int, seed: int) -> np.ndarray:
    """Up to `count` training windows, drawn without replacement, to calibrate int8 ranges."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(x_train), size=min(count, len(x_train)), replace=False)
    return x_train[np.sort(chosen)].astype(np.float32)


def _converter(saved_model_dir: Path) -> Any:
    """A TFLite converter for the SavedModel's serving function with the batch fixed at 1.

    With the batch left open, every Reshape computes its target at run time (SHAPE,
    STRIDED_SLICE, PACK); with one window per inference, as on a microcontroller, those fold
    into constants and the model holds only the operators the compiler and TFLM expect.
    """
    import tensorflow as tf

    loaded = tf.saved_model.load(str(saved_model_dir))
    serving = loaded.signatures["serving_default"]
    (input_name, spec), *others = serving.structured_input_signature[1].items()
    if others:
        raise ValueError("the model must have exactly one input (the window's features)")
    one_window = tf.TensorSpec([1, *spec.shape[1:]], spec.dtype, name=input_name)

    def infer(features: Any) -> Any:
        outputs = serving(**{input_name: features})
        return next(iter(outputs.values()))

    concrete = tf.function(infer).get_concrete_function(one_window)
    return tf.lite.TFLiteConverter.from_concrete_functions([concrete], loaded)


def float32_tflite(saved_model_dir: Path) -> bytes:
    """The SavedModel as a float32 .tflite flatbuffer (builtin ops only)."""
    return bytes(_converter(saved_model_dir).convert())


def int8_tflite(saved_model_dir: Path, windows: np.ndarray) -> bytes:
    """Full-integer int8 .tflite: int8 weights, activations, input and output.

    `windows` (training features, one per row) set the activation ranges; any operator
    without an int8 kernel makes the converter fail rather than fall back to float.
    """
    import tensorflow as tf

    if len(windows) == 0:
        raise ValueError("int8 quantization needs at least one representative window")

    def representative_dataset() -> Iterator[list[np.ndarray]]:
        for window in windows:
            yield [window[np.newaxis].astype(np.float32)]

    converter = _converter(saved_model_dir)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def zip_saved_model(saved_model_dir: Path, zip_path: Path) -> Path:
    """`saved_model_dir` zipped (the download), with the directory as the archive's top folder."""
    archive = shutil.make_archive(
        str(zip_path.with_suffix("")),
        "zip",
        root_dir=saved_model_dir.parent,
        base_dir=saved_model_dir.name,
    )
    return Path(archive)

"""FULLY_CONNECTED with the weights laid out two rows per int16 (mf::fully_connected_row_pairs):
the layout the compiler writes, and the bytes of the reference and fast paths against TFLite
Micro on dense layers with an odd number of input groups, per-tensor and per-channel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite, prepare
from deploy_targets.compiler.ops.fully_connected import folded_bias, row_pair_words
from tests.compiler.reference import build_harness, random_inputs, run_compiled, run_tflm


def decoded_weight(words: np.ndarray, depth: int, row: int, i: int) -> int:
    """Weight (row, i) as mf::row_pair_weights (fully_connected.h) reads it."""
    word = ((row // 4) * (depth // 4) + i // 4) * 4 + 2 * ((row % 4) // 2) + i % 2
    high_byte = row % 2 == 0
    byte = 2 * ((i % 4) // 2) + (1 if high_byte else 0)
    bits = (int(words[word]) & 0xFFFFFFFF) >> (8 * byte) & 0xFF
    bits = bits if high_byte else bits ^ 0x80
    return bits - 256 if bits >= 128 else bits


def test_every_weight_is_where_the_kernel_reads_it_extremes_included() -> None:
    rng = np.random.default_rng(0)
    weights = rng.integers(-128, 128, size=(8, 12))
    weights[0, :4] = [-128, 127, -128, 127]
    weights[1, :4] = [-128, -128, 127, 127]
    words = row_pair_words(weights)
    assert words.shape == (8 * 12 // 4,)
    assert words.min() >= -(2**31) and words.max() < 2**31  # emitted as int32_t
    for row in range(8):
        for i in range(12):
            assert decoded_weight(words, 12, row, i) == weights[row, i]
    # Each int16 half is 256 A + B + 128 for rows A = 2k, B = 2k + 1 (one SMLAD operand).
    first = int(words[0]) & 0xFFFFFFFF
    low_half = (first & 0xFFFF) - (0x10000 if first & 0x8000 else 0)
    assert low_half == 256 * weights[0, 0] + weights[1, 0] + 128


def test_the_input_offset_is_folded_into_the_bias_modulo_2_to_the_32() -> None:
    weights = np.array([[127] * 8, [-128] * 8, [1, -1] * 4, [0] * 8])
    bias = np.array([2**31 - 1, -(2**31), 5, 7])
    folded = folded_bias(weights, bias, 128)
    assert folded.tolist() == [
        (2**31 - 1 + 128 * 127 * 8) - 2**32,
        -(2**31) - 128 * 128 * 8 + 2**32,
        5,
        7,
    ]
    assert folded_bias(weights, None, -3).tolist() == [-3 * 127 * 8, 3 * 128 * 8, 0, 0]


def dense_model(seed: int, per_channel: bool) -> bytes:
    """Two dense layers on 12 inputs (three groups of four: the kernel's odd first group)."""
    from tests.compiler.model_factory import _keras, to_int8_tflite

    keras = _keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=(12,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    x = keras.layers.Dense(12)(x)
    model = keras.Model(inputs, x)
    model.set_weights(
        [rng.normal(0.0, 1.0, size=w.shape).astype(np.float32) for w in model.get_weights()]
    )
    return to_int8_tflite(model, seed, per_channel_dense=per_channel)


@pytest.mark.parametrize("per_channel", [False, True])
def test_dense_layers_equal_tflite_micro_on_both_paths(per_channel: bool, tmp_path: Path) -> None:
    model_bytes = dense_model(7, per_channel)
    functions = [s.function for s in prepare(model_bytes).steps]
    assert functions.count("mf::fully_connected_row_pairs") == 2
    library = compile_tflite(model_bytes, tmp_path)
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(1), np.dtype(spec.dtype), spec.shape, 12)
    expected = run_tflm(model_bytes, inputs)
    for fast in (0, 1):
        executable = build_harness(tmp_path, (f"MF_FAST_KERNELS={fast}",), f"h{fast}.bin")
        ours = run_compiled(executable, inputs, np.dtype(output.dtype), output.shape)
        for got, want in zip(ours, expected, strict=True):
            assert got.tobytes() == want.tobytes()

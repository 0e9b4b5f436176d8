"""The float32 reference path: models converted without quantization compile behind the same C
API and agree with TensorFlow Lite Micro's float reference kernels (and LiteRT's) within 1e-5
relative; in these models they agree to the bit, as the kernels keep TFLite's summation order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite, load_graph, prepare
from tests.compiler.reference import (
    build_harness,
    random_inputs,
    run_compiled,
    run_litert,
    run_tflm,
)

MODELS = [
    (1000, "any"), (1001, "any"), (1002, "conv,residual"), (1003, "depthwise,pool"),
    (1004, "global_pool,sigmoid"), (1005, "tanh,concatenate,multiply"),
    (1006, "zero_pad,subtract,relu6"), (1007, "separable,add"),
    (1008, "leaky_relu,hard_swish"), (1009, "minimum,maximum,broadcast_min_max"),
    (1010, "crop,strided"), (1011, "strided,conv"),
    (1012, "resize_nearest,resize_bilinear"),
    (1013, "resize_nearest_align_corners,resize_bilinear_half_pixel_centers"),
    (1014, "resize_nearest_half_pixel_centers,resize_bilinear_align_corners"),
    (1015, "upsample,pool"), (1016, "transpose_conv"), (1017, "transpose_conv,transpose_conv"),
    (1027, "transpose_conv"),  # without a bias
    (1018, "grouped_conv"), (1019, "grouped_conv,grouped_conv"),
]
# Keras' dilated convolutions (SPACE_TO_BATCH_ND, CONV_2D, BATCH_TO_SPACE_ND) in models with a
# dynamic batch, which TFLite Micro cannot run (it does not resize tensors): LiteRT is their
# reference, and space_to_batch_float_model, with a fixed batch, is compared with both.
DYNAMIC_BATCH_MODELS = [(1020, "keras_dilated_conv"), (1021, "dilated_conv1d"),
                        (1022, "conv,keras_dilated_conv,pool")]


def assert_close(got: list[np.ndarray], want: list[np.ndarray], reference: str) -> None:
    for index, (a, b) in enumerate(zip(got, want, strict=True)):
        tolerance = 1e-5 * np.maximum(np.abs(b), 1e-5 * float(np.max(np.abs(b))))
        worst = float(np.max(np.abs(a - b) - tolerance))
        assert worst <= 0, f"input {index}: off {reference} by more than 1e-5 relative"


@pytest.mark.parametrize(("seed", "blocks"), MODELS, ids=[f"{s}-{b}" for s, b in MODELS])
def test_float_model_matches_the_float_reference_kernels(
        seed: int, blocks: str, factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = factory_model("random_float_model", seed, blocks)
    graph = load_graph(model_bytes)
    assert all(graph.tensors[op.outputs[0]].dtype in ("float32", "int32")
               for op in graph.operators)
    library = compile_tflite(model_bytes, tmp_path)
    assert library.inputs[0].dtype == library.outputs[0].dtype == "float32"
    assert all(s.function.endswith("_f32") for s in prepare(model_bytes).steps if not s.alias)
    inputs = random_inputs(np.random.default_rng(seed), np.dtype("float32"),
                           library.inputs[0].shape, 6)
    ours = run_compiled(build_harness(tmp_path), inputs, np.dtype("float32"),
                        library.outputs[0].shape)
    assert_close(ours, run_tflm(model_bytes, inputs), "TFLite Micro")
    assert_close(ours, run_litert(model_bytes, inputs, reference_kernels=True), "LiteRT")


def _compiled_outputs(model_bytes: bytes, seed: int, tmp_path: Path
                      ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(inputs, the compiled library's outputs) for 6 random float inputs."""
    library = compile_tflite(model_bytes, tmp_path)
    assert all(s.function.endswith("_f32") for s in prepare(model_bytes).steps if not s.alias)
    inputs = random_inputs(np.random.default_rng(seed), np.dtype("float32"),
                           library.inputs[0].shape, 6)
    return inputs, run_compiled(build_harness(tmp_path), inputs, np.dtype("float32"),
                                library.outputs[0].shape)


@pytest.mark.parametrize(("seed", "blocks"), DYNAMIC_BATCH_MODELS,
                         ids=[f"{s}-{b}" for s, b in DYNAMIC_BATCH_MODELS])
def test_float_dilated_convolution_matches_litert(
        seed: int, blocks: str, factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = factory_model("random_float_model", seed, blocks)
    kinds = [op.kind for op in load_graph(model_bytes).operators]
    assert "SPACE_TO_BATCH_ND" in kinds and "BATCH_TO_SPACE_ND" in kinds
    inputs, ours = _compiled_outputs(model_bytes, seed, tmp_path)
    assert_close(ours, run_litert(model_bytes, inputs, reference_kernels=True), "LiteRT")


def test_float_space_to_batch_matches_the_float_reference_kernels(
        factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = factory_model("space_to_batch_float_model", 1023)
    inputs, ours = _compiled_outputs(model_bytes, 1023, tmp_path)
    # Padded by 1 and 2 rows, 3 and 0 columns, cropped by 1 and 0 rows, 0 and 2 columns: the
    # last 2 rows and first 3 columns are padding (0.0), the rest the input through RELU.
    assert ours[0].shape == (1, 11, 10, 3)
    for got, x in zip(ours, inputs, strict=True):
        assert not got[:, 9:].any() and not got[:, :, :3].any()
        assert np.array_equal(got[:, :9, 3:], np.maximum(x[:, :, :7], 0.0))
    # TFLite Micro memsets float padding with the byte of the tensor's zero point, which a float
    # tensor leaves unset: its padding is whatever that byte was (0x36363636 = 2.7e-6 in one full
    # run). So TFLM is compared on the values that came from the input, LiteRT on everything.
    tflm = run_tflm(model_bytes, inputs)
    assert_close([o[:, :9, 3:] for o in ours], [t[:, :9, 3:] for t in tflm], "TFLite Micro")
    assert_close(ours, run_litert(model_bytes, inputs, reference_kernels=True), "LiteRT")


def test_the_float_models_cover_every_float_kernel(factory_model: Callable[..., bytes]) -> None:
    from deploy_targets.compiler.ops.float32 import KERNEL_HEADERS

    functions = {s.function for seed, blocks in MODELS + DYNAMIC_BATCH_MODELS
                 for s in prepare(factory_model("random_float_model", seed, blocks)).steps}
    assert set(KERNEL_HEADERS) <= functions, set(KERNEL_HEADERS) - functions

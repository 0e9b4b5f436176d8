"""16x8 quantization (int16 activations, int8 weights, int64 biases): FULLY_CONNECTED,
CONV_2D (grouped too), DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D, ADD/SUB, MUL, MEAN, PAD,
CONCATENATION, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR, MINIMUM/MAXIMUM, SPACE_TO_BATCH_ND and
BATCH_TO_SPACE_ND, RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, TRANSPOSE_CONV, SOFTMAX, QUANTIZE
(int16 -> int16) and QUANTIZE/DEQUANTIZE to and from float, compared value by value with TFLite
Micro and LiteRT's reference kernels on random models with int16 or float input and output;
LOGISTIC and TANH also on every int16 input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import CompileError, load_graph, prepare
from deploy_targets.compiler.compiler import compile_tflite
from deploy_targets.compiler.ops.int16x8 import sigmoid_table, softmax_tables
from tests.compiler.reference import build_harness, run_compiled, run_tflm
from tests.compiler.test_generated_models import assert_exact

MODELS = [
    (900, "conv"), (901, "conv,conv"), (902, "residual"), (903, "add"), (904, "subtract"),
    (905, "conv,residual"), (906, "conv"), (907, "residual,conv"),
]
# Models for the operators whose int16 kernels follow the int8 ones: the operator each must
# contain and the kernel it must lower to.
OPERATOR_MODELS = [
    (908, "multiply", "MUL", "mf::mul_int16"),
    (909, "scale_channels,conv", "MUL", "mf::mul_int16"),
    (910, "global_pool", "MEAN", "mf::mean_int16"),
    (911, "mean_columns", "MEAN", "mf::mean_int16"),
    (912, "zero_pad,conv", "PAD", "mf::pad_int16"),
    (913, "zero_pad,zero_pad", "PAD", "mf::pad_int16"),
    (914, "concatenate", "CONCATENATION", "mf::concatenation_part_int16"),
    (915, "multiply,concatenate,global_pool", "QUANTIZE",
     "mf::requantize<int16_t, int16_t>"),
    (917, "crop,strided", "STRIDED_SLICE", "mf::strided_slice_int16"),
    (918, "resize_nearest_half_pixel_centers", "RESIZE_NEAREST_NEIGHBOR",
     "mf::resize_nearest_neighbor_int16"),
    (919, "resize_nearest_align_corners,upsample", "RESIZE_NEAREST_NEIGHBOR",
     "mf::resize_nearest_neighbor_int16"),
    (930, "minimum", "MINIMUM", "mf::min_max_int16"),
    (931, "maximum,broadcast_min_max", "MAXIMUM", "mf::min_max_int16"),
    (933, "relu", "RELU", "mf::relu_int16"),
    (934, "relu6", "RELU6", "mf::clamp_int16"),
    (935, "leaky_relu", "LEAKY_RELU", "mf::leaky_relu_int16"),
    (936, "conv,leaky_relu", "LEAKY_RELU", "mf::leaky_relu_int16"),
    (937, "transpose_conv", "TRANSPOSE_CONV", "mf::transpose_conv_16x8"),
    (938, "transpose_conv,transpose_conv", "TRANSPOSE_CONV", "mf::transpose_conv_16x8"),
    (939, "conv,transpose_conv", "TRANSPOSE_CONV", "mf::transpose_conv_16x8"),
    (940, "grouped_conv", "CONV_2D", "mf::conv_2d_16x8"),
    (941, "grouped_conv,grouped_conv", "CONV_2D", "mf::conv_2d_16x8"),
    (943, "sigmoid", "LOGISTIC", "mf::logistic_int16"),
    (944, "conv,tanh", "TANH", "mf::tanh_int16"),
]


@pytest.mark.parametrize(("seed", "blocks"), MODELS, ids=[f"{s}-{b}" for s, b in MODELS])
def test_16x8_model_is_exact(seed: int, blocks: str, factory_model: Callable[..., bytes],
                             tmp_path: Path) -> None:
    model_bytes = factory_model("random_16x8_model", seed, blocks)
    graph = load_graph(model_bytes)
    assert graph.tensors[graph.inputs[0]].dtype == "int16"
    functions = {s.function for s in prepare(model_bytes).steps}
    assert {"mf::fully_connected_16x8"} <= functions
    assert not functions & {"mf::conv_2d", "mf::conv_2d_add", "mf::add", "mf::softmax"}
    assert_exact(model_bytes, tmp_path, seed)


@pytest.mark.parametrize(("seed", "blocks", "operator", "function"), OPERATOR_MODELS,
                         ids=[f"{s}-{op}" for s, _, op, _ in OPERATOR_MODELS])
def test_16x8_operator_is_exact(seed: int, blocks: str, operator: str, function: str,
                                factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = factory_model("random_16x8_model", seed, blocks)
    graph = load_graph(model_bytes)
    kinds = [op.kind for op in graph.operators]
    assert operator in kinds, f"the model meant to test {operator} has only {kinds}"
    functions = {s.function for s in prepare(model_bytes).steps}
    assert function in functions
    if "grouped_conv" in blocks:
        assert any(graph.tensors[op.inputs[1]].shape[3] < graph.tensors[op.inputs[0]].shape[3]
                   for op in graph.operators if op.kind == "CONV_2D")
    assert not functions & {"mf::mul", "mf::mean", "mf::pad", "mf::concatenation_part",
                            "mf::requantize", "mf::strided_slice", "mf::resize_nearest_neighbor",
                            "mf::min_max"}
    # LiteRT's RELU6 requantizes where TFLite Micro's does not (test_runtime_divergence.py):
    # with it in the model only TFLite Micro, the device reference, is compared.
    assert_exact(model_bytes, tmp_path, seed, litert="RELU6" not in kinds)


def test_16x8_space_to_batch_is_exact(factory_model: Callable[..., bytes],
                                     tmp_path: Path) -> None:
    """SPACE_TO_BATCH_ND (padded) and BATCH_TO_SPACE_ND (cropped) move int16 values with the
    int8 kernels' templates (the padding is the zero point, 0). TFLite Micro has no int16
    SPACE_TO_BATCH_ND kernel (it fails to invoke): LiteRT is the reference."""
    model_bytes = factory_model("space_to_batch_16x8_model", 932)
    graph = load_graph(model_bytes)
    kinds = [op.kind for op in graph.operators]
    assert "SPACE_TO_BATCH_ND" in kinds and "BATCH_TO_SPACE_ND" in kinds
    assert graph.tensors[graph.inputs[0]].dtype == "int16"
    assert_exact(model_bytes, tmp_path, 932, tflm=False)


FLOAT_IO_MODELS = [(920, "depthwise,pool"), (921, "pool,conv"), (922, "any"), (923, "any")]


@pytest.mark.parametrize(("seed", "blocks"), FLOAT_IO_MODELS,
                         ids=[f"{s}-{b}" for s, b in FLOAT_IO_MODELS])
def test_16x8_model_with_float_io_is_exact(seed: int, blocks: str,
                                           factory_model: Callable[..., bytes],
                                           tmp_path: Path) -> None:
    """The converter's default for 16x8: float input and output around QUANTIZE/DEQUANTIZE,
    with DEPTHWISE_CONV_2D and the pools in int16 too."""
    model_bytes = factory_model("random_16x8_model", seed, blocks, "float")
    graph = load_graph(model_bytes)
    kinds = [op.kind for op in graph.operators]
    assert kinds[0] == "QUANTIZE" and kinds[-1] == "DEQUANTIZE"
    assert graph.tensors[graph.operators[0].outputs[0]].dtype == "int16"
    assert_exact(model_bytes, tmp_path, seed)


def test_the_models_cover_every_16x8_kernel(factory_model: Callable[..., bytes]) -> None:
    from deploy_targets.compiler.ops.int16x8 import KERNEL_HEADERS

    functions: set[str] = set()
    for seed, blocks in MODELS:
        functions |= {s.function for s in prepare(
            factory_model("random_16x8_model", seed, blocks)).steps}
    for seed, blocks, _, _ in OPERATOR_MODELS:
        functions |= {s.function for s in prepare(
            factory_model("random_16x8_model", seed, blocks)).steps}
    for seed, blocks in FLOAT_IO_MODELS:
        functions |= {s.function for s in prepare(
            factory_model("random_16x8_model", seed, blocks, "float")).steps}
    assert set(KERNEL_HEADERS) <= functions, set(KERNEL_HEADERS) - functions
    # The int16 kernels that operator modules (PAD, MEAN, ...) call themselves.
    shared = {"mf::pad_int16", "mf::concatenation_part_int16", "mf::mean_int16",
              "mf::strided_slice_int16", "mf::resize_nearest_neighbor_int16",
              "mf::min_max_int16", "mf::relu_int16", "mf::clamp_int16",
              "mf::leaky_relu_int16", "mf::transpose_conv_16x8"}
    assert shared <= functions, shared - functions
    subtracts = [op for seed, blocks in MODELS
                 for op in load_graph(factory_model("random_16x8_model", seed, blocks)).operators
                 if op.kind == "SUB"]
    assert subtracts


def test_softmax_tables_match_their_functions() -> None:
    """exp on [-10, 0] and 1 / (1 + x) on [0, 1], in Q0.15 (the 513th entry is the end point)."""
    exp_table, reciprocal_table = softmax_tables()
    assert len(exp_table) == len(reciprocal_table) == 513
    x = np.linspace(0.0, 1.0, 513)
    assert np.max(np.abs(np.array(exp_table) - np.minimum(np.exp(10 * x - 10) * 32768, 32767))) <= 2
    assert np.max(np.abs(np.array(reciprocal_table) - np.minimum(32768 / (1 + x), 32767))) <= 2
    assert exp_table[-1] == reciprocal_table[0] == 32767 and reciprocal_table[-1] == 16384


def test_16x8_pad_with_a_float_pad_value_is_refused(factory_model: Callable[..., bytes]) -> None:
    """The converter leaves tf.pad's constant_values float32 in a 16x8 model; TFLite Micro
    requires the pad value in the input's type, so the compiler refuses it, naming PADV2."""
    with pytest.raises(CompileError, match="PADV2 .*pad value .* is float32; int16 is required"):
        prepare(factory_model("random_16x8_model", 916, "pad_value"))


def test_16x8_resize_bilinear_is_refused(factory_model: Callable[..., bytes]) -> None:
    """TFLite Micro has no int16 RESIZE_BILINEAR kernel; the compiler refuses it by name."""
    with pytest.raises(CompileError, match="RESIZE_BILINEAR .*int16 RESIZE_BILINEAR is not"):
        prepare(factory_model("random_16x8_model", 942, "resize_bilinear"))


def test_int16_tensor_with_a_zero_point_is_refused(factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("random_16x8_model", 900, "conv"))
    from deploy_targets.compiler.lowering import lower_graph

    first = graph.tensors[graph.inputs[0]]
    graph.tensors[graph.inputs[0]] = type(first)(first.index, first.name, first.dtype,
                                                 first.shape, first.scales, (3,))
    with pytest.raises(CompileError, match="zero point 0"):
        lower_graph(graph)


# Calibration ranges of a lone sigmoid or tanh's input (scale = range / 32767) and the input
# rescaling TFLite Micro's Prepare picks for them: 2^-12 exactly and within CheckedLog2's
# tolerance of 2^-12 and 2^-11 (TANH takes both as powers of two, multiplier 3 << shift;
# LOGISTIC only 2^-12), and general scales with a 15-bit multiplier and a rounding shift, from
# inputs that stay inside the table to ones that saturate.
SIGMOID_RANGES = [
    ("sigmoid", "7.999755859375", (3, 0)), ("sigmoid", "7.9958", (3, 0)),
    ("sigmoid", "16.0094", (24591, 12)), ("sigmoid", "0.5", (24576, 17)),
    ("sigmoid", "80", (30720, 10)), ("tanh", "7.9958", (3, 0)), ("tanh", "16.0094", (6, 0)),
    ("tanh", "1.0", (24576, 16)), ("tanh", "40", (30720, 11)),
]


@pytest.mark.parametrize(("kind", "input_range", "rescale"), SIGMOID_RANGES,
                         ids=[f"{k}-{r}" for k, r, _ in SIGMOID_RANGES])
def test_16x8_sigmoid_and_tanh_equal_tflite_micro_on_every_input(
        kind: str, input_range: str, rescale: tuple[int, int],
        factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = factory_model("sigmoid_16x8_model", 950, kind, input_range)
    graph = load_graph(model_bytes)
    assert [op.kind for op in graph.operators] == [{"sigmoid": "LOGISTIC", "tanh": "TANH"}[kind]]
    (step,) = prepare(model_bytes).steps
    fields = dict(step.structs[0].fields)
    assert (int(fields["input_multiplier"]), int(fields["input_right_shift"])) == rescale
    compile_tflite(model_bytes, tmp_path)
    every = np.arange(-32768, 32768, dtype=np.int16).reshape(1, 65536)
    want = run_tflm(model_bytes, [every], arena_size=1 << 20)[0]
    got = run_compiled(build_harness(tmp_path), [every], np.dtype(np.int16), want.shape)[0]
    wrong = np.flatnonzero(got != want)
    assert wrong.size == 0, (f"{wrong.size} of 65536 inputs differ from TFLite Micro, the first "
                             f"{every.flat[wrong[0]]}: {got.flat[wrong[0]]} for "
                             f"{want.flat[wrong[0]]}")


@pytest.mark.parametrize(("seed", "kind"), [(951, "sigmoid"), (952, "tanh")])
def test_16x8_sigmoid_and_tanh_after_a_dense_are_exact(seed: int, kind: str,
                                                        factory_model: Callable[..., bytes],
                                                        tmp_path: Path) -> None:
    model_bytes = factory_model("dense_sigmoid_16x8_model", seed, kind)
    kinds = [op.kind for op in load_graph(model_bytes).operators]
    assert kinds == ["FULLY_CONNECTED", {"sigmoid": "LOGISTIC", "tanh": "TANH"}[kind],
                     "FULLY_CONNECTED"]
    assert_exact(model_bytes, tmp_path, seed, count=32)


def test_16x8_sigmoid_with_an_input_scale_beyond_15_bits_is_refused(
        factory_model: Callable[..., bytes]) -> None:
    """TFLite Micro's multiplier, scale * 12288, must fit 15 bits (scale 3.05 here)."""
    with pytest.raises(CompileError, match="TANH .*input scale .* is out of range"):
        prepare(factory_model("sigmoid_16x8_model", 950, "tanh", "100000"))


def test_sigmoid_table_is_the_sigmoid_in_0_16() -> None:
    """sigmoid(i / 24) * 65536, raised by at most the bias and the rounding (1.5 units),
    rising from one half to 65535."""
    table = np.array(sigmoid_table())
    exact = 65536 / (1 + np.exp(-np.arange(256) / 24))
    assert len(table) == 256 and table[0] == 32768 and table[-1] == 65535
    assert np.all(np.abs(table - exact) <= 1.5) and np.all(np.diff(table) >= 0)

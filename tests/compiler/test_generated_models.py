"""Random tf_keras models from the supported layers: the compiled C++ equals TFLite Micro, and
its LiteRT-rounding build equals the LiteRT interpreter's reference kernels, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite, load_graph
from deploy_targets.compiler.lowering import lower_graph
from deploy_targets.compiler.planner import plan_memory
from tests.compiler.reference import (
    build_harness,
    random_inputs,
    run_compiled,
    run_litert,
    run_tflm,
)

SEEDS = list(range(12))


def assert_exact(model_bytes: bytes, out_dir: Path, seed: int, count: int = 8,
                 litert: bool = True, tflm: bool = True) -> None:
    """The default build equals TFLite Micro; the MF_LITERT_ROUNDING build equals LiteRT's
    reference kernels (each unless switched off)."""
    library = compile_tflite(model_bytes, out_dir)
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(seed), np.dtype(spec.dtype), spec.shape, count)
    checks: list[tuple[tuple[str, ...], list[np.ndarray]]] = []
    if tflm:
        checks.append(((), run_tflm(model_bytes, inputs)))
    if litert:
        checks.append((("MF_LITERT_ROUNDING",),
                       run_litert(model_bytes, inputs, reference_kernels=True)))
    for defines, reference in checks:
        executable = build_harness(out_dir, defines, f"harness{len(defines)}.bin")
        ours = run_compiled(executable, inputs, np.dtype(output.dtype), output.shape)
        for index, (got, want) in enumerate(zip(ours, reference, strict=True)):
            assert got.tobytes() == want.tobytes(), (
                f"input {index}: {int(np.count_nonzero(got != want))} of {got.size} values "
                f"differ from {'LiteRT' if defines else 'TFLite Micro'}")


@pytest.mark.parametrize("seed", SEEDS)
def test_random_model_is_exact(seed: int, int8_model: Callable[..., bytes],
                               tmp_path: Path) -> None:
    assert_exact(int8_model(seed), tmp_path, seed)


@pytest.mark.parametrize("seed", SEEDS[:6])
def test_random_model_memory_plan_has_no_overlap(seed: int,
                                                 int8_model: Callable[..., bytes]) -> None:
    graph = load_graph(int8_model(seed))
    steps = lower_graph(graph)
    plan = plan_memory(graph, steps)
    arena = [b for b in plan.buffers if b.external is None]
    for i, a in enumerate(arena):
        assert 0 <= a.offset and a.offset + a.size_bytes <= plan.arena_bytes
        for b in arena[i + 1:]:
            if a.overlaps_in_time(b):
                assert a.offset + a.size_bytes <= b.offset or b.offset + b.size_bytes <= a.offset


def test_residual_blocks_fuse_conv_into_add(int8_model: Callable[..., bytes],
                                            tmp_path: Path) -> None:
    model_bytes = int8_model(100, ["residual", "residual"])
    kinds = [s.kind for s in lower_graph(load_graph(model_bytes))]
    # Each block's second conv is fused into its ADD; where the first conv may run row by
    # row into it (chain_fusion.py), it is fused too.
    assert sum(k.endswith("CONV_2D+ADD") for k in kinds) == 2
    assert_exact(model_bytes, tmp_path, 100)


# Each operator beyond the shared models' set, in a model built to contain it.
OPERATOR_MODELS = [
    (["dilated_conv"], "CONV_2D"),
    (["global_pool"], "MEAN"),
    (["zero_pad"], "PAD"),
    (["crop"], "STRIDED_SLICE"),
    (["conv", "relu"], "RELU"),
    (["relu6"], "RELU6"),
    (["leaky_relu"], "LEAKY_RELU"),
    (["sigmoid"], "LOGISTIC"),
    (["tanh"], "TANH"),
    (["hard_swish"], "HARD_SWISH"),
    (["relu_n1_to_1"], "RELU_N1_TO_1"),
    (["subtract"], "SUB"),
    (["squeeze"], "EXPAND_DIMS"),
    (["concatenate"], "CONCATENATION"),
    (["multiply"], "MUL"),
    (["minimum"], "MINIMUM"),
    (["maximum"], "MAXIMUM"),
    (["add"], "ADD"),
    (["pool", "depthwise"], "DEPTHWISE_CONV_2D"),
]


@pytest.mark.parametrize(("blocks", "operator"), OPERATOR_MODELS,
                         ids=[op for _, op in OPERATOR_MODELS])
def test_operator_is_exact(blocks: list[str], operator: str,
                           int8_model: Callable[..., bytes], tmp_path: Path) -> None:
    seed = 200 + OPERATOR_MODELS.index((blocks, operator))
    model_bytes = int8_model(seed, blocks)
    graph = load_graph(model_bytes)
    kinds = [op.kind for op in graph.operators]
    assert operator in kinds, f"the model meant to test {operator} has only {kinds}"
    if operator == "CONV_2D":
        assert any(op.options.get("dilation_height", 1) > 1 for op in graph.operators)
    if operator == "RELU6":
        # TFLite Micro's RELU6 does not requantize; LiteRT's does (see test_runtime_divergence).
        assert_exact(model_bytes, tmp_path, seed, litert=False)
        return
    # TFLite Micro has no RELU_N1_TO_1 kernel: LiteRT is the only reference for it.
    assert_exact(model_bytes, tmp_path, seed, tflm=operator != "RELU_N1_TO_1")


def test_float_input_and_output_through_quantize_and_dequantize(
        int8_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = int8_model(300, ["conv", "pool"], float_io=True)
    graph = load_graph(model_bytes)
    kinds = [op.kind for op in graph.operators]
    assert kinds[0] == "QUANTIZE" and kinds[-1] == "DEQUANTIZE"
    library = compile_tflite(model_bytes, tmp_path / "lib")
    assert library.inputs[0].dtype == "float32" and library.outputs[0].dtype == "float32"
    assert library.input_bytes == 4 * int(np.prod(library.inputs[0].shape))
    assert_exact(model_bytes, tmp_path / "exact", 300)


def test_squeeze_is_an_alias_like_reshape(int8_model: Callable[..., bytes]) -> None:
    """The converter writes tf.squeeze as RESHAPE; SQUEEZE from other tools lowers the same way."""
    graph = load_graph(int8_model(200 + OPERATOR_MODELS.index((["squeeze"], "EXPAND_DIMS")),
                                  ["squeeze"]))
    reshape = next(op for op in graph.operators if op.kind == "RESHAPE")
    reshape.kind = "SQUEEZE"
    reshape.inputs = reshape.inputs[:1]  # SQUEEZE has no shape tensor
    step = next(s for s in lower_graph(graph) if s.op_index == reshape.index)
    assert step.alias and step.inputs == reshape.inputs and step.output == reshape.outputs[0]


def test_per_channel_fully_connected(int8_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = int8_model(301, ["conv"], per_channel_dense=True)
    graph = load_graph(model_bytes)
    fc = next(op for op in graph.operators if op.kind == "FULLY_CONNECTED")
    assert graph.tensors[fc.inputs[1]].is_per_channel
    assert_exact(model_bytes, tmp_path, 301)


@pytest.mark.parametrize("seed", [400, 401, 402])
def test_in_place_depthwise_and_pointwise_convolutions(seed: int,
                                                       int8_model: Callable[..., bytes],
                                                       tmp_path: Path,
                                                       no_row_fusion: None) -> None:
    # Without row fusion: on some of these models chaining the convolutions row by row
    # (chain_fusion.py) needs less memory still, and replaces the in-place kernels.
    from deploy_targets.compiler import prepare

    model_bytes = int8_model(seed, ["separable", "separable"])
    functions = [s.function for s in prepare(model_bytes).steps]
    assert "mf::depthwise_conv_2d_in_place" in functions
    assert "mf::conv_2d_1x1_in_place" in functions
    assert_exact(model_bytes, tmp_path, seed)

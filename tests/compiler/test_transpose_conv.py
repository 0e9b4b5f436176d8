"""TRANSPOSE_CONV (int8, per-channel): Keras Conv2DTranspose with SAME and VALID padding,
strides 1-3, with and without bias and fused activation, its output compared value by value
with TFLite Micro and LiteRT's reference kernels. In a model with a dynamic batch its output
shape comes from SHAPE arithmetic, which the compiler folds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deploy_targets.compiler import CompileError, load_graph, prepare
from deploy_targets.compiler.lowering import lower_graph
from deploy_targets.compiler.ops.transpose_conv import transpose_padding
from tests.compiler.test_generated_models import assert_exact

# Seeds whose layers cover VALID/SAME, no bias, and NONE/RELU/RELU6 (model_factory's draws).
SEEDS = [700, 703, 704, 706, 707, 709, 711]


@pytest.mark.parametrize("seed", SEEDS)
def test_transpose_conv_is_exact(seed: int, factory_model: Callable[..., bytes],
                                 tmp_path: Path) -> None:
    model_bytes = factory_model("bare_block_model", seed, "transpose_conv")
    graph = load_graph(model_bytes)
    kinds = [op.kind for op in graph.operators]
    # Without a bias the converter leaves the activation unfused: the conv is last or next-last.
    assert "TRANSPOSE_CONV" in kinds[-2:], kinds
    # A standalone RELU6 is where TFLite Micro and LiteRT disagree (test_runtime_divergence).
    assert_exact(model_bytes, tmp_path, seed, litert="RELU6" not in kinds)


def test_seeds_cover_padding_bias_and_activation(factory_model: Callable[..., bytes]) -> None:
    seen = set()
    for seed in SEEDS:
        graph = load_graph(factory_model("bare_block_model", seed, "transpose_conv"))
        op = next(op for op in graph.operators if op.kind == "TRANSPOSE_CONV")
        seen |= {op.options["padding"], op.options["activation"],
                 "bias" if len(op.inputs) == 4 and op.inputs[3] >= 0 else "no bias"}
    assert seen >= {"SAME", "VALID", "NONE", "RELU", "RELU6", "bias", "no bias"}


def test_transpose_conv_in_a_model_is_exact(int8_model: Callable[..., bytes],
                                            tmp_path: Path) -> None:
    model_bytes = int8_model(720, ["conv", "transpose_conv"])
    steps = prepare(model_bytes).steps
    assert "mf::transpose_conv" in [s.function for s in steps]
    assert not {"SHAPE", "PACK"} & {s.kind for s in steps}
    assert_exact(model_bytes, tmp_path, 720)


def test_transpose_padding_is_that_of_the_transposed_convolution() -> None:
    # Conv2DTranspose SAME, stride 2, kernel 3: 5 -> 10; the convolution 10 -> 5 pads 0 before.
    assert transpose_padding("SAME", 10, 3, 2) == 0
    assert transpose_padding("SAME", 8, 4, 2) == 1  # (4 - 1) * 2 + 4 - 8 = 2, half before
    assert transpose_padding("SAME", 9, 4, 3) == 0  # total 1: the odd one goes after
    assert transpose_padding("VALID", 11, 3, 2) == 0


def test_output_shape_disagreeing_with_the_output_is_refused(
        factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("bare_block_model", 700, "transpose_conv"))
    op = next(op for op in graph.operators if op.kind == "TRANSPOSE_CONV")
    shape = graph.tensors[op.outputs[0]]
    graph.tensors[op.outputs[0]] = type(shape)(
        shape.index, shape.name, shape.dtype, (1, shape.shape[1] + 1, *shape.shape[2:]),
        shape.scales, shape.zero_points)
    with pytest.raises(CompileError, match="the output shape tensor says"):
        lower_graph(graph)

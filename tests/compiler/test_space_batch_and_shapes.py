"""SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND (Keras' dilated convolutions) and shape arithmetic
folded at compile time, exact against LiteRT's reference kernels and, where it can run the
model, TFLite Micro.

A Keras model converted with a dynamic batch size (keras.Input(shape=...), the usual case)
stores every tensor with batch 1, though SPACE_TO_BATCH_ND's output has one batch per block
position. LiteRT resizes its tensors at run time; TFLite Micro does not and computes garbage for
such models, so LiteRT is the only reference there. The compiler infers the true batch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import CompileError, load_graph, prepare
from tests.compiler.test_generated_models import assert_exact

# (blocks, operators the model must contain, whether TFLite Micro can run it)
MODELS = [
    (["keras_dilated_conv"], ["SPACE_TO_BATCH_ND", "CONV_2D", "BATCH_TO_SPACE_ND"], False),
    (["conv", "keras_dilated_conv"], ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"], False),
    (["keras_dilated_conv", "pool"], ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"], False),
    (["dilated_conv1d"], ["SHAPE", "SPACE_TO_BATCH_ND", "EXPAND_DIMS", "BATCH_TO_SPACE_ND"],
     False),
    (["dynamic_reshape"], ["SHAPE", "STRIDED_SLICE", "PACK"], True),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("blocks", "operators", "tflm"), MODELS,
                         ids=["+".join(blocks) for blocks, _, _ in MODELS])
def test_model_is_exact(blocks: list[str], operators: list[str], tflm: bool, seed: int,
                        int8_model: Callable[..., bytes], tmp_path: Path) -> None:
    seed += 500 + 10 * MODELS.index((blocks, operators, tflm))
    model_bytes = int8_model(seed, blocks)
    kinds = [op.kind for op in load_graph(model_bytes).operators]
    assert all(kind in kinds for kind in operators), f"{operators} expected in {kinds}"
    assert_exact(model_bytes, tmp_path, seed, tflm=tflm)


def test_dynamic_batch_is_inferred_up_to_batch_to_space(int8_model: Callable[..., bytes]
                                                        ) -> None:
    prepared = prepare(int8_model(500, ["keras_dilated_conv"]))
    graph = prepared.graph
    kinds = [op.kind for op in graph.operators]
    to_batch = graph.operators[kinds.index("SPACE_TO_BATCH_ND")]
    block = graph.tensors[to_batch.inputs[1]].data
    assert block is not None
    blocks = int(np.prod(block))
    conv = graph.operators[kinds.index("CONV_2D")]
    assert graph.tensors[to_batch.outputs[0]].shape[0] == blocks
    assert graph.tensors[conv.outputs[0]].shape[0] == blocks
    back = graph.operators[kinds.index("BATCH_TO_SPACE_ND")]
    assert graph.tensors[back.outputs[0]].shape[0] == 1
    # Shape arithmetic and SPACE/BATCH moves leave no step behind them but their own.
    assert [s.function for s in prepared.steps][:3] == [
        "mf::space_to_batch_nd", "mf::conv_2d", "mf::batch_to_space_nd"]


def test_shape_arithmetic_leaves_no_kernel_call(int8_model: Callable[..., bytes]) -> None:
    prepared = prepare(int8_model(540, ["dynamic_reshape"]))
    kinds = {s.kind for s in prepared.steps}
    assert not kinds & {"SHAPE", "STRIDED_SLICE", "PACK"}
    assert "CONV_2D" in kinds


def test_static_space_to_batch_pads_with_the_zero_point(factory_model: Callable[..., bytes],
                                                        tmp_path: Path) -> None:
    """With a fixed batch TFLite Micro runs the model, but its SPACE_TO_BATCH_ND pads with an
    output offset its kernel never sets: whatever its persistent buffer holds (0 in a fresh
    process, other values after other models ran). LiteRT pads with the zero point (the real
    value 0), and so does the compiled code, in both builds."""
    model_bytes = factory_model("space_to_batch_model", 0)
    graph = load_graph(model_bytes)
    to_batch = next(op for op in graph.operators if op.kind == "SPACE_TO_BATCH_ND")
    zero_point = graph.tensors[to_batch.outputs[0]].zero_point
    assert zero_point != 0, "pick a seed whose zero point shows the padding"
    assert_exact(model_bytes, tmp_path, 0, tflm=False)
    step = next(s for s in prepare(model_bytes).steps if s.kind == "SPACE_TO_BATCH_ND")
    assert ("pad_value", str(zero_point)) in step.structs[0].fields


def test_run_time_shape_arithmetic_is_refused(int8_model: Callable[..., bytes]) -> None:
    graph = load_graph(int8_model(540, ["dynamic_reshape"]))
    pack = next(op for op in graph.operators if op.kind == "PACK")
    graph.tensors[pack.inputs[0]].data = None  # as if computed at run time
    shape_op = next(op for op in graph.operators if op.kind == "SHAPE")
    graph.operators.remove(shape_op)
    strided = next(op for op in graph.operators if op.outputs[0] == pack.inputs[0])
    graph.operators.remove(strided)
    from deploy_targets.compiler.lowering import lower_graph

    with pytest.raises(CompileError, match="PACK is supported only as shape arithmetic"):
        lower_graph(graph)


def test_space_to_batch_with_a_block_that_does_not_divide_is_refused(
        int8_model: Callable[..., bytes]) -> None:
    graph = load_graph(int8_model(500, ["keras_dilated_conv"]))
    to_batch = next(op for op in graph.operators if op.kind == "SPACE_TO_BATCH_ND")
    paddings = graph.tensors[to_batch.inputs[2]]
    assert paddings.data is not None
    paddings.data = paddings.data + np.array([[0, 1], [0, 0]], dtype=np.int32)
    from deploy_targets.compiler.lowering import lower_graph

    with pytest.raises(CompileError, match="not a multiple of the block size"):
        lower_graph(graph)

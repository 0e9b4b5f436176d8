"""Two chained convolutions (CONV_2D, DEPTHWISE_CONV_2D) run row by row (chain_fusion.py, mf/conv_chain.h): the first
one's output never exists whole, and the bytes stay TFLite Micro's."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy_targets.compiler import load_graph, prepare
from deploy_targets.compiler.chain_fusion import window_rows
from deploy_targets.compiler.lowering import fuse_rows_where_memory_drops, lower_graph
from deploy_targets.compiler.planner import plan_memory
from tests.compiler.test_generated_models import assert_exact
from tests.compiler.test_stream_fusion import assert_fast_path_equals_reference
from tests.conftest import require

LayerModel = Callable[[str, tuple[int, int, int]], bytes]
# Imported before the always_fuse_rows fixture replaces it in lowering.
MEMORY_DRIVEN_FUSION = fuse_rows_where_memory_drops
# Fused whether or not the arena of these small models shrinks: the kernels are under test.
pytestmark = pytest.mark.usefixtures("always_fuse_rows")

# (layers, input shape, the fused kinds expected). Odd sizes, SAME and VALID, stride 2 in
# either convolution (the window then starts between rows), a dilated second convolution (its
# window has rows it skips), residual blocks whose output is written over their input (not
# the model's input, which is the caller's: hence the 1x1 convolution before them).
CHAINS = [
    ("conv:3x3:same:2x2 > conv:3x3:same:1x1", (9, 7, 3), "CONV_2D+CONV_2D"),
    ("conv:3x2:valid:1x1 > conv:3x3:valid:2x2", (11, 6, 2), "CONV_2D+CONV_2D"),
    ("conv:1x1:same:1x1:4 > dilated:3x3:3", (7, 8, 2), "CONV_2D+CONV_2D"),
    ("conv:2x2:valid:2x2:6 > conv:5x3:same:2x1", (13, 5, 1), "CONV_2D+CONV_2D"),
    # MobileNet's pairs: a convolution into a depthwise one, a depthwise one into the
    # pointwise convolution after it, and two depthwise ones.
    ("conv:3x3:same:2x2:8 > depthwise:3x3:same:1x1:1", (9, 11, 3), "CONV_2D+DEPTHWISE_CONV_2D"),
    ("depthwise:3x3:same:2x2:1 > conv:1x1:same:1x1:6", (9, 7, 4), "DEPTHWISE_CONV_2D+CONV_2D"),
    (
        "depthwise:3x3:valid:1x1:2 > depthwise:3x2:same:2x2:1",
        (10, 7, 3),
        "DEPTHWISE_CONV_2D+DEPTHWISE_CONV_2D",
    ),
    ("conv:1x1:same:1x1:4 > residual:3x3:3x3", (7, 5, 3), "CONV_2D+CONV_2D+ADD"),
    ("conv:1x1:same:1x1:2 > residual:1x3:3x3", (6, 9, 2), "CONV_2D+CONV_2D+ADD"),
    # Longer chains (mf::convolution_chain_n): MobileNet's conv > depthwise > pointwise >
    # depthwise stride 2, odd sizes and VALID padding, a dilated last layer.
    (
        "conv:3x3:same:2x2:4 > depthwise:3x3:same:1x1:1 > conv:1x1:same:1x1:6",
        (11, 9, 3),
        "CONV_2D+DEPTHWISE_CONV_2D+CONV_2D",
    ),
    (
        "conv:3x3:same:2x2:4 > depthwise:3x3:same:1x1:1 > conv:1x1:same:1x1:6"
        " > depthwise:3x3:same:2x2:1",
        (13, 10, 3),
        "CONV_2D+DEPTHWISE_CONV_2D+CONV_2D+DEPTHWISE_CONV_2D",
    ),
    (
        "depthwise:3x3:valid:1x1:2 > conv:3x2:same:2x1:5 > depthwise:2x3:valid:1x1:1",
        (12, 9, 2),
        "DEPTHWISE_CONV_2D+CONV_2D+DEPTHWISE_CONV_2D",
    ),
    (
        "conv:3x3:valid:1x1:4 > depthwise:3x3:same:2x2:1 > dilated:3x3:3",
        (20, 8, 2),
        "CONV_2D+DEPTHWISE_CONV_2D+CONV_2D",
    ),
    # A depthwise layer whose window is a ring (four channels: the column loop) of two rows,
    # fewer than its filter's three (SAME at stride 2 on three rows reads at most two).
    (
        "conv:1x1:same:1x1:4 > depthwise:3x3:same:2x2:1 > conv:1x1:same:1x1:3",
        (3, 9, 2),
        "CONV_2D+DEPTHWISE_CONV_2D+CONV_2D",
    ),
]


@pytest.mark.parametrize(("spec", "shape", "kind"), CHAINS, ids=[c[0] for c in CHAINS])
def test_chained_convolutions_are_exact(
    spec: str, shape: tuple[int, int, int], kind: str, layer_model: LayerModel, tmp_path: Path
) -> None:
    model_bytes = layer_model(spec, shape)
    prepared = prepare(model_bytes)
    chained = next((s for s in prepared.steps if s.kind == kind), None)
    assert chained is not None, [s.kind for s in prepared.steps]
    if kind.endswith("+ADD"):  # the sum is written over the block's input, row by row
        tensor_buffer = prepared.plan.tensor_buffer
        assert tensor_buffer[chained.output] == tensor_buffer[chained.inputs[0]]
    assert_exact(model_bytes, tmp_path, seed=CHAINS.index((spec, shape, kind)))
    assert_fast_path_equals_reference(model_bytes, tmp_path / "fast")


def test_the_window_holds_the_rows_one_output_row_reads(layer_model: LayerModel) -> None:
    steps = prepare(layer_model(*CHAINS[0][:2])).steps
    chained = next(s for s in steps if s.kind == "CONV_2D+CONV_2D")
    second = next(
        s
        for s in lower_graph(load_graph(layer_model(*CHAINS[0][:2])), fuse=False)
        if s.op_index == chained.op_index
    )
    assert window_rows(second) == 3  # a 3x3 stride-1 SAME convolution reads three rows
    assert chained.args[-2] == "3"  # the window height the kernel is given
    dilated = next(
        s
        for s in lower_graph(load_graph(layer_model(*CHAINS[2][:2])), fuse=False)
        if s.kind == "CONV_2D" and dict(s.structs[0].fields)["dilation_height"] == "2"
    )
    assert window_rows(dilated) == 5  # rows y-2, y and y+2, and the two between


def test_a_residual_block_whose_first_convolution_reads_ahead_is_not_chained(
    layer_model: LayerModel, tmp_path: Path
) -> None:
    # The second convolution's output row r goes over input row r; a 5-row first convolution
    # still needs input row r for its row r + 2, which the 3-row second one reads only at its
    # row r + 1: chaining would overwrite rows before they are read.
    model_bytes = layer_model("conv:1x1:same:1x1:2 > residual:5x5:3x3", (8, 6, 2))
    kinds = [s.kind for s in prepare(model_bytes).steps]
    assert "CONV_2D+ADD" in kinds and "CONV_2D+CONV_2D+ADD" not in kinds
    assert_exact(model_bytes, tmp_path, seed=7, litert=False)


def test_a_convolution_output_read_twice_is_not_chained(layer_model: LayerModel) -> None:
    graph = load_graph(layer_model(*CHAINS[0][:2]))
    first = next(op for op in graph.operators if op.kind == "CONV_2D")
    graph.outputs.append(first.outputs[0])
    assert "CONV_2D+CONV_2D" not in [s.kind for s in lower_graph(graph)]


def test_a_longer_chain_is_kept_where_it_lowers_the_arena(layer_model: LayerModel) -> None:
    # MobileNet's first stage: with chains of two, the 24x24 depthwise output and the 24x24
    # pointwise output after it exist together; a chain of four holds only the input's rows.
    model_bytes = layer_model(
        "conv:3x3:same:2x2:8 > depthwise:3x3:same:1x1:1 > conv:1x1:same:1x1:16"
        " > depthwise:3x3:same:2x2:1 > conv:1x1:same:1x1:4",
        (48, 48, 3),
    )
    graph = load_graph(model_bytes)
    unfused = lower_graph(graph, fuse=False)
    chosen = MEMORY_DRIVEN_FUSION(graph, unfused)
    kinds = [s.kind for s in chosen]
    assert any(kind.count("+") >= 3 for kind in kinds), kinds
    pairs_only = MEMORY_DRIVEN_FUSION(graph, unfused, longest_chain=2)
    assert plan_memory(graph, chosen).arena_bytes < plan_memory(graph, pairs_only).arena_bytes
    assert max(kind.count("+") for kind in (s.kind for s in pairs_only)) == 1


@pytest.mark.toolchain
@pytest.mark.parametrize(
    "case",
    [CHAINS[3], CHAINS[4], CHAINS[5], CHAINS[7], CHAINS[10], CHAINS[13]],
    ids=[CHAINS[i][0] for i in (3, 4, 5, 7, 10, 13)],
)
def test_chained_convolutions_on_cortex_m4_equal_host(
    case: tuple[str, tuple[int, int, int], str], layer_model: LayerModel, tmp_path: Path
) -> None:
    from tests.compiler.cortex_m import ARM_TOOLS
    from tests.compiler.test_fast_path import assert_cortex_m4_equals_host

    for tool in ARM_TOOLS:
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    assert_cortex_m4_equals_host(layer_model(*case[:2]), tmp_path, seed=3)

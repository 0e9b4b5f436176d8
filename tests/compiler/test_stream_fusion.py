"""A convolution streamed into the FULLY_CONNECTED that consumes it (stream_fusion.py): the
convolution's output never exists whole, and the bytes stay TFLite Micro's."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite, load_graph, prepare
from deploy_targets.compiler.lowering import lower_graph
from tests.compiler.reference import build_harness, random_inputs, run_compiled
from tests.compiler.test_generated_models import assert_exact
from tests.conftest import require

LayerModel = Callable[[str, tuple[int, int, int]], bytes]
# Fused whether or not the arena of these small models shrinks: the kernels are under test.
pytestmark = pytest.mark.usefixtures("always_fuse_rows")

# The edge cases of the band arithmetic, each followed by Flatten (a RESHAPE) and Dense: odd
# sizes so the last band and the padding rows differ from the others; stride 2 so a band's
# input rows start between the padding rows; a tall kernel; a single output row.
LAYERS = [
    ("conv:3x3:same:2x2", (7, 9, 3)),
    ("conv:2x3:valid:2x1", (9, 5, 2)),
    ("conv:5x1:same:1x1", (6, 4, 1)),
    ("depthwise:3x3:same:2x2:2", (7, 7, 3)),
    ("depthwise:3x2:valid:1x1:1", (5, 6, 4)),
    ("conv:3x3:valid:1x1", (3, 8, 2)),
    # An odd number of fully connected outputs (the fast path sums two at a time), and one.
    ("conv:3x3:same:1x2 > dense:5", (5, 7, 2)),
    ("depthwise:2x2:valid:2x2:1 > dense:1", (8, 6, 4)),
    # Outputs and inputs multiples of 4: the layer alone runs mf::fully_connected_row_pairs,
    # whose weights the streamed sums read as mf::fully_connected's (micro_speech's case).
    ("depthwise:3x3:same:1x1:1 > dense:8", (6, 5, 4)),
]


def assert_fast_path_equals_reference(model_bytes: bytes, out_dir: Path) -> None:
    """The Cortex-M fast kernels (their portable twins on the host) give the same bytes."""
    library = compile_tflite(model_bytes, out_dir)
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(1), np.dtype(spec.dtype), spec.shape, 4)
    outputs = [
        run_compiled(
            build_harness(out_dir, (f"MF_FAST_KERNELS={fast}",), f"h{fast}"),
            inputs,
            np.dtype(output.dtype),
            output.shape,
        )
        for fast in (0, 1)
    ]
    for reference, fast in zip(*outputs, strict=True):
        assert fast.tobytes() == reference.tobytes()


@pytest.mark.parametrize(("spec", "shape"), LAYERS, ids=[spec for spec, _ in LAYERS])
def test_streamed_convolution_is_exact(
    spec: str, shape: tuple[int, int, int], layer_model: LayerModel, tmp_path: Path
) -> None:
    model_bytes = layer_model(spec, shape)
    kinds = [s.kind for s in prepare(model_bytes).steps]
    assert any(k.endswith("+FULLY_CONNECTED") for k in kinds), kinds
    assert "FULLY_CONNECTED" not in kinds
    assert_exact(model_bytes, tmp_path, seed=LAYERS.index((spec, shape)))
    assert_fast_path_equals_reference(model_bytes, tmp_path / "fast")


def test_streamed_convolution_into_per_channel_fully_connected(
    int8_model: Callable[..., bytes], tmp_path: Path
) -> None:
    model_bytes = int8_model(301, ["conv"], per_channel_dense=True)
    assert "CONV_2D+FULLY_CONNECTED" in [s.kind for s in prepare(model_bytes).steps]
    assert_exact(model_bytes, tmp_path, 301)
    assert_fast_path_equals_reference(model_bytes, tmp_path / "fast")


def test_streamed_convolution_output_takes_no_arena(layer_model: LayerModel) -> None:
    model_bytes = layer_model(*LAYERS[0])
    plan = prepare(model_bytes).plan
    graph = load_graph(model_bytes)
    conv = next(op for op in graph.operators if op.kind == "CONV_2D")
    assert all(conv.outputs[0] not in b.tensors for b in plan.buffers)


def test_a_convolution_output_read_elsewhere_is_not_streamed(layer_model: LayerModel) -> None:
    graph = load_graph(layer_model(*LAYERS[1]))
    conv = next(op for op in graph.operators if op.kind == "CONV_2D")
    graph.outputs.append(conv.outputs[0])  # now also a model output: it must exist whole
    kinds = [s.kind for s in lower_graph(graph)]
    assert "CONV_2D" in kinds and "FULLY_CONNECTED" in kinds


@pytest.mark.toolchain
@pytest.mark.parametrize("case", [LAYERS[0], LAYERS[6]], ids=[LAYERS[0][0], LAYERS[6][0]])
def test_streamed_convolution_on_cortex_m4_equals_host(
    case: tuple[str, tuple[int, int, int]], layer_model: LayerModel, tmp_path: Path
) -> None:
    from tests.compiler.cortex_m import ARM_TOOLS
    from tests.compiler.test_fast_path import assert_cortex_m4_equals_host

    for tool in ARM_TOOLS:
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    assert_cortex_m4_equals_host(layer_model(*case), tmp_path, seed=3)

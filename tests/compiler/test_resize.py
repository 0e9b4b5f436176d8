"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (int8): the resized tensor itself is the model's
output, compared value by value with TFLite Micro and LiteRT's reference kernels, in each
coordinate mode, up and down, by whole and fractional factors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deploy_targets.compiler import CompileError, load_graph
from deploy_targets.compiler.lowering import lower_graph
from deploy_targets.compiler.ops.resize import nearest_sources
from tests.compiler.test_generated_models import assert_exact

RESIZES = [(f"resize_{method}{'_' + mode if mode else ''}", operator, mode)
           for method, operator in (("nearest", "RESIZE_NEAREST_NEIGHBOR"),
                                    ("bilinear", "RESIZE_BILINEAR"))
           for mode in ("", "align_corners", "half_pixel_centers")]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("block", "operator", "mode"), RESIZES, ids=[b for b, _, _ in RESIZES])
def test_resize_is_exact(block: str, operator: str, mode: str, seed: int,
                         factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    seed += 600 + 10 * RESIZES.index((block, operator, mode))
    model_bytes = factory_model("bare_block_model", seed, block)
    graph = load_graph(model_bytes)
    (op,) = [op for op in graph.operators if op.kind == operator]
    assert op.outputs[0] in graph.outputs
    for option in ("align_corners", "half_pixel_centers"):
        assert op.options[option] == (mode == option)
    assert_exact(model_bytes, tmp_path, seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_keras_upsampling_is_exact(seed: int, int8_model: Callable[..., bytes],
                                   tmp_path: Path) -> None:
    seed += 660
    model_bytes = int8_model(seed, ["conv", "upsample"])
    kinds = [op.kind for op in load_graph(model_bytes).operators]
    assert "RESIZE_NEAREST_NEIGHBOR" in kinds or "RESIZE_BILINEAR" in kinds
    assert_exact(model_bytes, tmp_path, seed)


def test_nearest_sources_follow_tflite_float_rounding() -> None:
    # 3 -> 7: scale 3/7 in float32; row 6 is at 2.571..., floored to 2.
    assert nearest_sources(3, 7, False, False) == [0, 0, 0, 1, 1, 2, 2]
    # align_corners rounds half away from zero: (0..4) * 0.5 -> 0, 1 (0.5), 1, 2 (1.5), 2.
    assert nearest_sources(3, 5, True, False) == [0, 1, 1, 2, 2]
    # half_pixel_centers samples at (y + 0.5) * scale: 6 -> 3 picks rows 1, 3, 5.
    assert nearest_sources(6, 3, False, True) == [1, 3, 5]


def test_resize_with_a_size_the_output_does_not_have_is_refused(
        factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("bare_block_model", 600, "resize_nearest"))
    op = next(op for op in graph.operators if op.kind == "RESIZE_NEAREST_NEIGHBOR")
    size = graph.tensors[op.inputs[1]]
    assert size.data is not None
    size.data = size.data + 1
    with pytest.raises(CompileError, match="differs from the .* the size gives"):
        lower_graph(graph)

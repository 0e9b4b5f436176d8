"""Grouped convolution (Keras Conv2D(groups=...): one CONV_2D whose filter depth divides the
input depth), compared value by value with TFLite Micro and LiteRT's reference kernels."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import CompileError, load_graph, prepare
from deploy_targets.compiler.lowering import lower_graph
from tests.compiler.test_generated_models import assert_exact


def _grouped(model_bytes: bytes) -> list[int]:
    """The group counts of the model's grouped CONV_2Ds."""
    graph = load_graph(model_bytes)
    return [graph.tensors[op.inputs[0]].shape[3] // graph.tensors[op.inputs[1]].shape[3]
            for op in graph.operators if op.kind == "CONV_2D"
            and graph.tensors[op.inputs[1]].shape[3] != graph.tensors[op.inputs[0]].shape[3]]


@pytest.mark.parametrize("seed", [800, 801, 802, 803])
def test_grouped_conv_is_exact(seed: int, factory_model: Callable[..., bytes],
                               tmp_path: Path) -> None:
    model_bytes = factory_model("bare_block_model", seed, "grouped_conv")
    assert _grouped(model_bytes) and all(g > 1 for g in _grouped(model_bytes))
    assert "mf::grouped_conv_2d" in [s.function for s in prepare(model_bytes).steps]
    kinds = [op.kind for op in load_graph(model_bytes).operators]
    # A standalone RELU6 is where TFLite Micro and LiteRT disagree (test_runtime_divergence).
    assert_exact(model_bytes, tmp_path, seed, litert="RELU6" not in kinds)


def test_grouped_conv_in_a_model_is_exact(int8_model: Callable[..., bytes],
                                          tmp_path: Path) -> None:
    model_bytes = int8_model(810, ["grouped_conv", "pool"])
    assert _grouped(model_bytes)
    assert_exact(model_bytes, tmp_path, 810)


def test_filter_depth_that_does_not_divide_the_input_is_refused(
        factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("bare_block_model", 800, "grouped_conv"))
    op = next(op for op in graph.operators if op.kind == "CONV_2D"
              and graph.tensors[op.inputs[1]].shape[3] != graph.tensors[op.inputs[0]].shape[3])
    flt = graph.tensors[op.inputs[1]]
    depth = graph.tensors[op.inputs[0]].shape[3] + 1
    graph.tensors[op.inputs[1]] = dataclasses.replace(
        flt, shape=(*flt.shape[:3], depth), data=np.zeros((*flt.shape[:3], depth), np.int8))
    with pytest.raises(CompileError, match="must divide the input depth"):
        lower_graph(graph)

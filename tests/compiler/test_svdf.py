"""SVDF (int8 input and weights_feature, int16 or int8 weights_time and activation state; and
float32): models written as flatbuffers (tests/compiler/svdf_models.py), compared byte for byte
with TFLite Micro over several invocations in a row (the activation state carries over) and
across <name>_reset(), and a keyword_scrambled-like FULLY_CONNECTED -> SVDF -> SVDF ->
FULLY_CONNECTED -> SOFTMAX stack.

Float32 SVDFs take TFLite Micro's float kernel, also to the bit. Only TFLite Micro is the
reference: LiteRT's integer SVDF is a different kernel.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import CompileError, compile_tflite, load_graph, prepare
from deploy_targets.compiler.lowering import lower_graph
from tests.compiler.reference import random_inputs, run_tflm
from tests.compiler.svdf_models import SvdfSpec, keyword_stack_model, svdf_model
from tests.compiler.test_fast_path import (  # noqa: F401 (a fixture)
    arm_toolchain,
    assert_cortex_m4_equals_host,
)
from tests.compiler.test_generated_models import assert_exact
from tests.compiler.test_lstm import (
    _run_compiled_with_resets,
    _run_tflm_with_resets,
    assert_state_carries_over_until_reset,
)

SPECS = {
    "rank1_int16": SvdfSpec(),
    "rank2_int16": SvdfSpec(input_size=11, units=3, rank=2, memory=7),
    "rank3_wide": SvdfSpec(input_size=32, units=10, rank=3, memory=10),
    "memory1": SvdfSpec(memory=1),
    "batches": SvdfSpec(batches=3, rank=2),
    "int8_state": SvdfSpec(state_dtype="int8", rank=2),
    # Feature products beyond the int8 state's range: clamped, then offset by the zero point
    # and wrapped as TFLite Micro's kernel does.
    "int8_state_saturated": SvdfSpec(state_dtype="int8", state_scale_factor=0.05),
    "int16_state_saturated": SvdfSpec(state_scale_factor=0.05),
    "zero_bias": SvdfSpec(bias="zero"),
    # Rank 1 with an odd unit count: the last unit outside the fast path's pairs of units.
    "rank1_odd_units": SvdfSpec(input_size=13, units=5, memory=6),
}


@pytest.mark.parametrize("name", SPECS)
def test_svdf_is_exact_over_invocations_in_a_row(name: str, tmp_path: Path) -> None:
    model_bytes = svdf_model(7, SPECS[name])
    op = load_graph(model_bytes).operators[0]
    assert op.kind == "SVDF" and op.options["rank"] == SPECS[name].rank
    # More invocations than the memory holds: the oldest feature products leave the state.
    assert_exact(model_bytes, tmp_path, 7, count=12, litert=False)


FLOAT_SPECS = {
    "none": SvdfSpec(state_dtype="float32"),
    "relu_batches": SvdfSpec(state_dtype="float32", batches=2, rank=2, activation="RELU"),
    "relu6_rank3": SvdfSpec(state_dtype="float32", input_size=20, rank=3, memory=9,
                            activation="RELU6"),
    "relu_n1_to_1": SvdfSpec(state_dtype="float32", activation="RELU_N1_TO_1"),
}


@pytest.mark.parametrize("name", FLOAT_SPECS)
def test_float_svdf_is_exact_over_invocations_in_a_row(name: str, tmp_path: Path) -> None:
    """TFLite Micro's float kernel, which (unlike its integer one) applies the activation; the
    runtime keeps its summation order, so the results agree to the bit."""
    model_bytes = svdf_model(2, FLOAT_SPECS[name])
    assert prepare(model_bytes).steps[0].function == "mf::svdf_f32"
    assert_exact(model_bytes, tmp_path, 2, count=12, litert=False)


def test_relu_is_not_applied_as_in_tflite_micro(tmp_path: Path) -> None:
    """TFLite Micro's integer SVDF ignores the fused activation; so does the compiler."""
    model_bytes = svdf_model(3, SvdfSpec(activation="RELU", units=8))
    graph = load_graph(model_bytes)
    assert graph.operators[0].options["activation"] == "RELU"
    assert_exact(model_bytes, tmp_path, 3, count=6, litert=False)
    zero_point = graph.tensors[graph.outputs[0]].zero_point
    inputs = random_inputs(np.random.default_rng(3), np.dtype(np.int8), (1, 8), 6)
    assert any((out < zero_point).any() for out in run_tflm(model_bytes, inputs))


def test_keyword_scrambled_like_stack_is_exact(tmp_path: Path) -> None:
    model_bytes = keyword_stack_model(0)
    kinds = [op.kind for op in load_graph(model_bytes).operators]
    assert kinds == ["FULLY_CONNECTED", "SVDF", "SVDF", "FULLY_CONNECTED", "SOFTMAX"]
    assert_exact(model_bytes, tmp_path, 0, count=10, litert=False)


@pytest.mark.toolchain
@pytest.mark.usefixtures("arm_toolchain")
@pytest.mark.parametrize("model", ["keyword_stack", "int8_state_saturated", "rank2_int16",
                                   "int8_state", "rank1_odd_units"])
def test_svdf_on_cortex_m4_equals_host(model: str, tmp_path: Path) -> None:
    """Over more invocations than the memory holds (the ring's head wraps), including the int8
    state's wrap past its range; rank2_int16 has a filter count, an input size and a memory that
    leave remainders after the fast path's blocks of four and pairs."""
    model_bytes = (keyword_stack_model(1) if model == "keyword_stack"
                   else svdf_model(5, SPECS[model]))
    assert_cortex_m4_equals_host(model_bytes, tmp_path, 1, count=9)


@pytest.mark.parametrize("state_dtype", ["int16", "int8", "float32"])
def test_state_carries_over_until_reset_as_in_tflite_micro(state_dtype: str,
                                                           tmp_path: Path) -> None:
    spec = SvdfSpec(state_dtype=state_dtype, rank=2, memory=4)
    model_bytes = svdf_model(11, spec)
    library = compile_tflite(model_bytes, tmp_path / "lib")
    # units 4 x rank 2 filters, 4 feature products each, and the ring's int32 head.
    width = np.dtype(state_dtype).itemsize
    assert library.state_bytes == 4 * 2 * 4 * width + 4
    assert f"MF_MODEL_STATE_BYTES {32 * width + 4}" in library.header_path.read_text()
    ctype = "float" if state_dtype == "float32" else f"{state_dtype}_t"
    assert f"{ctype} op0_activation_state[32]" in (
        tmp_path / "lib" / "mf_model.cpp").read_text()
    input_type = np.dtype(np.float32 if state_dtype == "float32" else np.int8)
    first = random_inputs(np.random.default_rng(5), input_type, (1, 8), 3)
    assert_state_carries_over_until_reset(model_bytes, tmp_path / "lib", first)


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_svdf_without_bias_runs_as_with_a_zero_bias(dtype: str, tmp_path: Path) -> None:
    """TFLite Micro cannot run it (its Prepare dereferences the missing bias); its Eval adds
    no bias, which is what a zero bias (checked against TFLite Micro here) computes."""
    without = svdf_model(7, SvdfSpec(state_dtype=dtype, bias="none"))
    assert load_graph(without).operators[0].inputs[3] == -1
    assert ("bias", "0") in prepare(without).steps[0].structs[0].fields
    input_type = np.dtype(np.float32 if dtype == "float32" else np.int8)
    inputs = random_inputs(np.random.default_rng(1), input_type, (1, 8), 8)
    resets = [False] * 8
    zero = svdf_model(7, SvdfSpec(state_dtype=dtype, bias="zero"))
    got = _run_compiled_with_resets(without, tmp_path / "none", inputs, resets)
    want = _run_tflm_with_resets(zero, inputs, resets)
    assert [g.tobytes() for g in got] == [w.tobytes() for w in want]


def test_state_is_outside_the_arena_and_the_plan() -> None:
    prepared = prepare(svdf_model(0, SvdfSpec(batches=2)))
    step = prepared.steps[0]
    assert step.function == "mf::svdf" and step.work_scratch_bytes == 0
    state = {int(a.split(":")[1]) for a in step.args if a.startswith("state:")}
    assert state == prepared.graph.variables and len(state) == 1
    planned = {t for b in prepared.plan.buffers for t in b.tensors}
    assert not state & planned


def test_mac_count_includes_feature_and_time_products() -> None:
    graph = load_graph(svdf_model(0, SvdfSpec(batches=2, input_size=11, units=3, rank=2,
                                              memory=7)))
    # 2 rows x 6 filters x (11 input features + 7 memory).
    assert graph.mac_count() == 2 * 6 * (11 + 7)


def _graph_and_op(spec: SvdfSpec = SvdfSpec()):  # type: ignore[no-untyped-def]
    graph = load_graph(svdf_model(0, spec))
    return graph, graph.operators[0]


def test_state_of_another_type_than_weights_time_is_refused() -> None:
    graph, op = _graph_and_op()
    state = graph.tensors[op.inputs[4]]
    graph.tensors[state.index] = dataclasses.replace(state, dtype="int8")
    with pytest.raises(CompileError, match=r"activation state .* is int8; int16 \(the type of "
                                           r"weights_time\)"):
        lower_graph(graph)


def test_bias_scale_other_than_state_times_weights_time_is_refused() -> None:
    graph, op = _graph_and_op()
    bias = graph.tensors[op.inputs[3]]
    # TFLite Micro's tolerance is absolute (1e-5): these scales are far smaller than that.
    graph.tensors[bias.index] = dataclasses.replace(bias, scales=(bias.scale * 2,))
    lower_graph(graph)
    graph.tensors[bias.index] = dataclasses.replace(bias, scales=(bias.scale + 2e-5,))
    with pytest.raises(CompileError, match="bias scale .* is not the activation state scale"):
        lower_graph(graph)


def test_rank_that_does_not_divide_the_filters_is_refused() -> None:
    graph, op = _graph_and_op(SvdfSpec(units=4, rank=1))
    op.options["rank"] = 3
    with pytest.raises(CompileError, match="rank 3 must be >= 1 and divide the 4 filters"):
        lower_graph(graph)


def test_state_in_the_wrong_place_is_refused() -> None:
    graph, op = _graph_and_op()
    op.inputs[0] = op.inputs[4]  # the state read as the input
    with pytest.raises(CompileError, match="input 0 is a variable tensor"):
        lower_graph(graph)

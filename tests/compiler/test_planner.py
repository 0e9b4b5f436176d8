"""The memory planner on small hand-made programs: lifetimes, in-place rules, aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_targets.compiler import load_graph
from deploy_targets.compiler.ir import Graph, Tensor
from deploy_targets.compiler.lowering import lower_graph
from deploy_targets.compiler.planner import MemoryPlan, plan_memory
from deploy_targets.compiler.steps import Step


def graph_of(sizes: list[int], inputs: list[int], outputs: list[int]) -> Graph:
    tensors = [Tensor(i, f"t{i}", "int8", (1, size), (0.1,), (0,)) for i, size in enumerate(sizes)]
    return Graph(tensors, [], inputs, outputs)


def step(inputs: list[int], output: int, in_place: list[int] | None = None,
         alias: bool = False) -> Step:
    return Step(0, "TEST", "f", [], inputs, output, "", in_place_inputs=in_place or [],
                alias=alias)


def offset(plan: MemoryPlan, tensor: int) -> int:
    return plan.buffers[plan.tensor_buffer[tensor]].offset


def assert_no_live_overlap(plan: MemoryPlan) -> None:
    arena = [b for b in plan.buffers if b.external is None]
    for i, a in enumerate(arena):
        assert a.offset + a.size_bytes <= plan.arena_bytes
        for b in arena[i + 1:]:
            if a.overlaps_in_time(b):
                assert a.offset + a.size_bytes <= b.offset or b.offset + b.size_bytes <= a.offset


def test_element_wise_output_takes_over_an_input_that_dies() -> None:
    graph = graph_of([8, 8, 8, 8, 8, 8], inputs=[0], outputs=[5])
    steps = [
        step([0], 1),                # A
        step([1], 2, in_place=[1]),  # B = relu(A): A dies here -> same memory
        step([2], 3),                # C
        step([3, 2], 4, in_place=[3, 2]),  # D = C + B: both die, D takes C's memory
        step([4], 5),
    ]
    plan = plan_memory(graph, steps)
    assert plan.tensor_buffer[1] == plan.tensor_buffer[2]
    assert plan.tensor_buffer[3] == plan.tensor_buffer[4]
    assert offset(plan, 2) != offset(plan, 3)
    assert plan.arena_bytes == 16
    assert_no_live_overlap(plan)


def test_no_in_place_over_an_input_still_needed_later() -> None:
    graph = graph_of([8, 8, 8, 8], inputs=[0], outputs=[3])
    steps = [step([0], 1), step([1], 2, in_place=[1]), step([1, 2], 3)]
    plan = plan_memory(graph, steps)
    assert plan.tensor_buffer[1] != plan.tensor_buffer[2]
    assert_no_live_overlap(plan)


def test_no_in_place_over_caller_memory_or_into_it() -> None:
    graph = graph_of([8, 8, 8], inputs=[0], outputs=[2])
    steps = [step([0], 1, in_place=[0]), step([1], 2, in_place=[1])]
    plan = plan_memory(graph, steps)
    assert plan.buffers[plan.tensor_buffer[0]].external == "input:0"
    assert plan.buffers[plan.tensor_buffer[2]].external == "output:0"
    assert plan.buffers[plan.tensor_buffer[1]].external is None
    assert plan.arena_bytes == 8


def test_in_place_is_refused_when_sizes_differ() -> None:
    graph = graph_of([8, 8, 4, 4], inputs=[0], outputs=[3])
    plan = plan_memory(graph, [step([0], 1), step([1], 2, in_place=[1]), step([2], 3)])
    assert plan.tensor_buffer[1] != plan.tensor_buffer[2]


def test_reshape_aliases_and_a_caller_to_caller_reshape_copies() -> None:
    graph = graph_of([8, 8, 8, 8], inputs=[0], outputs=[3])
    steps = [step([0], 1), step([1], 2, alias=True), step([2], 3)]
    plan = plan_memory(graph, steps)
    assert plan.tensor_buffer[1] == plan.tensor_buffer[2]
    direct = graph_of([8, 8], inputs=[0], outputs=[1])
    copy = step([0], 1, alias=True)
    plan_memory(direct, [copy])
    assert copy.alias is False  # two caller buffers cannot be one


def test_greedy_reuses_memory_of_dead_tensors() -> None:
    # A chain: at most two tensors are live at once, so two buffers' worth suffices.
    graph = graph_of([10, 100, 50, 100, 20, 10], inputs=[0], outputs=[5])
    steps = [step([i], i + 1) for i in range(5)]
    plan = plan_memory(graph, steps)
    assert_no_live_overlap(plan)
    assert plan.arena_bytes == 150  # the largest adjacent pair: 100 + 50


@pytest.mark.parametrize("model_name", ["mlperf_ic_resnet8_int8", "mlperf_kws_dscnn_int8",
                                        "micro_speech_int8"])
def test_shared_model_plans_are_valid_and_near_the_live_bound(
        model_name: str, shared_models: Path) -> None:
    graph = load_graph((shared_models / f"{model_name}.tflite").read_bytes())
    steps = lower_graph(graph)
    plan = plan_memory(graph, steps)
    assert_no_live_overlap(plan)
    arena = [b for b in plan.buffers if b.external is None]
    live_bound = max(sum(b.size_bytes for b in arena if b.first_step <= i <= b.last_step)
                     for i in range(len(steps)))
    assert live_bound <= plan.arena_bytes <= sum(b.size_bytes for b in arena)
    assert plan.arena_bytes == live_bound  # greedy is optimal on these chains

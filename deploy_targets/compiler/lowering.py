"""Lowers a Graph into Steps (one kernel call each), operator by operator, through the registry.

Each operator is checked and prepared by its module under ops/ (ops/registry.py says which),
unless it is integer shape arithmetic on constants, which is folded (ops/shape_arithmetic.py);
then `fuse_conv_into_add` fuses a CONV_2D into the residual ADD that consumes it so the
convolution's output never needs memory; for the same reason `chain_convolutions`
(chain_fusion.py) runs a CONV_2D row by row into the convolution that consumes it, and
`stream_into_fully_connected` (stream_fusion.py) streams one into a FULLY_CONNECTED.
"""

from __future__ import annotations

import dataclasses

from deploy_targets.compiler.chain_fusion import (
    CHAIN_N_FUNCTION,
    CHAINED_FUNCTIONS,
    chain_convolutions,
)
from deploy_targets.compiler.errors import CompileError
from deploy_targets.compiler.ir import Graph, Operator
from deploy_targets.compiler.ops.add import residual_sum_table
from deploy_targets.compiler.ops.context import CTYPES, LoweringContext, shape_text
from deploy_targets.compiler.ops.conv_common import fast_conv_scratch_bytes
from deploy_targets.compiler.ops.registry import FLOAT32_OPERATORS, OPERATORS
from deploy_targets.compiler.ops.shape_arithmetic import fold_constant
from deploy_targets.compiler.planner import plan_memory
from deploy_targets.compiler.steps import Step
from deploy_targets.compiler.stream_fusion import STREAMED_FUNCTIONS, stream_into_fully_connected

# Names other modules and tests have always imported from here.
__all__ = ["CTYPES", "fast_conv_scratch_bytes", "fuse_conv_into_add", "lower_graph",
           "shape_text"]

ROW_FUSED_FUNCTIONS = {*CHAINED_FUNCTIONS.values(), CHAIN_N_FUNCTION,
                       *STREAMED_FUNCTIONS.values()}

# What an operator's arithmetic on contradictory operands raises.
_INCONSISTENT_OPERANDS = (IndexError, ValueError, KeyError, ZeroDivisionError, OverflowError,
                          TypeError)


def _check_arity(ctx: LoweringContext, op: Operator, required: int) -> None:
    """One output, and the inputs the operator cannot do without present (not -1)."""
    ctx.need(len(op.outputs) == 1 and op.outputs[0] >= 0, op,
             f"has {len(op.outputs)} outputs; one is expected")
    ctx.need(len(op.inputs) >= required and all(i >= 0 for i in op.inputs[:required]), op,
             f"needs {required} input tensor(s), the model gives "
             f"{sum(i >= 0 for i in op.inputs[:required])}")


def lower_operators(graph: Graph) -> list[Step]:
    """Check and prepare every operator in order; the Steps before any fusion."""
    ctx = LoweringContext(graph)
    for op in graph.operators:
        kernel = OPERATORS.get(op.kind)
        if (op.kind in FLOAT32_OPERATORS and op.outputs and op.outputs[0] >= 0
                and ctx.t(op.outputs[0]).dtype == "float32"):
            kernel = FLOAT32_OPERATORS[op.kind]
        if kernel is None:
            raise CompileError(
                f"{graph.describe(op)}: operator {op.kind} is not supported by the "
                f"compiler (supported: {', '.join(sorted(OPERATORS))})")
        _check_arity(ctx, op, kernel.required_inputs)
        try:
            if not fold_constant(ctx, op):
                kernel.lower(ctx, op)
        except CompileError:
            raise
        except _INCONSISTENT_OPERANDS as error:
            # A corrupted model whose operands contradict each other in a way no check
            # names (an axis past the rank, a constant shorter than its shape says).
            raise CompileError(
                f"{graph.describe(op)}: its operands are inconsistent "
                f"({type(error).__name__}: {error}); the model is malformed") from None
    return ctx.steps


def fuse_conv_into_add(graph: Graph, steps: list[Step]) -> list[Step]:
    """Fuse CONV_2D -> ADD pairs so the sum is written over the ADD's other operand.

    Conditions: the conv runs just before the ADD, the ADD is its only consumer and is not
    broadcasting, the conv's output is not a model output, and the conv does not read the other
    operand (it would be overwritten while still needed).
    """
    fused: list[Step] = []
    for step in steps:
        previous = fused[-1] if fused else None
        if (
            step.kind == "ADD" and step.function == "mf::add" and previous is not None
            and previous.function == "mf::conv_2d"  # int8 only: not grouped, not 16x8
            and not previous.fused_op_indices and previous.output in step.inputs
            and len(step.inputs) == 2 and len(graph.consumers(previous.output)) == 1
            and previous.output not in graph.outputs
            and all(graph.tensors[i].shape == graph.tensors[step.output].shape
                    for i in step.inputs)
        ):
            other = step.inputs[1] if step.inputs[0] == previous.output else step.inputs[0]
            conv_is_input1 = step.inputs[0] == previous.output
            if other not in previous.inputs and other != previous.output:
                conv_args = previous.args[:4]  # params, input, filter, bias
                add_params = step.structs[0]
                table = residual_sum_table(add_params, conv_is_input1,
                                           f"op{step.op_index}_scaled_operands")
                fused[-1] = Step(
                    step.op_index, "CONV_2D+ADD", "mf::conv_2d_add",
                    [*conv_args, f"param:{add_params.name}", "1" if conv_is_input1 else "0",
                     f"const:{table.name}", f"in:{other}", f"out:{step.output}", "scratch"],
                    [previous.inputs[0], other], step.output,
                    f"CONV_2D (operator {previous.op_index}) fused into "
                    f"{step.comment}", previous.structs + [add_params],
                    previous.arrays + step.arrays + [table],
                    [other], fused_op_indices=[previous.op_index, step.op_index],
                    work_scratch_bytes=previous.work_scratch_bytes)
                continue
        fused.append(step)
    return fused


def lower_graph(graph: Graph, fuse: bool = True) -> list[Step]:
    """Validate every operator and return the kernel calls of one inference, in order."""
    steps = lower_operators(graph)
    if not fuse:
        return steps
    return fuse_rows_where_memory_drops(graph, fuse_conv_into_add(graph, steps))


def fuse_rows(graph: Graph, steps: list[Step], skip: set[int] | None = None,
              longest_chain: int | None = None) -> list[Step]:
    """Every row-by-row fusion (chain_fusion.py, stream_fusion.py) except those whose fused
    step would be operator `skip`'s; convolution chains of at most `longest_chain` layers."""
    skip = skip or set()
    chained = chain_convolutions(graph, steps, skip, longest_chain)
    return stream_into_fully_connected(graph, chained, skip)


def _arena_bytes(graph: Graph, steps: list[Step]) -> int:
    # The planner switches steps to their in-place variants: plan copies.
    return plan_memory(graph, [dataclasses.replace(s) for s in steps]).arena_bytes


def fuse_rows_where_memory_drops(graph: Graph, steps: list[Step],
                                 longest_chain: int | None = None) -> list[Step]:
    """Apply the row-by-row fusions (chain_fusion.py, stream_fusion.py) where they make the
    arena smaller.

    Each costs a kernel call per row, and one may take the place of an in-place kernel that
    needed no memory either; a fusion is needed only where it lowers the peak, which may take
    several at once (each residual block of ResNet-8 peaks about as high). So all are applied,
    then each is undone in turn if the arena is no larger without it; and where that still
    needs more than no row fusion at all (fusions that took in-place kernels' places), none.
    """
    skip: set[int] = set()
    fused = fuse_rows(graph, steps, skip, longest_chain)
    best = _arena_bytes(graph, fused)
    # A site is an operator joined onto the step before it; a longer chain has one per join.
    sites = [
        site
        for s in fused
        if s.function in ROW_FUSED_FUNCTIONS
        for site in (s.fused_op_indices[1:] if s.function == CHAIN_N_FUNCTION else [s.op_index])
    ]
    for site in sites:
        trial = fuse_rows(graph, steps, skip | {site}, longest_chain)
        arena = _arena_bytes(graph, trial)
        if arena <= best:
            skip.add(site)
            fused, best = trial, arena
    return fused if best < _arena_bytes(graph, steps) else steps


"""Fuses a CONV_2D or DEPTHWISE_CONV_2D into the convolution (CONV_2D, CONV_2D+ADD or
DEPTHWISE_CONV_2D) that consumes it, so the first one's output is computed a few rows at a
time into a window and never exists whole (mf/conv_chain.h). On ResNet-8 the residual blocks' first convolution outputs were the
arena's peak, beside the block input that the residual ADD still needs.
"""

from __future__ import annotations

from deploy_targets.compiler.ir import Graph
from deploy_targets.compiler.steps import Step

# The convolutions a chain may start with, and those it may end with.
_FIRST = ("mf::conv_2d", "mf::depthwise_conv_2d")
_SECOND = ("mf::conv_2d", "mf::conv_2d_add", "mf::depthwise_conv_2d")
# (first, second) -> the fused kernel (mf/conv_chain.h).
CHAINED_FUNCTIONS = {
    (first, second): f"{first}_then_{second.removeprefix('mf::')}"
    for first in _FIRST
    for second in _SECOND
}


def _conv_field(step: Step, name: str) -> int:
    return int(dict(step.structs[0].fields)[name])


def _rows_read(second: Step, out_y: int) -> tuple[int, int]:
    """The rows of its input that output row `out_y` of `second` reads (clamped)."""
    top = out_y * _conv_field(second, "stride_height") - _conv_field(second, "padding_height")
    bottom = top + (_conv_field(second, "filter_height") - 1) * _conv_field(
        second, "dilation_height"
    )
    return max(top, 0), min(bottom, _conv_field(second, "input_height") - 1)


def window_rows(second: Step) -> int:
    """The most input rows one output row of `second` reads: the window's height."""
    spans = (_rows_read(second, y) for y in range(_conv_field(second, "output_height")))
    return max(max(last - first + 1, 0) for first, last in spans)


def _residual_rows_safe(first: Step, second: Step) -> bool:
    """Where the second convolution's output is written over the residual and the residual is
    the first convolution's input: once output row r is written, no first-convolution row
    computed later may read input row r or above."""
    stride = _conv_field(first, "stride_height")
    padding = _conv_field(first, "padding_height")
    computed = _conv_field(first, "output_height")
    for out_y in range(_conv_field(second, "output_height")):
        next_row = _rows_read(second, out_y)[1] + 1
        if next_row < computed and next_row * stride - padding <= out_y:
            return False
    return True


def _chainable(graph: Graph, first: Step, second: Step) -> bool:
    if first.function not in _FIRST or first.fused_op_indices:
        return False
    if second.function not in _SECOND or second.args[1] != f"in:{first.output}":
        return False
    middle = graph.tensors[first.output]
    if (
        middle.shape[0] != 1
        or first.output in graph.outputs
        or len(graph.consumers(first.output)) != 1
    ):
        return False
    if second.function == "mf::conv_2d_add":
        residual = second.inputs[1]  # fuse_conv_into_add: the input, then the residual
        if residual == first.output:
            return False
        if residual == first.inputs[0] and not _residual_rows_safe(first, second):
            return False
    row_bytes = _conv_field(first, "output_width") * _conv_field(first, "output_depth")
    return window_rows(second) * row_bytes < middle.byte_count


def _chained(graph: Graph, first: Step, second: Step) -> Step:
    rows = window_rows(second)
    row_bytes = _conv_field(first, "output_width") * _conv_field(first, "output_depth")
    window_bytes = (rows * row_bytes + 3) // 4 * 4
    # second.args: params, input, filter, bias, then the output (conv_2d, depthwise_conv_2d)
    # or the ADD's params, operand order, table, residual and output (conv_2d_add); the convolutions'
    # scratch last.
    second_args = [second.args[0], *(a for a in second.args[2:] if a != "scratch")]
    return Step(
        second.op_index,
        f"{first.kind}+{second.kind}",
        CHAINED_FUNCTIONS[first.function, second.function],
        [*first.args[:4], *second_args, str(rows), "scratch"],
        [first.inputs[0], *second.inputs[1:]],
        second.output,
        f"{first.kind} (operator {first.op_index}) computed row by row into a {rows}-row "
        f"window read by {second.comment}",
        first.structs + second.structs,
        first.arrays + second.arrays,
        in_place_inputs=(
            list(second.in_place_inputs) if second.function == "mf::conv_2d_add" else []
        ),
        fused_op_indices=[first.op_index, *(second.fused_op_indices or [second.op_index])],
        work_scratch_bytes=window_bytes + max(first.work_scratch_bytes, second.work_scratch_bytes),
    )


def chain_convolutions(graph: Graph, steps: list[Step], skip: set[int]) -> list[Step]:
    """Replace each chainable pair of consecutive convolution steps by one fused step, unless
    the second one's operator is in `skip`."""
    fused: list[Step] = []
    for step in steps:
        if fused and step.op_index not in skip and _chainable(graph, fused[-1], step):
            fused[-1] = _chained(graph, fused[-1], step)
            continue
        fused.append(step)
    return fused

"""Fuses a CONV_2D or DEPTHWISE_CONV_2D into the convolution (CONV_2D, CONV_2D+ADD or
DEPTHWISE_CONV_2D) that consumes it, so the first one's output is computed a few rows at a
time into a window and never exists whole (mf/conv_chain.h). On ResNet-8 the residual blocks' first convolution outputs were the
arena's peak, beside the block input that the residual ADD still needs.

A chain of plain convolutions takes further ones (mf::convolution_chain_n), each computing its
rows from a window of its predecessor's: MobileNet's first stages hold two tensors of 18 KB or
more at once with chains of two, and need chains of four for neither to exist whole
(bench/chain_depth.py).
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
# Three or more plain convolutions (CONV_2D, DEPTHWISE_CONV_2D) in a row.
CHAIN_N_FUNCTION = "mf::convolution_chain_n"


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


def _chainable(graph: Graph, layers: list[Step], second: Step) -> bool:
    """Whether `second` may join the chain of unfused `layers` (one layer: not chained yet)."""
    first = layers[-1]
    if first.function not in _FIRST or first.fused_op_indices:
        return False
    if second.function not in _SECOND or second.args[1] != f"in:{first.output}":
        return False
    if len(layers) > 1 and second.function not in _FIRST:  # longer chains: no residual ADD
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


def _window_bytes(previous: Step, layer: Step) -> int:
    """The rows of `previous`'s output that one output row of `layer` reads, in whole words."""
    row_bytes = _conv_field(previous, "output_width") * _conv_field(previous, "output_depth")
    return (window_rows(layer) * row_bytes + 3) // 4 * 4


def _chained_n(layers: list[Step]) -> Step:
    """Three or more convolutions as one mf::convolution_chain_n call: the scratch holds each
    later layer's window, then the largest scratch of the layers' own kernels."""
    offsets = []
    total = 0
    for previous, layer in zip(layers, layers[1:], strict=False):
        offsets.append(total)
        total += _window_bytes(previous, layer)
    later_args = [
        arg
        for layer, offset in zip(layers[1:], offsets, strict=True)
        for arg in (layer.args[0], layer.args[2], layer.args[3], str(offset))
    ]
    last = layers[-1]
    operators = ", ".join(str(layer.op_index) for layer in layers)
    windows = ", ".join(str(window_rows(layer)) for layer in layers[1:])
    return Step(
        last.op_index,
        "+".join(layer.kind for layer in layers),
        CHAIN_N_FUNCTION,
        ["scratch", str(total), *layers[0].args[:4], *later_args, f"out:{last.output}"],
        [layers[0].inputs[0], *(i for layer in layers[1:] for i in layer.inputs[1:])],
        last.output,
        f"{len(layers)} convolutions (operators {operators}) computed row by row, each from a "
        f"window of its predecessor's rows ({windows} rows), into {last.comment}",
        [struct for layer in layers for struct in layer.structs],
        [array for layer in layers for array in layer.arrays],
        fused_op_indices=[layer.op_index for layer in layers],
        work_scratch_bytes=total + max(layer.work_scratch_bytes for layer in layers),
    )


def chain_convolutions(
    graph: Graph, steps: list[Step], skip: set[int], longest_chain: int | None = None
) -> list[Step]:
    """Replace each run of chainable consecutive convolution steps (at most `longest_chain`)
    by one fused step, joining none whose operator is in `skip` onto the run before it."""
    fused: list[Step] = []
    layers: list[list[Step]] = []  # the unfused steps behind each of `fused`
    for step in steps:
        if (
            fused
            and step.op_index not in skip
            and (longest_chain is None or len(layers[-1]) < longest_chain)
            and _chainable(graph, layers[-1], step)
        ):
            layers[-1].append(step)
            run = layers[-1]
            fused[-1] = _chained(graph, *run) if len(run) == 2 else _chained_n(run)
            continue
        fused.append(step)
        layers.append([step])
    return fused

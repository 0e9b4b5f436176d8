"""Fuses a convolution into the FULLY_CONNECTED that consumes it (directly or through a
reshape), so the convolution's output is computed a band of rows at a time and never exists
whole (mf/streamed_fully_connected.h). On micro_speech the depthwise convolution's 4000-byte
output was the arena's peak; streamed, one 160-byte row is.
"""

from __future__ import annotations

from deploy_targets.compiler.ir import Graph
from deploy_targets.compiler.ops.context import tensor_array
from deploy_targets.compiler.steps import ConstArray, Step

# Fewest rows per band: the smallest scratch; each band is one call of the convolution's kernel.
BAND_ROWS = 1
# Every term of a fully connected sum is at most 255 * 255 in magnitude: with fewer inputs than
# this, no partial sum overflows int32 (mf/streamed_fully_connected.h).
MAX_ACCUM_DEPTH = (2**31 - 1) // (255 * 255)

# The fully connected kernels a convolution may stream into. The streamed sums read the
# weights as mf::fully_connected does; a row-pair layer (weights laid out in blocks, input
# offset folded into the bias) gets those arrays back from the model (_plain_weights).
_FULLY_CONNECTED = ("mf::fully_connected", "mf::fully_connected_row_pairs")

STREAMED_FUNCTIONS = {
    "mf::depthwise_conv_2d": "mf::depthwise_conv_2d_into_fully_connected",
    "mf::conv_2d": "mf::conv_2d_into_fully_connected",
}


def _field(step: Step, name: str) -> str:
    return dict(step.structs[0].fields)[name]


def _streamable(graph: Graph, producer: Step, between: list[Step], fc: Step) -> bool:
    """The convolution's output reaches only the FC (maybe through one reshape), is nobody's
    output, and is the FC's one input vector."""
    if producer.function not in STREAMED_FUNCTIONS or producer.fused_op_indices:
        return False
    chain = [producer, *between]
    for step, reader in zip(chain, [*between, fc], strict=True):
        if (
            step.output not in reader.inputs
            or step.output in graph.outputs
            or len(graph.consumers(step.output)) != 1
        ):
            return False
    if fc.inputs[0] != chain[-1].output:
        return False
    out = graph.tensors[producer.output]
    return (
        out.shape[0] == 1
        and _field(fc, "batches") == "1"
        and int(_field(fc, "accum_depth")) == out.element_count
        and out.element_count <= MAX_ACCUM_DEPTH
    )


def _plain_weights(graph: Graph, fc: Step) -> tuple[str, str, list[ConstArray]]:
    """The weights and bias arguments of mf::fully_connected for the step `fc`, and its arrays
    with those (mf::fully_connected_row_pairs' own, its first two, replaced)."""
    # fc.args: params, input, weights, bias (or weight words, folded bias), output.
    if fc.function == "mf::fully_connected":
        return fc.args[2], fc.args[3], fc.arrays
    op = next(op for op in graph.operators if op.index == fc.op_index)
    weights = tensor_array(f"op{op.index}_weights", graph.tensors[op.inputs[1]], "weights")
    arrays = [weights]
    if len(op.inputs) == 3 and op.inputs[2] >= 0:
        arrays.append(tensor_array(f"op{op.index}_bias", graph.tensors[op.inputs[2]], "bias"))
    bias_arg = f"const:{arrays[1].name}" if len(arrays) == 2 else "0"
    return f"const:{weights.name}", bias_arg, arrays + fc.arrays[2:]


def _fused(graph: Graph, producer: Step, between: list[Step], fc: Step) -> Step:
    _, _, width, depth = graph.tensors[producer.output].shape
    fc_outputs = int(_field(fc, "output_depth"))
    band_bytes = (BAND_ROWS * width * depth + 3) // 4 * 4
    fc_params, fc_output = fc.args[0], fc.args[4]
    fc_weights, fc_bias, fc_arrays = _plain_weights(graph, fc)
    names = " -> ".join(s.kind for s in [producer, *between, fc])
    return Step(
        fc.op_index,
        f"{producer.kind}+{fc.kind}",
        STREAMED_FUNCTIONS[producer.function],
        [*producer.args[:4], fc_params, fc_weights, fc_bias, fc_output, str(BAND_ROWS), "scratch"],
        [producer.inputs[0]],
        fc.output,
        f"{names} (operators {producer.op_index}..{fc.op_index}), the convolution streamed "
        f"{BAND_ROWS} output row(s) at a time into the fully connected sums",
        producer.structs + fc.structs,
        producer.arrays + fc_arrays,
        fused_op_indices=[producer.op_index, *(s.op_index for s in between), fc.op_index],
        work_scratch_bytes=4 * fc_outputs + band_bytes + producer.work_scratch_bytes,
    )


def stream_into_fully_connected(graph: Graph, steps: list[Step], skip: set[int]) -> list[Step]:
    """Replace each streamable CONV_2D / DEPTHWISE_CONV_2D -> (RESHAPE) -> FULLY_CONNECTED run
    of consecutive steps by one fused step, unless the FULLY_CONNECTED is in `skip`."""
    fused: list[Step] = []
    for step in steps:
        if step.function in _FULLY_CONNECTED and fused and step.op_index not in skip:
            between = [fused[-1]] if fused[-1].alias else []
            position = len(fused) - 1 - len(between)
            if position >= 0 and _streamable(graph, fused[position], between, step):
                fused[position:] = [_fused(graph, fused[position], between, step)]
                continue
        fused.append(step)
    return fused

"""FULLY_CONNECTED (TFLite Micro kernels/fully_connected.cc): mf::fully_connected, per-tensor
or per-channel weights; mf::fully_connected_row_pairs where the weights can be laid out for
the Cortex-M fast path's SMLAD loop (whole blocks of four rows and of four inputs)."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_fully_connected_16x8
from deploy_targets.compiler.steps import ConstArray, ParamStruct


def _wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 values as static_cast<int32_t> makes them (modulo 2^32)."""
    wrapped: np.ndarray = (values + 2**31) % 2**32 - 2**31
    return wrapped


def row_pair_words(weights: np.ndarray) -> np.ndarray:
    """The int8 weights [outputs, inputs] as the words mf::fully_connected_row_pairs reads.

    Rows go in blocks of four (A, B, C, D), inputs in groups of four (i .. i+3). Each int16
    half of a word holds one input's weights of two rows: A's in the high byte, B's in the low
    byte with its sign bit flipped (B + 128, unsigned), so the half is 256 A + B + 128 and one
    SMLAD multiplies an input pair into A and B at once; SXTB16 ROR #8 extracts A's alone.
    Per block and group: [AB: inputs i, i+2] [AB: i+1, i+3] [CD: i, i+2] [CD: i+1, i+3], the
    pairs SXTB16 and SXTB16 ROR #8 unpack a word of four inputs into.

    >>> hex(int(row_pair_words(np.array([[1, 2, 3, 4], [-1, -2, -3, -4],
    ...                                  [0, 0, 0, 0], [0, 0, 0, 0]]))[0]) & 0xFFFFFFFF)
    '0x37d017f'
    """
    rows, depth = weights.shape
    assert rows % 4 == 0 and depth % 4 == 0
    w = weights.astype(np.int64).reshape(rows // 4, 2, 2, depth // 4, 2, 2)
    # axes: [block][pair][row in pair: A or B][group][half: i or i+2][parity: i or i+1]
    high = w[:, :, 0] & 0xFF
    low = (w[:, :, 1] + 128) & 0xFF
    halves = (high << 8) | low  # [block][pair][group][half][parity]
    words = halves[..., 0, :] | (halves[..., 1, :] << 16)  # [block][pair][group][parity]
    words = words.transpose(0, 2, 1, 3).reshape(-1)  # [block][group][pair][parity]
    return _wrap_int32(words)


def folded_bias(weights: np.ndarray, bias: np.ndarray | None, input_offset: int) -> np.ndarray:
    """bias + input_offset * (sum of each row's weights), as int32 with the wrap-around of the
    reference's int32 accumulator: the sum over i of (x_i + offset) w_i plus the bias is then
    the sum of x_i w_i plus this, the same integer modulo 2^32."""
    folded = weights.astype(np.int64).sum(axis=1) * input_offset
    if bias is not None:
        folded += bias.astype(np.int64)
    return _wrap_int32(folded)


def _row_pair_arrays(
    op: Operator, flt: Tensor, bias: Tensor | None, input_offset: int
) -> list[ConstArray]:
    assert flt.data is not None
    out_depth, accum_depth = flt.shape
    return [
        ConstArray(
            f"op{op.index}_weight_words",
            "int32_t",
            row_pair_words(flt.data),
            f"weights [{out_depth},{accum_depth}] int8 in blocks of 4 rows x 4 inputs, "
            "two rows per int16 (256 A + B + 128) for SMLAD (ops/fully_connected.py: "
            "row_pair_words)",
        ),
        ConstArray(
            f"op{op.index}_folded_bias",
            "int32_t",
            folded_bias(flt.data, None if bias is None else bias.data, input_offset),
            f"bias + input offset ({input_offset}) x the sum of each row's weights",
        ),
    ]


def lower_fully_connected(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_fully_connected_16x8(ctx, op)
        return
    ctx.need(len(op.inputs) in (2, 3) and len(op.outputs) == 1, op, "expects 2 or 3 inputs")
    ctx.need(
        op.options.get("weights_format", 0) == 0,
        op,
        "only the DEFAULT weights format is supported (not shuffled 4x16int8)",
    )
    inp = ctx.activation_tensor(op, op.inputs[0])
    out = ctx.activation_tensor(op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "int8", "weights")
    ctx.need(len(flt.shape) == 2, op, "weights must be 2-D [outputs, inputs]")
    out_depth, accum_depth = flt.shape
    ctx.need(
        inp.element_count % accum_depth == 0,
        op,
        f"input has {inp.element_count} elements, not a multiple of {accum_depth}",
    )
    batches = inp.element_count // accum_depth
    ctx.need(
        out.element_count == batches * out_depth,
        op,
        f"output has {out.element_count} elements; {batches}x{out_depth} expected",
    )
    act_min, act_max = ctx.activation_range(op, out)
    if flt.is_per_channel:
        multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_depth)
    else:
        multiplier, shift = q.per_tensor_conv_multiplier(inp.scale, flt.scale, out.scale)
        multipliers, shifts = [multiplier], [shift]
    row_pairs = out_depth % 4 == 0 and accum_depth % 4 == 0 and all(z == 0 for z in flt.zero_points)
    if row_pairs:
        has_bias = len(op.inputs) == 3 and op.inputs[2] >= 0
        bias = ctx.constant(op, op.inputs[2], "int32", "bias") if has_bias else None
        arrays = _row_pair_arrays(op, flt, bias, -inp.zero_point)
        function = "mf::fully_connected_row_pairs"
        weight_args = [f"const:op{op.index}_weight_words", f"const:op{op.index}_folded_bias"]
    else:
        arrays = [ctx.const_array(f"op{op.index}_weights", flt, "weights")]
        bias_arrays, bias_arg = ctx.optional_bias(op)
        arrays += bias_arrays
        function = "mf::fully_connected"
        weight_args = [f"const:op{op.index}_weights", bias_arg]
    arrays += ctx.quant_arrays(op, multipliers, shifts)
    params = ParamStruct(
        "mf::FullyConnectedParams",
        f"op{op.index}_params",
        [
            ("input_offset", str(-inp.zero_point)),
            ("filter_offset", str(-flt.zero_point)),
            ("output_offset", str(out.zero_point)),
            ("output_multiplier", f"const:op{op.index}_output_multiplier"),
            ("output_shift", f"const:op{op.index}_output_shift"),
            ("per_channel", "1" if flt.is_per_channel else "0"),
            ("activation_min", str(act_min)),
            ("activation_max", str(act_max)),
            ("batches", str(batches)),
            ("accum_depth", str(accum_depth)),
            ("output_depth", str(out_depth)),
        ],
    )
    ctx.add_step(
        op,
        function,
        [f"param:{params.name}", f"in:{op.inputs[0]}", *weight_args, f"out:{op.outputs[0]}"],
        [op.inputs[0]],
        op.outputs[0],
        [params],
        arrays,
    )


KERNELS = {"FULLY_CONNECTED": OperatorKernel(lower_fully_connected, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
# The two streamed fusions are what stream_fusion.py makes of a convolution and this layer.
KERNEL_HEADERS = {
    "mf::fully_connected": "fully_connected.h",
    "mf::fully_connected_row_pairs": "fully_connected.h",
    "mf::depthwise_conv_2d_into_fully_connected": "streamed_fully_connected.h",
    "mf::conv_2d_into_fully_connected": "streamed_fully_connected.h",
}

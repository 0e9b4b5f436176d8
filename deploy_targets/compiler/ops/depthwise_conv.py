"""DEPTHWISE_CONV_2D (TFLite Micro kernels/depthwise_conv.cc): mf::depthwise_conv_2d, or
mf::depthwise_conv_2d_in_place where a same-shape, unit-stride layer may write over its dying
input (the planner chooses)."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.conv_common import conv_operands, prepare_conv
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_conv_2d_16x8
from deploy_targets.compiler.steps import ConstArray

# The fast path's tap-pair loop keeps a table of at most this many taps per pixel
# (mf/depthwise_conv_fast.h, kMaxPairedTaps).
MAX_PAIRED_TAPS = 16


def filter_tap_pair_words(filter_values: np.ndarray) -> np.ndarray:
    """The depthwise filter [1, h, w, channels] as the fast path's SMLAD operands: taps taken
    two at a time (t, t+1; an odd last tap paired with 0), each channel's two weights one
    int16 pair (tap t in the low half), laid out [channel group of 4][tap pair][channel in the
    group] so one four-channel group reads its words in order.

    >>> filter_tap_pair_words(np.arange(1, 13).reshape(1, 1, 3, 4)).tolist()
    [327681, 393218, 458755, 524292, 9, 10, 11, 12]
    """
    _, height, width, channels = filter_values.shape
    taps = filter_values.reshape(height * width, channels).astype(np.int64)
    if len(taps) % 2:
        taps = np.concatenate([taps, np.zeros((1, channels), dtype=np.int64)])
    low, high = taps[0::2], taps[1::2]  # [pair, channel]
    words = (low & 0xFFFF) | ((high & 0xFFFF) << 16)
    words = (words + 2**31) % 2**32 - 2**31  # as int32
    pairs = words.shape[0]
    return words.reshape(pairs, channels // 4, 4).transpose(1, 0, 2).reshape(-1)


def tap_pair_bias(
    filter_values: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> np.ndarray:
    """bias + input_offset * (the sum of each channel's taps), as int32 modulo 2^32 like the
    reference's accumulator: the fast path's tap-pair loop then multiplies the input bytes
    without the offset (a tap over the padding reads the input zero point, -input_offset,
    whose share of this sum cancels it: the reference skips that tap).

    >>> tap_pair_bias(np.arange(1, 9).reshape(1, 1, 2, 4), np.array([1, 2, 3, 4]), 10).tolist()
    [61, 82, 103, 124]
    """
    _, height, width, channels = filter_values.shape
    folded = filter_values.reshape(height * width, channels).astype(np.int64).sum(axis=0)
    folded *= input_offset
    if bias is not None:
        folded += bias.astype(np.int64)
    wrapped: np.ndarray = (folded + 2**31) % 2**32 - 2**31
    return wrapped


def tap_pair_stream(filter_values: np.ndarray, folded_bias: np.ndarray) -> np.ndarray:
    """What the fast path's tap-pair steps read for each group of four channels in turn: the
    group's four folded biases (the accumulators' start), then its filter_tap_pair_words.

    >>> tap_pair_stream(np.arange(1, 9).reshape(1, 1, 2, 4), np.arange(4)).tolist()
    [0, 1, 2, 3, 327681, 393218, 458755, 524292]
    """
    channels = filter_values.shape[3]
    words = filter_tap_pair_words(filter_values).reshape(channels // 4, -1)
    biases = np.asarray(folded_bias, dtype=np.int64).reshape(channels // 4, 4)
    stream: np.ndarray = np.concatenate([biases, words], axis=1).reshape(-1)
    return stream


def tap_pair_arrays(
    op: Operator, flt: Tensor, bias: Tensor | None, input_offset: int, depth_multiplier: int
) -> tuple[list[ConstArray], str]:
    """The pre-paired filter with the bias (input offset folded in) and its argument, where
    the fast path can use it: depth multiplier 1, whole groups of four channels, at most
    MAX_PAIRED_TAPS taps."""
    _, height, width, channels = flt.shape
    if depth_multiplier != 1 or channels % 4 or height * width > MAX_PAIRED_TAPS:
        return [], "0"
    assert flt.data is not None
    name = f"op{op.index}_filter_tap_pairs"
    folded = tap_pair_bias(flt.data, None if bias is None else bias.data, input_offset)
    return [
        ConstArray(
            name,
            "int32_t",
            tap_pair_stream(flt.data, folded),
            f"per group of 4 channels: bias + input offset ({input_offset}) x the sum of the "
            "taps, then the filter as int16 pairs of taps for SMLAD, [tap / 2][channel % 4] "
            "(fast path, mf/depthwise_conv_fast.h)",
        )
    ], f"const:{name}"


def column_requantizer_words(multipliers: list[int], shifts: list[int], output_offset: int,
                             bias: np.ndarray | None) -> list[int] | None:
    """Three int32 words per channel for the column loop's requantization of doubled
    accumulators (mf/depthwise_conv_fast.h, column_requantize): the multiplier,
    2^(r-1) + output_offset * 2^r and r = -shift; None unless every shift is a right shift of
    at most 22 and twice every accumulator fits in int32 (the bias plus nine products of a
    weight, |w| <= 128, and an input plus its offset, |x| <= 255, under 2^30 in magnitude).

    >>> column_requantizer_words([1 << 30, 1 << 30], [-1, -3], -128, None)
    [1073741824, -255, 1, 1073741824, -1020, 3]
    >>> column_requantizer_words([1 << 30], [-1], 0, np.array([1 << 30])) is None
    True
    """
    if any(shift >= 0 or -shift > q.MAX_FOLDED_RIGHT_SHIFT for shift in shifts):
        return None
    largest_bias = 0 if bias is None or bias.size == 0 else int(np.abs(bias.astype(np.int64)).max())
    if largest_bias + 9 * 128 * 255 >= 1 << 30:
        return None
    words: list[int] = []
    for multiplier, shift in zip(multipliers, shifts, strict=True):
        right = -shift
        words += [multiplier, (1 << (right - 1)) + output_offset * (1 << right), right]
    return words


def filter_3x3_column_words(filter_values: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """The 3x3 depthwise filter for the fast path's column loop (mf/depthwise_conv_fast.h,
    depthwise_row_by_columns): per group of four channels 22 int32 words, the group's biases
    (the accumulators' start), then for each filter column the int16 pairs (row 0 low, row 1
    high) of the four channels, for SMLAD, and row 2 as the pairs (channel 0 low, channel 2
    high) and (channel 1, channel 3), for SMLABB / SMLATT.

    >>> filter_3x3_column_words(np.arange(36).reshape(1, 3, 3, 4) - 4, None)[0, :10].tolist()
    [0, 0, 0, 0, 589820, 655357, 720894, 786431, 1441812, 1507349]
    """
    _, height, width, channels = filter_values.shape
    assert (height, width) == (3, 3) and channels % 4 == 0
    taps = filter_values.reshape(3, 3, channels // 4, 4).astype(np.int64) & 0xFFFF
    words = np.zeros((channels // 4, 22), dtype=np.int64)
    if bias is not None:
        words[:, :4] = bias.astype(np.int64).reshape(-1, 4)
    for column in range(3):
        at = 4 + 6 * column
        words[:, at : at + 4] = taps[0, column] | (taps[1, column] << 16)
        words[:, at + 4] = taps[2, column, :, 0] | (taps[2, column, :, 2] << 16)
        words[:, at + 5] = taps[2, column, :, 1] | (taps[2, column, :, 3] << 16)
    wrapped: np.ndarray = (words + 2**31) % 2**32 - 2**31  # as int32
    return wrapped


def filter_3x3_column_arrays(
    op: Operator, flt: Tensor, bias: Tensor | None, depth_multiplier: int,
    requantizer_words: list[int] | None,
) -> tuple[list[ConstArray], str, str]:
    """filter_3x3_column_words and its argument, where the fast path's column loop uses it
    (mf/depthwise_conv_fast.h, columns_apply): a 3x3 filter, depth multiplier 1, whole
    groups of four channels, no dilation, stride 1 or 2 across; with `requantizer_words`
    (column_requantizer_words) the words doubled and the requantizers' argument, else "0"."""
    _, height, width, channels = flt.shape
    opts = op.options
    dilated = opts.get("dilation_height", 1) != 1 or opts.get("dilation_width", 1) != 1
    strided = opts.get("stride_width", 1) not in (1, 2)
    if (height, width) != (3, 3) or depth_multiplier != 1 or channels % 4 or dilated or strided:
        return [], "0", "0"
    assert flt.data is not None
    name = f"op{op.index}_filter_3x3_columns"
    words = filter_3x3_column_words(flt.data, None if bias is None else bias.data)
    arrays = []
    requantizers_arg = "0"
    if requantizer_words is not None:
        # Twice each int16 half (|2 w| <= 256) and each bias: the words of 2 w and 2 bias.
        bias_values = None if bias is None or bias.data is None else bias.data
        words = filter_3x3_column_words(
            2 * flt.data.astype(np.int64),
            None if bias_values is None else 2 * bias_values.astype(np.int64),
        )
        requantizers_name = f"op{op.index}_column_requantizers"
        arrays.append(ConstArray(
            requantizers_name, "int32_t", np.array(requantizer_words, dtype=np.int64),
            "column loop requantization of doubled sums, 3 words per channel "
            "(mf/depthwise_conv_fast.h, column_requantize)",
        ))
        requantizers_arg = f"const:{requantizers_name}"
    return [
        ConstArray(
            name,
            "int32_t",
            words.reshape(-1),
            "per group of 4 channels: the biases, then per filter column rows 0 and 1 as "
            "int16 pairs, [channel % 4], and row 2 as pairs of channels (0, 2), (1, 3)"
            + (", all doubled" if requantizer_words is not None else "")
            + " (fast path, mf/depthwise_conv_fast.h)",
        ),
        *arrays,
    ], f"const:{name}", requantizers_arg


def lower_depthwise_conv_2d(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_conv_2d_16x8(ctx, op)
        return
    inp, out, flt = conv_operands(ctx, op)
    batches, _, in_w, in_c = inp.shape
    _, _, _, out_c = flt.shape
    _, _, _, out_c2 = out.shape
    ctx.need(
        out_c2 == out_c and out_c % in_c == 0,
        op,
        f"output depth {out_c2} must equal filter depth {out_c}, a multiple of the "
        f"input depth {in_c}",
    )
    ctx.need(
        flt.quantized_dimension == 3 or not flt.is_per_channel,
        op,
        "per-channel depthwise filter scales must be on axis 3",
    )
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
    conv = prepare_conv(
        ctx, op, inp, out, flt, "mf::DepthwiseConvParams", depth_multiplier=out_c // in_c
    )
    has_bias = len(op.inputs) == 3 and op.inputs[2] >= 0
    bias = ctx.constant(op, op.inputs[2], "int32", "bias") if has_bias else None
    # The column loop, where it applies, takes every row: the tap pairs would be unused.
    multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
    requantizer_words = column_requantizer_words(
        multipliers, shifts, out.zero_point, None if bias is None else bias.data
    )
    column_arrays, column_arg, column_requantizers_arg = filter_3x3_column_arrays(
        op, flt, bias, out_c // in_c, requantizer_words
    )
    pair_arrays, pair_arg = (
        ([], "0")
        if column_arrays
        else tap_pair_arrays(op, flt, bias, -inp.zero_point, out_c // in_c)
    )
    if column_requantizers_arg != "0":
        # The column loop takes every row and requantizes by its own words: the four-word
        # table would be flash no kernel reads.
        unused = f"op{op.index}_output_requantizers"
        conv.arrays = [array for array in conv.arrays if array.name != unused]
        conv.params.fields = [
            (field, "0" if field == "output_requantizers" else value)
            for field, value in conv.params.fields
        ]
    conv.arrays += pair_arrays + column_arrays
    conv.params.fields.append(("filter_tap_pairs", pair_arg))
    conv.params.fields.append(("filter_3x3_columns", column_arg))
    conv.params.fields.append(("column_requantizers", column_requantizers_arg))
    step = ctx.add_step(
        op,
        "mf::depthwise_conv_2d",
        [*conv.leading_args(f"in:{op.inputs[0]}"), f"out:{op.outputs[0]}"],
        [op.inputs[0]],
        op.outputs[0],
        [conv.params],
        conv.arrays,
    )
    opts = op.options
    same_shape = inp.shape == out.shape and batches == 1 and out_c == in_c
    unit_steps = (
        opts["stride_height"] == opts["stride_width"] == 1
        and opts["dilation_height"] == opts["dilation_width"] == 1
    )
    if same_shape and unit_steps:
        step.in_place_function = "mf::depthwise_conv_2d_in_place"
        step.in_place_args = conv.in_place_args(op)
        step.in_place_inputs = [op.inputs[0]]
        step.scratch_bytes = (conv.padding_height + 1) * in_w * in_c


KERNELS = {"DEPTHWISE_CONV_2D": OperatorKernel(lower_depthwise_conv_2d, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {
    "mf::depthwise_conv_2d": "depthwise_conv.h",
    "mf::depthwise_conv_2d_in_place": "depthwise_conv.h",
}

"""CONV_2D (TFLite Micro kernels/conv.cc): mf::conv_2d, or mf::conv_2d_1x1_in_place where a
pointwise convolution may write over its dying input (the planner chooses)."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.chain_fusion import CHAIN_N_FUNCTION, CHAINED_FUNCTIONS
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.conv_common import (
    conv_operands,
    fast_conv_scratch_bytes,
    prepare_conv,
)
from deploy_targets.compiler.ops.grouped_conv import lower_grouped_conv_2d
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_conv_2d_16x8
from deploy_targets.compiler.steps import ConstArray

# The most taps per output channel of a filter given a padded copy: its column must fit the
# fast path's staging buffer (mf/conv_fast.h, kMaxPaddedDepth).
MAX_PADDED_DEPTH = 60


def padded_tap_order(k_h: int, k_w: int, in_c: int) -> list[int]:
    """The fast path's column order of a padded filter's taps (indices into h x w x in):
    each filter row's whole groups of four taps, which it unpacks straight from the input,
    then the last (k_w * in_c) % 4 taps of every row (mf/conv_fast.h, gather_padded_column)."""
    row = k_w * in_c
    whole = row // 4 * 4
    order = [y * row + i for y in range(k_h) for i in range(whole)]
    return order + [y * row + i for y in range(k_h) for i in range(whole, row)]


def padded_filter_arrays(op: Operator, flt: Tensor) -> tuple[list[ConstArray], str]:
    """The fast path's copy of a filter whose taps per output channel (h x w x in) are not a
    multiple of 4 (mf/conv_params.h, filter_padded): each channel's taps in
    padded_tap_order, then zeros to a multiple of 4, so its columns are whole groups of four
    taps, which the SMLAD loop takes without a tail. None where the depth is a multiple of 4
    already or above MAX_PADDED_DEPTH."""
    out_c, k_h, k_w, in_c = flt.shape
    depth = k_h * k_w * in_c
    if depth % 4 == 0 or depth > MAX_PADDED_DEPTH:
        return [], "0"
    assert flt.data is not None
    taps = np.asarray(flt.data, dtype=np.int8).reshape(out_c, depth)
    padded = np.zeros((out_c, -(-depth // 4) * 4), dtype=np.int8)
    padded[:, :depth] = taps[:, padded_tap_order(k_h, k_w, in_c)]
    name = f"op{op.index}_filter_padded"
    return [
        ConstArray(
            name,
            "int8_t",
            padded.reshape(-1),
            f"the filter, each channel's {depth} taps reordered (whole groups of four of each "
            f"row first) and padded with zeros to {padded.shape[1]} (fast path, "
            "mf/conv_fast.h)",
        )
    ], f"const:{name}"


def weight_pair_words(taps: np.ndarray) -> np.ndarray:
    """Each row's groups of four int8 taps k..k+3 as two words of int16 pairs [k, k+2]
    [k+1, k+3], low half first (mf/conv_params.h, filter_pairs), as int64 values of int32s."""
    taps = np.asarray(taps, dtype=np.int64)
    rows, depth = taps.shape
    assert depth % 4 == 0
    groups = taps.reshape(rows, depth // 4, 4)
    even = groups[:, :, 2] * 65536 + (groups[:, :, 0] & 0xFFFF)
    odd = groups[:, :, 3] * 65536 + (groups[:, :, 1] & 0xFFFF)
    return np.stack([even, odd], axis=2).reshape(-1)


# The fast path's pair requantization takes accumulators below this in magnitude
# (kPairAccumulatorLimit, mf/requantize_fast.h).
PAIR_ACCUMULATOR_LIMIT = 1 << 30


def pair_requantizer_words(multipliers: list[int], shifts: list[int], output_offset: int
                           ) -> list[int] | None:
    """Four int32 words per channel for the pair units' requantization (mf/requantize_fast.h,
    pair_requantizer_words): 2M - 2^32, 2^(r-1) + output_offset * 2^r, r and 0; None unless
    every multiplier M is in [2^30, 2^31) and every right shift r in [1, 22]."""
    words: list[int] = []
    for multiplier, shift in zip(multipliers, shifts, strict=True):
        right = -shift
        if not (1 << 30 <= multiplier < 1 << 31 and 1 <= right <= q.MAX_FOLDED_RIGHT_SHIFT):
            return None
        words += [2 * multiplier - (1 << 32), (1 << (right - 1)) + output_offset * (1 << right),
                  right, 0]
    return words


def pair_requantizer_table(op: Operator, taps: np.ndarray, fields: dict[str, str],
                           constants: list[ConstArray]) -> list[int] | None:
    """The pair requantizer table of a layer whose every accumulator (bias plus taps times
    inputs with their offset, each in [-128 + offset, 127 + offset]) stays below
    PAIR_ACCUMULATOR_LIMIT in magnitude; None where one may not, or a channel does not fold."""
    by_name = {array.name: array.values for array in constants}
    names = [f"op{op.index}_{part}" for part in ("bias", "output_multiplier", "output_shift")]
    if any(name not in by_name for name in names):
        return None
    bias, multipliers, shifts = (np.asarray(by_name[name], dtype=np.int64) for name in names)
    input_offset = int(fields["input_offset"])
    input_reach = max(128 - input_offset, 127 + input_offset)
    reach = np.abs(bias) + np.abs(np.asarray(taps, dtype=np.int64)).sum(axis=1) * input_reach
    if int(reach.max()) >= PAIR_ACCUMULATOR_LIMIT:
        return None
    return pair_requantizer_words([int(m) for m in multipliers], [int(s) for s in shifts],
                                  int(fields["output_offset"]))


def filter_pairs_arrays(op: Operator, flt: Tensor, fields: dict[str, str], bias_arg: str,
                        padded: list[ConstArray], constants: list[ConstArray]
                        ) -> tuple[list[ConstArray], str]:
    """The fast path's pre-expanded copy of a filter (mf/conv_params.h, filter_pairs), for the
    layers whose four-position loop takes it: a bias, a folded requantizer table, the whole
    int8 range and a depth that is a multiple of 4 (mf/conv_fast.h, lean_layer). Its words
    take twice the filter's flash, so only the 1x1 layers get one, where the SMLAD loop is
    most of the time of a MobileNet (and where it replaces the int8 filter), and the layers
    with a padded filter (`padded`, at most MAX_PADDED_DEPTH taps a channel: an image
    model's first layer), in the padded filter's order. After the pairs, the pair units'
    requantizer table (pair_requantizer_table, from the layer's `constants`: its bias,
    multipliers and shifts); no pairs where there is none."""
    out_c, k_h, k_w, in_c = flt.shape
    lean = (
        bias_arg != "0" and fields["output_requantizers"] != "0"
        and fields["activation_min"] == "-128" and fields["activation_max"] == "127"
    )
    pointwise = k_h == k_w == 1 and in_c % 4 == 0
    if not lean or not (pointwise or padded):
        return [], "0"
    assert flt.data is not None
    if padded:
        taps = np.asarray(padded[0].values, dtype=np.int8).reshape(out_c, -1)
    else:
        taps = np.asarray(flt.data, dtype=np.int8).reshape(out_c, in_c)
    table = pair_requantizer_table(op, taps, fields, constants)
    if table is None:
        return [], "0"
    name = f"op{op.index}_filter_pairs"
    return [
        ConstArray(
            name,
            "int32_t",
            np.concatenate([weight_pair_words(taps), np.array(table, dtype=np.int64)]),
            "the filter as int16 pairs [k, k+2] [k+1, k+3] per group of four taps, then 4 "
            "words of pair requantization per channel (fast path, mf/conv_fast.h)",
            variant="pairs",
        )
    ], f"const:{name}"


def lower_conv_2d(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_conv_2d_16x8(ctx, op)
        return
    inp, out, flt = conv_operands(ctx, op)
    _, _, _, in_c = inp.shape
    out_c, k_h, k_w, f_c = flt.shape
    if f_c != in_c:
        lower_grouped_conv_2d(ctx, op)
        return
    ctx.need(
        flt.quantized_dimension == 0 or not flt.is_per_channel,
        op,
        "per-channel filter scales must be on axis 0 (output channels)",
    )
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
    _, _, _, out_c2 = out.shape
    ctx.need(out_c2 == out_c, op, "output depth must equal the number of filters")
    conv = prepare_conv(ctx, op, inp, out, flt, "mf::ConvParams")
    padded_arrays, padded_arg = padded_filter_arrays(op, flt)
    conv.arrays += padded_arrays
    conv.params.fields.append(("filter_padded", padded_arg))
    pairs_arrays, pairs_arg = filter_pairs_arrays(op, flt, dict(conv.params.fields),
                                                  conv.bias_arg, padded_arrays, conv.arrays)
    if pairs_arrays:
        # The pairs exist only where MF_WEIGHT_PAIRS is set (mf/conv_params.h): a core without
        # the DSP extension, or MF_COMPACT_WEIGHTS=1, gets 0 and the plain lean loop.
        pairs_arg = f"MF_IF_PAIRS({pairs_arg.removeprefix('const:')}, 0)"
    conv.params.fields.append(("filter_pairs", pairs_arg))
    conv.arrays += pairs_arrays
    if pairs_arrays and not padded_arrays:
        # Every kernel reads the pairs where the int8 filter is null (mf/conv.h, conv_dot), so
        # where they exist the layer's weights take twice their flash, not three times (a
        # padded filter's pairs are in another order than the reference's: it keeps its
        # filter). nullptr, not 0: the chained kernels pass it through a template parameter
        # pack to a pointer parameter.
        name = f"op{op.index}_filter"
        for array in conv.arrays:
            if array.name == name:
                array.variant = "int8"
        conv.filter_arg = f"MF_IF_PAIRS(nullptr, {name})"
    step = ctx.add_step(
        op,
        "mf::conv_2d",
        [*conv.leading_args(f"in:{op.inputs[0]}"), f"out:{op.outputs[0]}", "scratch"],
        [op.inputs[0]],
        op.outputs[0],
        [conv.params],
        conv.arrays,
    )
    step.work_scratch_bytes = fast_conv_scratch_bytes(k_h * k_w * in_c)
    opts = op.options
    pointwise = (
        k_h == k_w == 1 and opts["stride_height"] == opts["stride_width"] == 1 and out_c <= in_c
    )
    if pointwise:
        step.in_place_function = "mf::conv_2d_1x1_in_place"
        step.in_place_args = conv.in_place_args(op)
        step.in_place_inputs = [op.inputs[0]]
        step.scratch_bytes = max(in_c, fast_conv_scratch_bytes(in_c))


KERNELS = {"CONV_2D": OperatorKernel(lower_conv_2d, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call (mf::conv_2d_add
# is what lowering.fuse_conv_into_add makes of a CONV_2D and the residual ADD after it).
KERNEL_HEADERS = {
    "mf::conv_2d": "conv.h",
    "mf::conv_2d_1x1_in_place": "conv.h",
    "mf::conv_2d_add": "conv.h",
    # What chain_fusion.py makes of a convolution and the convolution that consumes it.
    **{function: "conv_chain.h" for function in CHAINED_FUNCTIONS.values()},
    CHAIN_N_FUNCTION: "conv_chain.h",
}

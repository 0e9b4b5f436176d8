"""The Prepare both convolutions share (CONV_2D and DEPTHWISE_CONV_2D): operand checks, padding,
activation range, per-channel requantization and the constants they keep in flash."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext
from deploy_targets.compiler.steps import ConstArray, ParamStruct


def fast_conv_scratch_bytes(depth: int) -> int:
    """Scratch of the Cortex-M fast convolution: the im2col columns of four output positions,
    `depth` taps each, as int16 pairs plus the depth % 4 tail (mf/conv_fast.h, column_words)."""
    positions = 4
    return 4 * (2 * positions * (depth // 4) + (3 * positions if depth % 4 else 0))


@dataclass
class PreparedConv:
    """A CONV_2D or DEPTHWISE_CONV_2D once prepared: its param struct, its constants and the
    names its kernel calls pass."""

    params: ParamStruct
    arrays: list[ConstArray]
    filter_arg: str
    bias_arg: str
    padding_height: int

    def leading_args(self, activations: str) -> list[str]:
        """Every conv kernel starts with (params, activations, filter, bias); the activations are
        the input, or the output where the kernel writes over its input (fuse_conv_into_add
        relies on this order too)."""
        return [f"param:{self.params.name}", activations, self.filter_arg, self.bias_arg]

    def in_place_args(self, op: Operator) -> list[str]:
        return [*self.leading_args(f"out:{op.outputs[0]}"), "scratch"]


def requantizer_arrays(op: Operator, multipliers: list[int], shifts: list[int],
                       output_offset: int) -> tuple[list[ConstArray], str]:
    """The fast path's table (none where a channel does not fold) and its argument."""
    words = q.fast_requantizers(multipliers, shifts, output_offset)
    if words is None:
        return [], "0"
    name = f"op{op.index}_output_requantizers"
    return [ConstArray(name, "int32_t", np.array(words, dtype=np.int64),
                       "fast-path requantization, 4 words per channel "
                       "(mf/requantize_fast.h)")], f"const:{name}"


def conv_operands(ctx: LoweringContext, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
    """The input, output and filter of CONV_2D or DEPTHWISE_CONV_2D, checked as both of
    TFLite's Prepare functions check them; the filter layouts differ, so each caller checks
    its own depths and scale axis."""
    ctx.need(len(op.inputs) in (2, 3) and len(op.outputs) == 1, op, "expects 2 or 3 inputs")
    inp = ctx.activation_tensor(op, op.inputs[0])
    out = ctx.activation_tensor(op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "int8", "filter")
    ctx.need(len(inp.shape) == 4 and len(flt.shape) == 4 and len(out.shape) == 4, op,
             "input, filter and output must be 4-D")
    return inp, out, flt


def prepare_conv(ctx: LoweringContext, op: Operator, inp: Tensor, out: Tensor, flt: Tensor,
                 params_ctype: str, depth_multiplier: int | None = None) -> PreparedConv:
    """The rest of Prepare, the same for both convolutions once their shapes are checked:
    padding, activation range, per-channel requantization and the constants in flash.

    Both filter layouts ([out, h, w, in] and [1, h, w, out]) keep the window on axes 1 and
    2, and the callers have checked that the output depth equals the filter's, so the output
    depth is read from the output. The two param structs (mf/conv_params.h,
    mf/depthwise_conv_params.h) declare the same fields in the same order, except that the
    depthwise one has `depth_multiplier` after the padding.
    """
    batches, in_h, in_w, in_c = inp.shape
    _, k_h, k_w, _ = flt.shape
    _, out_h, out_w, out_c = out.shape
    opts = op.options
    pad_h = ctx.padding(op, "height", in_h, k_h, opts["stride_height"],
                        opts["dilation_height"], out_h)
    pad_w = ctx.padding(op, "width", in_w, k_w, opts["stride_width"],
                        opts["dilation_width"], out_w)
    act_min, act_max = ctx.activation_range(op, out)
    multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
    arrays = [ctx.const_array(f"op{op.index}_filter", flt, "filter")]
    bias_arrays, bias_arg = ctx.optional_bias(op)
    arrays += bias_arrays
    arrays += ctx.quant_arrays(op, multipliers, shifts)
    requantizers, requantizers_arg = requantizer_arrays(op, multipliers, shifts, out.zero_point)
    arrays += requantizers
    fields = [
        ("input_offset", str(-inp.zero_point)), ("output_offset", str(out.zero_point)),
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("stride_height", str(opts["stride_height"])),
        ("stride_width", str(opts["stride_width"])),
        ("dilation_height", str(opts["dilation_height"])),
        ("dilation_width", str(opts["dilation_width"])),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
    ]
    if depth_multiplier is not None:
        fields.append(("depth_multiplier", str(depth_multiplier)))
    fields += [
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
        ("output_height", str(out_h)), ("output_width", str(out_w)),
        ("output_depth", str(out_c)),
        ("output_requantizers", requantizers_arg),
    ]
    params = ParamStruct(params_ctype, f"op{op.index}_params", fields)
    return PreparedConv(params, arrays, f"const:op{op.index}_filter", bias_arg, pad_h)

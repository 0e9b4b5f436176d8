"""Grouped CONV_2D (TFLite Micro kernels/conv.cc with groups = input depth / filter depth), as
Keras Conv2D(groups=...) converts: int8, per-channel filter scales on the output channels.
ops/conv.py hands a CONV_2D here when its filter depth differs from the input's."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.conv_common import conv_operands
from deploy_targets.compiler.steps import ParamStruct


def check_groups(ctx: LoweringContext, op: Operator, in_c: int, f_c: int, out_c: int) -> int:
    """The number of groups of a CONV_2D whose filter depth f_c divides the input depth in_c
    (Keras Conv2D(groups=...)): each group of out_c / groups filters reads its own slice of
    in_c / groups input channels. Refuses shapes that do not split so, for every precision."""
    ctx.need(f_c >= 1 and in_c % f_c == 0, op,
             f"filter depth {f_c} must divide the input depth {in_c} (grouped convolution)")
    groups = in_c // f_c
    ctx.need(out_c % groups == 0, op,
             f"{out_c} filters cannot be split into {groups} groups of input channels")
    return groups


def lower_grouped_conv_2d(ctx: LoweringContext, op: Operator) -> None:
    inp, out, flt = conv_operands(ctx, op)
    batches, in_h, in_w, in_c = inp.shape
    out_c, k_h, k_w, f_c = flt.shape
    groups = check_groups(ctx, op, in_c, f_c, out_c)
    ctx.need(flt.quantized_dimension == 0 or not flt.is_per_channel, op,
             "per-channel filter scales must be on axis 0 (output channels)")
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
    ctx.need(out.shape[0] == batches and out.shape[3] == out_c, op,
             "output depth must equal the number of filters")
    _, out_h, out_w, _ = out.shape
    opts = op.options
    pad_h = ctx.padding(op, "height", in_h, k_h, opts["stride_height"],
                        opts["dilation_height"], out_h)
    pad_w = ctx.padding(op, "width", in_w, k_w, opts["stride_width"],
                        opts["dilation_width"], out_w)
    act_min, act_max = ctx.activation_range(op, out)
    multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
    arrays = [ctx.const_array(f"op{op.index}_filter", flt, "filter")]
    bias_arrays, bias_arg = ctx.optional_bias(op)
    arrays += bias_arrays + ctx.quant_arrays(op, multipliers, shifts)
    params = ParamStruct("mf::GroupedConvParams", f"op{op.index}_params", [
        ("input_offset", str(-inp.zero_point)), ("output_offset", str(out.zero_point)),
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("stride_height", str(opts["stride_height"])),
        ("stride_width", str(opts["stride_width"])),
        ("dilation_height", str(opts["dilation_height"])),
        ("dilation_width", str(opts["dilation_width"])),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
        ("filter_depth", str(f_c)), ("output_height", str(out_h)),
        ("output_width", str(out_w)), ("output_depth", str(out_c)),
        ("filters_per_group", str(out_c // groups)),
    ])
    ctx.add_step(op, "mf::grouped_conv_2d",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"const:op{op.index}_filter",
                  bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


# CONV_2D is registered by ops/conv.py, which dispatches grouped convolutions here.
KERNELS: dict[str, OperatorKernel] = {}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::grouped_conv_2d": "grouped_conv.h"}

"""DEPTHWISE_CONV_2D (TFLite Micro kernels/depthwise_conv.cc): mf::depthwise_conv_2d, or
mf::depthwise_conv_2d_in_place where a same-shape, unit-stride layer may write over its dying
input (the planner chooses)."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.conv_common import conv_operands, prepare_conv


def lower_depthwise_conv_2d(ctx: LoweringContext, op: Operator) -> None:
    inp, out, flt = conv_operands(ctx, op)
    batches, _, in_w, in_c = inp.shape
    _, _, _, out_c = flt.shape
    _, _, _, out_c2 = out.shape
    ctx.need(out_c2 == out_c and out_c % in_c == 0, op,
             f"output depth {out_c2} must equal filter depth {out_c}, a multiple of the "
             f"input depth {in_c}")
    ctx.need(flt.quantized_dimension == 3 or not flt.is_per_channel, op,
             "per-channel depthwise filter scales must be on axis 3")
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
    conv = prepare_conv(ctx, op, inp, out, flt, "mf::DepthwiseConvParams",
                        depth_multiplier=out_c // in_c)
    step = ctx.add_step(op, "mf::depthwise_conv_2d",
                        [*conv.leading_args(f"in:{op.inputs[0]}"), f"out:{op.outputs[0]}"],
                        [op.inputs[0]], op.outputs[0], [conv.params], conv.arrays)
    opts = op.options
    same_shape = inp.shape == out.shape and batches == 1 and out_c == in_c
    unit_steps = (opts["stride_height"] == opts["stride_width"] == 1
                  and opts["dilation_height"] == opts["dilation_width"] == 1)
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

"""FULLY_CONNECTED (TFLite Micro kernels/fully_connected.cc): mf::fully_connected, per-tensor
or per-channel weights."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_fully_connected_16x8
from deploy_targets.compiler.steps import ParamStruct


def lower_fully_connected(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_fully_connected_16x8(ctx, op)
        return
    ctx.need(len(op.inputs) in (2, 3) and len(op.outputs) == 1, op, "expects 2 or 3 inputs")
    ctx.need(op.options.get("weights_format", 0) == 0, op,
             "only the DEFAULT weights format is supported (not shuffled 4x16int8)")
    inp = ctx.activation_tensor(op, op.inputs[0])
    out = ctx.activation_tensor(op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "int8", "weights")
    ctx.need(len(flt.shape) == 2, op, "weights must be 2-D [outputs, inputs]")
    out_depth, accum_depth = flt.shape
    ctx.need(inp.element_count % accum_depth == 0, op,
             f"input has {inp.element_count} elements, not a multiple of {accum_depth}")
    batches = inp.element_count // accum_depth
    ctx.need(out.element_count == batches * out_depth, op,
             f"output has {out.element_count} elements; {batches}x{out_depth} expected")
    act_min, act_max = ctx.activation_range(op, out)
    if flt.is_per_channel:
        multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale,
                                                        out_depth)
    else:
        multiplier, shift = q.per_tensor_conv_multiplier(inp.scale, flt.scale, out.scale)
        multipliers, shifts = [multiplier], [shift]
    arrays = [ctx.const_array(f"op{op.index}_weights", flt, "weights")]
    bias_arrays, bias_arg = ctx.optional_bias(op)
    arrays += bias_arrays
    arrays += ctx.quant_arrays(op, multipliers, shifts)
    params = ParamStruct("mf::FullyConnectedParams", f"op{op.index}_params", [
        ("input_offset", str(-inp.zero_point)), ("filter_offset", str(-flt.zero_point)),
        ("output_offset", str(out.zero_point)),
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("per_channel", "1" if flt.is_per_channel else "0"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("batches", str(batches)), ("accum_depth", str(accum_depth)),
        ("output_depth", str(out_depth)),
    ])
    ctx.add_step(op, "mf::fully_connected",
                 [f"param:{params.name}", f"in:{op.inputs[0]}",
                  f"const:op{op.index}_weights", bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


KERNELS = {"FULLY_CONNECTED": OperatorKernel(lower_fully_connected, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
# The two streamed fusions are what stream_fusion.py makes of a convolution and this layer.
KERNEL_HEADERS = {
    "mf::fully_connected": "fully_connected.h",
    "mf::depthwise_conv_2d_into_fully_connected": "streamed_fully_connected.h",
    "mf::conv_2d_into_fully_connected": "streamed_fully_connected.h",
}

"""PAD and PADV2 (TFLite Micro kernels/pad.cc), up to 4 dimensions, on int8 or (16x8
quantization) int16 values."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel, c_array, dims4
from deploy_targets.compiler.ops.int16x8 import int16_tensor, is_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_pad(ctx: LoweringContext, op: Operator) -> None:
    int16 = is_int16(ctx, op)  # 16x8 quantization: the same copy on int16 values
    if int16:
        inp, out = int16_tensor(ctx, op, op.inputs[0]), int16_tensor(ctx, op, op.outputs[0])
    else:
        inp, out = ctx.unary_operands(op)
    ctx.need(len(inp.shape) <= 4, op, "PAD supports inputs of up to 4 dimensions")
    ctx.need(inp.scales == out.scales and inp.zero_points == out.zero_points, op,
             "input and output quantization must be equal")
    paddings = ctx.constant(op, op.inputs[1], "int32", "paddings")
    assert paddings.data is not None
    left = [int(p) for p in paddings.data.reshape(-1, 2)[:, 0]]
    pad_value = out.zero_point
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        value = ctx.constant(op, op.inputs[2], inp.dtype, "pad value")
        assert value.data is not None
        pad_value = int(value.data.reshape(-1)[0])
    function = "mf::pad_int16" if int16 else "mf::pad"
    ctx.add_unary_step(op, function, ParamStruct("mf::PadParams", f"op{op.index}_params", [
        ("input_dims", c_array(dims4(inp.shape))),
        ("output_dims", c_array(dims4(out.shape))),
        ("left_padding", c_array([0] * (4 - len(left)) + left)),
        ("pad_value", str(pad_value))]), in_place=False)


KERNELS = {"PAD": OperatorKernel(lower_pad, required_inputs=2),
           "PADV2": OperatorKernel(lower_pad, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::pad": "tensor_ops.h", "mf::pad_int16": "int16x8.h"}

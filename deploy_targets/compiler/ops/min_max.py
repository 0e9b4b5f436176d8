"""MINIMUM and MAXIMUM (TFLite Micro kernels/maximum_minimum.cc), with broadcasting."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.broadcast import binary_operands, broadcast_shape
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import int16_operand, int16_tensor, is_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_min_max(ctx: LoweringContext, op: Operator) -> None:
    function = "mf::min_max"
    if is_int16(ctx, op):  # 16x8 quantization: the same comparison of int16 values
        ctx.need(len(op.inputs) == 2, op, "expects 2 inputs")
        a, arg1, reads1, arrays1 = int16_operand(ctx, op, op.inputs[0], "input1")
        b, arg2, reads2, arrays2 = int16_operand(ctx, op, op.inputs[1], "input2")
        out = int16_tensor(ctx, op, op.outputs[0])
        args, reads, arrays = [arg1, arg2], reads1 + reads2, arrays1 + arrays2
        in_place = [i for i in reads if ctx.t(i).shape == out.shape]
        function = "mf::min_max_int16"
    else:
        a, b, out, args, reads, arrays, in_place = binary_operands(ctx, op)
    ctx.need(a.scales == b.scales == out.scales and
             a.zero_points == b.zero_points == out.zero_points, op,
             "inputs and output must share one quantization")
    params = ParamStruct("mf::MinMaxParams", f"op{op.index}_params", [
        ("take_maximum", "1" if op.kind == "MAXIMUM" else "0")])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, function, [f"param:{params.name}", f"param:{shape.name}",
                                       *args, f"out:{op.outputs[0]}"],
                        reads, op.outputs[0], [params, shape], arrays)
    step.in_place_inputs = in_place


KERNELS = {"MINIMUM": OperatorKernel(lower_min_max, required_inputs=2),
           "MAXIMUM": OperatorKernel(lower_min_max, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::min_max": "elementwise.h", "mf::min_max_int16": "int16x8.h"}

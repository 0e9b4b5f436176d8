"""MUL (TFLite Micro kernels/mul.cc), with broadcasting."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.broadcast import binary_operands, broadcast_shape
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_mul_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_mul(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_mul_int16(ctx, op)
        return
    a, b, out, args, reads, arrays, in_place = binary_operands(ctx, op)
    multiplier, shift = q.mul_multiplier(a.scale, b.scale, out.scale)
    low, high = ctx.activation_range(op, out)
    params = ParamStruct("mf::MulParams", f"op{op.index}_params", [
        ("input1_offset", str(-a.zero_point)), ("input2_offset", str(-b.zero_point)),
        ("output_offset", str(out.zero_point)), ("output_multiplier", str(multiplier)),
        ("output_shift", str(shift)), ("activation_min", str(low)),
        ("activation_max", str(high))])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, "mf::mul", [f"param:{params.name}", f"param:{shape.name}", *args,
                                        f"out:{op.outputs[0]}"],
                        reads, op.outputs[0], [params, shape], arrays)
    step.in_place_inputs = in_place


KERNELS = {"MUL": OperatorKernel(lower_mul, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::mul": "elementwise.h"}

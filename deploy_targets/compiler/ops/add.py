"""ADD and SUB (TFLite Micro kernels/add.cc, sub.cc), with broadcasting; one kernel,
mf::add, whose `subtract` field picks the sign."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.broadcast import binary_operands, broadcast_shape
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_add_int16
from deploy_targets.compiler.steps import ConstArray, ParamStruct


def lower_add(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_add_int16(ctx, op)
        return
    a, b, out, args, reads, arrays, in_place = binary_operands(ctx, op)
    (m1, s1), (m2, s2), (mo, so) = q.add_multipliers(a.scale, b.scale, out.scale)
    act_min, act_max = ctx.activation_range(op, out)
    params = ParamStruct("mf::AddParams", f"op{op.index}_params", [
        ("input1_offset", str(-a.zero_point)), ("input1_multiplier", str(m1)),
        ("input1_shift", str(s1)), ("input2_offset", str(-b.zero_point)),
        ("input2_multiplier", str(m2)), ("input2_shift", str(s2)), ("left_shift", "20"),
        ("output_offset", str(out.zero_point)), ("output_multiplier", str(mo)),
        ("output_shift", str(so)), ("activation_min", str(act_min)),
        ("activation_max", str(act_max)), ("subtract", "1" if op.kind == "SUB" else "0"),
    ])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, "mf::add", [f"param:{params.name}", f"param:{shape.name}", *args,
                                        f"out:{op.outputs[0]}"],
                        reads, op.outputs[0], [params, shape], arrays)
    step.in_place_inputs = in_place


def residual_sum_table(params: ParamStruct, conv_is_input1: bool, name: str) -> ConstArray:
    """The fused residual ADD's table (mf::conv_2d_add; mf::fast::residual_sum_table is its
    C++ twin): each operand's scaled value for every int8 value from -128 on, the
    convolution's operand first, SUB's input 2 negated, so the store adds two loads."""
    fields = {key: int(value) for key, value in params.fields}

    def scaled(operand: int) -> list[int]:
        offset, multiplier, shift = (fields[f"input{operand}_{key}"]
                                     for key in ("offset", "multiplier", "shift"))
        sign = -1 if operand == 2 and fields["subtract"] else 1
        return [sign * q.add_scaled_input(value, offset, multiplier, shift,
                                          fields["left_shift"])
                for value in range(-128, 128)]

    conv_operand, residual_operand = (1, 2) if conv_is_input1 else (2, 1)
    return ConstArray(name, "int32_t",
                      np.array(scaled(conv_operand) + scaled(residual_operand), dtype=np.int64),
                      "the residual ADD's rescaled operands, 256 per operand "
                      "(mf/conv_fast.h, ResidualSum)")


KERNELS = {"ADD": OperatorKernel(lower_add, required_inputs=2),
           "SUB": OperatorKernel(lower_add, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::add": "elementwise.h"}

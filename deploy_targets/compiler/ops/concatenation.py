"""CONCATENATION (TFLite Micro kernels/concatenation.cc): one mf::concatenation_part call per
input, each copying its slices into the output (mf::concatenation_part_int16 for 16x8
quantization)."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import int16_operand, int16_tensor, is_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_concatenation(ctx: LoweringContext, op: Operator) -> None:
    int16 = is_int16(ctx, op)  # 16x8 quantization: the same copies of int16 values
    out = (int16_tensor(ctx, op, op.outputs[0]) if int16
           else ctx.activation_tensor(op, op.outputs[0]))
    ctx.need(op.options.get("activation", "NONE") == "NONE", op,
             "a fused activation on CONCATENATION is not supported")
    axis = int(op.options.get("axis", 0)) % len(out.shape)
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    inner = int(np.prod(out.shape[axis + 1:], dtype=np.int64))
    function = "mf::concatenation_part_int16" if int16 else "mf::concatenation_part"
    offset = 0
    for k, index in enumerate(op.inputs):
        if int16:
            inp, arg, reads, arrays = int16_operand(ctx, op, index, f"input{k}")
        else:
            inp = ctx.activation_tensor(op, index)
            arg, reads, arrays = ctx.operand(op, index, f"input{k}")
        ctx.need(inp.scale == out.scale and inp.zero_point == out.zero_point, op,
                 f"input {k} {inp.name!r} must share the output's quantization")
        copy = inp.shape[axis] * inner
        params = ParamStruct("mf::ConcatPartParams", f"op{op.index}_part{k}", [
            ("outer_size", str(outer)), ("copy_size", str(copy)),
            ("output_row_size", str(out.shape[axis] * inner)),
            ("output_offset", str(offset))])
        ctx.add_step(op, function, [f"param:{params.name}", arg, f"out:{op.outputs[0]}"],
                     reads, op.outputs[0], [params], arrays)
        offset += copy


KERNELS = {"CONCATENATION": OperatorKernel(lower_concatenation)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::concatenation_part": "tensor_ops.h",
                  "mf::concatenation_part_int16": "int16x8.h"}

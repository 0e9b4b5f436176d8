"""MEAN over up to 4 dimensions (TFLite Micro kernels/reduce.cc, QuantizedMeanOrSum), on int8
or (16x8 quantization) int16 values."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import (
    LoweringContext,
    OperatorKernel,
    as_int32,
    c_array,
    dims4,
)
from deploy_targets.compiler.ops.int16x8 import int16_tensor, is_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_mean(ctx: LoweringContext, op: Operator) -> None:
    int16 = is_int16(ctx, op)  # 16x8 quantization: the same arithmetic on int16 values
    if int16:
        inp, out = int16_tensor(ctx, op, op.inputs[0]), int16_tensor(ctx, op, op.outputs[0])
    else:
        inp, out = ctx.unary_operands(op)
    ctx.need(len(inp.shape) <= 4, op, "MEAN supports inputs of up to 4 dimensions")
    axes_t = ctx.constant(op, op.inputs[1], "int32", "axes")
    assert axes_t.data is not None
    rank = len(inp.shape)
    axes = sorted({int(a) % rank for a in axes_t.data.reshape(-1)})
    offset = 4 - rank
    reduce = [0, 0, 0, 0]
    for axis in axes:
        reduce[axis + offset] = 1
    count = int(np.prod([inp.shape[a] for a in axes]))
    multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
    # QuantizedMeanOrSum folds 1/count into the multiplier with up to 32 bits of headroom.
    headroom = min(count.bit_length() - 1, 32, 31 + shift)
    multiplier = (multiplier << headroom) // count
    shift -= headroom
    function = "mf::mean_int16" if int16 else "mf::mean"
    ctx.add_unary_step(op, function, ParamStruct("mf::MeanParams", f"op{op.index}_params", [
        ("input_dims", c_array(dims4(inp.shape))), ("reduce", c_array(reduce)),
        ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
        ("reduced_count", str(count)), ("multiplier", str(as_int32(multiplier))),
        ("shift", str(shift))]), in_place=False)


KERNELS = {"MEAN": OperatorKernel(lower_mean, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::mean": "tensor_ops.h", "mf::mean_int16": "int16x8.h"}

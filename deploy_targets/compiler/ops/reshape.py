"""RESHAPE, SQUEEZE and EXPAND_DIMS: no kernel call. A constant input is folded into a new
constant; otherwise the output is an alias of the input's memory."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel


def lower_reshape(ctx: LoweringContext, op: Operator) -> None:
    inp = ctx.t(op.inputs[0])
    out = ctx.t(op.outputs[0])
    ctx.need(inp.element_count == out.element_count, op,
             f"cannot reshape {inp.element_count} elements into {out.element_count}")
    ctx.need(inp.dtype == out.dtype, op, "input and output types must match")
    if inp.is_constant:
        assert inp.data is not None
        ctx.folded[op.outputs[0]] = Tensor(
            out.index, out.name, out.dtype, out.shape, out.scales, out.zero_points,
            out.quantized_dimension, inp.data.reshape(out.shape))
        return
    ctx.need(inp.scales == out.scales and inp.zero_points == out.zero_points, op,
             "a reshape may not change quantization")
    step = ctx.add_step(op, "mf::copy_bytes",
                        [f"in:{op.inputs[0]}", f"out:{op.outputs[0]}", str(out.byte_count)],
                        [op.inputs[0]], op.outputs[0])
    step.alias = True


KERNELS = {kind: OperatorKernel(lower_reshape) for kind in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::copy_bytes": "quantize.h"}

"""MINIMUM and MAXIMUM (TFLite Micro kernels/maximum_minimum.cc), with broadcasting."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.broadcast import binary_operands, broadcast_shape
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.steps import ParamStruct


def lower_min_max(ctx: LoweringContext, op: Operator) -> None:
    a, b, out, args, reads, arrays, in_place = binary_operands(ctx, op)
    ctx.need(a.scales == b.scales == out.scales and
             a.zero_points == b.zero_points == out.zero_points, op,
             "inputs and output must share one quantization")
    params = ParamStruct("mf::MinMaxParams", f"op{op.index}_params", [
        ("take_maximum", "1" if op.kind == "MAXIMUM" else "0")])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, "mf::min_max", [f"param:{params.name}", f"param:{shape.name}",
                                            *args, f"out:{op.outputs[0]}"],
                        reads, op.outputs[0], [params, shape], arrays)
    step.in_place_inputs = in_place


KERNELS = {"MINIMUM": OperatorKernel(lower_min_max, required_inputs=2),
           "MAXIMUM": OperatorKernel(lower_min_max, required_inputs=2)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::min_max": "elementwise.h"}

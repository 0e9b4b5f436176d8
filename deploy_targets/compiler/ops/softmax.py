"""SOFTMAX (TFLite Micro kernels/softmax.cc), int8 in, int8 or int16 out."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_softmax_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_softmax(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_softmax_int16(ctx, op)
        return
    inp = ctx.activation_tensor(op, op.inputs[0])
    out = ctx.activation_tensor(op, op.outputs[0], ("int8", "int16"))
    # TFLite Micro's Prepare: the output spans [0, 1) over its type's whole range.
    if out.dtype == "int16":
        ctx.need(len(out.scales) == 1 and out.zero_point == -32768
                 and abs(out.scale - 1.0 / 65536) <= 0.001 / 65536, op,
                 f"int16 softmax output of an int8 input must have scale 1/65536 and zero "
                 f"point -32768 (it has {out.scale} and {out.zero_point})")
    else:
        ctx.need(out.zero_point == -128 and abs(out.scale - 1.0 / 256) < 1e-6 * 1.0 / 256, op,
                 f"int8 softmax output must have scale 1/256 and zero point -128 (it has "
                 f"{out.scale} and {out.zero_point})")
    multiplier, left_shift, diff_min = q.softmax_parameters(op.options.get("beta", 1.0),
                                                            inp.scale)
    depth = inp.shape[-1]
    params = ParamStruct("mf::SoftmaxParams", f"op{op.index}_params", [
        ("input_multiplier", str(multiplier)), ("input_left_shift", str(left_shift)),
        ("diff_min", str(diff_min)), ("outer_size", str(inp.element_count // depth)),
        ("depth", str(depth)),
    ])
    ctx.add_step(op, "mf::softmax", [f"param:{params.name}", f"in:{op.inputs[0]}",
                                     f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params])


KERNELS = {"SOFTMAX": OperatorKernel(lower_softmax)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::softmax": "softmax.h"}

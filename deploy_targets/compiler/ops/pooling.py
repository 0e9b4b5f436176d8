"""AVERAGE_POOL_2D and MAX_POOL_2D (TFLite Micro kernels/pooling.cc)."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, lower_pool_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_pool_2d(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_pool_int16(ctx, op)
        return
    inp = ctx.activation_tensor(op, op.inputs[0])
    out = ctx.activation_tensor(op, op.outputs[0])
    ctx.need(len(inp.shape) == 4, op, "input must be 4-D NHWC")
    ctx.need(inp.scale == out.scale and inp.zero_point == out.zero_point, op,
             "input and output quantization must be equal (as TFLite requires)")
    batches, in_h, in_w, depth = inp.shape
    _, out_h, out_w, _ = out.shape
    opts = op.options
    pad_h = ctx.padding(op, "height", in_h, opts["filter_height"], opts["stride_height"], 1,
                        out_h)
    pad_w = ctx.padding(op, "width", in_w, opts["filter_width"], opts["stride_width"], 1,
                        out_w)
    act_min, act_max = ctx.activation_range(op, out)
    params = ParamStruct("mf::PoolParams", f"op{op.index}_params", [
        ("stride_height", str(opts["stride_height"])),
        ("stride_width", str(opts["stride_width"])),
        ("filter_height", str(opts["filter_height"])),
        ("filter_width", str(opts["filter_width"])),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("depth", str(depth)), ("output_height", str(out_h)), ("output_width", str(out_w)),
    ])
    function = "mf::average_pool_2d" if op.kind == "AVERAGE_POOL_2D" else "mf::max_pool_2d"
    ctx.add_step(op, function, [f"param:{params.name}", f"in:{op.inputs[0]}",
                                f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params])


KERNELS = {"AVERAGE_POOL_2D": OperatorKernel(lower_pool_2d),
           "MAX_POOL_2D": OperatorKernel(lower_pool_2d)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::average_pool_2d": "pooling.h", "mf::max_pool_2d": "pooling.h"}

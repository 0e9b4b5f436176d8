"""QUANTIZE (float32 -> int8, or int8 -> int8 requantization) and DEQUANTIZE (int8 -> float32),
as TFLite Micro's kernels/quantize.cc and dequantize.cc."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.c_literals import double_literal, float_literal
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, is_int16_output, lower_quantize_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_quantize(ctx: LoweringContext, op: Operator) -> None:
    if is_int16_output(ctx, op):  # 16x8 quantization
        lower_quantize_int16(ctx, op)
        return
    inp = ctx.activation_tensor(op, op.inputs[0], ("float32", "int8"))
    out = ctx.activation_tensor(op, op.outputs[0])
    if inp.dtype == "float32":
        params = ParamStruct("mf::AffineQuantizeParams", f"op{op.index}_params", [
            ("scale", float_literal(out.scale)), ("zero_point", str(out.zero_point)),
            ("size", str(out.element_count))])
        ctx.add_unary_step(op, "mf::quantize_float", params, in_place=False)
        return
    multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
    ctx.add_unary_step(op, "mf::requantize", ParamStruct(
        "mf::RequantizeParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("multiplier", str(multiplier)), ("shift", str(shift)),
            ("size", str(out.element_count))]))


def lower_dequantize(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization
        lower_quantize_int16(ctx, op)
        return
    inp = ctx.activation_tensor(op, op.inputs[0])
    ctx.activation_tensor(op, op.outputs[0], ("float32",))
    ctx.add_unary_step(op, "mf::dequantize", ParamStruct(
        "mf::DequantizeParams", f"op{op.index}_params", [
            ("scale", double_literal(inp.scale)), ("zero_point", str(inp.zero_point)),
            ("size", str(inp.element_count))]), in_place=False)


KERNELS = {"QUANTIZE": OperatorKernel(lower_quantize),
           "DEQUANTIZE": OperatorKernel(lower_dequantize)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {
    "mf::quantize_float": "quantize.h",
    "mf::requantize": "quantize.h",
    "mf::dequantize": "quantize.h",
}

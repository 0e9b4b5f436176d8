"""QUANTIZE (float32 -> int8; int8 -> int8, int16 -> int8 and int16 -> int32 requantization) and
DEQUANTIZE (int8 -> float32), as TFLite Micro's kernels/quantize.cc and dequantize.cc."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.c_literals import double_literal, float_literal
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import is_int16, is_int16_output, lower_quantize_int16
from deploy_targets.compiler.steps import ParamStruct

# The requantizations lowered here (int16 -> int16, of 16x8 models, is in ops/int16x8.py):
# int16 -> int8 and int16 -> int32 appear around TFLite Micro's keyword_scrambled SVDF model.
_REQUANTIZE_TYPES = {("int8", "int8"), ("int16", "int8"), ("int16", "int32")}


def lower_quantize(ctx: LoweringContext, op: Operator) -> None:
    if is_int16_output(ctx, op):  # 16x8 quantization
        lower_quantize_int16(ctx, op)
        return
    inp = ctx.activation_tensor(op, op.inputs[0], ("float32", "int8", "int16"))
    out = ctx.activation_tensor(op, op.outputs[0], ("int8", "int32"))
    if inp.dtype == "float32":
        ctx.need(out.dtype == "int8", op, f"QUANTIZE float32 -> {out.dtype} is not supported")
        params = ParamStruct("mf::AffineQuantizeParams", f"op{op.index}_params", [
            ("scale", float_literal(out.scale)), ("zero_point", str(out.zero_point)),
            ("size", str(out.element_count))])
        ctx.add_unary_step(op, "mf::quantize_float", params, in_place=False)
        return
    ctx.need((inp.dtype, out.dtype) in _REQUANTIZE_TYPES, op,
             f"QUANTIZE {inp.dtype} -> {out.dtype} is not supported")
    ctx.need(len(inp.scales) == 1 and len(out.scales) == 1, op,
             "requantization needs one scale and zero point on each side")
    # TFLite Micro's Prepare: the scale ratio in double.
    multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
    ctx.add_unary_step(op, "mf::requantize", ParamStruct(
        "mf::RequantizeParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("multiplier", str(multiplier)), ("shift", str(shift)),
            ("size", str(out.element_count))]),
        # Only between equal widths: a wider output would overwrite input not yet read.
        in_place=inp.dtype == out.dtype)


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

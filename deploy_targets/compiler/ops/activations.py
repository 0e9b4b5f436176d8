"""The standalone activations (TFLite Micro kernels/activations.cc, leaky_relu.cc, logistic.cc,
tanh.cc, hard_swish.cc): RELU, RELU_N1_TO_1, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH
(RELU, RELU6, LEAKY_RELU, LOGISTIC and TANH on int16 values too, for 16x8 quantization). Each writes over its
input when the input dies there."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.c_literals import int_literal
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel, as_int32
from deploy_targets.compiler.ops.int16x8 import int16_tensor, is_int16, lower_sigmoid_int16
from deploy_targets.compiler.steps import ParamStruct


def _operands(ctx: LoweringContext, op: Operator) -> tuple[Tensor, Tensor]:
    """The int8 input and output, or int16 ones (16x8 quantization, zero points 0)."""
    if is_int16(ctx, op):
        return int16_tensor(ctx, op, op.inputs[0]), int16_tensor(ctx, op, op.outputs[0])
    return ctx.unary_operands(op)


def lower_relu(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _operands(ctx, op)
    # TFLM divides the scales in float before widening to double.
    multiplier, shift = q.quantize_multiplier(
        float(np.float32(inp.scale) / np.float32(out.scale)))
    low, high = q.activation_range("RELU" if op.kind == "RELU" else "RELU_N1_TO_1",
                                   out.scale, out.zero_point, out.dtype)
    function = "mf::relu_int16" if out.dtype == "int16" else "mf::relu"
    ctx.add_unary_step(op, function, ParamStruct("mf::ReluParams", f"op{op.index}_params", [
        ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
        ("output_multiplier", str(multiplier)), ("output_shift", str(shift)),
        ("activation_min", str(low)), ("activation_max", str(high)),
        ("size", str(out.element_count))]))


def lower_relu6(ctx: LoweringContext, op: Operator) -> None:
    inp, _ = _operands(ctx, op)
    # TFLite Micro clamps the stored values to the input's quantized [0, 6] and does not
    # requantize, even when the output's quantization differs; LiteRT requantizes.
    # The device reference wins (see tests/compiler/test_runtime_divergence.py).
    six = q.round_half_away(float(np.float32(6.0) / np.float32(inp.scale))) + inp.zero_point
    low, high = (-32768, 32767) if inp.dtype == "int16" else (-128, 127)
    function = "mf::clamp_int16" if inp.dtype == "int16" else "mf::clamp"
    ctx.add_unary_step(op, function, ParamStruct("mf::ClampParams", f"op{op.index}_params", [
        ("lower", str(inp.zero_point)), ("upper", str(max(low, min(high, six)))),
        ("size", str(inp.element_count))]))


def lower_leaky_relu(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _operands(ctx, op)
    alpha = np.float32(op.options.get("alpha", 0.2))
    ctx.need(bool(np.isfinite(alpha)) and abs(float(alpha)) < 2.0**31, op,
             f"alpha {float(alpha)} is not a usable slope")
    m_alpha, s_alpha = q.quantize_multiplier(
        float(np.float32(inp.scale) * alpha / np.float32(out.scale)))
    m_id, s_id = q.quantize_multiplier(float(np.float32(inp.scale) / np.float32(out.scale)))
    function = "mf::leaky_relu_int16" if out.dtype == "int16" else "mf::leaky_relu"
    ctx.add_unary_step(op, function, ParamStruct(
        "mf::LeakyReluParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("multiplier_identity", str(m_id)), ("shift_identity", str(s_id)),
            ("multiplier_alpha", str(m_alpha)), ("shift_alpha", str(s_alpha)),
            ("size", str(out.element_count))]))


def lower_sigmoid(ctx: LoweringContext, op: Operator) -> None:
    """LOGISTIC and TANH: the same input rescaling, different fixed output scales."""
    if is_int16(ctx, op):
        lower_sigmoid_int16(ctx, op)
        return
    inp, out = ctx.unary_operands(op)
    if op.kind == "LOGISTIC":
        ctx.need(out.zero_point == -128 and out.scale == 1.0 / 256, op,
                 "int8 LOGISTIC output must have scale 1/256 and zero point -128")
    else:
        ctx.need(out.zero_point == 0 and out.scale == 1.0 / 128, op,
                 "int8 TANH output must have scale 1/128 and zero point 0")
    multiplier, left_shift, radius = q.sigmoid_parameters(inp.scale)
    ctx.add_unary_step(op, "mf::logistic" if op.kind == "LOGISTIC" else "mf::tanh",
                       ParamStruct("mf::SigmoidParams", f"op{op.index}_params", [
                           ("input_zero_point", str(inp.zero_point)),
                           ("input_range_radius", str(radius)),
                           ("input_multiplier", int_literal(as_int32(multiplier))),
                           ("input_left_shift", str(left_shift)),
                           ("size", str(out.element_count))]))


def lower_hard_swish(ctx: LoweringContext, op: Operator) -> None:
    inp, out = ctx.unary_operands(op)
    hires_input_scale = np.float32(1.0 / 128.0) * np.float32(inp.scale)
    reluish_scale = np.float32(3.0 / 32768.0)
    output_multiplier, output_exponent = q.quantize_multiplier(
        float(hires_input_scale / np.float32(out.scale)))
    reluish_multiplier, reluish_exponent = q.quantize_multiplier(
        float(hires_input_scale / reluish_scale))
    ctx.need(-15 <= output_exponent <= 0 and -15 <= reluish_exponent <= 15, op,
             f"HARD_SWISH scales out of range (output exponent {output_exponent}, reluish "
             f"exponent {reluish_exponent}); the input/output scale ratio is too extreme")
    ctx.add_unary_step(op, "mf::hard_swish", ParamStruct(
        "mf::HardSwishParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("reluish_multiplier", str(q.downscale_to_int16(reluish_multiplier))),
            ("reluish_exponent", str(reluish_exponent)),
            ("output_multiplier", str(q.downscale_to_int16(output_multiplier))),
            ("output_exponent", str(output_exponent)), ("size", str(out.element_count))]))


KERNELS = {
    "RELU": OperatorKernel(lower_relu), "RELU_N1_TO_1": OperatorKernel(lower_relu),
    "RELU6": OperatorKernel(lower_relu6), "LEAKY_RELU": OperatorKernel(lower_leaky_relu),
    "LOGISTIC": OperatorKernel(lower_sigmoid), "TANH": OperatorKernel(lower_sigmoid),
    "HARD_SWISH": OperatorKernel(lower_hard_swish),
}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {
    "mf::relu": "activations.h",
    "mf::clamp": "activations.h",
    "mf::leaky_relu": "activations.h",
    "mf::logistic": "activations.h",
    "mf::tanh": "activations.h",
    "mf::hard_swish": "activations.h",
    "mf::relu_int16": "int16x8.h",
    "mf::clamp_int16": "int16x8.h",
    "mf::leaky_relu_int16": "int16x8.h",
}

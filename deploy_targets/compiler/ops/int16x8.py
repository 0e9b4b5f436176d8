"""16x8 quantization: int16 activations (zero point 0) with int8 weights, as the converter's
EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 mode writes them. FULLY_CONNECTED,
CONV_2D (grouped too), ADD/SUB, MUL, QUANTIZE and SOFTMAX follow TFLite Micro's int16 kernels
(mf/int16x8.h), LOGISTIC and TANH its sigmoid-table ones (mf/sigmoid_int16.h); the int8 modules hand an operator here when its input is int16."""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.c_literals import double_literal, float_literal
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.broadcast import broadcast_shape
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.grouped_conv import check_groups
from deploy_targets.compiler.steps import ConstArray, ParamStruct

_INT16_RANGE = 65535  # int16 max - int16 min


def int16_tensor(ctx: LoweringContext, op: Operator, index: int) -> Tensor:
    tensor = ctx.t(index)
    ctx.need(tensor.dtype == "int16", op,
             f"tensor {tensor.name!r} is {tensor.dtype}; a 16x8 operator reads and writes int16")
    ctx.need(len(tensor.scales) == 1 and tensor.zero_point == 0, op,
             f"int16 tensor {tensor.name!r} must have one scale and zero point 0 (16x8 "
             "quantization is symmetric)")
    ctx.need(not tensor.is_constant, op, f"a constant int16 operand {tensor.name!r} is not "
             "supported")
    return tensor


def int16_operand(ctx: LoweringContext, op: Operator, index: int, name: str
                  ) -> tuple[Tensor, str, list[int], list[ConstArray]]:
    """An int16 operand of an element-wise operator, read at run time or a constant (the
    converter quantizes constant operands to int16 as well): the tensor, its call argument,
    the tensors read at run time and the constants kept in flash."""
    tensor = ctx.t(index)
    if not tensor.is_constant:
        return int16_tensor(ctx, op, index), f"in:{index}", [index], []
    ctx.need(tensor.dtype == "int16" and len(tensor.scales) == 1 and tensor.zero_point == 0,
             op, f"the constant {tensor.name!r} must be int16 with one scale and zero point 0")
    array = ctx.const_array(f"op{op.index}_{name}", tensor, f"{op.kind} {name}")
    return tensor, f"const:{array.name}", [], [array]


def lower_mul_int16(ctx: LoweringContext, op: Operator) -> None:
    """MUL as TFLite Micro's int16 path: the int8 arithmetic with every zero point 0."""
    ctx.need(len(op.inputs) == 2, op, "expects 2 inputs")
    a, arg1, reads1, arrays1 = int16_operand(ctx, op, op.inputs[0], "input1")
    b, arg2, reads2, arrays2 = int16_operand(ctx, op, op.inputs[1], "input2")
    out = int16_tensor(ctx, op, op.outputs[0])
    multiplier, shift = q.mul_multiplier(a.scale, b.scale, out.scale)
    act_min, act_max = ctx.activation_range(op, out)
    params = ParamStruct("mf::MulParams", f"op{op.index}_params", [
        ("input1_offset", "0"), ("input2_offset", "0"), ("output_offset", "0"),
        ("output_multiplier", str(multiplier)), ("output_shift", str(shift)),
        ("activation_min", str(act_min)), ("activation_max", str(act_max))])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, "mf::mul_int16",
                        [f"param:{params.name}", f"param:{shape.name}", arg1, arg2,
                         f"out:{op.outputs[0]}"],
                        reads1 + reads2, op.outputs[0], [params, shape], arrays1 + arrays2)
    step.in_place_inputs = [i for i in reads1 + reads2 if ctx.t(i).shape == out.shape]


def _bias(ctx: LoweringContext, op: Operator) -> tuple[list[ConstArray], str, str]:
    """The optional bias (int64 as the converter writes 16x8 models, or int32), its argument
    and the C type the kernel template takes."""
    if len(op.inputs) == 3 and op.inputs[2] >= 0:
        tensor = ctx.t(op.inputs[2])
        ctx.need(tensor.dtype in ("int64", "int32"), op,
                 f"the bias {tensor.name!r} is {tensor.dtype}; int64 or int32 is required")
        bias = ctx.constant(op, op.inputs[2], tensor.dtype, "bias")
        array = ctx.const_array(f"op{op.index}_bias", bias, "bias")
        return [array], f"const:{array.name}", f"{tensor.dtype}_t"
    return [], "static_cast<const int64_t *>(0)", "int64_t"


def lower_fully_connected_16x8(ctx: LoweringContext, op: Operator) -> None:
    ctx.need(len(op.inputs) in (2, 3), op, "expects 2 or 3 inputs")
    ctx.need(op.options.get("weights_format", 0) == 0, op,
             "only the DEFAULT weights format is supported")
    inp = int16_tensor(ctx, op, op.inputs[0])
    out = int16_tensor(ctx, op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "int8", "weights")
    ctx.need(len(flt.shape) == 2, op, "weights must be 2-D [outputs, inputs]")
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 weight zero points must be 0")
    out_depth, accum_depth = flt.shape
    ctx.need(inp.element_count % accum_depth == 0, op,
             f"input has {inp.element_count} elements, not a multiple of {accum_depth}")
    batches = inp.element_count // accum_depth
    ctx.need(out.element_count == batches * out_depth, op,
             f"output has {out.element_count} elements; {batches}x{out_depth} expected")
    act_min, act_max = ctx.activation_range(op, out)
    if flt.is_per_channel:
        multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale,
                                                        out_depth)
    else:
        multiplier, shift = q.per_tensor_conv_multiplier(inp.scale, flt.scale, out.scale)
        multipliers, shifts = [multiplier], [shift]
    arrays = [ctx.const_array(f"op{op.index}_weights", flt, "weights")]
    bias_arrays, bias_arg, _ = _bias(ctx, op)
    arrays += bias_arrays + ctx.quant_arrays(op, multipliers, shifts)
    litert_scale = "0"
    if flt.is_per_channel:
        arrays.append(ConstArray(
            f"op{op.index}_litert_output_scale", "double",
            np.array([float(inp.scale) * float(s) / float(out.scale) for s in flt.scales]),
            "LiteRT's per-channel rescale in double (MF_LITERT_ROUNDING only)"))
        litert_scale = f"const:op{op.index}_litert_output_scale"
    params = ParamStruct("mf::FullyConnected16x8Params", f"op{op.index}_params", [
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("per_channel", "1" if flt.is_per_channel else "0"),
        ("litert_output_scale", litert_scale),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("batches", str(batches)), ("accum_depth", str(accum_depth)),
        ("output_depth", str(out_depth)),
    ])
    ctx.add_step(op, "mf::fully_connected_16x8",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"const:op{op.index}_weights",
                  bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def lower_conv_2d_16x8(ctx: LoweringContext, op: Operator) -> None:
    """CONV_2D and DEPTHWISE_CONV_2D with int16 activations."""
    ctx.need(len(op.inputs) in (2, 3), op, "expects 2 or 3 inputs")
    inp = int16_tensor(ctx, op, op.inputs[0])
    out = int16_tensor(ctx, op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "int8", "filter")
    ctx.need(len(inp.shape) == 4 and len(flt.shape) == 4 and len(out.shape) == 4, op,
             "input, filter and output must be 4-D")
    batches, in_h, in_w, in_c = inp.shape
    depthwise = op.kind == "DEPTHWISE_CONV_2D"
    if depthwise:
        _, k_h, k_w, out_c = flt.shape
        ctx.need(out_c % in_c == 0, op, f"filter depth {out_c} must be a multiple of the "
                 f"input depth {in_c}")
        ctx.need(flt.quantized_dimension == 3 or not flt.is_per_channel, op,
                 "per-channel depthwise filter scales must be on axis 3")
        f_c = in_c
    else:
        out_c, k_h, k_w, f_c = flt.shape
        check_groups(ctx, op, in_c, f_c, out_c)
        ctx.need(flt.quantized_dimension == 0 or not flt.is_per_channel, op,
                 "per-channel filter scales must be on axis 0 (output channels)")
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
    ctx.need(out.shape[0] == batches and out.shape[3] == out_c, op,
             "output depth must equal the number of filters")
    _, out_h, out_w, _ = out.shape
    opts = op.options
    pad_h = ctx.padding(op, "height", in_h, k_h, opts["stride_height"],
                        opts["dilation_height"], out_h)
    pad_w = ctx.padding(op, "width", in_w, k_w, opts["stride_width"],
                        opts["dilation_width"], out_w)
    act_min, act_max = ctx.activation_range(op, out)
    multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
    arrays = [ctx.const_array(f"op{op.index}_filter", flt, "filter")]
    bias_arrays, bias_arg, _ = _bias(ctx, op)
    arrays += bias_arrays + ctx.quant_arrays(op, multipliers, shifts)
    params = ParamStruct("mf::Conv16x8Params", f"op{op.index}_params", [
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("stride_height", str(opts["stride_height"])),
        ("stride_width", str(opts["stride_width"])),
        ("dilation_height", str(opts["dilation_height"])),
        ("dilation_width", str(opts["dilation_width"])),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
        ("output_height", str(out_h)), ("output_width", str(out_w)),
        ("output_depth", str(out_c)), ("filter_depth", str(f_c)),
    ])
    ctx.add_step(op, "mf::depthwise_conv_2d_16x8" if depthwise else "mf::conv_2d_16x8",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"const:op{op.index}_filter",
                  bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def lower_pool_int16(ctx: LoweringContext, op: Operator) -> None:
    inp = int16_tensor(ctx, op, op.inputs[0])
    out = int16_tensor(ctx, op, op.outputs[0])
    ctx.need(len(inp.shape) == 4 and len(out.shape) == 4, op, "input must be 4-D NHWC")
    ctx.need(inp.scale == out.scale, op,
             "input and output quantization must be equal (as TFLite requires)")
    batches, in_h, in_w, depth = inp.shape
    _, out_h, out_w, _ = out.shape
    opts = op.options
    pad_h = ctx.padding(op, "height", in_h, opts["filter_height"], opts["stride_height"], 1,
                        out_h)
    pad_w = ctx.padding(op, "width", in_w, opts["filter_width"], opts["stride_width"], 1,
                        out_w)
    act_min, act_max = ctx.activation_range(op, out)
    params = ParamStruct("mf::Conv16x8Params", f"op{op.index}_params", [
        ("output_multiplier", "0"), ("output_shift", "0"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("stride_height", str(opts["stride_height"])),
        ("stride_width", str(opts["stride_width"])),
        ("dilation_height", "1"), ("dilation_width", "1"),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(depth)), ("filter_height", str(opts["filter_height"])),
        ("filter_width", str(opts["filter_width"])), ("output_height", str(out_h)),
        ("output_width", str(out_w)), ("output_depth", str(depth)),
        ("filter_depth", str(depth)),
    ])
    ctx.add_step(op, "mf::pool_2d_int16",
                 [f"param:{params.name}", "1" if op.kind == "AVERAGE_POOL_2D" else "0",
                  f"in:{op.inputs[0]}", f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params])


# QUANTIZE int16 -> int16: the int8 QUANTIZE's template, named with its types so that the step
# says which instantiation it is.
_REQUANTIZE_INT16 = "mf::requantize<int16_t, int16_t>"


def lower_quantize_int16(ctx: LoweringContext, op: Operator) -> None:
    """QUANTIZE float32 -> int16 and DEQUANTIZE int16 -> float32, around a 16x8 model, and
    QUANTIZE int16 -> int16, which the converter puts where an operator needs its input at
    another scale (before a CONCATENATION)."""
    if op.kind == "QUANTIZE":
        source = ctx.t(op.inputs[0])
        ctx.need(source.dtype in ("float32", "int16"), op, f"QUANTIZE from {source.dtype} to "
                 "int16 is not supported (from float32 and int16 are)")
        out = int16_tensor(ctx, op, op.outputs[0])
        if source.dtype == "int16":
            inp = int16_tensor(ctx, op, op.inputs[0])
            # TFLite Micro's Prepare: the scale ratio in double.
            multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
            ctx.add_unary_step(op, _REQUANTIZE_INT16, ParamStruct(
                "mf::RequantizeParams", f"op{op.index}_params", [
                    ("input_zero_point", "0"), ("output_zero_point", "0"),
                    ("multiplier", str(multiplier)), ("shift", str(shift)),
                    ("size", str(out.element_count))]))
            return
        ctx.add_unary_step(op, "mf::quantize_float_int16", ParamStruct(
            "mf::AffineQuantizeParams", f"op{op.index}_params", [
                ("scale", float_literal(out.scale)), ("zero_point", "0"),
                ("size", str(out.element_count))]), in_place=False)
        return
    inp = int16_tensor(ctx, op, op.inputs[0])
    ctx.need(ctx.t(op.outputs[0]).dtype == "float32", op, "DEQUANTIZE must produce float32")
    ctx.add_unary_step(op, "mf::dequantize_int16", ParamStruct(
        "mf::DequantizeParams", f"op{op.index}_params", [
            ("scale", double_literal(inp.scale)), ("zero_point", "0"),
            ("size", str(inp.element_count))]), in_place=False)


def is_int16_output(ctx: LoweringContext, op: Operator) -> bool:
    return bool(op.outputs) and op.outputs[0] >= 0 and ctx.t(op.outputs[0]).dtype == "int16"


def lower_add_int16(ctx: LoweringContext, op: Operator) -> None:
    ctx.need(len(op.inputs) == 2, op, "expects 2 inputs")
    a = int16_tensor(ctx, op, op.inputs[0])
    b = int16_tensor(ctx, op, op.inputs[1])
    out = int16_tensor(ctx, op, op.outputs[0])
    (m1, s1), (m2, s2), (mo, so) = q.add_multipliers(a.scale, b.scale, out.scale, left_shift=15)
    act_min, act_max = ctx.activation_range(op, out)
    params = ParamStruct("mf::AddParams", f"op{op.index}_params", [
        ("input1_offset", "0"), ("input1_multiplier", str(m1)), ("input1_shift", str(s1)),
        ("input2_offset", "0"), ("input2_multiplier", str(m2)), ("input2_shift", str(s2)),
        ("left_shift", "15"), ("output_offset", "0"), ("output_multiplier", str(mo)),
        ("output_shift", str(so)), ("activation_min", str(act_min)),
        ("activation_max", str(act_max)), ("subtract", "1" if op.kind == "SUB" else "0"),
    ])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, "mf::add_int16",
                        [f"param:{params.name}", f"param:{shape.name}", f"in:{op.inputs[0]}",
                         f"in:{op.inputs[1]}", f"out:{op.outputs[0]}"],
                        list(op.inputs), op.outputs[0], [params, shape])
    step.in_place_inputs = [i for i in op.inputs if ctx.t(i).shape == out.shape]


def _libm_float(name: str) -> Callable[[np.float32], np.float32]:
    """A float function of the C library (expf, logf), as TFLite calls std::exp or std::log on
    a float."""
    libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    function = getattr(libm, name)
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    return lambda x: np.float32(function(float(x)))


def int16_table(transform: Callable[[np.float32], np.float32], input_scale: np.float32,
                input_zero_point: int, output_scale: np.float32) -> list[int]:
    """LUTPopulateInt16<float> (output zero point 0): 512 samples of `transform` over the
    input range plus the end point, each biased by half the interpolation error at its
    midpoint, in TFLite's float32 arithmetic."""
    f32 = np.float32
    input_min = input_scale * f32(-32768 - input_zero_point)
    input_max = input_scale * f32(32767 - input_zero_point)
    output_min = output_scale * f32(-32768)
    output_max = output_scale * f32(32767)
    steps = 512
    step = (input_max - input_min) / f32(steps)
    half_step = step / f32(2)
    scaling_inv = f32(65536) / (output_max - output_min)

    def round_away(x: np.float32) -> np.float32:
        # std::round on a float: half away from zero (in double, where x + 0.5 is exact).
        return f32(math.copysign(math.floor(abs(float(x)) + 0.5), float(x)))

    def clamp(x: np.float32) -> int:
        return int(min(max(x, f32(-32768)), f32(32767)))

    table = []
    for i in range(steps):
        value = transform(input_min + f32(i) * step)
        midpoint = transform(input_min + f32(i) * step + half_step)
        following = transform(input_min + f32(i + 1) * step)
        sample = round_away(value * scaling_inv)
        interpolated = round_away((following * scaling_inv + round_away(value * scaling_inv))
                                  / f32(2))
        error = interpolated - round_away(midpoint * scaling_inv)
        table.append(clamp(sample - round_away(error / f32(2))))
    table.append(clamp(round_away(transform(input_max) * scaling_inv)))
    return table


def softmax_tables() -> tuple[list[int], list[int]]:
    """The exp table on [-10, 0] and the 1/(1+x) table on [0, 1] (CalculateSoftmaxParams)."""
    expf = _libm_float("expf")
    f32 = np.float32
    exp_table = int16_table(expf, f32(10.0) / f32(_INT16_RANGE), 32767,
                            f32(2.0) / f32(_INT16_RANGE))
    reciprocal_table = int16_table(lambda x: f32(1.0) / (f32(1.0) + x),
                                   f32(1.0) / f32(_INT16_RANGE), -32768,
                                   f32(2.0) / f32(_INT16_RANGE))
    return exp_table, reciprocal_table


def lower_softmax_int16(ctx: LoweringContext, op: Operator) -> None:
    inp = int16_tensor(ctx, op, op.inputs[0])
    out = int16_tensor(ctx, op, op.outputs[0])
    ctx.need(abs(out.scale - 1.0 / 32768) <= 0.001 / 32768, op,
             f"int16 softmax output must have scale 1/32768 (it has {out.scale})")
    beta = float(np.float32(op.options.get("beta", 1.0)))
    multiplier, shift = q.quantize_multiplier(float(inp.scale) * beta / (10.0 / 65535.0))
    depth = inp.shape[-1]
    exp_table, reciprocal_table = softmax_tables()
    arrays = [
        ConstArray(f"op{op.index}_exp_table", "int16_t", np.array(exp_table, dtype=np.int64),
                   "exp(x) for x in [-10, 0], 513 points (Q0.15)"),
        ConstArray(f"op{op.index}_reciprocal_table", "int16_t",
                   np.array(reciprocal_table, dtype=np.int64),
                   "1 / (1 + x) for x in [0, 1], 513 points (Q0.15)"),
    ]
    params = ParamStruct("mf::Softmax16Params", f"op{op.index}_params", [
        ("input_multiplier", str(multiplier)), ("input_left_shift", str(shift)),
        ("outer_size", str(inp.element_count // depth)), ("depth", str(depth)),
        ("exp_table", f"const:op{op.index}_exp_table"),
        ("one_over_one_plus_x_table", f"const:op{op.index}_reciprocal_table"),
    ])
    ctx.add_step(op, "mf::softmax_int16",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def sigmoid_table() -> list[int]:
    """sigmoid(i / 24) for i = 0..255 in 0.16 (TFLite's sigmoid_table_uint16, which int16
    LOGISTIC, TANH and the LSTM gates interpolate): each entry is raised by half the gap between
    the curve and its chord at the middle of the interval to its right, so the interpolation
    errs to both sides instead of always below; the last entry is 65535, where the kernels
    saturate."""
    def sigmoid(x: float) -> float:
        return 65536.0 / (1.0 + math.exp(-x / 24.0))

    return [math.floor(sigmoid(i) + (sigmoid(i + 0.5) - (sigmoid(i) + sigmoid(i + 1)) / 2) / 2
                       + 0.5) for i in range(255)] + [65535]


def _checked_log2(x: float) -> tuple[int, bool]:
    """CheckedLog2: log2 in float32, rounded, and whether it is within 1e-3 of that integer."""
    logf = _libm_float("logf")
    log2 = logf(np.float32(x)) * (np.float32(1.0) / logf(np.float32(2.0)))
    rounded = np.float32(math.copysign(math.floor(abs(float(log2)) + 0.5), float(log2)))
    return int(rounded), bool(abs(log2 - rounded) < np.float32(1e-3))


def lower_sigmoid_int16(ctx: LoweringContext, op: Operator) -> None:
    """LOGISTIC and TANH on int16 (TFLite Micro's Prepare): the input is rescaled to units of
    1 / (3 * 4096) by a multiplier of at most 15 bits and a rounding right shift, or, for an
    input scale of 2^-12 (TANH: also 2^-11) within CheckedLog2's tolerance, by 3 << left shift
    alone."""
    inp = int16_tensor(ctx, op, op.inputs[0])
    out = int16_tensor(ctx, op, op.outputs[0])
    out_log2, out_pot = _checked_log2(out.scale)
    ctx.need(out_pot and out_log2 == -15, op,
             f"int16 {op.kind} output must have scale 1/32768 (it has {out.scale})")
    log2, pot = _checked_log2(inp.scale)
    left_shift = 12 + log2
    if pot and left_shift in ((0, 1) if op.kind == "TANH" else (0,)):
        multiplier, right_shift = 3 << left_shift, 0
    else:
        # The scale in double, doubled until it exceeds 15 bits less one, then truncated.
        real = float(inp.scale) * 4096.0 * 3.0
        right_shift = 0
        while real <= 32767.0 / 2.0 and right_shift <= 30:
            right_shift += 1
            real *= 2.0
        multiplier = int(real)
        ctx.need(0 < multiplier <= 32767, op,
                 f"int16 {op.kind} input scale {inp.scale} is out of range (TFLite Micro "
                 "needs scale * 12288 in (0, 32767])")
    table = ConstArray(f"op{op.index}_sigmoid_table", "uint16_t",
                       np.array(sigmoid_table(), dtype=np.int64),
                       "sigmoid(i / 24) in 0.16, i = 0..255")
    params = ParamStruct("mf::Sigmoid16Params", f"op{op.index}_params", [
        ("input_multiplier", str(multiplier)), ("input_right_shift", str(right_shift)),
        ("size", str(out.element_count)), ("table", f"const:{table.name}")])
    ctx.add_step(op, "mf::logistic_int16" if op.kind == "LOGISTIC" else "mf::tanh_int16",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], [table], in_place=True)


# FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, the pools, ADD/SUB, MUL, SOFTMAX, QUANTIZE and
# DEQUANTIZE are registered by their int8 modules, which hand int16 operators here; PAD,
# CONCATENATION and MEAN, whose preparation does not depend on the element type, call the
# int16 kernels below themselves.
KERNELS: dict[str, OperatorKernel] = {}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {f"mf::{name}": "int16x8.h" for name in (
    "fully_connected_16x8", "conv_2d_16x8", "depthwise_conv_2d_16x8", "pool_2d_int16",
    "quantize_float_int16", "dequantize_int16", "add_int16", "softmax_int16", "mul_int16")} | {
    "mf::logistic_int16": "sigmoid_int16.h", "mf::tanh_int16": "sigmoid_int16.h",
    _REQUANTIZE_INT16: "quantize.h"}


def is_int16(ctx: LoweringContext, op: Operator) -> bool:
    """Whether the operator's first input is int16 (16x8 quantization)."""
    return bool(op.inputs) and op.inputs[0] >= 0 and ctx.t(op.inputs[0]).dtype == "int16"

"""The float32 reference path: models that were not quantized compile to TFLite's float
reference kernels (mf/float32.h) behind the same C API. The lowering driver picks these
kernels for an operator whose output is float32 (QUANTIZE and DEQUANTIZE, which convert
between float and int8, stay in ops/quantize.py). Operators whose checks do not depend on the
element type (STRIDED_SLICE, the resizes, TRANSPOSE_CONV, SPACE_TO_BATCH_ND/BATCH_TO_SPACE_ND)
share them with the int8 modules."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler.c_literals import float_literal
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.broadcast import broadcast_shape
from deploy_targets.compiler.ops.context import (
    LoweringContext,
    OperatorKernel,
    c_array,
    dims4,
)
from deploy_targets.compiler.ops.grouped_conv import check_groups
from deploy_targets.compiler.ops.resize import check_resize, nearest_params, resize_shape_fields
from deploy_targets.compiler.ops.space_batch import add_space_batch_step
from deploy_targets.compiler.ops.strided_slice import strided_slice_params
from deploy_targets.compiler.ops.transpose_conv import check_transpose_conv
from deploy_targets.compiler.steps import ConstArray, ParamStruct

_FLT_MAX = float(np.finfo(np.float32).max)
_ACTIVATION_BOUNDS = {"NONE": (-_FLT_MAX, _FLT_MAX), "RELU": (0.0, _FLT_MAX),
                      "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


def _float(ctx: LoweringContext, op: Operator, index: int) -> Tensor:
    tensor = ctx.t(index)
    ctx.need(tensor.dtype == "float32", op,
             f"tensor {tensor.name!r} is {tensor.dtype}; a float32 operator reads float32")
    return tensor


def _bounds(ctx: LoweringContext, op: Operator) -> list[tuple[str, str]]:
    activation = op.options.get("activation", "NONE")
    ctx.need(activation in _ACTIVATION_BOUNDS, op,
             f"fused activation {activation} is not supported (supported: "
             f"{', '.join(_ACTIVATION_BOUNDS)})")
    low, high = _ACTIVATION_BOUNDS[activation]
    return [("activation_min", float_literal(low)), ("activation_max", float_literal(high))]


def _weights(ctx: LoweringContext, op: Operator, what: str) -> tuple[list[ConstArray], str, str]:
    """The float32 filter/weights (input 1) and optional bias (input 2): arrays and arguments."""
    flt = ctx.constant(op, op.inputs[1], "float32", what)
    arrays = [ctx.const_array(f"op{op.index}_{what}", flt, what)]
    bias_arg = "0"
    if len(op.inputs) == 3 and op.inputs[2] >= 0:
        bias = ctx.constant(op, op.inputs[2], "float32", "bias")
        arrays.append(ctx.const_array(f"op{op.index}_bias", bias, "bias"))
        bias_arg = f"const:op{op.index}_bias"
    return arrays, f"const:op{op.index}_{what}", bias_arg


def _window(ctx: LoweringContext, op: Operator, inp: Tensor, out: Tensor, k_h: int, k_w: int,
            dilations: tuple[int, int], filter_depth: int | None = None,
            paddings: tuple[int, int] | None = None) -> ParamStruct:
    """The FloatWindowParams of a convolution or pool; `paddings` where the operator computes
    its own (TRANSPOSE_CONV), else the SAME/VALID padding of the input."""
    batches, in_h, in_w, in_c = inp.shape
    _, out_h, out_w, out_c = out.shape
    opts = op.options
    if paddings is None:
        pad_h = ctx.padding(op, "height", in_h, k_h, opts["stride_height"], dilations[0], out_h)
        pad_w = ctx.padding(op, "width", in_w, k_w, opts["stride_width"], dilations[1], out_w)
    else:
        pad_h, pad_w = paddings
    return ParamStruct("mf::FloatWindowParams", f"op{op.index}_params", [
        *_bounds(ctx, op),
        ("stride_height", str(opts["stride_height"])), ("stride_width", str(opts["stride_width"])),
        ("dilation_height", str(dilations[0])), ("dilation_width", str(dilations[1])),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
        ("output_height", str(out_h)), ("output_width", str(out_w)),
        ("output_depth", str(out_c)), ("filter_depth", str(filter_depth or in_c)),
    ])


def lower_conv_f32(ctx: LoweringContext, op: Operator) -> None:
    ctx.need(len(op.inputs) in (2, 3), op, "expects 2 or 3 inputs")
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "float32", "filter")
    ctx.need(len(inp.shape) == 4 and len(flt.shape) == 4 and len(out.shape) == 4, op,
             "input, filter and output must be 4-D")
    depthwise = op.kind == "DEPTHWISE_CONV_2D"
    if depthwise:
        ctx.need(flt.shape[3] == out.shape[3] and out.shape[3] % inp.shape[3] == 0, op,
                 "output depth must equal the filter's, a multiple of the input depth")
    else:
        ctx.need(flt.shape[0] == out.shape[3], op,
                 "output depth must equal the number of filters")
        check_groups(ctx, op, inp.shape[3], flt.shape[3], out.shape[3])
    opts = op.options
    params = _window(ctx, op, inp, out, flt.shape[1], flt.shape[2],
                     (opts["dilation_height"], opts["dilation_width"]),
                     filter_depth=None if depthwise else flt.shape[3])
    arrays, filter_arg, bias_arg = _weights(ctx, op, "filter")
    function = "mf::depthwise_conv_2d_f32" if depthwise else "mf::conv_2d_f32"
    ctx.add_step(op, function, [f"param:{params.name}", f"in:{op.inputs[0]}", filter_arg,
                                bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def lower_pool_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    ctx.need(len(inp.shape) == 4 and len(out.shape) == 4, op, "input must be 4-D NHWC")
    params = _window(ctx, op, inp, out, op.options["filter_height"], op.options["filter_width"],
                     (1, 1))
    function = "mf::average_pool_2d_f32" if op.kind == "AVERAGE_POOL_2D" else "mf::max_pool_2d_f32"
    ctx.add_step(op, function, [f"param:{params.name}", f"in:{op.inputs[0]}",
                                f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params])


def lower_fully_connected_f32(ctx: LoweringContext, op: Operator) -> None:
    ctx.need(len(op.inputs) in (2, 3), op, "expects 2 or 3 inputs")
    ctx.need(op.options.get("weights_format", 0) == 0, op,
             "only the DEFAULT weights format is supported")
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    flt = ctx.constant(op, op.inputs[1], "float32", "weights")
    ctx.need(len(flt.shape) == 2, op, "weights must be 2-D [outputs, inputs]")
    out_depth, accum_depth = flt.shape
    ctx.need(inp.element_count % accum_depth == 0, op,
             f"input has {inp.element_count} elements, not a multiple of {accum_depth}")
    batches = inp.element_count // accum_depth
    ctx.need(out.element_count == batches * out_depth, op,
             f"output has {out.element_count} elements; {batches}x{out_depth} expected")
    arrays, weights_arg, bias_arg = _weights(ctx, op, "weights")
    params = ParamStruct("mf::FloatFullyConnectedParams", f"op{op.index}_params", [
        *_bounds(ctx, op), ("batches", str(batches)), ("accum_depth", str(accum_depth)),
        ("output_depth", str(out_depth))])
    ctx.add_step(op, "mf::fully_connected_f32",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", weights_arg, bias_arg,
                  f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def _operand(ctx: LoweringContext, op: Operator, index: int, name: str
             ) -> tuple[str, list[int], list[ConstArray]]:
    tensor = _float(ctx, op, index)
    if tensor.is_constant:
        array = ctx.const_array(f"op{op.index}_{name}", tensor, f"{op.kind} {name}")
        return f"const:{array.name}", [], [array]
    return f"in:{index}", [index], []


# mf::binary_f32's operation codes.
_BINARY_OPERATIONS = {"ADD": 0, "SUB": 1, "MUL": 2, "MINIMUM": 3, "MAXIMUM": 4}


def lower_binary_f32(ctx: LoweringContext, op: Operator) -> None:
    ctx.need(len(op.inputs) == 2, op, "expects 2 inputs")
    a, b = ctx.t(op.inputs[0]), ctx.t(op.inputs[1])
    out = _float(ctx, op, op.outputs[0])
    arg1, reads1, arrays1 = _operand(ctx, op, op.inputs[0], "input1")
    arg2, reads2, arrays2 = _operand(ctx, op, op.inputs[1], "input2")
    params = ParamStruct("mf::FloatBinaryParams", f"op{op.index}_params", [
        ("operation", str(_BINARY_OPERATIONS[op.kind])), *_bounds(ctx, op)])
    shape = broadcast_shape(ctx, op, a, b, out)
    step = ctx.add_step(op, "mf::binary_f32", [f"param:{params.name}", f"param:{shape.name}",
                                               arg1, arg2, f"out:{op.outputs[0]}"],
                        reads1 + reads2, op.outputs[0], [params, shape], arrays1 + arrays2)
    step.in_place_inputs = [i for i in reads1 + reads2 if ctx.t(i).shape == out.shape]


def lower_softmax_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, _ = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    depth = inp.shape[-1]
    params = ParamStruct("mf::FloatSoftmaxParams", f"op{op.index}_params", [
        ("beta", float_literal(op.options.get("beta", 1.0))),
        ("outer_size", str(inp.element_count // depth)), ("depth", str(depth))])
    ctx.add_unary_step(op, "mf::softmax_f32", params, in_place=False)


def lower_activation_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, _ = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    function, low, high = {"RELU": (0, 0.0, _FLT_MAX), "RELU6": (0, 0.0, 6.0),
                           "RELU_N1_TO_1": (0, -1.0, 1.0), "LOGISTIC": (1, 0.0, 0.0),
                           "TANH": (2, 0.0, 0.0)}[op.kind]
    ctx.add_unary_step(op, "mf::activation_f32", ParamStruct(
        "mf::FloatActivationParams", f"op{op.index}_params", [
            ("function", str(function)), ("low", float_literal(low)),
            ("high", float_literal(high)), ("size", str(inp.element_count))]))


def lower_leaky_relu_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, _ = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    ctx.add_unary_step(op, "mf::leaky_relu_f32", ParamStruct(
        "mf::FloatLeakyReluParams", f"op{op.index}_params", [
            ("alpha", float_literal(op.options.get("alpha", 0.2))),
            ("size", str(inp.element_count))]))


def lower_hard_swish_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, _ = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    ctx.add_unary_step(op, "mf::hard_swish_f32", ParamStruct(
        "mf::FloatSizeParams", f"op{op.index}_params", [("size", str(inp.element_count))]))


def lower_mean_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, _ = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    ctx.need(len(inp.shape) <= 4, op, "MEAN supports inputs of up to 4 dimensions")
    axes_t = ctx.constant(op, op.inputs[1], "int32", "axes")
    assert axes_t.data is not None
    rank = len(inp.shape)
    axes = sorted({int(a) % rank for a in axes_t.data.reshape(-1)})
    reduce = [0, 0, 0, 0]
    for axis in axes:
        reduce[axis + 4 - rank] = 1
    count = int(np.prod([inp.shape[a] for a in axes]))
    ctx.add_unary_step(op, "mf::mean_f32", ParamStruct("mf::FloatMeanParams",
                                                       f"op{op.index}_params", [
        ("input_dims", c_array(dims4(inp.shape))), ("reduce", c_array(reduce)),
        ("reduced_count", str(count))]), in_place=False)


def lower_pad_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    ctx.need(len(inp.shape) <= 4, op, "PAD supports inputs of up to 4 dimensions")
    paddings = ctx.constant(op, op.inputs[1], "int32", "paddings")
    assert paddings.data is not None
    left = [int(p) for p in paddings.data.reshape(-1, 2)[:, 0]]
    value = 0.0
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        constant = ctx.constant(op, op.inputs[2], "float32", "pad value")
        assert constant.data is not None
        value = float(constant.data.reshape(-1)[0])
    ctx.add_unary_step(op, "mf::pad_f32", ParamStruct("mf::FloatPadParams",
                                                      f"op{op.index}_params", [
        ("input_dims", c_array(dims4(inp.shape))), ("output_dims", c_array(dims4(out.shape))),
        ("left_padding", c_array([0] * (4 - len(left)) + left)),
        ("pad_value", float_literal(value))]), in_place=False)


def lower_concatenation_f32(ctx: LoweringContext, op: Operator) -> None:
    out = _float(ctx, op, op.outputs[0])
    ctx.need(op.options.get("activation", "NONE") == "NONE", op,
             "a fused activation on CONCATENATION is not supported")
    axis = int(op.options.get("axis", 0)) % len(out.shape)
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    inner = int(np.prod(out.shape[axis + 1:], dtype=np.int64))
    offset = 0
    for k, index in enumerate(op.inputs):
        inp = ctx.t(index)
        arg, reads, arrays = _operand(ctx, op, index, f"input{k}")
        copy = inp.shape[axis] * inner
        params = ParamStruct("mf::FloatConcatPartParams", f"op{op.index}_part{k}", [
            ("outer_size", str(outer)), ("copy_size", str(copy)),
            ("output_row_size", str(out.shape[axis] * inner)), ("output_offset", str(offset))])
        ctx.add_step(op, "mf::concatenation_part_f32",
                     [f"param:{params.name}", arg, f"out:{op.outputs[0]}"],
                     reads, op.outputs[0], [params], arrays)
        offset += copy


def lower_strided_slice_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    ctx.add_unary_step(op, "mf::strided_slice_f32", strided_slice_params(ctx, op, inp, out),
                       in_place=False)


def lower_resize_nearest_neighbor_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    check_resize(ctx, op, inp, out)
    params, arrays = nearest_params(op, inp, out)
    ctx.add_step(op, "mf::resize_nearest_neighbor_f32",
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def _resize_scale(input_size: int, output_size: int, align_corners: bool) -> str:
    """ResizeBilinear's float scale of one axis, divided in float32 as TFLite does."""
    f32 = np.float32
    if align_corners and output_size > 1:
        return float_literal(float(f32(input_size - 1) / f32(output_size - 1)))
    return float_literal(float(f32(input_size) / f32(output_size)))


def lower_resize_bilinear_f32(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    check_resize(ctx, op, inp, out)
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    ctx.add_unary_step(op, "mf::resize_bilinear_f32", ParamStruct(
        "mf::FloatResizeBilinearParams", f"op{op.index}_params", [
            *resize_shape_fields(inp, out),
            ("height_scale", _resize_scale(inp.shape[1], out.shape[1], align)),
            ("width_scale", _resize_scale(inp.shape[2], out.shape[2], align)),
            ("half_pixel_centers", "1" if half else "0")]), in_place=False)


def lower_transpose_conv_f32(ctx: LoweringContext, op: Operator) -> None:
    """TRANSPOSE_CONV: inputs are the output shape, the filter [out, h, w, in], the input and
    an optional bias."""
    ctx.need(len(op.inputs) in (3, 4), op, "expects 3 or 4 inputs (output shape, filter, "
             "input, bias)")
    flt = ctx.constant(op, op.inputs[1], "float32", "filter")
    inp, out = _float(ctx, op, op.inputs[2]), _float(ctx, op, op.outputs[0])
    stride_h, stride_w, pad_h, pad_w = check_transpose_conv(ctx, op, inp, flt, out)
    params = _window(ctx, op, inp, out, flt.shape[1], flt.shape[2], (1, 1),
                     paddings=(pad_h, pad_w))
    arrays = [ctx.const_array(f"op{op.index}_filter", flt, "filter")]
    bias_arg = "0"
    if len(op.inputs) == 4 and op.inputs[3] >= 0:
        bias = ctx.constant(op, op.inputs[3], "float32", "bias")
        arrays.append(ctx.const_array(f"op{op.index}_bias", bias, "bias"))
        bias_arg = f"const:op{op.index}_bias"
    # The kernel accumulates in its output, so the output never takes the input's memory.
    ctx.add_step(op, "mf::transpose_conv_f32",
                 [f"param:{params.name}", f"in:{op.inputs[2]}", f"const:op{op.index}_filter",
                  bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[2]], op.outputs[0], [params], arrays)


def lower_space_batch_f32(ctx: LoweringContext, op: Operator) -> None:
    """SPACE_TO_BATCH_ND (padding with 0.0) and BATCH_TO_SPACE_ND, what Keras writes around a
    dilated convolution."""
    inp, out = _float(ctx, op, op.inputs[0]), _float(ctx, op, op.outputs[0])
    to_batch = op.kind == "SPACE_TO_BATCH_ND"
    function = "mf::space_to_batch_nd_f32" if to_batch else "mf::batch_to_space_nd_f32"
    add_space_batch_step(ctx, op, inp, out, to_batch, function, pad_value=0)


# Registered by kind like the int8 kernels, in their own table: the driver looks an operator
# up here when its output is float32.
KERNELS: dict[str, OperatorKernel] = {}
FLOAT32_KERNELS = {
    "CONV_2D": OperatorKernel(lower_conv_f32, required_inputs=2),
    "DEPTHWISE_CONV_2D": OperatorKernel(lower_conv_f32, required_inputs=2),
    "FULLY_CONNECTED": OperatorKernel(lower_fully_connected_f32, required_inputs=2),
    "AVERAGE_POOL_2D": OperatorKernel(lower_pool_f32),
    "MAX_POOL_2D": OperatorKernel(lower_pool_f32),
    **{kind: OperatorKernel(lower_binary_f32, required_inputs=2) for kind in _BINARY_OPERATIONS},
    "SOFTMAX": OperatorKernel(lower_softmax_f32),
    **{kind: OperatorKernel(lower_activation_f32)
       for kind in ("RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH")},
    "MEAN": OperatorKernel(lower_mean_f32, required_inputs=2),
    "PAD": OperatorKernel(lower_pad_f32, required_inputs=2),
    "PADV2": OperatorKernel(lower_pad_f32, required_inputs=2),
    "CONCATENATION": OperatorKernel(lower_concatenation_f32),
    "LEAKY_RELU": OperatorKernel(lower_leaky_relu_f32),
    "HARD_SWISH": OperatorKernel(lower_hard_swish_f32),
    "STRIDED_SLICE": OperatorKernel(lower_strided_slice_f32, required_inputs=4),
    "RESIZE_NEAREST_NEIGHBOR": OperatorKernel(lower_resize_nearest_neighbor_f32,
                                              required_inputs=2),
    "RESIZE_BILINEAR": OperatorKernel(lower_resize_bilinear_f32, required_inputs=2),
    "TRANSPOSE_CONV": OperatorKernel(lower_transpose_conv_f32, required_inputs=3),
    "SPACE_TO_BATCH_ND": OperatorKernel(lower_space_batch_f32, required_inputs=3),
    "BATCH_TO_SPACE_ND": OperatorKernel(lower_space_batch_f32, required_inputs=3),
}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {f"mf::{name}": "float32.h" for name in (
    "conv_2d_f32", "depthwise_conv_2d_f32", "fully_connected_f32", "average_pool_2d_f32",
    "max_pool_2d_f32", "binary_f32", "softmax_f32", "activation_f32", "mean_f32", "pad_f32",
    "concatenation_part_f32", "leaky_relu_f32", "hard_swish_f32", "strided_slice_f32",
    "resize_nearest_neighbor_f32", "resize_bilinear_f32", "transpose_conv_f32",
    "space_to_batch_nd_f32", "batch_to_space_nd_f32")}

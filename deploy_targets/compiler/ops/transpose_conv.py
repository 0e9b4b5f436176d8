"""TRANSPOSE_CONV (TFLite Micro kernels/transpose_conv.cc), int8 (or int16 activations, 16x8
quantization) with per-channel filter scales: inputs are the output shape (constant, or shape
arithmetic the compiler folds), the filter [out, h, w, in], the input and an optional bias."""

from __future__ import annotations

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import int16_tensor
from deploy_targets.compiler.steps import ParamStruct


def transpose_padding(padding: str, output_size: int, filter_size: int, stride: int) -> int:
    """TFLite's ComputePaddingHeightWidth applied to the output size, as TransposeConv does:
    the padding of the convolution this one transposes."""
    if padding == "SAME":
        conv_output = (output_size + stride - 1) // stride
    else:
        conv_output = (output_size + stride - filter_size) // stride
    return max((conv_output - 1) * stride + filter_size - output_size, 0) // 2


def check_transpose_conv(ctx: LoweringContext, op: Operator, inp: Tensor, flt: Tensor,
                         out: Tensor) -> tuple[int, int, int, int]:
    """What TRANSPOSE_CONV requires of its shapes and options (any element type); returns the
    strides and paddings (height, width)."""
    shape = ctx.constant(op, op.inputs[0], "int32", "output shape")
    assert shape.data is not None
    ctx.need(len(inp.shape) == 4 and len(flt.shape) == 4 and len(out.shape) == 4, op,
             "input, filter and output must be 4-D")
    ctx.need([int(v) for v in shape.data.reshape(-1)] == list(out.shape), op,
             f"the output shape tensor says {[int(v) for v in shape.data.reshape(-1)]}, the "
             f"output is {list(out.shape)}")
    batches, _, _, in_c = inp.shape
    out_c, k_h, k_w, f_c = flt.shape
    ctx.need(f_c == in_c, op, f"filter depth {f_c} must equal the input depth {in_c}")
    ctx.need(out.shape[0] == batches and out.shape[3] == out_c, op,
             f"output {list(out.shape)} must have the input's batch and the filter's "
             f"{out_c} channels")
    opts = op.options
    padding = opts.get("padding", "VALID")
    ctx.need(padding in ("SAME", "VALID"), op, f"padding {padding} is not SAME or VALID")
    stride_h, stride_w = opts.get("stride_height", 0), opts.get("stride_width", 0)
    ctx.need(stride_h >= 1 and stride_w >= 1, op, "strides must be >= 1")
    return (stride_h, stride_w, transpose_padding(padding, out.shape[1], k_h, stride_h),
            transpose_padding(padding, out.shape[2], k_w, stride_w))


def lower_transpose_conv(ctx: LoweringContext, op: Operator) -> None:
    ctx.need(len(op.inputs) in (3, 4), op, "expects 3 or 4 inputs (output shape, filter, "
             "input, bias)")
    flt = ctx.constant(op, op.inputs[1], "int8", "filter")
    if ctx.t(op.inputs[2]).dtype == "int16":  # 16x8 quantization
        _lower_transpose_conv_16x8(ctx, op, flt)
        return
    inp = ctx.activation_tensor(op, op.inputs[2])
    out = ctx.activation_tensor(op, op.outputs[0])
    stride_h, stride_w, pad_h, pad_w = check_transpose_conv(ctx, op, inp, flt, out)
    batches, in_h, in_w, in_c = inp.shape
    out_c, k_h, k_w, _ = flt.shape
    _check_filter(ctx, op, flt)
    act_min, act_max = ctx.activation_range(op, out)
    multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
    arrays = [ctx.const_array(f"op{op.index}_filter", flt, "filter")]
    bias_arg = "0"
    if len(op.inputs) == 4 and op.inputs[3] >= 0:
        bias = ctx.constant(op, op.inputs[3], "int32", "bias")
        arrays.append(ctx.const_array(f"op{op.index}_bias", bias, "bias"))
        bias_arg = f"const:op{op.index}_bias"
    arrays += ctx.quant_arrays(op, multipliers, shifts)
    params = ParamStruct("mf::TransposeConvParams", f"op{op.index}_params", [
        ("input_offset", str(-inp.zero_point)), ("output_offset", str(out.zero_point)),
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("stride_height", str(stride_h)), ("stride_width", str(stride_w)),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
        ("output_height", str(out.shape[1])), ("output_width", str(out.shape[2])),
        ("output_depth", str(out_c)),
    ])
    step = ctx.add_step(op, "mf::transpose_conv",
                        [f"param:{params.name}", f"in:{op.inputs[2]}",
                         f"const:op{op.index}_filter", bias_arg, f"out:{op.outputs[0]}",
                         "scratch"],
                        [op.inputs[2]], op.outputs[0], [params], arrays)
    # The int32 accumulators of every output value.
    step.work_scratch_bytes = 4 * out.element_count


def _check_filter(ctx: LoweringContext, op: Operator, flt: Tensor) -> None:
    ctx.need(flt.quantized_dimension == 0 or not flt.is_per_channel, op,
             "per-channel filter scales must be on axis 0 (output channels)")
    ctx.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")


def _lower_transpose_conv_16x8(ctx: LoweringContext, op: Operator, flt: Tensor) -> None:
    """int16 input and output, int8 filter, int64 (or int32) bias, as TFLite Micro's int16
    TRANSPOSE_CONV; the kernel needs no scratch (mf/int16x8.h)."""
    inp = int16_tensor(ctx, op, op.inputs[2])
    out = int16_tensor(ctx, op, op.outputs[0])
    stride_h, stride_w, pad_h, pad_w = check_transpose_conv(ctx, op, inp, flt, out)
    batches, in_h, in_w, in_c = inp.shape
    out_c, k_h, k_w, _ = flt.shape
    _check_filter(ctx, op, flt)
    act_min, act_max = ctx.activation_range(op, out)
    multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
    arrays = [ctx.const_array(f"op{op.index}_filter", flt, "filter")]
    bias_arg = "static_cast<const int64_t *>(0)"  # the kernel template needs a typed null
    if len(op.inputs) == 4 and op.inputs[3] >= 0:
        dtype = ctx.t(op.inputs[3]).dtype
        ctx.need(dtype in ("int64", "int32"), op,
                 f"the bias is {dtype}; int64 or int32 is required")
        bias = ctx.constant(op, op.inputs[3], dtype, "bias")
        arrays.append(ctx.const_array(f"op{op.index}_bias", bias, "bias"))
        bias_arg = f"const:op{op.index}_bias"
    arrays += ctx.quant_arrays(op, multipliers, shifts)
    params = ParamStruct("mf::Conv16x8Params", f"op{op.index}_params", [
        ("output_multiplier", f"const:op{op.index}_output_multiplier"),
        ("output_shift", f"const:op{op.index}_output_shift"),
        ("activation_min", str(act_min)), ("activation_max", str(act_max)),
        ("stride_height", str(stride_h)), ("stride_width", str(stride_w)),
        ("dilation_height", "1"), ("dilation_width", "1"),
        ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
        ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
        ("output_height", str(out.shape[1])), ("output_width", str(out.shape[2])),
        ("output_depth", str(out_c)), ("filter_depth", str(in_c)),
    ])
    ctx.add_step(op, "mf::transpose_conv_16x8",
                 [f"param:{params.name}", f"in:{op.inputs[2]}", f"const:op{op.index}_filter",
                  bias_arg, f"out:{op.outputs[0]}"],
                 [op.inputs[2]], op.outputs[0], [params], arrays)


KERNELS = {"TRANSPOSE_CONV": OperatorKernel(lower_transpose_conv, required_inputs=3)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::transpose_conv": "transpose_conv.h",
                  "mf::transpose_conv_16x8": "int16x8.h"}

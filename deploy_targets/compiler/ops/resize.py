"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (TFLite Micro kernels/resize_nearest_neighbor.cc,
resize_bilinear.cc) on int8 NHWC tensors with a constant output size."""

from __future__ import annotations

import math

import numpy as np

from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import int16_tensor, is_int16
from deploy_targets.compiler.steps import ConstArray, ParamStruct


def _operands(ctx: LoweringContext, op: Operator) -> tuple[Tensor, Tensor]:
    if is_int16(ctx, op):  # 16x8 quantization
        ctx.need(op.kind == "RESIZE_NEAREST_NEIGHBOR", op, "int16 RESIZE_BILINEAR is not "
                 "supported (TFLite Micro resizes int16 values by nearest neighbour only)")
        inp, out = int16_tensor(ctx, op, op.inputs[0]), int16_tensor(ctx, op, op.outputs[0])
    else:
        inp, out = ctx.unary_operands(op)
    ctx.need(inp.scales == out.scales and inp.zero_points == out.zero_points, op,
             "input and output quantization must be equal (TFLite resizes int8 values without "
             "requantizing)")
    check_resize(ctx, op, inp, out)
    return inp, out


def check_resize(ctx: LoweringContext, op: Operator, inp: Tensor, out: Tensor) -> None:
    """What every resize requires of its shapes, size input and options (any element type)."""
    ctx.need(len(op.inputs) == 2, op, "expects 2 inputs (input, size)")
    ctx.need(len(inp.shape) == 4 and len(out.shape) == 4, op,
             "input and output must be 4-D NHWC")
    size = ctx.constant(op, op.inputs[1], "int32", "size")
    assert size.data is not None
    ctx.need(size.element_count == 2, op, f"size {size.name!r} must hold 2 values")
    height, width = (int(v) for v in size.data.reshape(-1))
    expected = [inp.shape[0], height, width, inp.shape[3]]
    ctx.need(list(out.shape) == expected, op,
             f"output shape {list(out.shape)} differs from the {expected} the size gives")
    ctx.need(height >= 1 and width >= 1, op, f"output size {height}x{width} must be >= 1")
    align_corners = bool(op.options.get("align_corners", False))
    ctx.need(not (align_corners and op.options.get("half_pixel_centers", False)), op,
             "half_pixel_centers and align_corners cannot both be set")


def resize_shape_fields(inp: Tensor, out: Tensor) -> list[tuple[str, str]]:
    return [("batches", str(inp.shape[0])), ("input_height", str(inp.shape[1])),
            ("input_width", str(inp.shape[2])), ("depth", str(inp.shape[3])),
            ("output_height", str(out.shape[1])), ("output_width", str(out.shape[2]))]


def nearest_sources(input_size: int, output_size: int, align_corners: bool,
                    half_pixel_centers: bool) -> list[int]:
    """GetNearestNeighbor for every output index, in TFLite's float32 arithmetic."""
    f32 = np.float32
    if align_corners and output_size > 1:
        scale = f32(input_size - 1) / f32(output_size - 1)
    else:
        scale = f32(input_size) / f32(output_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    sources = []
    for value in range(output_size):
        position = float((f32(value) + offset) * scale)
        # TfLiteRound is std::round: half away from zero (positions are never negative).
        index = math.floor(position + 0.5) if align_corners else math.floor(position)
        index = min(index, input_size - 1)
        sources.append(max(index, 0) if half_pixel_centers else index)
    return sources


def lower_resize_nearest_neighbor(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _operands(ctx, op)
    params, arrays = nearest_params(op, inp, out)
    function = ("mf::resize_nearest_neighbor_int16" if inp.dtype == "int16"
                else "mf::resize_nearest_neighbor")
    ctx.add_step(op, function,
                 [f"param:{params.name}", f"in:{op.inputs[0]}", f"out:{op.outputs[0]}"],
                 [op.inputs[0]], op.outputs[0], [params], arrays)


def nearest_params(op: Operator, inp: Tensor, out: Tensor
                   ) -> tuple[ParamStruct, list[ConstArray]]:
    """ResizeNearestParams and the source row and column tables it points to (any element
    type: the float32 path's kernel takes the same)."""
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    rows = nearest_sources(inp.shape[1], out.shape[1], align, half)
    columns = nearest_sources(inp.shape[2], out.shape[2], align, half)
    arrays = [
        ConstArray(f"op{op.index}_source_rows", "int32_t", np.array(rows, dtype=np.int64),
                   "the input row of each output row"),
        ConstArray(f"op{op.index}_source_columns", "int32_t", np.array(columns, dtype=np.int64),
                   "the input column of each output column"),
    ]
    params = ParamStruct("mf::ResizeNearestParams", f"op{op.index}_params", [
        *resize_shape_fields(inp, out), ("source_rows", f"const:op{op.index}_source_rows"),
        ("source_columns", f"const:op{op.index}_source_columns")])
    return params, arrays


def _scale_10(input_size: int, output_size: int, align_corners: bool) -> int:
    if align_corners and output_size > 1:
        return ((1 << 10) * (input_size - 1) + (output_size - 1) // 2) // (output_size - 1)
    return ((1 << 10) * input_size + output_size // 2) // output_size


def lower_resize_bilinear(ctx: LoweringContext, op: Operator) -> None:
    inp, out = _operands(ctx, op)
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    height_scale = _scale_10(inp.shape[1], out.shape[1], align)
    width_scale = _scale_10(inp.shape[2], out.shape[2], align)
    # int32 positions: (size - 1) * scale_10 + scale_10 must not overflow.
    ctx.need(max(out.shape[1] * height_scale, out.shape[2] * width_scale) < 2**31 - 2**11, op,
             "the resize is too large for TFLite's 32-bit fixed-point positions")
    params = ParamStruct("mf::ResizeBilinearParams", f"op{op.index}_params", [
        *resize_shape_fields(inp, out), ("height_scale_10", str(height_scale)),
        ("width_scale_10", str(width_scale)), ("half_pixel_centers", "1" if half else "0")])
    ctx.add_unary_step(op, "mf::resize_bilinear", params, in_place=False)


KERNELS = {
    "RESIZE_NEAREST_NEIGHBOR": OperatorKernel(lower_resize_nearest_neighbor, required_inputs=2),
    "RESIZE_BILINEAR": OperatorKernel(lower_resize_bilinear, required_inputs=2),
}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::resize_nearest_neighbor": "resize.h", "mf::resize_bilinear": "resize.h",
                  "mf::resize_nearest_neighbor_int16": "int16x8.h"}

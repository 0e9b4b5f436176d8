"""STRIDED_SLICE (TFLite Micro kernels/strided_slice.cc), up to 4 dimensions, constant begin,
end and strides; ellipsis and new-axis masks are refused."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel, c_array, dims4
from deploy_targets.compiler.ops.int16x8 import int16_tensor, is_int16
from deploy_targets.compiler.steps import ParamStruct


def lower_strided_slice(ctx: LoweringContext, op: Operator) -> None:
    if is_int16(ctx, op):  # 16x8 quantization: the same copy of int16 values
        inp, out = int16_tensor(ctx, op, op.inputs[0]), int16_tensor(ctx, op, op.outputs[0])
        function = "mf::strided_slice_int16"
    else:
        inp, out = ctx.unary_operands(op)
        function = "mf::strided_slice"
    ctx.add_unary_step(op, function, strided_slice_params(ctx, op, inp, out), in_place=False)


def strided_slice_params(ctx: LoweringContext, op: Operator, inp: Tensor, out: Tensor
                         ) -> ParamStruct:
    """The first input element, step and count on each axis (any element type: the float32
    path's kernel takes the same struct)."""
    opts = op.options
    ctx.need(opts.get("ellipsis_mask", 0) == 0 and opts.get("new_axis_mask", 0) == 0 and
             not opts.get("offset", False), op,
             "ellipsis_mask, new_axis_mask and offset are not supported")
    ctx.need(len(inp.shape) <= 4, op, "STRIDED_SLICE supports up to 4 dimensions")
    begin, end, strides = (ctx.constant(op, i, "int32", name).data
                           for i, name in zip(op.inputs[1:4], ("begin", "end", "strides"),
                                              strict=True))
    assert begin is not None and end is not None and strides is not None
    starts, steps, sizes = [], [], []
    for axis, dim in enumerate(inp.shape):
        stride = int(strides[axis])
        ctx.need(stride != 0, op, "strides must not be 0")
        if opts.get("shrink_axis_mask", 0) >> axis & 1:
            start = int(begin[axis]) % dim
            starts.append(start)
            steps.append(1)
            sizes.append(1)
            continue
        b = None if opts.get("begin_mask", 0) >> axis & 1 else int(begin[axis])
        e = None if opts.get("end_mask", 0) >> axis & 1 else int(end[axis])
        start, _, step = slice(b, e, stride).indices(dim)
        starts.append(start)
        steps.append(step)
        sizes.append(len(range(*slice(b, e, stride).indices(dim))))
    ctx.need(int(np.prod(sizes)) == out.element_count, op,
             f"the slice has {int(np.prod(sizes))} elements but the output {out.element_count}")
    pad = 4 - len(inp.shape)
    return ParamStruct("mf::StridedSliceParams", f"op{op.index}_params", [
        ("input_dims", c_array(dims4(inp.shape))),
        ("output_dims", c_array([1] * pad + sizes)),
        ("start", c_array([0] * pad + starts)),
        ("stride", c_array([1] * pad + steps))])


KERNELS = {"STRIDED_SLICE": OperatorKernel(lower_strided_slice, required_inputs=4)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::strided_slice": "tensor_ops.h", "mf::strided_slice_int16": "int16x8.h"}

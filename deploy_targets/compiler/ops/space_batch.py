"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (TFLite Micro kernels/space_to_batch_nd.cc,
batch_to_space_nd.cc): what Keras emits around the CONV_2D of a dilated convolution. 3-D and
4-D int8 or int16 tensors (float32 ones through ops/float32.py), constant block shape and
paddings (crops)."""

from __future__ import annotations

import dataclasses

from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel, c_array
from deploy_targets.compiler.ops.int16x8 import int16_tensor, is_int16
from deploy_targets.compiler.steps import ParamStruct


def _nhwc(shape: tuple[int, ...]) -> list[int]:
    """[batch, height, depth] becomes [batch, height, 1, depth], as TFLite extends it."""
    return list(shape) if len(shape) == 4 else [shape[0], shape[1], 1, shape[2]]


def _int_vector(ctx: LoweringContext, op: Operator, index: int, what: str, size: int
                ) -> list[int]:
    tensor = ctx.constant(op, index, "int32", what)
    assert tensor.data is not None
    ctx.need(tensor.element_count == size, op,
             f"the {what} {tensor.name!r} has {tensor.element_count} values; {size} expected")
    return [int(v) for v in tensor.data.reshape(-1)]


# Operators that keep the batch dimension of their first input: those a model converted with a
# dynamic batch may have between SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND.
_BATCH_PRESERVING = ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "RELU",
                     "RELU6", "RELU_N1_TO_1", "LEAKY_RELU", "LOGISTIC", "TANH", "HARD_SWISH")
_RESHAPES = ("RESHAPE", "EXPAND_DIMS", "SQUEEZE")


def _set_batch(ctx: LoweringContext, index: int, batch: int) -> None:
    tensor = ctx.graph.tensors[index]
    ctx.graph.tensors[index] = dataclasses.replace(tensor, shape=(batch, *tensor.shape[1:]))


def _infer_dynamic_batch(ctx: LoweringContext, op: Operator, batch: int) -> None:
    """Keras models converted with a dynamic batch size store every tensor with batch 1, though
    SPACE_TO_BATCH_ND's output has `batch` (LiteRT resizes at run time; TFLite Micro, which
    does not, computes garbage). Give its output, and what the operators up to
    BATCH_TO_SPACE_ND compute from it, their true batch before they are lowered."""
    _set_batch(ctx, op.outputs[0], batch)
    widened = {op.outputs[0]}
    for later in ctx.graph.operators[op.index + 1:]:
        if not (later.inputs and later.inputs[0] in widened and len(later.outputs) == 1
                and later.outputs[0] >= 0):
            continue
        out = ctx.graph.tensors[later.outputs[0]]
        if later.kind in _RESHAPES:
            # Conv1D runs as EXPAND_DIMS, CONV_2D, RESHAPE: widen only a reshape that keeps
            # the batch as its leading dimension.
            source = ctx.graph.tensors[later.inputs[0]]
            if not (out.shape and out.shape[0] == 1
                    and source.element_count == batch * out.element_count):
                continue
        elif later.kind not in _BATCH_PRESERVING:
            continue
        _set_batch(ctx, later.outputs[0], batch)
        widened.add(later.outputs[0])


def _check_shapes(ctx: LoweringContext, op: Operator, inp: Tensor, out: Tensor,
                  block: list[int], before: list[int], after: list[int], to_batch: bool
                  ) -> None:
    ctx.need(inp.scales == out.scales and inp.zero_points == out.zero_points, op,
             "input and output quantization must be equal (values are only moved)")
    ctx.need(all(b >= 1 for b in block), op, f"block shape {block} must be >= 1")
    ctx.need(all(v >= 0 for v in before + after), op,
             f"{'paddings' if to_batch else 'crops'} must be >= 0")
    spatial = len(block)
    blocks = 1
    for b in block:
        blocks *= b
    if to_batch:
        expected = [inp.shape[0] * blocks]
        for axis in range(spatial):
            padded = inp.shape[1 + axis] + before[axis] + after[axis]
            ctx.need(padded % block[axis] == 0, op,
                     f"padded spatial size {padded} on axis {1 + axis} is not a multiple of "
                     f"the block size {block[axis]}")
            expected.append(padded // block[axis])
    else:
        ctx.need(inp.shape[0] % blocks == 0, op,
                 f"input batch {inp.shape[0]} is not a multiple of the block size {blocks}")
        expected = [inp.shape[0] // blocks]
        for axis in range(spatial):
            expected.append(inp.shape[1 + axis] * block[axis] - before[axis] - after[axis])
    expected += list(inp.shape[1 + spatial:])
    if to_batch and list(out.shape) == [1, *expected[1:]] and expected[0] > 1:
        _infer_dynamic_batch(ctx, op, expected[0])
        return
    ctx.need(list(out.shape) == expected, op,
             f"output shape {list(out.shape)} differs from the {expected} that block shape "
             f"{block} gives")


def _lower(ctx: LoweringContext, op: Operator, to_batch: bool) -> None:
    if is_int16(ctx, op):  # 16x8 quantization: the kernels are templates; zero point 0
        inp, out = int16_tensor(ctx, op, op.inputs[0]), int16_tensor(ctx, op, op.outputs[0])
    else:
        inp, out = ctx.unary_operands(op)
    function = "mf::space_to_batch_nd" if to_batch else "mf::batch_to_space_nd"
    # LiteRT pads with the zero point (the real value 0), as a SAME convolution expects.
    add_space_batch_step(ctx, op, inp, out, to_batch, function, out.zero_point)


def add_space_batch_step(ctx: LoweringContext, op: Operator, inp: Tensor, out: Tensor,
                         to_batch: bool, function: str, pad_value: int) -> None:
    """Check SPACE_TO_BATCH_ND or BATCH_TO_SPACE_ND (any element type) and append the call of
    `function`, which takes mf::SpaceBatchParams."""
    ctx.need(len(op.inputs) == 3, op, "expects 3 inputs (input, block shape, "
             f"{'paddings' if to_batch else 'crops'})")
    ctx.need(len(inp.shape) in (3, 4) and len(out.shape) == len(inp.shape), op,
             "input and output must both be 3-D or both 4-D")
    spatial = len(inp.shape) - 2
    block = _int_vector(ctx, op, op.inputs[1], "block shape", spatial)
    pads = _int_vector(ctx, op, op.inputs[2], "paddings" if to_batch else "crops", 2 * spatial)
    before, after = pads[0::2], pads[1::2]
    _check_shapes(ctx, op, inp, out, block, before, after, to_batch)
    out = ctx.t(op.outputs[0])  # with its true batch, where the model's was dynamic
    params = ParamStruct("mf::SpaceBatchParams", f"op{op.index}_params", [
        ("input_dims", c_array(_nhwc(inp.shape))), ("output_dims", c_array(_nhwc(out.shape))),
        ("block_height", str(block[0])), ("block_width", str(block[1] if spatial == 2 else 1)),
        ("pad_top", str(before[0])), ("pad_left", str(before[1] if spatial == 2 else 0)),
        ("pad_value", str(pad_value if to_batch else 0)),
    ])
    ctx.add_unary_step(op, function, params, in_place=False)


def lower_space_to_batch_nd(ctx: LoweringContext, op: Operator) -> None:
    _lower(ctx, op, to_batch=True)


def lower_batch_to_space_nd(ctx: LoweringContext, op: Operator) -> None:
    _lower(ctx, op, to_batch=False)


KERNELS = {"SPACE_TO_BATCH_ND": OperatorKernel(lower_space_to_batch_nd, required_inputs=3),
           "BATCH_TO_SPACE_ND": OperatorKernel(lower_batch_to_space_nd, required_inputs=3)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::space_to_batch_nd": "space_batch.h",
                  "mf::batch_to_space_nd": "space_batch.h"}

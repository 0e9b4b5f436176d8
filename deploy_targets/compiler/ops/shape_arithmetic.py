"""Shape arithmetic folded at compile time: SHAPE, and the int32/int64 operators that compute
from shapes and constants (STRIDED_SLICE, PACK, CONCATENATION, GATHER, ADD, SUB, MUL,
FLOOR_DIV, MINIMUM, MAXIMUM, REDUCE_PROD, CAST).

A Keras Reshape or Conv2DTranspose in a model with a dynamic batch computes its target shape
at run time (SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE). Every shape is fixed once the model
is compiled, so these become constants and no code runs for them. The lowering driver offers
every operator to `fold_constant` before its kernel; SHAPE, PACK and the other operators that
exist only for shape arithmetic are refused when their inputs are computed at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel

_INTEGER_TYPES = ("int32", "int64")
Array = npt.NDArray[Any]


def _strided_slice(op: Operator, values: list[Array]) -> Array:
    data, begin, end, strides = values
    opts = op.options
    if opts.get("ellipsis_mask", 0) or opts.get("new_axis_mask", 0) or opts.get("offset"):
        raise ValueError("ellipsis_mask, new_axis_mask and offset are not folded")
    index: list[Any] = []
    for axis in range(data.ndim):
        if opts.get("shrink_axis_mask", 0) >> axis & 1:
            index.append(int(begin[axis]))
            continue
        b = None if opts.get("begin_mask", 0) >> axis & 1 else int(begin[axis])
        e = None if opts.get("end_mask", 0) >> axis & 1 else int(end[axis])
        index.append(slice(b, e, int(strides[axis])))
    return np.asarray(data[tuple(index)])


def _gather(op: Operator, values: list[Array]) -> Array:
    params, indices = values
    if op.options.get("batch_dims", 0):
        raise ValueError("GATHER with batch_dims is not folded")
    axis = int(op.options.get("axis", 0))
    if np.any(indices < 0) or np.any(indices >= params.shape[axis]):
        raise IndexError(f"GATHER index out of range 0..{params.shape[axis] - 1}")
    return np.take(params, indices, axis=axis)


def _floor_div(_: Operator, values: list[Array]) -> Array:
    if np.any(values[1] == 0):
        raise ZeroDivisionError("FLOOR_DIV by zero")
    return np.floor_divide(values[0], values[1])


_FOLDERS: dict[str, Callable[[Operator, list[Array]], Array]] = {
    "STRIDED_SLICE": _strided_slice,
    "PACK": lambda op, v: np.stack(v, axis=int(op.options.get("axis", 0))),
    "CONCATENATION": lambda op, v: np.concatenate(v, axis=int(op.options.get("axis", 0))),
    "GATHER": _gather,
    "ADD": lambda _, v: v[0] + v[1],
    "SUB": lambda _, v: v[0] - v[1],
    "MUL": lambda _, v: v[0] * v[1],
    "FLOOR_DIV": _floor_div,
    "MINIMUM": lambda _, v: np.minimum(v[0], v[1]),
    "MAXIMUM": lambda _, v: np.maximum(v[0], v[1]),
    "REDUCE_PROD": lambda _, v: np.prod(v[0], axis=tuple(int(a) for a in v[1].reshape(-1))),
    "CAST": lambda _, v: v[0],
}


def _store(ctx: LoweringContext, op: Operator, value: Array) -> None:
    out = ctx.t(op.outputs[0])
    ctx.need(value.size == out.element_count, op,
             f"folding gives {value.size} values but the output {out.name!r} has shape "
             f"{list(out.shape)}")
    ctx.folded[op.outputs[0]] = Tensor(
        out.index, out.name, out.dtype, out.shape, out.scales, out.zero_points,
        out.quantized_dimension, value.astype(np.dtype(out.dtype)).reshape(out.shape))


def fold_constant(ctx: LoweringContext, op: Operator) -> bool:
    """Fold `op` into a constant where it is integer shape arithmetic on constants (SHAPE on
    any tensor); False where it must run."""
    if len(op.outputs) != 1 or op.outputs[0] < 0:
        return False
    out = ctx.t(op.outputs[0])
    if op.kind == "SHAPE":
        ctx.need(out.dtype in _INTEGER_TYPES, op, f"SHAPE output is {out.dtype}; int32 or "
                 "int64 expected")
        _store(ctx, op, np.array(ctx.t(op.inputs[0]).shape, dtype=np.int64))
        return True
    inputs = [ctx.t(i) for i in op.inputs if i >= 0]
    if (op.kind not in _FOLDERS or out.dtype not in _INTEGER_TYPES or out.scales
            or not inputs or not all(t.is_constant and not t.scales for t in inputs)):
        return False
    values = [np.asarray(t.data, dtype=np.int64) for t in inputs]
    _store(ctx, op, _FOLDERS[op.kind](op, values))
    return True


def lower_shape_only(ctx: LoweringContext, op: Operator) -> None:
    """An operator that exists only for shape arithmetic, reached because it cannot be folded."""
    computed = [ctx.t(i).name for i in op.inputs if i >= 0 and not ctx.t(i).is_constant]
    ctx.need(False, op, f"{op.kind} is supported only as shape arithmetic on constants, "
             "which the compiler folds; " + (
                 f"its input {computed[0]!r} is computed at run time" if computed
                 else f"its output {ctx.t(op.outputs[0]).name!r} is not int32 or int64"))


KERNELS = {kind: OperatorKernel(lower_shape_only)
           for kind in ("SHAPE", "PACK", "GATHER", "FLOOR_DIV", "REDUCE_PROD", "CAST")}
# Folded operators call no kernel.
KERNEL_HEADERS: dict[str, str] = {}

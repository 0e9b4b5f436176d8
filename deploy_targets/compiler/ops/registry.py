"""The one place that says which module lowers which TFLite builtin.

To add an operator: write ops/<family>.py with its lowering function(s) and a
`KERNELS = {"BUILTIN_NAME": OperatorKernel(lower_fn, required_inputs=n)}` table and a
`KERNEL_HEADERS = {"mf::function": "header.h"}` table naming the runtime header (under
runtime/mf/) of each kernel function its steps call; then list the module in FAMILIES.
"""

from __future__ import annotations

from types import ModuleType
from typing import TypeVar

from deploy_targets.compiler.ops import (
    activations,
    add,
    concatenation,
    conv,
    depthwise_conv,
    float32,
    fully_connected,
    grouped_conv,
    int16x8,
    lstm,
    mean,
    min_max,
    mul,
    pad,
    pooling,
    quantize,
    reshape,
    resize,
    shape_arithmetic,
    softmax,
    space_batch,
    strided_slice,
    svdf,
    transpose_conv,
)
from deploy_targets.compiler.ops.context import OperatorKernel

FAMILIES: tuple[ModuleType, ...] = (
    conv, depthwise_conv, fully_connected, pooling, reshape, softmax, add, quantize,
    activations, mul, min_max, mean, pad, concatenation, strided_slice, space_batch,
    shape_arithmetic, resize, transpose_conv, grouped_conv, lstm, svdf,
    int16x8, float32,
)
_T = TypeVar("_T")


def _merge(tables: list[tuple[str, dict[str, _T]]], what: str) -> dict[str, _T]:
    merged: dict[str, _T] = {}
    for module, table in tables:
        for key, value in table.items():
            if key in merged and merged[key] != value:
                raise RuntimeError(f"{what} {key} is registered twice (again by {module})")
            merged[key] = value
    return merged


# Each TFLite builtin the compiler lowers, and how.
OPERATORS: dict[str, OperatorKernel] = _merge(
    [(family.__name__, family.KERNELS) for family in FAMILIES], "operator")
# The runtime header (runtime/mf/) declaring each kernel function a step may call.
# The float32 reference kernels, chosen for an operator whose output is float32.
FLOAT32_OPERATORS: dict[str, OperatorKernel] = _merge(
    [(family.__name__, getattr(family, "FLOAT32_KERNELS", {})) for family in FAMILIES],
    "float32 operator")
KERNEL_HEADERS: dict[str, str] = _merge(
    [(family.__name__, family.KERNEL_HEADERS) for family in FAMILIES], "kernel function")

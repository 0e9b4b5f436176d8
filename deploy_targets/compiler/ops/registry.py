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
    fully_connected,
    mean,
    min_max,
    mul,
    pad,
    pooling,
    quantize,
    reshape,
    softmax,
    strided_slice,
)
from deploy_targets.compiler.ops.context import OperatorKernel

FAMILIES: tuple[ModuleType, ...] = (
    conv, depthwise_conv, fully_connected, pooling, reshape, softmax, add, quantize,
    activations, mul, min_max, mean, pad, concatenation, strided_slice,
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
KERNEL_HEADERS: dict[str, str] = _merge(
    [(family.__name__, family.KERNEL_HEADERS) for family in FAMILIES], "kernel function")

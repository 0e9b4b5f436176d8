"""The compiler's lowered program: one Step per kernel call, with its parameters and constants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy.typing as npt


@dataclass
class ConstArray:
    """A constant the generated code keeps in flash: weights, biases, multipliers, shifts."""

    name: str
    ctype: str
    values: npt.NDArray[Any]
    comment: str
    # "pairs": only where MF_WEIGHT_PAIRS (mf/conv_params.h) is set, "int8": only where it is
    # not, "": always. The generated library is one source for every core.
    variant: str = ""


@dataclass
class ParamStruct:
    """One kernel parameter struct instance: its C type, name, and fields in declaration order."""

    ctype: str
    name: str
    fields: list[tuple[str, str]]


@dataclass
class Step:
    """One call in the generated invoke function.

    `args` is the call's argument list with placeholders the emitter resolves:
    `in:<tensor>` (read), `out:<tensor>` (written), `const:<name>`, `param:<name>`, or a C literal;
    `state:<tensor>:<label>` is a variable tensor kept between invocations in a static array
    (op<index>_<label>) outside the arena and the memory plan.
    `in_place_inputs` are inputs whose memory the output may take over when they die here.
    An `alias` step (RESHAPE, SQUEEZE) emits no call: its output shares its input's memory.
    A step with an `in_place_function` has a variant that writes over its input with
    `scratch_bytes` of scratch (placeholder `scratch` in `in_place_args`); the planner switches
    to it when the input dies at this step.
    `work_scratch_bytes` is scratch the (not in-place) function itself needs (the Cortex-M fast
    path's column buffer), passed where its `args` hold the placeholder `scratch`.
    """

    op_index: int
    kind: str
    function: str
    args: list[str]
    inputs: list[int]
    output: int
    comment: str
    structs: list[ParamStruct] = field(default_factory=list)
    arrays: list[ConstArray] = field(default_factory=list)
    in_place_inputs: list[int] = field(default_factory=list)
    alias: bool = False
    fused_op_indices: list[int] = field(default_factory=list)
    in_place_function: str | None = None
    in_place_args: list[str] = field(default_factory=list)
    scratch_bytes: int = 0
    work_scratch_bytes: int = 0

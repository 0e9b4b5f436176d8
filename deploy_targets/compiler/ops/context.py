"""What every operator module works with: the graph being lowered, the checks TFLite's Prepare
functions share, and the Steps (kernel calls) lowering appends.

An operator module receives a LoweringContext and one Operator; it checks the operator, prepares
its parameter struct and constants, and appends the Step that calls its kernel. The registry
(ops/registry.py) says which module handles which TFLite builtin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Graph, Operator, Tensor, require
from deploy_targets.compiler.steps import ConstArray, ParamStruct, Step

CTYPES = {"int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "float32": "float",
          "uint8": "uint8_t", "int64": "int64_t", "bool": "uint8_t"}
FUSED_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def tensor_array(name: str, tensor: Tensor, what: str) -> ConstArray:
    """A constant tensor as the flat array the generated code keeps in flash."""
    assert tensor.data is not None
    return ConstArray(name, CTYPES[tensor.dtype], tensor.data.reshape(-1),
                      f"{what} {shape_text(tensor.shape)} {tensor.dtype}, {quant_text(tensor)}")


def quant_text(tensor: Tensor) -> str:
    if not tensor.scales:
        return "not quantized"
    if tensor.is_per_channel:
        return (f"per-channel scales on axis {tensor.quantized_dimension} "
                f"({min(tensor.scales):.6g}..{max(tensor.scales):.6g}), zero point 0")
    return f"scale {tensor.scale:.9g}, zero point {tensor.zero_point}"


def c_array(values: list[int]) -> str:
    """A brace initializer for a fixed-size array field of a param struct."""
    return "{" + ", ".join(str(v) for v in values) + "}"


def dims4(shape: tuple[int, ...]) -> list[int]:
    """A shape of up to 4 dimensions padded with leading 1s, as the 4-D kernels take it."""
    return [1] * (4 - len(shape)) + list(shape)


def as_int32(value: int) -> int:
    """What static_cast<int32_t> makes of a value in [0, 2^32)."""
    return value - (1 << 32) if value >= (1 << 31) else value


@dataclass(frozen=True)
class OperatorKernel:
    """How one TFLite builtin is lowered: the function that checks it and appends its kernel
    call, and how many leading inputs it cannot do without (the rest, e.g. a bias, are
    optional and may be -1)."""

    lower: Callable[[LoweringContext, Operator], None]
    required_inputs: int = 1


class LoweringContext:
    """One graph being lowered: its tensors (with constants folded so far) and the Steps."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.steps: list[Step] = []
        # Constant tensors created by folding (e.g. RESHAPE of a constant).
        self.folded: dict[int, Tensor] = {}

    def t(self, index: int) -> Tensor:
        return self.folded.get(index) or self.graph.tensors[index]

    def need(self, condition: bool, op: Operator, rule: str) -> None:
        require(condition, self.graph, op, rule)

    # --- operands ----------------------------------------------------------------------------

    def activation_tensor(self, op: Operator, index: int, dtypes: tuple[str, ...] = ("int8",)
                          ) -> Tensor:
        tensor = self.t(index)
        self.need(tensor.dtype in dtypes, op,
                  f"tensor {tensor.name!r} is {tensor.dtype}; this operator supports "
                  f"{' or '.join(dtypes)} here (the compiler handles int8, 16x8 and float32 "
                  "models)")
        if tensor.dtype == "int8":
            self.need(len(tensor.scales) == 1, op,
                      f"tensor {tensor.name!r} must have one scale and zero point")
        return tensor

    def constant(self, op: Operator, index: int, dtype: str, what: str) -> Tensor:
        tensor = self.t(index)
        self.need(tensor.is_constant, op,
                  f"the {what} {tensor.name!r} must be a constant tensor (it is computed at run "
                  "time, which the compiler does not support)")
        self.need(tensor.dtype == dtype, op,
                  f"the {what} {tensor.name!r} is {tensor.dtype}; {dtype} is required")
        if dtype == "int8":
            self.need(len(tensor.scales) >= 1, op,
                      f"the {what} {tensor.name!r} has no quantization scale")
        return tensor

    def unary_operands(self, op: Operator) -> tuple[Tensor, Tensor]:
        """The int8 input and output of an operator that reads one tensor at run time."""
        self.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expects one output")
        inp = self.activation_tensor(op, op.inputs[0])
        out = self.activation_tensor(op, op.outputs[0])
        self.need(not inp.is_constant, op, "a constant input should have been folded by the "
                  "converter; it is not supported")
        return inp, out

    def operand(self, op: Operator, index: int, name: str) -> tuple[str, list[int],
                                                                     list[ConstArray]]:
        """An int8 operand of an element-wise op: a tensor read at run time, or a constant."""
        tensor = self.activation_tensor(op, index)
        if tensor.is_constant:
            array = self.const_array(f"op{op.index}_{name}", tensor, f"{op.kind} {name}")
            return f"const:{array.name}", [], [array]
        return f"in:{index}", [index], []

    def optional_bias(self, op: Operator) -> tuple[list[ConstArray], str]:
        """The int32 bias of a conv or fully connected layer (an optional third input) and the
        kernel's bias argument, "0" (a null pointer) when the model has none."""
        if len(op.inputs) == 3 and op.inputs[2] >= 0:
            bias = self.constant(op, op.inputs[2], "int32", "bias")
            array = self.const_array(f"op{op.index}_bias", bias, "bias")
            return [array], f"const:{array.name}"
        return [], "0"

    # --- shared Prepare arithmetic ----------------------------------------------------------

    def activation_range(self, op: Operator, output: Tensor) -> tuple[int, int]:
        activation = op.options.get("activation", "NONE")
        self.need(activation in FUSED_ACTIVATIONS, op,
                  f"fused activation {activation} is not supported (supported: "
                  f"{', '.join(FUSED_ACTIVATIONS)})")
        return q.activation_range(activation, output.scale, output.zero_point, output.dtype)

    def padding(self, op: Operator, axis: str, in_size: int, filter_size: int, stride: int,
                dilation: int, out_size: int) -> int:
        """ComputePaddingHeightWidth, after checking the model's output size agrees."""
        padding = op.options.get("padding", "VALID")
        self.need(padding in ("SAME", "VALID"), op, f"padding {padding} is not SAME or VALID")
        self.need(stride >= 1 and dilation >= 1, op, f"{axis} stride and dilation must be >= 1")
        self.need(filter_size >= 1, op, f"{axis} of the filter must be >= 1")
        effective = (filter_size - 1) * dilation + 1
        expected = ((in_size + stride - 1) // stride if padding == "SAME"
                    else (in_size + stride - effective) // stride)
        self.need(expected == out_size, op,
                  f"output {axis} is {out_size} but {padding} padding of {in_size} with filter "
                  f"{filter_size}, stride {stride}, dilation {dilation} gives {expected}")
        total = max((out_size - 1) * stride + effective - in_size, 0)
        return total // 2

    # --- what lowering produces -------------------------------------------------------------

    def add_step(self, op: Operator, function: str, args: list[str], inputs: list[int],
                 output: int, structs: list[ParamStruct] | None = None,
                 arrays: list[ConstArray] | None = None, in_place: bool = False) -> Step:
        out = self.t(output)
        comment = (f"{op.kind} (operator {op.index}) -> '{out.name.split(';')[0]}' "
                   f"{shape_text(out.shape)}")
        step = Step(op.index, op.kind, function, args, inputs, output, comment,
                    structs or [], arrays or [], list(inputs) if in_place else [])
        self.steps.append(step)
        return step

    def add_unary_step(self, op: Operator, function: str, struct: ParamStruct,
                       in_place: bool = True) -> Step:
        """`function(&params, input, output)`; the output may take the input's memory."""
        return self.add_step(op, function, [f"param:{struct.name}", f"in:{op.inputs[0]}",
                                            f"out:{op.outputs[0]}"],
                             [op.inputs[0]], op.outputs[0], [struct], in_place=in_place)

    def const_array(self, name: str, tensor: Tensor, what: str) -> ConstArray:
        return tensor_array(name, tensor, what)

    def quant_arrays(self, op: Operator, multipliers: list[int], shifts: list[int]
                     ) -> list[ConstArray]:
        return [
            ConstArray(f"op{op.index}_output_multiplier", "int32_t",
                       np.array(multipliers, dtype=np.int64), "requantization multipliers (Q0.31)"),
            ConstArray(f"op{op.index}_output_shift", "int32_t", np.array(shifts, dtype=np.int64),
                       "requantization shifts (left if > 0)"),
        ]

"""The compiler's typed graph: tensors with their quantization, operators with their options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from deploy_targets.compiler.errors import CompileError

DTYPE_BYTES = {"int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8, "float32": 4, "bool": 1}


@dataclass
class Tensor:
    """One tensor of the model: shape, element type, quantization and (if constant) its data."""

    index: int
    name: str
    dtype: str
    shape: tuple[int, ...]
    scales: tuple[float, ...] = ()
    zero_points: tuple[int, ...] = ()
    quantized_dimension: int = 0
    data: npt.NDArray[Any] | None = None

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def element_count(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def byte_count(self) -> int:
        return self.element_count * DTYPE_BYTES[self.dtype]

    @property
    def scale(self) -> float:
        """The per-tensor scale (the first one for per-channel tensors); 0.0 when not quantized."""
        return self.scales[0] if self.scales else 0.0

    @property
    def zero_point(self) -> int:
        return self.zero_points[0] if self.zero_points else 0

    @property
    def is_per_channel(self) -> bool:
        return len(self.scales) > 1


@dataclass
class Operator:
    """One operator: its kind (the TFLite builtin name), tensor indices and parsed options."""

    index: int
    kind: str
    inputs: list[int]
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    """The model's main subgraph as the compiler sees it."""

    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    # Variable tensors: state an operator keeps between invocations (an LSTM's hidden and cell
    # state), read and written in place, never a Step's input or output.
    variables: set[int] = field(default_factory=set)

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

    def describe(self, op: Operator) -> str:
        """`CONV_2D (operator 3; inputs 'a', 'w'; outputs 'b')` for error messages."""
        ins = ", ".join(repr(self.tensors[i].name) for i in op.inputs if i >= 0)
        outs = ", ".join(repr(self.tensors[i].name) for i in op.outputs if i >= 0)
        return f"{op.kind} (operator {op.index}; inputs {ins}; outputs {outs})"

    def consumers(self, tensor_index: int) -> list[Operator]:
        return [op for op in self.operators if tensor_index in op.inputs]

    def mac_count(self) -> int:
        """Multiply-accumulates of one inference, counted per CONV/DEPTHWISE/FC as TFLM tools do.

        CONV_2D = output elements * kh * kw * in_ch; DEPTHWISE = output elements * kh * kw;
        FULLY_CONNECTED = outputs * inputs; UNIDIRECTIONAL_SEQUENCE_LSTM = per time step and
        sequence, its 4 gates' state x (input + state) weights; SVDF = per batch row, its
        filters x (input features + memory).
        """
        total = 0
        for op in self.operators:
            if op.kind == "CONV_2D":
                out = self.tensors[op.outputs[0]]
                _, kh, kw, in_ch = self.tensors[op.inputs[1]].shape
                total += out.element_count * kh * kw * in_ch
            elif op.kind == "DEPTHWISE_CONV_2D":
                out = self.tensors[op.outputs[0]]
                _, kh, kw, _ = self.tensors[op.inputs[1]].shape
                total += out.element_count * kh * kw
            elif op.kind == "FULLY_CONNECTED":
                out = self.tensors[op.outputs[0]]
                total += out.element_count * self.tensors[op.inputs[1]].shape[-1]
            elif (op.kind == "UNIDIRECTIONAL_SEQUENCE_LSTM" and len(op.inputs) > 2
                  and op.inputs[2] >= 0):
                # The output holds one state vector per time step and sequence.
                out = self.tensors[op.outputs[0]]
                weights = self.tensors[op.inputs[2]].shape  # input-to-forget [state, input]
                if len(weights) == 2:
                    total += out.element_count * 4 * (weights[1] + weights[0])
            elif op.kind == "SVDF" and len(op.inputs) > 2 and min(op.inputs[:3]) >= 0:
                rows = self.tensors[op.inputs[0]].shape[:1]
                feature = self.tensors[op.inputs[1]].shape  # [filters, input features]
                time = self.tensors[op.inputs[2]].shape  # [filters, memory]
                if len(rows) == 1 and len(feature) == 2 and len(time) == 2:
                    total += rows[0] * feature[0] * (feature[1] + time[1])
        return total

    def weights_bytes(self) -> int:
        """Bytes of every constant tensor an operator reads (weights, biases, shapes)."""
        used = {i for op in self.operators for i in op.inputs if i >= 0}
        return sum(self.tensors[i].byte_count for i in used if self.tensors[i].is_constant)


def require(condition: bool, graph: Graph, op: Operator, rule: str) -> None:
    """Raise CompileError naming the operator when `condition` is false."""
    if not condition:
        raise CompileError(f"{graph.describe(op)}: {rule}")

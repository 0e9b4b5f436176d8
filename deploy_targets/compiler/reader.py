"""Reads a TFLite flatbuffer (via the `tflite` schema package) into the compiler's Graph."""

from __future__ import annotations

from typing import Any

import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from tflite.TensorType import TensorType

from deploy_targets.compiler.errors import CompileError
from deploy_targets.compiler.ir import Graph, Operator, Tensor

_OPERATOR_NAMES = {
    value: name for name, value in vars(BuiltinOperator).items() if not name.startswith("_")
}
_TYPE_NAMES = {
    TensorType.FLOAT32: "float32",
    TensorType.INT8: "int8",
    TensorType.UINT8: "uint8",
    TensorType.INT16: "int16",
    TensorType.INT32: "int32",
    TensorType.INT64: "int64",
    TensorType.BOOL: "bool",
}
_PADDING = {0: "SAME", 1: "VALID"}
_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}

# Options class and the accessor methods each operator needs; names become snake_case keys.
_OPTION_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "CONV_2D": (
        "Conv2DOptions",
        ("Padding", "StrideW", "StrideH", "FusedActivationFunction", "DilationWFactor",
         "DilationHFactor"),
    ),
    "DEPTHWISE_CONV_2D": (
        "DepthwiseConv2DOptions",
        ("Padding", "StrideW", "StrideH", "DepthMultiplier", "FusedActivationFunction",
         "DilationWFactor", "DilationHFactor"),
    ),
    "FULLY_CONNECTED": (
        "FullyConnectedOptions",
        ("FusedActivationFunction", "WeightsFormat", "KeepNumDims", "AsymmetricQuantizeInputs"),
    ),
    "AVERAGE_POOL_2D": (
        "Pool2DOptions",
        ("Padding", "StrideW", "StrideH", "FilterWidth", "FilterHeight",
         "FusedActivationFunction"),
    ),
    "MAX_POOL_2D": (
        "Pool2DOptions",
        ("Padding", "StrideW", "StrideH", "FilterWidth", "FilterHeight",
         "FusedActivationFunction"),
    ),
    "SOFTMAX": ("SoftmaxOptions", ("Beta",)),
    "ADD": ("AddOptions", ("FusedActivationFunction",)),
    "MUL": ("MulOptions", ("FusedActivationFunction",)),
    "SUB": ("SubOptions", ("FusedActivationFunction",)),
    "MEAN": ("ReducerOptions", ("KeepDims",)),
    "CONCATENATION": ("ConcatenationOptions", ("Axis", "FusedActivationFunction")),
    "STRIDED_SLICE": (
        "StridedSliceOptions",
        ("BeginMask", "EndMask", "EllipsisMask", "NewAxisMask", "ShrinkAxisMask", "Offset"),
    ),
    "LEAKY_RELU": ("LeakyReluOptions", ("Alpha",)),
}


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out.replace("stride_w", "stride_width").replace("stride_h", "stride_height").replace(
        "dilation_w_factor", "dilation_width").replace("dilation_h_factor", "dilation_height")


def _read_options(kind: str, op: Any) -> dict[str, Any]:
    if kind not in _OPTION_FIELDS:
        return {}
    class_name, fields = _OPTION_FIELDS[kind]
    table = op.BuiltinOptions()
    options_class = getattr(getattr(tflite, class_name), class_name, None) or getattr(
        tflite, class_name)
    parsed = options_class()
    if table is None:
        return {}
    parsed.Init(table.Bytes, table.Pos)
    options: dict[str, Any] = {}
    for field_name in fields:
        if not hasattr(parsed, field_name):
            continue
        value = getattr(parsed, field_name)()
        key = _snake(field_name)
        if field_name == "Padding":
            value = _PADDING[value]
        elif field_name == "FusedActivationFunction":
            key, value = "activation", _ACTIVATIONS.get(value, f"UNKNOWN({value})")
        options[key] = value
    return options


def _read_tensor(model: Any, subgraph: Any, index: int) -> Tensor:
    raw = subgraph.Tensors(index)
    name = raw.Name().decode("utf-8", "replace") if raw.Name() else f"tensor_{index}"
    type_code = raw.Type()
    if type_code not in _TYPE_NAMES:
        raise CompileError(f"tensor {index} {name!r} has TFLite type {type_code}, which the "
                           "compiler does not support (int8, int16, int32, float32 are)")
    dtype = _TYPE_NAMES[type_code]
    shape = tuple(int(d) for d in raw.ShapeAsNumpy()) if raw.ShapeLength() else ()
    scales: tuple[float, ...] = ()
    zero_points: tuple[int, ...] = ()
    quantized_dimension = 0
    quant = raw.Quantization()
    if quant is not None and quant.ScaleLength() > 0:
        # float32 as stored: every runtime computes its parameters from these exact values.
        scales = tuple(float(s) for s in np.asarray(quant.ScaleAsNumpy(), dtype=np.float32))
        zero_points = tuple(int(z) for z in quant.ZeroPointAsNumpy())
        quantized_dimension = int(quant.QuantizedDimension())
    data = None
    buffer = model.Buffers(raw.Buffer())
    if buffer is not None and buffer.DataLength() > 0:
        data = np.frombuffer(buffer.DataAsNumpy().tobytes(), dtype=np.dtype(dtype)).reshape(shape)
    elif buffer is not None and buffer.Offset() > 1:
        raise CompileError(f"tensor {index} {name!r} keeps its data outside the flatbuffer "
                           "(models over 2 GB); such models are not supported")
    return Tensor(index, name, dtype, shape, scales, zero_points, quantized_dimension, data)


def load_graph(model_bytes: bytes) -> Graph:
    """Parse a .tflite flatbuffer's main subgraph into a Graph (no validation of op support)."""
    if len(model_bytes) < 8 or model_bytes[4:8] != b"TFL3":
        raise CompileError("not a TFLite flatbuffer: the file identifier at bytes 4..8 is "
                           f"{bytes(model_bytes[4:8])!r}, expected b'TFL3'")
    model = tflite.Model.GetRootAsModel(model_bytes, 0)
    if model.SubgraphsLength() < 1:
        raise CompileError("the model has no subgraph")
    subgraph = model.Subgraphs(0)
    tensors = [_read_tensor(model, subgraph, i) for i in range(subgraph.TensorsLength())]
    operators = []
    for i in range(subgraph.OperatorsLength()):
        raw = subgraph.Operators(i)
        code = model.OperatorCodes(raw.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        kind = _OPERATOR_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if kind == "CUSTOM":
            kind = f"CUSTOM:{code.CustomCode().decode('utf-8', 'replace')}"
        inputs = [int(t) for t in raw.InputsAsNumpy()] if raw.InputsLength() else []
        outputs = [int(t) for t in raw.OutputsAsNumpy()] if raw.OutputsLength() else []
        operators.append(Operator(i, kind, inputs, outputs, _read_options(kind, raw)))
    inputs = [int(t) for t in subgraph.InputsAsNumpy()]
    outputs = [int(t) for t in subgraph.OutputsAsNumpy()]
    return Graph(tensors, operators, inputs, outputs)

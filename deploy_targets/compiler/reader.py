"""Reads a TFLite flatbuffer (via the `tflite` schema package) into the compiler's Graph."""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from tflite.TensorType import TensorType

from deploy_targets.compiler.errors import CompileError
from deploy_targets.compiler.ir import DTYPE_BYTES, Graph, Operator, Tensor

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
_ZERO_POINT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}
# A tensor larger than this is no microcontroller model's: a corrupted shape, refused before
# anything is allocated for it. Constant tensors are also bounded by the file's size.
MAX_TENSOR_BYTES = 64 * 1024 * 1024
MAX_RANK = 8
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
    "PACK": ("PackOptions", ("ValuesCount", "Axis")),
    "GATHER": ("GatherOptions", ("Axis", "BatchDims")),
    "SHAPE": ("ShapeOptions", ("OutType",)),
    "TRANSPOSE_CONV": (
        "TransposeConvOptions",
        ("Padding", "StrideW", "StrideH", "FusedActivationFunction"),
    ),
    "RESIZE_BILINEAR": ("ResizeBilinearOptions", ("AlignCorners", "HalfPixelCenters")),
    "RESIZE_NEAREST_NEIGHBOR": (
        "ResizeNearestNeighborOptions", ("AlignCorners", "HalfPixelCenters"),
    ),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": (
        "UnidirectionalSequenceLSTMOptions",
        ("FusedActivationFunction", "CellClip", "ProjClip", "TimeMajor",
         "AsymmetricQuantizeInputs", "DiagonalRecurrentTensors"),
    ),
    "SVDF": ("SVDFOptions", ("Rank", "FusedActivationFunction", "AsymmetricQuantizeInputs")),
}
# Operators whose options have no usable defaults: TFLite refuses them without.
_OPTIONS_REQUIRED = ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D",
                     "TRANSPOSE_CONV")


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
        if kind in _OPTIONS_REQUIRED:
            raise CompileError(f"{kind} has no options (strides, padding...); the model is "
                               "malformed")
        return {}
    parsed.Init(table.Bytes, table.Pos)
    options: dict[str, Any] = {}
    for field_name in fields:
        if not hasattr(parsed, field_name):
            continue
        value = getattr(parsed, field_name)()
        key = _snake(field_name)
        if field_name == "Padding":
            value = _PADDING.get(value, f"UNKNOWN({value})")
        elif field_name == "FusedActivationFunction":
            key, value = "activation", _ACTIVATIONS.get(value, f"UNKNOWN({value})")
        options[key] = value
    return options


class _Reader:
    """Reads one flatbuffer, checking every count and index against the file as it goes, so a
    truncated or corrupted file is a CompileError saying what is wrong, not a crash."""

    def __init__(self, model_bytes: bytes) -> None:
        self.model_bytes = model_bytes
        self.model = tflite.Model.GetRootAsModel(model_bytes, 0)
        self.buffer_count = 0
        self.reading = "the model's root table"  # what a decode error was reading, for its message

    def count(self, length: int, what: str, item_bytes: int = 4) -> int:
        """A vector's length, refused when its items could not fit in the file."""
        if length < 0 or length * item_bytes > len(self.model_bytes):
            raise CompileError(f"malformed TFLite flatbuffer: {what}: {length} entries "
                               f"claimed, more than a {len(self.model_bytes)} byte file can "
                               "hold")
        return length

    def indices(self, values: Any, length: int, what: str, limit: int, *,
                optional: bool = False) -> list[int]:
        if not self.count(length, what):
            return []
        result = [int(v) for v in values]
        lowest = -1 if optional else 0
        for value in result:
            if not lowest <= value < limit:
                raise CompileError(f"malformed TFLite flatbuffer: {what} names tensor {value}, "
                                   f"but the subgraph has {limit} tensors")
        return result

    def tensor(self, subgraph: Any, index: int) -> Tensor:
        self.reading = f"tensor {index}"
        raw = subgraph.Tensors(index)
        name = raw.Name().decode("utf-8", "replace") if raw.Name() else f"tensor_{index}"
        type_code = raw.Type()
        if type_code not in _TYPE_NAMES:
            raise CompileError(f"tensor {index} {name!r} has TFLite type {type_code}, which the "
                               "compiler does not support (int8, int16, int32, float32 are)")
        dtype = _TYPE_NAMES[type_code]
        rank = self.count(raw.ShapeLength(), f"the shape of tensor {index} {name!r}")
        if rank > MAX_RANK:
            raise CompileError(f"tensor {index} {name!r} has {rank} dimensions; at most "
                               f"{MAX_RANK} are supported")
        shape = tuple(int(d) for d in raw.ShapeAsNumpy()) if rank else ()
        if any(d < 0 for d in shape):
            raise CompileError(f"tensor {index} {name!r} has the shape {list(shape)}: a "
                               "negative (dynamic) dimension; give the model fixed shapes")
        elements = math.prod(shape)  # 1 for a scalar
        tensor_bytes = elements * DTYPE_BYTES[dtype]
        if tensor_bytes > MAX_TENSOR_BYTES:
            raise CompileError(f"tensor {index} {name!r} of shape {list(shape)} {dtype} takes "
                               f"{tensor_bytes} bytes, more than the {MAX_TENSOR_BYTES} a "
                               "microcontroller model can have; the model is corrupted or far "
                               "too large")
        scales: tuple[float, ...] = ()
        zero_points: tuple[int, ...] = ()
        quantized_dimension = 0
        quant = raw.Quantization()
        if quant is not None and quant.ScaleLength() > 0:
            what = f"the quantization of tensor {index} {name!r}"
            self.count(quant.ScaleLength(), what)
            # float32 as stored: every runtime computes its parameters from these exact values.
            scales = tuple(float(s) for s in np.asarray(quant.ScaleAsNumpy(), dtype=np.float32))
            zero_points = tuple(
                int(z) for z in quant.ZeroPointAsNumpy()
            ) if self.count(quant.ZeroPointLength(), what, 8) else ()
            quantized_dimension = int(quant.QuantizedDimension())
            _check_quantization(index, name, dtype, shape, scales, zero_points,
                                quantized_dimension)
        data = None
        buffer_index = raw.Buffer()
        if not 0 <= buffer_index < self.buffer_count:
            raise CompileError(f"malformed TFLite flatbuffer: tensor {index} {name!r} names "
                               f"buffer {buffer_index}, but the model has {self.buffer_count}")
        buffer = self.model.Buffers(buffer_index)
        data_bytes = self.count(buffer.DataLength(), f"buffer {buffer_index}", 1) if buffer else 0
        if buffer is not None and data_bytes > 0:
            if data_bytes != tensor_bytes:
                raise CompileError(f"tensor {index} {name!r} of shape {list(shape)} {dtype} "
                                   f"needs {tensor_bytes} bytes of data, but its buffer "
                                   f"{buffer_index} holds {data_bytes}")
            data = np.frombuffer(buffer.DataAsNumpy().tobytes(), dtype=np.dtype(dtype)
                                 ).reshape(shape)
        elif buffer is not None and buffer.Offset() > 1:
            raise CompileError(f"tensor {index} {name!r} keeps its data outside the flatbuffer "
                               "(models over 2 GB); such models are not supported")
        if data is None and raw.IsVariable():
            self.variables.add(index)
        return Tensor(index, name, dtype, shape, scales, zero_points, quantized_dimension, data)

    def operator(self, subgraph: Any, index: int, tensor_count: int) -> Operator:
        self.reading = f"operator {index}"
        raw = subgraph.Operators(index)
        opcode_index = raw.OpcodeIndex()
        opcode_count = self.count(self.model.OperatorCodesLength(), "the operator codes")
        if not 0 <= opcode_index < opcode_count:
            raise CompileError(f"malformed TFLite flatbuffer: operator {index} has opcode "
                               f"{opcode_index}, but the model lists {opcode_count}")
        code = self.model.OperatorCodes(opcode_index)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        kind = _OPERATOR_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if kind == "CUSTOM":
            custom = code.CustomCode()
            kind = f"CUSTOM:{custom.decode('utf-8', 'replace') if custom else '?'}"
        what = f"operator {index} ({kind})"
        inputs = self.indices(raw.InputsAsNumpy(), raw.InputsLength(), f"{what}'s inputs",
                              tensor_count, optional=True)
        outputs = self.indices(raw.OutputsAsNumpy(), raw.OutputsLength(), f"{what}'s outputs",
                               tensor_count)
        try:
            options = _read_options(kind, raw)
        except CompileError as error:
            raise CompileError(f"operator {index}: {error}") from None
        return Operator(index, kind, inputs, outputs, options)

    def graph(self) -> Graph:
        if self.count(self.model.SubgraphsLength(), "the subgraphs") < 1:
            raise CompileError("the model has no subgraph")
        self.buffer_count = self.count(self.model.BuffersLength(), "the buffers")
        self.reading = "subgraph 0"
        subgraph = self.model.Subgraphs(0)
        tensor_count = self.count(subgraph.TensorsLength(), "the tensors")
        self.variables: set[int] = set()
        tensors = [self.tensor(subgraph, i) for i in range(tensor_count)]
        operators = [self.operator(subgraph, i, tensor_count)
                     for i in range(self.count(subgraph.OperatorsLength(), "the operators"))]
        inputs = self.indices(subgraph.InputsAsNumpy(), subgraph.InputsLength(),
                              "the model's inputs", tensor_count)
        self.reading = "the model's inputs and outputs"
        outputs = self.indices(subgraph.OutputsAsNumpy(), subgraph.OutputsLength(),
                               "the model's outputs", tensor_count)
        graph = Graph(tensors, operators, inputs, outputs, set(self.variables))
        _check_state(graph, self.variables)
        _check_data_flow(graph)
        return graph


def _check_quantization(index: int, name: str, dtype: str, shape: tuple[int, ...],
                        scales: tuple[float, ...], zero_points: tuple[int, ...],
                        quantized_dimension: int) -> None:
    where = f"tensor {index} {name!r}"
    if not all(math.isfinite(s) and s > 0 for s in scales):
        bad = next(s for s in scales if not (math.isfinite(s) and s > 0))
        raise CompileError(f"{where} has the quantization scale {bad}; scales must be finite "
                           "and above 0")
    if len(zero_points) != len(scales):
        raise CompileError(f"{where} has {len(scales)} scales but {len(zero_points)} zero "
                           "points; TFLite gives one zero point per scale")
    low, high = _ZERO_POINT_RANGE.get(dtype, (-(2**31), 2**31 - 1))
    if not all(low <= z <= high for z in zero_points):
        bad_zero = next(z for z in zero_points if not low <= z <= high)
        raise CompileError(f"{where} is {dtype} but has the zero point {bad_zero}, outside "
                           f"{low}..{high}")
    if len(scales) > 1:
        if not 0 <= quantized_dimension < len(shape):
            raise CompileError(f"{where} of shape {list(shape)} is quantized per channel on "
                               f"axis {quantized_dimension}, which it does not have")
        if len(scales) != shape[quantized_dimension]:
            raise CompileError(f"{where} has {len(scales)} per-channel scales but "
                               f"{shape[quantized_dimension]} channels on axis "
                               f"{quantized_dimension}")


# Operators whose variable tensors the compiler keeps as static state in the library.
STATEFUL_OPERATORS = ("UNIDIRECTIONAL_SEQUENCE_LSTM", "SVDF")


def _check_state(graph: Graph, variables: set[int]) -> None:
    """Refuse state kept between invocations (variable tensors) with what it is, before the
    data flow check would call the model malformed, unless the operator is one whose state the
    compiler keeps (STATEFUL_OPERATORS), and then only state that no other operator reads."""
    for op in graph.operators:
        state = [i for i in op.inputs if i in variables]
        if state and op.kind in STATEFUL_OPERATORS:
            shared = [i for i in state if len(graph.consumers(i)) > 1]
            if shared:
                raise CompileError(
                    f"{graph.describe(op)}: its state tensor "
                    f"{graph.tensors[shared[0]].name!r} is also read by another operator; "
                    "the compiler supports state kept by one operator only")
            continue
        if state:
            names = ", ".join(repr(graph.tensors[i].name) for i in state)
            raise CompileError(f"{graph.describe(op)}: keeps state between invocations in "
                               f"variable tensor(s) {names}; the compiler does not support "
                               f"{op.kind} or other stateful operators yet")


def _check_data_flow(graph: Graph) -> None:
    """Every operator reads tensors that exist before it runs (model inputs, constants, or an
    earlier operator's outputs) and writes tensors nothing else writes: a graph in run order,
    without cycles."""
    written = set(graph.inputs) | graph.variables
    for op in graph.operators:
        for index in op.inputs:
            tensor = graph.tensors[index] if index >= 0 else None
            if tensor is not None and not tensor.is_constant and index not in written:
                raise CompileError(f"{graph.describe(op)}: reads tensor {index} "
                                   f"{tensor.name!r} before any operator writes it (a "
                                   "malformed model, or operators out of order)")
        for index in op.outputs:
            tensor = graph.tensors[index]
            if tensor.is_constant or index in written:
                raise CompileError(f"{graph.describe(op)}: writes tensor {index} "
                                   f"{tensor.name!r}, which is a constant, a model input or "
                                   "written by another operator")
            written.add(index)
    for index in graph.outputs:
        if index not in written and not graph.tensors[index].is_constant:
            raise CompileError(f"the model's output tensor {index} "
                               f"{graph.tensors[index].name!r} is written by no operator")


# What reading a damaged flatbuffer raises inside the flatbuffers package: an offset past the
# end (struct.error, IndexError, ValueError "buffer is smaller than requested size"), a number
# out of its type's range (TypeError), a name that is not UTF-8, offsets that loop.
_DECODE_ERRORS = (struct.error, IndexError, ValueError, TypeError, OverflowError,
                  UnicodeError, RecursionError)


def load_graph(model_bytes: bytes) -> Graph:
    """Parse a .tflite flatbuffer's main subgraph into a Graph (no validation of op support).

    Every count, index, shape, quantization and buffer is checked against the file: a truncated
    or corrupted model raises CompileError saying what is wrong.
    """
    model_bytes = bytes(model_bytes)
    if len(model_bytes) < 8 or model_bytes[4:8] != b"TFL3":
        raise CompileError("not a TFLite flatbuffer: the file identifier at bytes 4..8 is "
                           f"{bytes(model_bytes[4:8])!r}, expected b'TFL3'")
    reader = _Reader(model_bytes)
    try:
        return reader.graph()
    except CompileError:
        raise
    except _DECODE_ERRORS as error:
        detail = str(error).split(" (actual buffer size")[0][:160]
        raise CompileError(f"malformed TFLite flatbuffer of {len(model_bytes)} bytes (truncated "
                           f"or corrupted): reading {reader.reading}, {detail}") from None

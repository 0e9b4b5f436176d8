"""int8 SVDF models written directly as TFLite flatbuffers: the TF converter does not emit SVDF
from Keras, so the tests build the operator (and a keyword_scrambled-like stack around it) with
the schema's object API, generated weights and quantization chosen so that the activation state
and the output use their range without saturating everywhere."""

from __future__ import annotations

from dataclasses import dataclass

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

_TYPES = {np.dtype(np.int8): schema.TensorType.INT8, np.dtype(np.int16): schema.TensorType.INT16,
          np.dtype(np.int32): schema.TensorType.INT32,
          np.dtype(np.float32): schema.TensorType.FLOAT32}
_ACTIVATIONS = {"NONE": schema.ActivationFunctionType.NONE,
                "RELU": schema.ActivationFunctionType.RELU,
                "RELU6": schema.ActivationFunctionType.RELU6,
                "RELU_N1_TO_1": schema.ActivationFunctionType.RELU_N1_TO_1}


@dataclass(frozen=True)
class SvdfSpec:
    batches: int = 1
    input_size: int = 8
    units: int = 4
    rank: int = 1
    memory: int = 5
    state_dtype: str = "int16"  # weights_time and the activation state; float32: all float
    bias: str = "random"  # "random", "zero" (all 0) or "none" (no bias tensor)
    activation: str = "NONE"
    # Multiplies the activation state's scale: below 1 pushes the feature products into
    # saturation (and, with an int8 state's zero point, past the clamp).
    state_scale_factor: float = 1.0


class ModelBuilder:
    """One subgraph's tensors, buffers and operators, packed into a model at the end."""

    def __init__(self) -> None:
        self.model = schema.ModelT()
        self.model.version = 3
        self.model.description = "mcuforge SVDF test model"
        self.model.buffers = [schema.BufferT()]  # buffer 0: empty, for tensors without data
        self.model.operatorCodes = []
        self.graph = schema.SubGraphT()
        self.graph.tensors, self.graph.operators = [], []
        self.codes: dict[int, int] = {}

    def tensor(self, name: str, shape: tuple[int, ...], dtype: np.dtype, scale: float | None,
               zero_point: int = 0, data: np.ndarray | None = None,
               variable: bool = False) -> int:
        """A tensor, quantized unless `scale` is None."""
        tensor = schema.TensorT()
        tensor.name, tensor.shape = name, list(shape)
        tensor.type = _TYPES[np.dtype(dtype)]
        tensor.isVariable = variable
        if scale is not None:
            quant = schema.QuantizationParametersT()
            quant.scale, quant.zeroPoint = [float(np.float32(scale))], [int(zero_point)]
            tensor.quantization = quant
        tensor.buffer = 0
        if data is not None:
            buffer = schema.BufferT()
            buffer.data = np.ascontiguousarray(data.astype(dtype)).view(np.uint8).reshape(-1)
            self.model.buffers.append(buffer)
            tensor.buffer = len(self.model.buffers) - 1
        self.graph.tensors.append(tensor)
        return len(self.graph.tensors) - 1

    def operator(self, code: int, inputs: list[int], outputs: list[int], options_type: int,
                 options: object) -> None:
        if code not in self.codes:
            op_code = schema.OperatorCodeT()
            op_code.builtinCode, op_code.deprecatedBuiltinCode = code, min(code, 127)
            op_code.version = 1
            self.model.operatorCodes.append(op_code)
            self.codes[code] = len(self.model.operatorCodes) - 1
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = self.codes[code], inputs, outputs
        op.builtinOptionsType, op.builtinOptions = options_type, options
        self.graph.operators.append(op)

    def finish(self, inputs: list[int], outputs: list[int]) -> bytes:
        self.graph.inputs, self.graph.outputs = inputs, outputs
        self.model.subgraphs = [self.graph]
        builder = flatbuffers.Builder(1024)
        builder.Finish(self.model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def _svdf(b: ModelBuilder, rng: np.random.Generator, spec: SvdfSpec, inp: int,
          name: str) -> int:
    """Appends one SVDF reading tensor `inp`; returns its output tensor."""
    in_tensor = b.graph.tensors[inp]
    in_scale = in_tensor.quantization.scale[0]
    filters = spec.units * spec.rank
    state_type = np.dtype(spec.state_dtype)
    feature = rng.integers(-127, 128, size=(filters, spec.input_size))
    feature_scale = 1.0 / 127
    # Expected spread of a feature product: |input| ~ 74 (uniform int8), |weight| ~ 73.
    spread = 73.0 * 74.0 * np.sqrt(spec.input_size)
    state_max = 127 if state_type == np.int8 else 32767
    state_zero = int(rng.integers(-4, 5)) if state_type == np.int8 else 0
    state_scale = (in_scale * feature_scale * spread / (state_max / 4)
                   * spec.state_scale_factor)
    time_max = 127 if state_type == np.int8 else 32767
    weights_time = rng.integers(-time_max, time_max + 1, size=(filters, spec.memory))
    time_scale = 1.0 / time_max
    accumulator_scale = float(np.float32(state_scale) * np.float32(time_scale))
    unit_spread = (time_max / 1.7) * (state_max / 4) * np.sqrt(spec.memory * spec.rank)
    out_scale = accumulator_scale * unit_spread / 40.0
    out_zero = int(rng.integers(-20, 21))
    inputs = [inp,
              b.tensor(f"{name}/weights_feature", feature.shape, np.int8, feature_scale,
                       data=feature),
              b.tensor(f"{name}/weights_time", weights_time.shape, state_type, time_scale,
                       data=weights_time)]
    # Drawn whatever the mode, so that models differing only in it share their weights.
    bias = rng.integers(-40, 41, size=spec.units) * int(out_scale / accumulator_scale)
    if spec.bias != "none":
        bias = bias if spec.bias == "random" else np.zeros_like(bias)
        inputs.append(b.tensor(f"{name}/bias", (spec.units,), np.int32, accumulator_scale,
                               data=bias))
    else:
        inputs.append(-1)
    inputs.append(b.tensor(f"{name}/activation_state",
                           (spec.batches, spec.memory * filters), state_type, state_scale,
                           state_zero, variable=True))
    out = b.tensor(f"{name}/output", (spec.batches, spec.units), np.int8, out_scale, out_zero)
    return _svdf_operator(b, spec, inputs, out)


def _svdf_operator(b: ModelBuilder, spec: SvdfSpec, inputs: list[int], out: int) -> int:
    options = schema.SVDFOptionsT()
    options.rank, options.fusedActivationFunction = spec.rank, _ACTIVATIONS[spec.activation]
    b.operator(schema.BuiltinOperator.SVDF, inputs, [out], schema.BuiltinOptions.SVDFOptions,
               options)
    return out


def _svdf_f32(b: ModelBuilder, rng: np.random.Generator, spec: SvdfSpec, inp: int) -> int:
    filters = spec.units * spec.rank

    def constant(name: str, shape: tuple[int, ...], scale: float = 1.0) -> int:
        values = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32) * np.float32(scale)
        return b.tensor(f"svdf/{name}", shape, np.float32, None, data=values)

    inputs = [inp, constant("weights_feature", (filters, spec.input_size)),
              constant("weights_time", (filters, spec.memory))]
    inputs.append(-1 if spec.bias == "none"
                  else constant("bias", (spec.units,), float(spec.bias == "random")))
    inputs.append(b.tensor("svdf/activation_state", (spec.batches, spec.memory * filters),
                           np.float32, None, variable=True))
    out = b.tensor("svdf/output", (spec.batches, spec.units), np.float32, None)
    return _svdf_operator(b, spec, inputs, out)


def svdf_model(seed: int, spec: SvdfSpec) -> bytes:
    """One SVDF: int8 input [batches, input_size] -> int8 output [batches, units], or float32
    throughout when spec.state_dtype is float32."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    shape = (spec.batches, spec.input_size)
    if spec.state_dtype == "float32":
        inp = b.tensor("input", shape, np.float32, None)
        return b.finish([inp], [_svdf_f32(b, rng, spec, inp)])
    inp = b.tensor("input", shape, np.int8, 0.05, int(rng.integers(-10, 11)))
    return b.finish([inp], [_svdf(b, rng, spec, inp, "svdf")])


def _fully_connected(b: ModelBuilder, rng: np.random.Generator, inp: int, units: int,
                     name: str) -> int:
    in_tensor = b.graph.tensors[inp]
    depth = in_tensor.shape[-1]
    in_scale = in_tensor.quantization.scale[0]
    weights = rng.integers(-127, 128, size=(units, depth))
    weights_scale = 1.0 / 127
    bias_scale = float(np.float32(in_scale) * np.float32(weights_scale))
    bias = rng.integers(-2000, 2001, size=units)
    out_scale = bias_scale * 73.0 * 74.0 * np.sqrt(depth) / 40.0
    out = b.tensor(f"{name}/output", (in_tensor.shape[0], units), np.int8, out_scale,
                   int(rng.integers(-10, 11)))
    options = schema.FullyConnectedOptionsT()
    b.operator(schema.BuiltinOperator.FULLY_CONNECTED,
               [inp, b.tensor(f"{name}/weights", weights.shape, np.int8, weights_scale,
                              data=weights),
                b.tensor(f"{name}/bias", (units,), np.int32, bias_scale, data=bias)],
               [out], schema.BuiltinOptions.FullyConnectedOptions, options)
    return out


def keyword_stack_model(seed: int) -> bytes:
    """The shape of TFLite Micro's keyword_scrambled model: FULLY_CONNECTED -> SVDF -> SVDF ->
    FULLY_CONNECTED -> SOFTMAX over a [1, 40] feature slice."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    inp = b.tensor("input", (1, 40), np.int8, 0.05, int(rng.integers(-10, 11)))
    x = _fully_connected(b, rng, inp, 24, "dense_in")
    x = _svdf(b, rng, SvdfSpec(input_size=24, units=16, rank=2, memory=8), x, "svdf_1")
    x = _svdf(b, rng, SvdfSpec(input_size=16, units=12, rank=1, memory=4), x, "svdf_2")
    x = _fully_connected(b, rng, x, 6, "dense_out")
    probabilities = softmax(b, x, b.tensor("probabilities", (1, 6), np.int8, 1.0 / 256, -128))
    return b.finish([inp], [probabilities])


def quantize(b: ModelBuilder, inp: int, out: int) -> int:
    b.operator(schema.BuiltinOperator.QUANTIZE, [inp], [out],
               schema.BuiltinOptions.QuantizeOptions, schema.QuantizeOptionsT())
    return out


def softmax(b: ModelBuilder, inp: int, out: int, beta: float = 1.0) -> int:
    options = schema.SoftmaxOptionsT()
    options.beta = beta
    b.operator(schema.BuiltinOperator.SOFTMAX, [inp], [out],
               schema.BuiltinOptions.SoftmaxOptions, options)
    return out


def keyword_scrambled_model(seed: int) -> bytes:
    """The operators of TFLite Micro's keyword_scrambled.tflite from end to end, smaller: an int16
    input QUANTIZEd to int8, SVDF -> FULLY_CONNECTED -> SVDF -> FULLY_CONNECTED, SOFTMAX to
    int16 and a QUANTIZE of the probabilities to int32."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    inp = b.tensor("input", (1, 24), np.int16, 0.000625)
    x = quantize(b, inp, b.tensor("input_int8", (1, 24), np.int8, 0.06, -128))
    x = _svdf(b, rng, SvdfSpec(input_size=24, units=16, rank=1, memory=8), x, "svdf_1")
    x = _fully_connected(b, rng, x, 8, "dense_1")
    x = _svdf(b, rng, SvdfSpec(input_size=8, units=12, rank=1, memory=6), x, "svdf_2")
    x = _fully_connected(b, rng, x, 4, "dense_out")
    # A beta that brings the logits' spread (about 40 steps) to a few units, so that the
    # probabilities neither saturate nor stay flat.
    beta = 0.08 / b.graph.tensors[x].quantization.scale[0]
    x = softmax(b, x, b.tensor("probabilities", (1, 4), np.int16, 1.0 / 65536, -32768), beta)
    out = quantize(b, x, b.tensor("output", (1, 4), np.int32, 1.0 / 32767, 0))
    return b.finish([inp], [out])

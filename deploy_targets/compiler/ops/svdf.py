"""SVDF (TFLite Micro kernels/svdf.cc and svdf_common.cc), int8 input, weights_feature and
output, int16 or int8 weights_time and activation state: mf::svdf; and all float32: mf::svdf_f32.

The activation state is a variable tensor that TFLite Micro keeps between invocations; the
generated library keeps it the same way, in a static array outside the arena (arg
`state:<tensor>:activation_state`) that `<library>_reset()` returns to its zero point, as
TFLite Micro's ResetVariableTensors does (0 for int16 and float32).

TFLite Micro's integer SVDF applies no fused activation (only its float kernel does), so a
RELU model runs here as it does there: unclamped. Its int8 Prepare reads the bias's scale without
checking the optional bias is there (tflite-micro #1751), so a model without bias crashes
TFLite Micro; here it runs as its Eval would, with a bias of 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel, tensor_array
from deploy_targets.compiler.steps import ConstArray, ParamStruct

_INPUT, _WEIGHTS_FEATURE, _WEIGHTS_TIME, _BIAS, _STATE = range(5)
# TFLite Micro's Prepare compares the bias scale with state x weights_time scale this closely.
_BIAS_SCALE_TOLERANCE = 1e-5
# The fused activations the float kernel applies, in the order of mf::FloatSvdfParams's codes.
_FLOAT_ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6")


def _float32_ratio(a: float, b: float, c: float) -> float:
    """a * b / c in float32, as Prepare computes its effective scales before widening them."""
    return float(np.float32(np.float32(a) * np.float32(b)) / np.float32(c))


def _weights(ctx: LoweringContext, op: Operator, position: int, dtypes: tuple[str, ...],
             what: str) -> Tensor:
    index = op.inputs[position]
    tensor = ctx.t(index)
    ctx.need(tensor.dtype in dtypes, op, f"the {what} {tensor.name!r} is {tensor.dtype}; "
             f"{' or '.join(dtypes)} is required")
    tensor = ctx.constant(op, index, tensor.dtype, what)
    ctx.need(len(tensor.shape) == 2, op, f"the {what} {tensor.name!r} has shape "
             f"{list(tensor.shape)}; 2 dimensions are required")
    if tensor.dtype != "float32":
        ctx.need(len(tensor.scales) == 1 and tensor.zero_point == 0, op,
                 f"the {what} {tensor.name!r} must have one scale and zero point 0")
    return tensor


@dataclass(frozen=True)
class _Operands:
    """An SVDF's tensors and sizes, checked as TFLite Micro's PrepareSvdf does."""

    inp: Tensor
    out: Tensor
    feature: Tensor  # [filters, input_size]
    time: Tensor  # [filters, memory]
    state: Tensor  # [batches, filters * memory]
    units: int
    rank: int

    def params(self, op: Operator, bias: Tensor | None) -> list[tuple[str, str]]:
        """The fields the int8 and float32 parameter structs begin with."""
        return [("batches", str(self.inp.shape[0])), ("input_size", str(self.inp.shape[1])),
                ("units", str(self.units)), ("rank", str(self.rank)),
                ("memory", str(self.time.shape[1])),
                ("weights_feature", f"const:op{op.index}_weights_feature"),
                ("bias", "0" if bias is None else f"const:op{op.index}_bias")]

    def arrays(self, op: Operator, bias: Tensor | None) -> list[ConstArray]:
        arrays = [tensor_array(f"op{op.index}_weights_feature", self.feature, "weights_feature"),
                  tensor_array(f"op{op.index}_weights_time", self.time, "weights_time")]
        if bias is not None:
            arrays.append(tensor_array(f"op{op.index}_bias", bias, "bias"))
        return arrays

    def bias(self, ctx: LoweringContext, op: Operator, dtype: str) -> Tensor | None:
        if op.inputs[_BIAS] < 0:
            return None
        bias = ctx.constant(op, op.inputs[_BIAS], dtype, "bias")
        ctx.need(bias.element_count == self.units, op,
                 f"the bias has {bias.element_count} values; {self.units} needed")
        return bias

    def add_step(self, ctx: LoweringContext, op: Operator, function: str, params: ParamStruct,
                 arrays: list[ConstArray]) -> None:
        ctx.add_step(op, function,
                     [f"param:{params.name}", f"in:{op.inputs[_INPUT]}",
                      f"state:{op.inputs[_STATE]}:activation_state",
                      f"head:op{op.index}_state_head",
                      f"const:op{op.index}_weights_time", f"out:{op.outputs[0]}"],
                     [op.inputs[_INPUT]], op.outputs[0], [params], arrays)


def _operands(ctx: LoweringContext, op: Operator, dtype: str, time_dtypes: tuple[str, ...]
              ) -> _Operands:
    ctx.need(len(op.inputs) == 5 and len(op.outputs) == 1, op,
             "expects 5 inputs (input, weights_feature, weights_time, bias, activation state) "
             "and one output")
    misplaced = [p for p, i in enumerate(op.inputs) if i in ctx.graph.variables and p != _STATE]
    ctx.need(not misplaced, op, f"input {misplaced[0] if misplaced else ''} is a variable "
             f"tensor; only the activation state (input {_STATE}) may be")
    inp = ctx.activation_tensor(op, op.inputs[_INPUT], (dtype,))
    out = ctx.activation_tensor(op, op.outputs[0], (dtype,))
    ctx.need(not inp.is_constant, op, "a constant input is not supported")
    ctx.need(len(inp.shape) == 2, op, f"the input must be 2-D (it is {list(inp.shape)})")
    batches, input_size = inp.shape
    rank = int(op.options.get("rank", 0))
    feature = _weights(ctx, op, _WEIGHTS_FEATURE, (dtype,), "weights_feature")
    filters = feature.shape[0]
    ctx.need(rank >= 1 and filters % rank == 0, op,
             f"rank {rank} must be >= 1 and divide the {filters} filters")
    ctx.need(feature.shape[1] == input_size, op,
             f"weights_feature {list(feature.shape)} does not match the input's "
             f"{input_size} features")
    time = _weights(ctx, op, _WEIGHTS_TIME, time_dtypes, "weights_time")
    memory = time.shape[1]
    ctx.need(time.shape[0] == filters and memory >= 1, op,
             f"weights_time has shape {list(time.shape)}; [{filters}, memory >= 1] is required")
    state_index = op.inputs[_STATE]
    ctx.need(state_index >= 0 and state_index in ctx.graph.variables, op,
             f"the activation state (input {_STATE}) must be a variable tensor")
    state = ctx.t(state_index)
    # TFLite Micro reads the state as weights_time's type.
    ctx.need(state.dtype == time.dtype, op, f"the activation state {state.name!r} is "
             f"{state.dtype}; {time.dtype} (the type of weights_time) is required")
    ctx.need(state.shape == (batches, memory * filters), op,
             f"the activation state has shape {list(state.shape)}; "
             f"{[batches, memory * filters]} is required")
    ctx.need(out.shape == (batches, filters // rank), op, f"the output has shape "
             f"{list(out.shape)}; {[batches, filters // rank]} is required")
    return _Operands(inp, out, feature, time, state, filters // rank, rank)


def lower_svdf(ctx: LoweringContext, op: Operator) -> None:
    svdf = _operands(ctx, op, "int8", ("int16", "int8"))
    inp, out, state, time = svdf.inp, svdf.out, svdf.state, svdf.time
    ctx.need(len(state.scales) == 1, op,
             f"the activation state {state.name!r} must have one scale and zero point")
    bias = svdf.bias(ctx, op, "int32")
    if bias is not None:
        accumulator_scale = float(np.float32(state.scale) * np.float32(time.scale))
        ctx.need(abs(bias.scale - accumulator_scale) < _BIAS_SCALE_TOLERANCE, op,
                 f"the bias scale {bias.scale} is not the activation state scale x weights_time "
                 f"scale ({accumulator_scale})")
    feature_mult, feature_shift = q.quantize_multiplier(
        _float32_ratio(inp.scale, svdf.feature.scale, state.scale))
    out_mult, out_shift = q.quantize_multiplier(
        _float32_ratio(state.scale, time.scale, out.scale))
    params = ParamStruct("mf::SvdfParams", f"op{op.index}_params", [
        *svdf.params(op, bias),
        ("input_offset", str(-inp.zero_point)), ("state_zero_point", str(state.zero_point)),
        ("output_zero_point", str(out.zero_point)),
        ("feature_multiplier", str(feature_mult)), ("feature_shift", str(feature_shift)),
        ("output_multiplier", str(out_mult)), ("output_shift", str(out_shift)),
    ])
    svdf.add_step(ctx, op, "mf::svdf", params, svdf.arrays(op, bias))


def lower_svdf_f32(ctx: LoweringContext, op: Operator) -> None:
    svdf = _operands(ctx, op, "float32", ("float32",))
    activation = op.options.get("activation", "NONE")
    ctx.need(activation in _FLOAT_ACTIVATIONS, op, f"fused activation {activation} is not "
             f"supported (supported: {', '.join(_FLOAT_ACTIVATIONS)})")
    bias = svdf.bias(ctx, op, "float32")
    params = ParamStruct("mf::FloatSvdfParams", f"op{op.index}_params", [
        *svdf.params(op, bias),
        ("activation", str(_FLOAT_ACTIVATIONS.index(activation))),
    ])
    svdf.add_step(ctx, op, "mf::svdf_f32", params, svdf.arrays(op, bias))


KERNELS = {"SVDF": OperatorKernel(lower_svdf, required_inputs=3)}
FLOAT32_KERNELS = {"SVDF": OperatorKernel(lower_svdf_f32, required_inputs=3)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::svdf": "svdf.h", "mf::svdf_f32": "svdf.h"}

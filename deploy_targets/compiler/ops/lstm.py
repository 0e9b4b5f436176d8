"""UNIDIRECTIONAL_SEQUENCE_LSTM (TFLite Micro kernels/unidirectional_sequence_lstm.cc and
lstm_eval), int8 activations and weights, int16 cell state: mf::unidirectional_sequence_lstm.

The hidden and cell state are variable tensors that TFLite Micro keeps between invocations.
The generated library keeps them the same way, in static arrays outside the arena (args
`state:<tensor>:<label>`): the first invocation starts from zero (the hidden state's zero
point, cell 0) and each later one continues from where the last left off, until
`<library>_reset()` zeroes them again as TFLite Micro's ResetVariableTensors does. The planner
never sees them: they are not a Step's inputs.

The variants TFLite Micro's kernel refuses are refused here too: CIFG (no input gate),
peephole, projection and layer-normalized LSTMs.
"""

from __future__ import annotations

import math

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, OperatorKernel
from deploy_targets.compiler.ops.int16x8 import sigmoid_table
from deploy_targets.compiler.steps import ConstArray, ParamStruct

# Input positions (tensorflow/lite/kernels/lstm_shared.h).
_INPUT = 0
_INPUT_WEIGHTS = {"input": 1, "forget": 2, "cell": 3, "output": 4}
_RECURRENT_WEIGHTS = {"input": 5, "forget": 6, "cell": 7, "output": 8}
_BIASES = {"input": 12, "forget": 13, "cell": 14, "output": 15}
_HIDDEN_STATE = 18
_CELL_STATE = 19
_VARIANTS = {"peephole": (9, 10, 11), "projection": (16, 17),
             "layer normalization": (20, 21, 22, 23)}
_GATE_INPUT_SCALE = 2.0 ** -12  # gates' fully connected outputs: Q3.12
_GATE_OUTPUT_SCALE = 2.0 ** -15  # sigmoid and tanh outputs: Q0.15


def _input(op: Operator, position: int) -> int:
    return op.inputs[position] if position < len(op.inputs) else -1


def _state(ctx: LoweringContext, op: Operator, position: int, dtype: str, what: str) -> Tensor:
    index = _input(op, position)
    ctx.need(index >= 0 and index in ctx.graph.variables, op,
             f"the {what} (input {position}) must be a variable tensor")
    tensor = ctx.t(index)
    ctx.need(tensor.dtype == dtype and len(tensor.scales) == 1, op,
             f"the {what} {tensor.name!r} is {tensor.dtype}; {dtype} with one scale is required "
             "(int8 LSTMs keep an int8 hidden state and an int16 cell state)")
    return tensor


def _weights(ctx: LoweringContext, op: Operator, position: int, shape: tuple[int, int],
             what: str) -> Tensor:
    index = _input(op, position)
    ctx.need(index >= 0, op, f"the {what} (input {position}) is missing; LSTMs without an input "
             "gate (CIFG) are not supported, as in TFLite Micro")
    tensor = ctx.constant(op, index, "int8", what)
    ctx.need(tensor.shape == shape, op, f"the {what} {tensor.name!r} has shape "
             f"{list(tensor.shape)}; {list(shape)} is required")
    ctx.need(not tensor.is_per_channel and tensor.zero_point == 0, op,
             f"the {what} {tensor.name!r} must have one scale and zero point 0")
    return tensor


def _cell_scale_power(ctx: LoweringContext, op: Operator, cell: Tensor) -> int:
    power = round(math.log2(cell.scale))
    ctx.need(cell.zero_point == 0 and 2.0 ** power == float(np.float32(cell.scale)), op,
             f"the cell state {cell.name!r} must have a power-of-two scale and zero point 0 "
             f"(it has scale {cell.scale}, zero point {cell.zero_point})")
    return power


def lower_lstm(ctx: LoweringContext, op: Operator) -> None:
    options = op.options
    misplaced = [p for p, i in enumerate(op.inputs)
                 if i in ctx.graph.variables and p not in (_HIDDEN_STATE, _CELL_STATE)]
    ctx.need(not misplaced, op, f"input {misplaced[0] if misplaced else ''} is a variable "
             "tensor; only the hidden and cell state (inputs 18 and 19) may be")
    inp = ctx.activation_tensor(op, op.inputs[_INPUT])
    out = ctx.activation_tensor(op, op.outputs[0])
    ctx.need(not inp.is_constant, op, "a constant input is not supported")
    ctx.need(len(inp.shape) == 3, op, f"the input must be 3-D (it is {list(inp.shape)})")
    for variant, positions in _VARIANTS.items():
        ctx.need(all(_input(op, p) < 0 for p in positions), op,
                 f"{variant} LSTMs are not supported (TFLite Micro refuses them too)")
    # The flatbuffer's activation types have no sigmoid: TFLite Micro runs TANH only.
    ctx.need(options.get("activation", "TANH") == "TANH", op,
             f"cell gate activation {options.get('activation')} is not supported (TFLite "
             "Micro's LSTM takes TANH only)")
    cell_clip = float(np.float32(options.get("cell_clip", 0.0)))
    ctx.need(cell_clip >= 0 and math.isfinite(cell_clip), op,
             f"cell_clip must be >= 0 (it is {cell_clip})")
    hidden = _state(ctx, op, _HIDDEN_STATE, "int8", "hidden state")
    cell = _state(ctx, op, _CELL_STATE, "int16", "cell state")
    time_major = bool(options.get("time_major", False))
    time_steps, batches = inp.shape[:2] if time_major else inp.shape[1::-1]
    input_size = inp.shape[2]
    state_size = hidden.element_count // max(batches, 1)
    ctx.need(batches >= 1 and time_steps >= 1 and state_size >= 1
             and hidden.element_count == batches * state_size
             and cell.element_count == batches * state_size, op,
             f"the hidden and cell state must hold {batches} row(s) of the same size")
    ctx.need(out.shape == (*inp.shape[:2], state_size), op,
             f"the output has shape {list(out.shape)}; "
             f"{[*inp.shape[:2], state_size]} is required")

    arrays: list[ConstArray] = []
    structs: list[ParamStruct] = []
    for gate in ("forget", "input", "cell", "output"):
        w_in = _weights(ctx, op, _INPUT_WEIGHTS[gate], (state_size, input_size),
                        f"input-to-{gate} weights")
        w_rec = _weights(ctx, op, _RECURRENT_WEIGHTS[gate], (state_size, state_size),
                         f"recurrent-to-{gate} weights")
        bias_index = _input(op, _BIASES[gate])
        ctx.need(bias_index >= 0, op, f"the {gate} gate bias is missing")
        bias = ctx.constant(op, bias_index, "int32", f"{gate} gate bias")
        ctx.need(bias.element_count == state_size, op,
                 f"the {gate} gate bias has {bias.element_count} values; {state_size} needed")
        prefix = f"op{op.index}_{gate}"
        arrays += [ctx.const_array(f"{prefix}_input_weights", w_in, f"input-to-{gate} weights"),
                   ctx.const_array(f"{prefix}_recurrent_weights", w_rec,
                                   f"recurrent-to-{gate} weights"),
                   ctx.const_array(f"{prefix}_bias", bias, f"{gate} gate bias")]
        # CalculateOpDataFullyConnected with a Q3.12 int16 output, for each of the two layers.
        in_mult, in_shift = q.per_tensor_conv_multiplier(inp.scale, w_in.scale,
                                                         _GATE_INPUT_SCALE)
        rec_mult, rec_shift = q.per_tensor_conv_multiplier(hidden.scale, w_rec.scale,
                                                           _GATE_INPUT_SCALE)
        structs.append(ParamStruct("mf::LstmGate", f"{prefix}_gate", [
            ("input_weights", f"const:{prefix}_input_weights"),
            ("recurrent_weights", f"const:{prefix}_recurrent_weights"),
            ("bias", f"const:{prefix}_bias"),
            ("input_multiplier", str(in_mult)), ("input_shift", str(in_shift)),
            ("recurrent_multiplier", str(rec_mult)), ("recurrent_shift", str(rec_shift)),
        ]))
    table = ConstArray(f"op{op.index}_sigmoid_table", "uint16_t",
                       np.array(sigmoid_table(), dtype=np.int64),
                       "sigmoid(i / 24) in 0.16, i = 0..255")
    arrays.append(table)
    # CreateInterGateMulParams: the scales widened to double, as MUL's Prepare does.
    forget_mult, forget_shift = q.mul_multiplier(_GATE_OUTPUT_SCALE, cell.scale, cell.scale)
    input_mult, input_shift = q.mul_multiplier(_GATE_OUTPUT_SCALE, _GATE_OUTPUT_SCALE,
                                               cell.scale)
    hidden_mult, hidden_shift = q.mul_multiplier(_GATE_OUTPUT_SCALE, _GATE_OUTPUT_SCALE,
                                                 hidden.scale)
    # CreateLstmCellStateInfo: the clip divided in double, truncated to int16.
    quantized_clip = int(min(max(cell_clip / float(cell.scale), -32768.0), 32767.0))
    params = ParamStruct("mf::LstmParams", f"op{op.index}_params", [
        ("batches", str(batches)), ("time_steps", str(time_steps)),
        ("input_size", str(input_size)), ("state_size", str(state_size)),
        ("time_major", "1" if time_major else "0"),
        ("input_offset", str(-inp.zero_point)), ("hidden_offset", str(-hidden.zero_point)),
        *((f"{gate}_gate", f"&op{op.index}_{gate}_gate")
          for gate in ("forget", "input", "cell", "output")),
        ("forget_cell_multiplier", str(forget_mult)), ("forget_cell_shift", str(forget_shift)),
        ("input_cell_multiplier", str(input_mult)), ("input_cell_shift", str(input_shift)),
        ("hidden_multiplier", str(hidden_mult)), ("hidden_shift", str(hidden_shift)),
        ("hidden_zero_point", str(hidden.zero_point)),
        ("cell_clip_enabled", "1" if cell_clip > 0 else "0"),
        ("cell_clip", str(quantized_clip)),
        ("cell_scale_power", str(_cell_scale_power(ctx, op, cell))),
        ("sigmoid_table", f"const:{table.name}"),
    ])
    structs.append(params)
    step_rows = batches if time_major else 1
    ctx.add_step(op, "mf::unidirectional_sequence_lstm",
                 [f"param:{params.name}", f"in:{op.inputs[_INPUT]}",
                  f"state:{op.inputs[_HIDDEN_STATE]}:hidden_state",
                  f"state:{op.inputs[_CELL_STATE]}:cell_state",
                  f"out:{op.outputs[0]}", "scratch"],
                 [op.inputs[_INPUT]], op.outputs[0], structs, arrays
                 ).work_scratch_bytes = 4 * step_rows * state_size * 2


KERNELS = {"UNIDIRECTIONAL_SEQUENCE_LSTM": OperatorKernel(lower_lstm)}
# The runtime header declaring each kernel function this module's steps call.
KERNEL_HEADERS = {"mf::unidirectional_sequence_lstm": "lstm.h"}

"""Checks each operator and prepares its kernel parameters as TFLite's Prepare functions do.

`lower_graph` turns the Graph into Steps (one kernel call each), then fuses a CONV_2D into the
residual ADD that consumes it so the convolution's output never needs memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.errors import CompileError
from deploy_targets.compiler.ir import Graph, Operator, Tensor, require
from deploy_targets.compiler.steps import ConstArray, ParamStruct, Step

CTYPES = {"int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "float32": "float",
          "uint8": "uint8_t", "int64": "int64_t", "bool": "uint8_t"}
_FUSED_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
# Inputs an operator cannot do without (the rest are optional, e.g. a bias); default 1.
_REQUIRED_INPUTS = {
    "CONV_2D": 2, "DEPTHWISE_CONV_2D": 2, "FULLY_CONNECTED": 2, "ADD": 2, "SUB": 2, "MUL": 2,
    "MINIMUM": 2, "MAXIMUM": 2, "MEAN": 2, "PAD": 2, "PADV2": 2, "STRIDED_SLICE": 4,
}
# What a handler's arithmetic on contradictory operands raises.
_INCONSISTENT_OPERANDS = (IndexError, ValueError, KeyError, ZeroDivisionError, OverflowError,
                          TypeError)


def fast_conv_scratch_bytes(depth: int) -> int:
    """Scratch of the Cortex-M fast convolution: the im2col columns of four output positions,
    `depth` taps each, as int16 pairs plus the depth % 4 tail (mf/conv_fast.h, column_words)."""
    positions = 4
    return 4 * (2 * positions * (depth // 4) + (3 * positions if depth % 4 else 0))


def shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def quant_text(tensor: Tensor) -> str:
    if not tensor.scales:
        return "not quantized"
    if tensor.is_per_channel:
        return (f"per-channel scales on axis {tensor.quantized_dimension} "
                f"({min(tensor.scales):.6g}..{max(tensor.scales):.6g}), zero point 0")
    return f"scale {tensor.scale:.9g}, zero point {tensor.zero_point}"


@dataclass
class _PreparedConv:
    """A CONV_2D or DEPTHWISE_CONV_2D once prepared: its param struct, its constants and the
    names its kernel calls pass."""

    params: ParamStruct
    arrays: list[ConstArray]
    filter_arg: str
    bias_arg: str
    padding_height: int

    def leading_args(self, activations: str) -> list[str]:
        """Every conv kernel starts with (params, activations, filter, bias); the activations are
        the input, or the output where the kernel writes over its input (fuse_conv_into_add
        relies on this order too)."""
        return [f"param:{self.params.name}", activations, self.filter_arg, self.bias_arg]

    def in_place_args(self, op: Operator) -> list[str]:
        return [*self.leading_args(f"out:{op.outputs[0]}"), "scratch"]


class _Lowering:
    """Lowers one graph; holds it so each per-operator method stays short."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.steps: list[Step] = []
        # Constant tensors created by folding (e.g. RESHAPE of a constant).
        self.folded: dict[int, Tensor] = {}

    # --- helpers ---------------------------------------------------------------------------

    def t(self, index: int) -> Tensor:
        return self.folded.get(index) or self.graph.tensors[index]

    def need(self, condition: bool, op: Operator, rule: str) -> None:
        require(condition, self.graph, op, rule)

    def activation_tensor(self, op: Operator, index: int, dtypes: tuple[str, ...] = ("int8",)
                          ) -> Tensor:
        tensor = self.t(index)
        self.need(tensor.dtype in dtypes, op,
                  f"tensor {tensor.name!r} is {tensor.dtype}; this operator supports "
                  f"{' or '.join(dtypes)} here (the compiler handles int8 models)")
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

    def activation_range(self, op: Operator, output: Tensor) -> tuple[int, int]:
        activation = op.options.get("activation", "NONE")
        self.need(activation in _FUSED_ACTIVATIONS, op,
                  f"fused activation {activation} is not supported (supported: "
                  f"{', '.join(_FUSED_ACTIVATIONS)})")
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

    def const_array(self, name: str, tensor: Tensor, what: str) -> ConstArray:
        assert tensor.data is not None
        return ConstArray(name, CTYPES[tensor.dtype], tensor.data.reshape(-1),
                          f"{what} {shape_text(tensor.shape)} {tensor.dtype}, {quant_text(tensor)}")

    def quant_arrays(self, op: Operator, multipliers: list[int], shifts: list[int]
                     ) -> list[ConstArray]:
        return [
            ConstArray(f"op{op.index}_output_multiplier", "int32_t",
                       np.array(multipliers, dtype=np.int64), "requantization multipliers (Q0.31)"),
            ConstArray(f"op{op.index}_output_shift", "int32_t", np.array(shifts, dtype=np.int64),
                       "requantization shifts (left if > 0)"),
        ]

    def requantizer_arrays(self, op: Operator, multipliers: list[int], shifts: list[int],
                           output_offset: int) -> tuple[list[ConstArray], str]:
        """The fast path's table (none where a channel does not fold) and its argument."""
        words = q.fast_requantizers(multipliers, shifts, output_offset)
        if words is None:
            return [], "0"
        name = f"op{op.index}_output_requantizers"
        return [ConstArray(name, "int32_t", np.array(words, dtype=np.int64),
                           "fast-path requantization, 4 words per channel "
                           "(mf/requantize_fast.h)")], f"const:{name}"

    def operand(self, op: Operator, index: int, name: str) -> tuple[str, list[int],
                                                                     list[ConstArray]]:
        """An int8 operand of an element-wise op: a tensor read at run time, or a constant."""
        tensor = self.activation_tensor(op, index)
        if tensor.is_constant:
            array = self.const_array(f"op{op.index}_{name}", tensor, f"{op.kind} {name}")
            return f"const:{array.name}", [], [array]
        return f"in:{index}", [index], []

    # --- operators -------------------------------------------------------------------------

    def optional_bias(self, op: Operator) -> tuple[list[ConstArray], str]:
        """The int32 bias of a conv or fully connected layer (an optional third input) and the
        kernel's bias argument, "0" (a null pointer) when the model has none."""
        if len(op.inputs) == 3 and op.inputs[2] >= 0:
            bias = self.constant(op, op.inputs[2], "int32", "bias")
            array = self.const_array(f"op{op.index}_bias", bias, "bias")
            return [array], f"const:{array.name}"
        return [], "0"

    def conv_operands(self, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
        """The input, output and filter of CONV_2D or DEPTHWISE_CONV_2D, checked as both of
        TFLite's Prepare functions check them; the filter layouts differ, so each caller checks
        its own depths and scale axis."""
        self.need(len(op.inputs) in (2, 3) and len(op.outputs) == 1, op, "expects 2 or 3 inputs")
        inp = self.activation_tensor(op, op.inputs[0])
        out = self.activation_tensor(op, op.outputs[0])
        flt = self.constant(op, op.inputs[1], "int8", "filter")
        self.need(len(inp.shape) == 4 and len(flt.shape) == 4 and len(out.shape) == 4, op,
                  "input, filter and output must be 4-D")
        return inp, out, flt

    def prepare_conv(self, op: Operator, inp: Tensor, out: Tensor, flt: Tensor, params_ctype: str,
                     depth_multiplier: int | None = None) -> _PreparedConv:
        """The rest of Prepare, the same for both convolutions once their shapes are checked:
        padding, activation range, per-channel requantization and the constants in flash.

        Both filter layouts ([out, h, w, in] and [1, h, w, out]) keep the window on axes 1 and
        2, and the callers have checked that the output depth equals the filter's, so the output
        depth is read from the output. The two param structs (mf/conv_params.h,
        mf/depthwise_conv_params.h) declare the same fields in the same order, except that the
        depthwise one has `depth_multiplier` after the padding.
        """
        batches, in_h, in_w, in_c = inp.shape
        _, k_h, k_w, _ = flt.shape
        _, out_h, out_w, out_c = out.shape
        opts = op.options
        pad_h = self.padding(op, "height", in_h, k_h, opts["stride_height"],
                             opts["dilation_height"], out_h)
        pad_w = self.padding(op, "width", in_w, k_w, opts["stride_width"],
                             opts["dilation_width"], out_w)
        act_min, act_max = self.activation_range(op, out)
        multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale, out_c)
        arrays = [self.const_array(f"op{op.index}_filter", flt, "filter")]
        bias_arrays, bias_arg = self.optional_bias(op)
        arrays += bias_arrays
        arrays += self.quant_arrays(op, multipliers, shifts)
        requantizers, requantizers_arg = self.requantizer_arrays(op, multipliers, shifts,
                                                                 out.zero_point)
        arrays += requantizers
        fields = [
            ("input_offset", str(-inp.zero_point)), ("output_offset", str(out.zero_point)),
            ("output_multiplier", f"const:op{op.index}_output_multiplier"),
            ("output_shift", f"const:op{op.index}_output_shift"),
            ("activation_min", str(act_min)), ("activation_max", str(act_max)),
            ("stride_height", str(opts["stride_height"])),
            ("stride_width", str(opts["stride_width"])),
            ("dilation_height", str(opts["dilation_height"])),
            ("dilation_width", str(opts["dilation_width"])),
            ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
        ]
        if depth_multiplier is not None:
            fields.append(("depth_multiplier", str(depth_multiplier)))
        fields += [
            ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
            ("input_depth", str(in_c)), ("filter_height", str(k_h)), ("filter_width", str(k_w)),
            ("output_height", str(out_h)), ("output_width", str(out_w)),
            ("output_depth", str(out_c)),
            ("output_requantizers", requantizers_arg),
        ]
        params = ParamStruct(params_ctype, f"op{op.index}_params", fields)
        return _PreparedConv(params, arrays, f"const:op{op.index}_filter", bias_arg, pad_h)

    def conv_2d(self, op: Operator) -> None:
        inp, out, flt = self.conv_operands(op)
        _, _, _, in_c = inp.shape
        out_c, k_h, k_w, f_c = flt.shape
        self.need(f_c == in_c, op, f"grouped convolution (filter depth {f_c}, input depth "
                  f"{in_c}) is not supported; filter depth must equal input depth")
        self.need(flt.quantized_dimension == 0 or not flt.is_per_channel, op,
                  "per-channel filter scales must be on axis 0 (output channels)")
        self.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
        _, _, _, out_c2 = out.shape
        self.need(out_c2 == out_c, op, "output depth must equal the number of filters")
        conv = self.prepare_conv(op, inp, out, flt, "mf::ConvParams")
        step = self.add_step(op, "mf::conv_2d",
                             [*conv.leading_args(f"in:{op.inputs[0]}"), f"out:{op.outputs[0]}",
                              "scratch"],
                             [op.inputs[0]], op.outputs[0], [conv.params], conv.arrays)
        step.work_scratch_bytes = fast_conv_scratch_bytes(k_h * k_w * in_c)
        opts = op.options
        pointwise = (k_h == k_w == 1 and opts["stride_height"] == opts["stride_width"] == 1
                     and out_c <= in_c)
        if pointwise:
            step.in_place_function = "mf::conv_2d_1x1_in_place"
            step.in_place_args = conv.in_place_args(op)
            step.in_place_inputs = [op.inputs[0]]
            step.scratch_bytes = max(in_c, fast_conv_scratch_bytes(in_c))

    def depthwise_conv_2d(self, op: Operator) -> None:
        inp, out, flt = self.conv_operands(op)
        batches, _, in_w, in_c = inp.shape
        _, _, _, out_c = flt.shape
        _, _, _, out_c2 = out.shape
        self.need(out_c2 == out_c and out_c % in_c == 0, op,
                  f"output depth {out_c2} must equal filter depth {out_c}, a multiple of the "
                  f"input depth {in_c}")
        self.need(flt.quantized_dimension == 3 or not flt.is_per_channel, op,
                  "per-channel depthwise filter scales must be on axis 3")
        self.need(all(z == 0 for z in flt.zero_points), op, "int8 filter zero points must be 0")
        conv = self.prepare_conv(op, inp, out, flt, "mf::DepthwiseConvParams",
                                 depth_multiplier=out_c // in_c)
        step = self.add_step(op, "mf::depthwise_conv_2d",
                             [*conv.leading_args(f"in:{op.inputs[0]}"), f"out:{op.outputs[0]}"],
                             [op.inputs[0]], op.outputs[0], [conv.params], conv.arrays)
        opts = op.options
        same_shape = inp.shape == out.shape and batches == 1 and out_c == in_c
        unit_steps = (opts["stride_height"] == opts["stride_width"] == 1
                      and opts["dilation_height"] == opts["dilation_width"] == 1)
        if same_shape and unit_steps:
            step.in_place_function = "mf::depthwise_conv_2d_in_place"
            step.in_place_args = conv.in_place_args(op)
            step.in_place_inputs = [op.inputs[0]]
            step.scratch_bytes = (conv.padding_height + 1) * in_w * in_c

    def fully_connected(self, op: Operator) -> None:
        self.need(len(op.inputs) in (2, 3) and len(op.outputs) == 1, op, "expects 2 or 3 inputs")
        self.need(op.options.get("weights_format", 0) == 0, op,
                  "only the DEFAULT weights format is supported (not shuffled 4x16int8)")
        inp = self.activation_tensor(op, op.inputs[0])
        out = self.activation_tensor(op, op.outputs[0])
        flt = self.constant(op, op.inputs[1], "int8", "weights")
        self.need(len(flt.shape) == 2, op, "weights must be 2-D [outputs, inputs]")
        out_depth, accum_depth = flt.shape
        self.need(inp.element_count % accum_depth == 0, op,
                  f"input has {inp.element_count} elements, not a multiple of {accum_depth}")
        batches = inp.element_count // accum_depth
        self.need(out.element_count == batches * out_depth, op,
                  f"output has {out.element_count} elements; {batches}x{out_depth} expected")
        act_min, act_max = self.activation_range(op, out)
        if flt.is_per_channel:
            multipliers, shifts = q.per_channel_multipliers(inp.scale, flt.scales, out.scale,
                                                            out_depth)
        else:
            multiplier, shift = q.per_tensor_conv_multiplier(inp.scale, flt.scale, out.scale)
            multipliers, shifts = [multiplier], [shift]
        arrays = [self.const_array(f"op{op.index}_weights", flt, "weights")]
        bias_arrays, bias_arg = self.optional_bias(op)
        arrays += bias_arrays
        arrays += self.quant_arrays(op, multipliers, shifts)
        params = ParamStruct("mf::FullyConnectedParams", f"op{op.index}_params", [
            ("input_offset", str(-inp.zero_point)), ("filter_offset", str(-flt.zero_point)),
            ("output_offset", str(out.zero_point)),
            ("output_multiplier", f"const:op{op.index}_output_multiplier"),
            ("output_shift", f"const:op{op.index}_output_shift"),
            ("per_channel", "1" if flt.is_per_channel else "0"),
            ("activation_min", str(act_min)), ("activation_max", str(act_max)),
            ("batches", str(batches)), ("accum_depth", str(accum_depth)),
            ("output_depth", str(out_depth)),
        ])
        self.add_step(op, "mf::fully_connected",
                      [f"param:{params.name}", f"in:{op.inputs[0]}",
                       f"const:op{op.index}_weights", bias_arg, f"out:{op.outputs[0]}"],
                      [op.inputs[0]], op.outputs[0], [params], arrays)

    def pool_2d(self, op: Operator) -> None:
        inp = self.activation_tensor(op, op.inputs[0])
        out = self.activation_tensor(op, op.outputs[0])
        self.need(len(inp.shape) == 4, op, "input must be 4-D NHWC")
        self.need(inp.scale == out.scale and inp.zero_point == out.zero_point, op,
                  "input and output quantization must be equal (as TFLite requires)")
        batches, in_h, in_w, depth = inp.shape
        _, out_h, out_w, _ = out.shape
        opts = op.options
        pad_h = self.padding(op, "height", in_h, opts["filter_height"], opts["stride_height"], 1,
                             out_h)
        pad_w = self.padding(op, "width", in_w, opts["filter_width"], opts["stride_width"], 1,
                             out_w)
        act_min, act_max = self.activation_range(op, out)
        params = ParamStruct("mf::PoolParams", f"op{op.index}_params", [
            ("stride_height", str(opts["stride_height"])),
            ("stride_width", str(opts["stride_width"])),
            ("filter_height", str(opts["filter_height"])),
            ("filter_width", str(opts["filter_width"])),
            ("padding_height", str(pad_h)), ("padding_width", str(pad_w)),
            ("activation_min", str(act_min)), ("activation_max", str(act_max)),
            ("batches", str(batches)), ("input_height", str(in_h)), ("input_width", str(in_w)),
            ("depth", str(depth)), ("output_height", str(out_h)), ("output_width", str(out_w)),
        ])
        function = "mf::average_pool_2d" if op.kind == "AVERAGE_POOL_2D" else "mf::max_pool_2d"
        self.add_step(op, function, [f"param:{params.name}", f"in:{op.inputs[0]}",
                                     f"out:{op.outputs[0]}"],
                      [op.inputs[0]], op.outputs[0], [params])

    def reshape(self, op: Operator) -> None:
        inp = self.t(op.inputs[0])
        out = self.t(op.outputs[0])
        self.need(inp.element_count == out.element_count, op,
                  f"cannot reshape {inp.element_count} elements into {out.element_count}")
        self.need(inp.dtype == out.dtype, op, "input and output types must match")
        if inp.is_constant:
            assert inp.data is not None
            self.folded[op.outputs[0]] = Tensor(
                out.index, out.name, out.dtype, out.shape, out.scales, out.zero_points,
                out.quantized_dimension, inp.data.reshape(out.shape))
            return
        self.need(inp.scales == out.scales and inp.zero_points == out.zero_points, op,
                  "a reshape may not change quantization")
        step = self.add_step(op, "mf::copy_bytes",
                             [f"in:{op.inputs[0]}", f"out:{op.outputs[0]}", str(out.byte_count)],
                             [op.inputs[0]], op.outputs[0])
        step.alias = True

    def softmax(self, op: Operator) -> None:
        inp = self.activation_tensor(op, op.inputs[0])
        out = self.activation_tensor(op, op.outputs[0])
        self.need(out.zero_point == -128 and abs(out.scale - 1.0 / 256) < 1e-6 * 1.0 / 256, op,
                  f"int8 softmax output must have scale 1/256 and zero point -128 (it has "
                  f"{out.scale} and {out.zero_point})")
        multiplier, left_shift, diff_min = q.softmax_parameters(op.options.get("beta", 1.0),
                                                                inp.scale)
        depth = inp.shape[-1]
        params = ParamStruct("mf::SoftmaxParams", f"op{op.index}_params", [
            ("input_multiplier", str(multiplier)), ("input_left_shift", str(left_shift)),
            ("diff_min", str(diff_min)), ("outer_size", str(inp.element_count // depth)),
            ("depth", str(depth)),
        ])
        self.add_step(op, "mf::softmax", [f"param:{params.name}", f"in:{op.inputs[0]}",
                                          f"out:{op.outputs[0]}"],
                      [op.inputs[0]], op.outputs[0], [params])

    def broadcast_shape(self, op: Operator, a: Tensor, b: Tensor, out: Tensor) -> ParamStruct:
        self.need(len(out.shape) <= 4, op, "element-wise operators support up to 4-D tensors")

        def strides(tensor: Tensor) -> list[int]:
            dims = [1] * (4 - len(tensor.shape)) + list(tensor.shape)
            out_dims = [1] * (4 - len(out.shape)) + list(out.shape)
            result, stride = [0, 0, 0, 0], 1
            for axis in (3, 2, 1, 0):
                self.need(dims[axis] in (1, out_dims[axis]), op,
                          f"{tensor.name!r} {shape_text(tensor.shape)} does not broadcast to "
                          f"{shape_text(out.shape)}")
                result[axis] = stride if dims[axis] == out_dims[axis] and dims[axis] > 1 else 0
                stride *= dims[axis]
            return result

        out_dims = [1] * (4 - len(out.shape)) + list(out.shape)
        s1, s2 = strides(a), strides(b)
        return ParamStruct("mf::BroadcastShape", f"op{op.index}_shape", [
            ("output_dims", "{" + ", ".join(map(str, out_dims)) + "}"),
            ("input1_strides", "{" + ", ".join(map(str, s1)) + "}"),
            ("input2_strides", "{" + ", ".join(map(str, s2)) + "}"),
        ])

    def binary_operands(self, op: Operator) -> tuple[Tensor, Tensor, Tensor, list[str],
                                                      list[int], list[ConstArray], list[int]]:
        self.need(len(op.inputs) == 2 and len(op.outputs) == 1, op, "expects 2 inputs")
        a = self.activation_tensor(op, op.inputs[0])
        b = self.activation_tensor(op, op.inputs[1])
        out = self.activation_tensor(op, op.outputs[0])
        arg1, reads1, arrays1 = self.operand(op, op.inputs[0], "input1")
        arg2, reads2, arrays2 = self.operand(op, op.inputs[1], "input2")
        # Only an input of the output's own shape may be overwritten in place.
        in_place = [i for i in reads1 + reads2 if self.t(i).shape == out.shape]
        return a, b, out, [arg1, arg2], reads1 + reads2, arrays1 + arrays2, in_place

    def add(self, op: Operator) -> None:
        a, b, out, args, reads, arrays, in_place = self.binary_operands(op)
        (m1, s1), (m2, s2), (mo, so) = q.add_multipliers(a.scale, b.scale, out.scale)
        act_min, act_max = self.activation_range(op, out)
        params = ParamStruct("mf::AddParams", f"op{op.index}_params", [
            ("input1_offset", str(-a.zero_point)), ("input1_multiplier", str(m1)),
            ("input1_shift", str(s1)), ("input2_offset", str(-b.zero_point)),
            ("input2_multiplier", str(m2)), ("input2_shift", str(s2)), ("left_shift", "20"),
            ("output_offset", str(out.zero_point)), ("output_multiplier", str(mo)),
            ("output_shift", str(so)), ("activation_min", str(act_min)),
            ("activation_max", str(act_max)), ("subtract", "1" if op.kind == "SUB" else "0"),
        ])
        shape = self.broadcast_shape(op, a, b, out)
        step = self.add_step(op, "mf::add", [f"param:{params.name}", f"param:{shape.name}", *args,
                                             f"out:{op.outputs[0]}"],
                             reads, op.outputs[0], [params, shape], arrays)
        step.in_place_inputs = in_place

    def lower(self) -> list[Step]:
        handlers: dict[str, Callable[[Operator], None]] = {
            "CONV_2D": self.conv_2d,
            "DEPTHWISE_CONV_2D": self.depthwise_conv_2d,
            "FULLY_CONNECTED": self.fully_connected,
            "AVERAGE_POOL_2D": self.pool_2d,
            "MAX_POOL_2D": self.pool_2d,
            "RESHAPE": self.reshape,
            "SQUEEZE": self.reshape,
            "EXPAND_DIMS": self.reshape,
            "SOFTMAX": self.softmax,
            "ADD": self.add,
            "SUB": self.add,
        }
        handlers.update(_extra_handlers(self))
        for op in self.graph.operators:
            handler = handlers.get(op.kind)
            if handler is None:
                raise CompileError(
                    f"{self.graph.describe(op)}: operator {op.kind} is not supported by the "
                    f"compiler (supported: {', '.join(sorted(handlers))})")
            self.check_arity(op)
            try:
                handler(op)
            except CompileError:
                raise
            except _INCONSISTENT_OPERANDS as error:
                # A corrupted model whose operands contradict each other in a way no check
                # above names (an axis past the rank, a constant shorter than its shape says).
                raise CompileError(
                    f"{self.graph.describe(op)}: its operands are inconsistent "
                    f"({type(error).__name__}: {error}); the model is malformed") from None
        return self.steps

    def check_arity(self, op: Operator) -> None:
        """One output, and the inputs the operator cannot do without present (not -1)."""
        self.need(len(op.outputs) == 1 and op.outputs[0] >= 0, op,
                  f"has {len(op.outputs)} outputs; one is expected")
        required = _REQUIRED_INPUTS.get(op.kind, 1)
        self.need(len(op.inputs) >= required and all(i >= 0 for i in op.inputs[:required]), op,
                  f"needs {required} input tensor(s), the model gives "
                  f"{sum(i >= 0 for i in op.inputs[:required])}")


def _extra_handlers(lowering: _Lowering) -> dict[str, Callable[[Operator], None]]:
    """Handlers of the operators outside the core set live in lowering_extra."""
    from deploy_targets.compiler.lowering_extra import extra_handlers

    return extra_handlers(lowering)


def fuse_conv_into_add(graph: Graph, steps: list[Step]) -> list[Step]:
    """Fuse CONV_2D -> ADD pairs so the sum is written over the ADD's other operand.

    Conditions: the conv runs just before the ADD, the ADD is its only consumer and is not
    broadcasting, the conv's output is not a model output, and the conv does not read the other
    operand (it would be overwritten while still needed).
    """
    fused: list[Step] = []
    for step in steps:
        previous = fused[-1] if fused else None
        if (
            step.kind == "ADD" and previous is not None and previous.kind == "CONV_2D"
            and not previous.fused_op_indices and previous.output in step.inputs
            and len(step.inputs) == 2 and len(graph.consumers(previous.output)) == 1
            and previous.output not in graph.outputs
            and all(graph.tensors[i].shape == graph.tensors[step.output].shape
                    for i in step.inputs)
        ):
            other = step.inputs[1] if step.inputs[0] == previous.output else step.inputs[0]
            conv_is_input1 = step.inputs[0] == previous.output
            if other not in previous.inputs and other != previous.output:
                conv_args = previous.args[:4]  # params, input, filter, bias
                add_params = step.structs[0]
                fused[-1] = Step(
                    step.op_index, "CONV_2D+ADD", "mf::conv_2d_add",
                    [*conv_args, f"param:{add_params.name}", "1" if conv_is_input1 else "0",
                     f"in:{other}", f"out:{step.output}", "scratch"],
                    [previous.inputs[0], other], step.output,
                    f"CONV_2D (operator {previous.op_index}) fused into "
                    f"{step.comment}", previous.structs + [add_params], previous.arrays + step.arrays,
                    [other], fused_op_indices=[previous.op_index, step.op_index],
                    work_scratch_bytes=previous.work_scratch_bytes)
                continue
        fused.append(step)
    return fused


def lower_graph(graph: Graph, fuse: bool = True) -> list[Step]:
    """Validate every operator and return the kernel calls of one inference, in order."""
    steps = _Lowering(graph).lower()
    return fuse_conv_into_add(graph, steps) if fuse else steps


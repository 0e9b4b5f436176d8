"""Parameter preparation for the operators beyond the core set: QUANTIZE/DEQUANTIZE,
activations, MUL, MINIMUM/MAXIMUM, MEAN, PAD, CONCATENATION and STRIDED_SLICE. Each follows
the Prepare function of TFLite Micro's kernel of the same name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.c_literals import double_literal, float_literal
from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.steps import ParamStruct

if TYPE_CHECKING:
    from deploy_targets.compiler.lowering import _Lowering


def _c_array(values: list[int]) -> str:
    return "{" + ", ".join(str(v) for v in values) + "}"


def _dims4(shape: tuple[int, ...]) -> list[int]:
    return [1] * (4 - len(shape)) + list(shape)


def _int32(value: int) -> int:
    """What static_cast<int32_t> makes of a value in [0, 2^32)."""
    return value - (1 << 32) if value >= (1 << 31) else value


def extra_handlers(lw: _Lowering) -> dict[str, Callable[[Operator], None]]:
    def unary(op: Operator, function: str, struct: ParamStruct, in_place: bool = True) -> None:
        lw.add_step(op, function, [f"param:{struct.name}", f"in:{op.inputs[0]}",
                                   f"out:{op.outputs[0]}"],
                    [op.inputs[0]], op.outputs[0], [struct], in_place=in_place)

    def io(op: Operator) -> tuple[Tensor, Tensor]:
        lw.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expects one output")
        inp = lw.activation_tensor(op, op.inputs[0])
        out = lw.activation_tensor(op, op.outputs[0])
        lw.need(not inp.is_constant, op, "a constant input should have been folded by the "
                "converter; it is not supported")
        return inp, out

    def quantize(op: Operator) -> None:
        inp = lw.activation_tensor(op, op.inputs[0], ("float32", "int8"))
        out = lw.activation_tensor(op, op.outputs[0])
        if inp.dtype == "float32":
            params = ParamStruct("mf::AffineQuantizeParams", f"op{op.index}_params", [
                ("scale", float_literal(out.scale)), ("zero_point", str(out.zero_point)),
                ("size", str(out.element_count))])
            unary(op, "mf::quantize_float", params, in_place=False)
            return
        multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
        unary(op, "mf::requantize", ParamStruct("mf::RequantizeParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("multiplier", str(multiplier)), ("shift", str(shift)),
            ("size", str(out.element_count))]))

    def dequantize(op: Operator) -> None:
        inp = lw.activation_tensor(op, op.inputs[0])
        lw.activation_tensor(op, op.outputs[0], ("float32",))
        unary(op, "mf::dequantize", ParamStruct("mf::DequantizeParams", f"op{op.index}_params", [
            ("scale", double_literal(inp.scale)), ("zero_point", str(inp.zero_point)),
            ("size", str(inp.element_count))]), in_place=False)

    def relu(op: Operator) -> None:
        inp, out = io(op)
        # TFLM divides the scales in float before widening to double.
        multiplier, shift = q.quantize_multiplier(
            float(np.float32(inp.scale) / np.float32(out.scale)))
        low, high = q.activation_range("RELU" if op.kind == "RELU" else "RELU_N1_TO_1",
                                       out.scale, out.zero_point, "int8")
        unary(op, "mf::relu", ParamStruct("mf::ReluParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("output_multiplier", str(multiplier)), ("output_shift", str(shift)),
            ("activation_min", str(low)), ("activation_max", str(high)),
            ("size", str(out.element_count))]))

    def relu6(op: Operator) -> None:
        inp, _ = io(op)
        # TFLite Micro clamps the stored values to the input's quantized [0, 6] and does not
        # requantize, even when the output's quantization differs; LiteRT requantizes.
        # The device reference wins (see tests/compiler/test_runtime_divergence.py).
        six = q.round_half_away(float(np.float32(6.0) / np.float32(inp.scale))) + inp.zero_point
        unary(op, "mf::clamp", ParamStruct("mf::ClampParams", f"op{op.index}_params", [
            ("lower", str(inp.zero_point)), ("upper", str(max(-128, min(127, six)))),
            ("size", str(inp.element_count))]))

    def leaky_relu(op: Operator) -> None:
        inp, out = io(op)
        alpha = np.float32(op.options.get("alpha", 0.2))
        lw.need(bool(np.isfinite(alpha)) and abs(float(alpha)) < 2.0**31, op,
                f"alpha {float(alpha)} is not a usable slope")
        m_alpha, s_alpha = q.quantize_multiplier(
            float(np.float32(inp.scale) * alpha / np.float32(out.scale)))
        m_id, s_id = q.quantize_multiplier(float(np.float32(inp.scale) / np.float32(out.scale)))
        unary(op, "mf::leaky_relu", ParamStruct("mf::LeakyReluParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("multiplier_identity", str(m_id)), ("shift_identity", str(s_id)),
            ("multiplier_alpha", str(m_alpha)), ("shift_alpha", str(s_alpha)),
            ("size", str(out.element_count))]))

    def sigmoid(op: Operator) -> None:
        inp, out = io(op)
        if op.kind == "LOGISTIC":
            lw.need(out.zero_point == -128 and out.scale == 1.0 / 256, op,
                    "int8 LOGISTIC output must have scale 1/256 and zero point -128")
        else:
            lw.need(out.zero_point == 0 and out.scale == 1.0 / 128, op,
                    "int8 TANH output must have scale 1/128 and zero point 0")
        multiplier, left_shift, radius = q.sigmoid_parameters(inp.scale)
        unary(op, "mf::logistic" if op.kind == "LOGISTIC" else "mf::tanh",
              ParamStruct("mf::SigmoidParams", f"op{op.index}_params", [
                  ("input_zero_point", str(inp.zero_point)), ("input_range_radius", str(radius)),
                  ("input_multiplier", q_int_literal(_int32(multiplier))),
                  ("input_left_shift", str(left_shift)), ("size", str(out.element_count))]))

    def hard_swish(op: Operator) -> None:
        inp, out = io(op)
        hires_input_scale = np.float32(1.0 / 128.0) * np.float32(inp.scale)
        reluish_scale = np.float32(3.0 / 32768.0)
        output_multiplier, output_exponent = q.quantize_multiplier(
            float(hires_input_scale / np.float32(out.scale)))
        reluish_multiplier, reluish_exponent = q.quantize_multiplier(
            float(hires_input_scale / reluish_scale))
        lw.need(-15 <= output_exponent <= 0 and -15 <= reluish_exponent <= 15, op,
                f"HARD_SWISH scales out of range (output exponent {output_exponent}, reluish "
                f"exponent {reluish_exponent}); the input/output scale ratio is too extreme")
        unary(op, "mf::hard_swish", ParamStruct("mf::HardSwishParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("reluish_multiplier", str(q.downscale_to_int16(reluish_multiplier))),
            ("reluish_exponent", str(reluish_exponent)),
            ("output_multiplier", str(q.downscale_to_int16(output_multiplier))),
            ("output_exponent", str(output_exponent)), ("size", str(out.element_count))]))

    def mul(op: Operator) -> None:
        a, b, out, args, reads, arrays, in_place = lw.binary_operands(op)
        multiplier, shift = q.mul_multiplier(a.scale, b.scale, out.scale)
        low, high = lw.activation_range(op, out)
        params = ParamStruct("mf::MulParams", f"op{op.index}_params", [
            ("input1_offset", str(-a.zero_point)), ("input2_offset", str(-b.zero_point)),
            ("output_offset", str(out.zero_point)), ("output_multiplier", str(multiplier)),
            ("output_shift", str(shift)), ("activation_min", str(low)),
            ("activation_max", str(high))])
        shape = lw.broadcast_shape(op, a, b, out)
        step = lw.add_step(op, "mf::mul", [f"param:{params.name}", f"param:{shape.name}", *args,
                                           f"out:{op.outputs[0]}"],
                           reads, op.outputs[0], [params, shape], arrays)
        step.in_place_inputs = in_place

    def min_max(op: Operator) -> None:
        a, b, out, args, reads, arrays, in_place = lw.binary_operands(op)
        lw.need(a.scales == b.scales == out.scales and
                a.zero_points == b.zero_points == out.zero_points, op,
                "inputs and output must share one quantization")
        params = ParamStruct("mf::MinMaxParams", f"op{op.index}_params", [
            ("take_maximum", "1" if op.kind == "MAXIMUM" else "0")])
        shape = lw.broadcast_shape(op, a, b, out)
        step = lw.add_step(op, "mf::min_max", [f"param:{params.name}", f"param:{shape.name}",
                                               *args, f"out:{op.outputs[0]}"],
                           reads, op.outputs[0], [params, shape], arrays)
        step.in_place_inputs = in_place

    def mean(op: Operator) -> None:
        inp, out = io(op)
        lw.need(len(inp.shape) <= 4, op, "MEAN supports inputs of up to 4 dimensions")
        axes_t = lw.constant(op, op.inputs[1], "int32", "axes")
        assert axes_t.data is not None
        rank = len(inp.shape)
        axes = sorted({int(a) % rank for a in axes_t.data.reshape(-1)})
        offset = 4 - rank
        reduce = [0, 0, 0, 0]
        for axis in axes:
            reduce[axis + offset] = 1
        count = int(np.prod([inp.shape[a] for a in axes]))
        multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
        # QuantizedMeanOrSum folds 1/count into the multiplier with up to 32 bits of headroom.
        headroom = min(count.bit_length() - 1, 32, 31 + shift)
        multiplier = (multiplier << headroom) // count
        shift -= headroom
        unary(op, "mf::mean", ParamStruct("mf::MeanParams", f"op{op.index}_params", [
            ("input_dims", _c_array(_dims4(inp.shape))), ("reduce", _c_array(reduce)),
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("reduced_count", str(count)), ("multiplier", str(_int32(multiplier))),
            ("shift", str(shift))]), in_place=False)

    def pad(op: Operator) -> None:
        inp, out = io(op)
        lw.need(len(inp.shape) <= 4, op, "PAD supports inputs of up to 4 dimensions")
        lw.need(inp.scales == out.scales and inp.zero_points == out.zero_points, op,
                "input and output quantization must be equal")
        paddings = lw.constant(op, op.inputs[1], "int32", "paddings")
        assert paddings.data is not None
        left = [int(p) for p in paddings.data.reshape(-1, 2)[:, 0]]
        pad_value = out.zero_point
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            value = lw.constant(op, op.inputs[2], "int8", "pad value")
            assert value.data is not None
            pad_value = int(value.data.reshape(-1)[0])
        unary(op, "mf::pad", ParamStruct("mf::PadParams", f"op{op.index}_params", [
            ("input_dims", _c_array(_dims4(inp.shape))),
            ("output_dims", _c_array(_dims4(out.shape))),
            ("left_padding", _c_array([0] * (4 - len(left)) + left)),
            ("pad_value", str(pad_value))]), in_place=False)

    def concatenation(op: Operator) -> None:
        out = lw.activation_tensor(op, op.outputs[0])
        lw.need(op.options.get("activation", "NONE") == "NONE", op,
                "a fused activation on CONCATENATION is not supported")
        axis = int(op.options.get("axis", 0)) % len(out.shape)
        outer = int(np.prod(out.shape[:axis], dtype=np.int64))
        inner = int(np.prod(out.shape[axis + 1:], dtype=np.int64))
        offset = 0
        for k, index in enumerate(op.inputs):
            inp = lw.activation_tensor(op, index)
            lw.need(inp.scale == out.scale and inp.zero_point == out.zero_point, op,
                    f"input {k} {inp.name!r} must share the output's quantization")
            arg, reads, arrays = lw.operand(op, index, f"input{k}")
            copy = inp.shape[axis] * inner
            params = ParamStruct("mf::ConcatPartParams", f"op{op.index}_part{k}", [
                ("outer_size", str(outer)), ("copy_size", str(copy)),
                ("output_row_size", str(out.shape[axis] * inner)),
                ("output_offset", str(offset))])
            lw.add_step(op, "mf::concatenation_part",
                        [f"param:{params.name}", arg, f"out:{op.outputs[0]}"],
                        reads, op.outputs[0], [params], arrays)
            offset += copy

    def strided_slice(op: Operator) -> None:
        inp, out = io(op)
        opts = op.options
        lw.need(opts.get("ellipsis_mask", 0) == 0 and opts.get("new_axis_mask", 0) == 0 and
                not opts.get("offset", False), op,
                "ellipsis_mask, new_axis_mask and offset are not supported")
        lw.need(len(inp.shape) <= 4, op, "STRIDED_SLICE supports up to 4 dimensions")
        begin, end, strides = (lw.constant(op, i, "int32", name).data
                               for i, name in zip(op.inputs[1:4], ("begin", "end", "strides"),
                                                  strict=True))
        assert begin is not None and end is not None and strides is not None
        starts, steps, sizes = [], [], []
        for axis, dim in enumerate(inp.shape):
            stride = int(strides[axis])
            lw.need(stride != 0, op, "strides must not be 0")
            if opts.get("shrink_axis_mask", 0) >> axis & 1:
                start = int(begin[axis]) % dim
                starts.append(start)
                steps.append(1)
                sizes.append(1)
                continue
            b = None if opts.get("begin_mask", 0) >> axis & 1 else int(begin[axis])
            e = None if opts.get("end_mask", 0) >> axis & 1 else int(end[axis])
            start, _, step = slice(b, e, stride).indices(dim)
            starts.append(start)
            steps.append(step)
            sizes.append(len(range(*slice(b, e, stride).indices(dim))))
        lw.need(int(np.prod(sizes)) == out.element_count, op,
                f"the slice has {int(np.prod(sizes))} elements but the output {out.element_count}")
        pad = 4 - len(inp.shape)
        unary(op, "mf::strided_slice", ParamStruct("mf::StridedSliceParams",
                                                   f"op{op.index}_params", [
            ("input_dims", _c_array(_dims4(inp.shape))),
            ("output_dims", _c_array([1] * pad + sizes)),
            ("start", _c_array([0] * pad + starts)),
            ("stride", _c_array([1] * pad + steps))]), in_place=False)

    return {
        "QUANTIZE": quantize, "DEQUANTIZE": dequantize, "RELU": relu, "RELU_N1_TO_1": relu,
        "RELU6": relu6, "LEAKY_RELU": leaky_relu, "LOGISTIC": sigmoid, "TANH": sigmoid,
        "HARD_SWISH": hard_swish,
        "MUL": mul, "MINIMUM": min_max, "MAXIMUM": min_max, "MEAN": mean, "PAD": pad,
        "PADV2": pad, "CONCATENATION": concatenation, "STRIDED_SLICE": strided_slice,
    }


def q_int_literal(value: int) -> str:
    from deploy_targets.compiler.c_literals import int_literal

    return int_literal(value)

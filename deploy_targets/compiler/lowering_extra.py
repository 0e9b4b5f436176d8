"""Parameter preparation for the operators beyond the core set (activations, shape ops...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.ir import Operator
from deploy_targets.compiler.steps import ParamStruct

if TYPE_CHECKING:
    from deploy_targets.compiler.lowering import _Lowering


def extra_handlers(lw: _Lowering) -> dict[str, Callable[[Operator], None]]:
    def quantize(op: Operator) -> None:
        inp = lw.activation_tensor(op, op.inputs[0], ("float32", "int8"))
        out = lw.activation_tensor(op, op.outputs[0])
        if inp.dtype == "float32":
            params = ParamStruct("mf::AffineQuantizeParams", f"op{op.index}_params", [
                ("scale", _float_literal(out.scale)), ("zero_point", str(out.zero_point)),
                ("size", str(out.element_count))])
            lw.add_step(op, "mf::quantize_float", [f"param:{params.name}", f"in:{op.inputs[0]}",
                                                   f"out:{op.outputs[0]}"],
                        [op.inputs[0]], op.outputs[0], [params])
            return
        multiplier, shift = q.quantize_multiplier(float(inp.scale) / float(out.scale))
        params = ParamStruct("mf::RequantizeParams", f"op{op.index}_params", [
            ("input_zero_point", str(inp.zero_point)), ("output_zero_point", str(out.zero_point)),
            ("multiplier", str(multiplier)), ("shift", str(shift)),
            ("size", str(out.element_count))])
        lw.add_step(op, "mf::requantize", [f"param:{params.name}", f"in:{op.inputs[0]}",
                                           f"out:{op.outputs[0]}"],
                    [op.inputs[0]], op.outputs[0], [params], in_place=True)

    def dequantize(op: Operator) -> None:
        inp = lw.activation_tensor(op, op.inputs[0])
        lw.activation_tensor(op, op.outputs[0], ("float32",))
        params = ParamStruct("mf::DequantizeParams", f"op{op.index}_params", [
            ("scale", repr(float(inp.scale))), ("zero_point", str(inp.zero_point)),
            ("size", str(inp.element_count))])
        lw.add_step(op, "mf::dequantize", [f"param:{params.name}", f"in:{op.inputs[0]}",
                                           f"out:{op.outputs[0]}"],
                    [op.inputs[0]], op.outputs[0], [params])

    return {"QUANTIZE": quantize, "DEQUANTIZE": dequantize}


def _float_literal(value: float) -> str:
    """A C float literal that reads back as exactly this float32 value."""
    import numpy as np

    return f"{np.format_float_positional(np.float32(value), unique=True, trim='0')}f"

"""What the binary element-wise operators (ADD/SUB, MUL, MINIMUM/MAXIMUM) share: their operands
and the 4-D broadcast shape their kernels walk (mf/elementwise.h, BroadcastShape)."""

from __future__ import annotations

from deploy_targets.compiler.ir import Operator, Tensor
from deploy_targets.compiler.ops.context import LoweringContext, shape_text
from deploy_targets.compiler.steps import ConstArray, ParamStruct


def broadcast_shape(ctx: LoweringContext, op: Operator, a: Tensor, b: Tensor, out: Tensor
                    ) -> ParamStruct:
    ctx.need(len(out.shape) <= 4, op, "element-wise operators support up to 4-D tensors")

    def strides(tensor: Tensor) -> list[int]:
        dims = [1] * (4 - len(tensor.shape)) + list(tensor.shape)
        out_dims = [1] * (4 - len(out.shape)) + list(out.shape)
        result, stride = [0, 0, 0, 0], 1
        for axis in (3, 2, 1, 0):
            ctx.need(dims[axis] in (1, out_dims[axis]), op,
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


def binary_operands(ctx: LoweringContext, op: Operator
                    ) -> tuple[Tensor, Tensor, Tensor, list[str], list[int], list[ConstArray],
                               list[int]]:
    """(input1, input2, output, their call arguments, the tensors read at run time, the
    constants kept in flash, the inputs the output may overwrite)."""
    ctx.need(len(op.inputs) == 2 and len(op.outputs) == 1, op, "expects 2 inputs")
    a = ctx.activation_tensor(op, op.inputs[0])
    b = ctx.activation_tensor(op, op.inputs[1])
    out = ctx.activation_tensor(op, op.outputs[0])
    arg1, reads1, arrays1 = ctx.operand(op, op.inputs[0], "input1")
    arg2, reads2, arrays2 = ctx.operand(op, op.inputs[1], "input2")
    # Only an input of the output's own shape may be overwritten in place.
    in_place = [i for i in reads1 + reads2 if ctx.t(i).shape == out.shape]
    return a, b, out, [arg1, arg2], reads1 + reads2, arrays1 + arrays2, in_place

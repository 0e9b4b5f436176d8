"""Layer specs of the visual network editor: pydantic models, shape checks and their Keras code.

Shapes here exclude the batch axis. Each spec can say its output shape for an input shape (or
why it cannot take that input) and write the `tf_keras` expression that builds it.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, TypeAdapter

Shape = tuple[int, ...]
ActivationName = Literal["relu", "relu6", "tanh", "sigmoid", "softmax"]
Padding = Literal["valid", "same"]


class LayerShapeError(ValueError):
    """A layer cannot take the shape it receives; the message says why."""


class _Layer(BaseModel):
    # strict: `"units": true` or 1.5 is refused, not taken as 1. Tuples say Strict(False): strict
    # pydantic takes only tuples, and JSON brings arrays (their items stay strict).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def keras_code(self) -> str:
        raise NotImplementedError

    @property
    def label(self) -> str:
        return type(self).__name__


def _require_rank(layer: _Layer, input_shape: Shape, rank: int, layout: str, fix: str) -> None:
    if len(input_shape) != rank:
        raise LayerShapeError(
            f"{layer.label} needs a {rank}-D input ({layout}) but receives {input_shape}; {fix}"
        )


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value


def _window_output(size: int, window: int, stride: int, padding: Padding, what: str) -> int:
    """Output length of a sliding window along one axis, as Keras computes it."""
    if padding == "same":
        return math.ceil(size / stride)
    if window > size:
        raise LayerShapeError(
            f"{what} {window} is larger than the {size} steps it receives with padding 'valid'; "
            "use a smaller size or padding 'same'"
        )
    return (size - window) // stride + 1


def _activation_arg(activation: ActivationName | None) -> str:
    return "" if activation is None else f', activation="{activation}"'


def _size_code(value: int | tuple[int, int]) -> str:
    return str(value) if isinstance(value, int) else f"({value[0]}, {value[1]})"


PositiveInt = Annotated[int, Field(ge=1, le=4096)]
KernelSize = Annotated[int, Field(ge=1, le=64)]
KernelSize2D = KernelSize | Annotated[tuple[KernelSize, KernelSize], Strict(False)]


class Dense(_Layer):
    type: Literal["dense"] = "dense"
    units: PositiveInt
    activation: ActivationName | None = "relu"

    def output_shape(self, input_shape: Shape) -> Shape:
        _require_rank(self, input_shape, 1, "features", "add a Flatten layer before it")
        return (self.units,)

    def keras_code(self) -> str:
        return f"layers.Dense({self.units}{_activation_arg(self.activation)})"


class Conv1D(_Layer):
    type: Literal["conv1d"] = "conv1d"
    filters: PositiveInt
    kernel_size: KernelSize = 3
    strides: KernelSize = 1
    padding: Padding = "same"
    activation: ActivationName | None = "relu"

    def output_shape(self, input_shape: Shape) -> Shape:
        _require_rank(
            self, input_shape, 2, "time steps x channels", "add a Reshape to (frames, coefficients)"
        )
        steps = _window_output(
            input_shape[0], self.kernel_size, self.strides, self.padding, "kernel_size"
        )
        return (steps, self.filters)

    def keras_code(self) -> str:
        return (
            f"layers.Conv1D({self.filters}, kernel_size={self.kernel_size}, "
            f'strides={self.strides}, padding="{self.padding}"{_activation_arg(self.activation)})'
        )


def _conv2d_output(
    layer: _Layer,
    input_shape: Shape,
    kernel: KernelSize2D,
    strides: KernelSize2D,
    padding: Padding,
    what: str,
) -> tuple[int, int]:
    _require_rank(
        layer, input_shape, 3, "height x width x channels", "add a Reshape to (rows, columns, 1)"
    )
    (kh, kw), (sh, sw) = _pair(kernel), _pair(strides)
    height = _window_output(input_shape[0], kh, sh, padding, f"{what} height")
    width = _window_output(input_shape[1], kw, sw, padding, f"{what} width")
    return height, width


class Conv2D(_Layer):
    type: Literal["conv2d"] = "conv2d"
    filters: PositiveInt
    kernel_size: KernelSize2D = 3
    strides: KernelSize2D = 1
    padding: Padding = "same"
    activation: ActivationName | None = "relu"

    def output_shape(self, input_shape: Shape) -> Shape:
        height, width = _conv2d_output(
            self, input_shape, self.kernel_size, self.strides, self.padding, "kernel"
        )
        return (height, width, self.filters)

    def keras_code(self) -> str:
        return (
            f"layers.Conv2D({self.filters}, kernel_size={_size_code(self.kernel_size)}, "
            f'strides={_size_code(self.strides)}, padding="{self.padding}"'
            f"{_activation_arg(self.activation)})"
        )


class DepthwiseConv2D(_Layer):
    type: Literal["depthwise_conv2d"] = "depthwise_conv2d"
    kernel_size: KernelSize2D = 3
    strides: KernelSize2D = 1
    padding: Padding = "same"
    depth_multiplier: Annotated[int, Field(ge=1, le=16)] = 1
    activation: ActivationName | None = "relu"

    def output_shape(self, input_shape: Shape) -> Shape:
        height, width = _conv2d_output(
            self, input_shape, self.kernel_size, self.strides, self.padding, "kernel"
        )
        return (height, width, input_shape[2] * self.depth_multiplier)

    def keras_code(self) -> str:
        return (
            f"layers.DepthwiseConv2D(kernel_size={_size_code(self.kernel_size)}, "
            f'strides={_size_code(self.strides)}, padding="{self.padding}", '
            f"depth_multiplier={self.depth_multiplier}{_activation_arg(self.activation)})"
        )


class _Pooling1D(_Layer):
    pool_size: KernelSize = 2
    strides: KernelSize | None = None
    padding: Padding = "same"
    keras_name: ClassVar[str] = "MaxPooling1D"

    def output_shape(self, input_shape: Shape) -> Shape:
        _require_rank(self, input_shape, 2, "time steps x channels", "put it after a Conv1D")
        stride = self.strides or self.pool_size
        steps = _window_output(input_shape[0], self.pool_size, stride, self.padding, "pool_size")
        return (steps, input_shape[1])

    def keras_code(self) -> str:
        strides = "None" if self.strides is None else str(self.strides)
        return (
            f"layers.{self.keras_name}(pool_size={self.pool_size}, strides={strides}, "
            f'padding="{self.padding}")'
        )


class MaxPooling1D(_Pooling1D):
    type: Literal["max_pooling1d"] = "max_pooling1d"
    keras_name: ClassVar[str] = "MaxPooling1D"


class AveragePooling1D(_Pooling1D):
    type: Literal["average_pooling1d"] = "average_pooling1d"
    keras_name: ClassVar[str] = "AveragePooling1D"


class _Pooling2D(_Layer):
    pool_size: KernelSize2D = 2
    strides: KernelSize2D | None = None
    padding: Padding = "same"
    keras_name: ClassVar[str] = "MaxPooling2D"

    def output_shape(self, input_shape: Shape) -> Shape:
        strides = self.strides or self.pool_size
        height, width = _conv2d_output(
            self, input_shape, self.pool_size, strides, self.padding, "pool"
        )
        return (height, width, input_shape[2])

    def keras_code(self) -> str:
        strides = "None" if self.strides is None else _size_code(self.strides)
        return (
            f"layers.{self.keras_name}(pool_size={_size_code(self.pool_size)}, "
            f'strides={strides}, padding="{self.padding}")'
        )


class MaxPooling2D(_Pooling2D):
    type: Literal["max_pooling2d"] = "max_pooling2d"
    keras_name: ClassVar[str] = "MaxPooling2D"


class AveragePooling2D(_Pooling2D):
    type: Literal["average_pooling2d"] = "average_pooling2d"
    keras_name: ClassVar[str] = "AveragePooling2D"


class GlobalAveragePooling1D(_Layer):
    type: Literal["global_average_pooling1d"] = "global_average_pooling1d"

    def output_shape(self, input_shape: Shape) -> Shape:
        _require_rank(self, input_shape, 2, "time steps x channels", "put it after a Conv1D")
        return (input_shape[1],)

    def keras_code(self) -> str:
        return "layers.GlobalAveragePooling1D()"


class GlobalAveragePooling2D(_Layer):
    type: Literal["global_average_pooling2d"] = "global_average_pooling2d"

    def output_shape(self, input_shape: Shape) -> Shape:
        _require_rank(self, input_shape, 3, "height x width x channels", "put it after a Conv2D")
        return (input_shape[2],)

    def keras_code(self) -> str:
        return "layers.GlobalAveragePooling2D()"


class Flatten(_Layer):
    type: Literal["flatten"] = "flatten"

    def output_shape(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def keras_code(self) -> str:
        return "layers.Flatten()"


class Reshape(_Layer):
    type: Literal["reshape"] = "reshape"
    target_shape: Annotated[tuple[Annotated[int, Field(ge=1)], ...], Strict(False)] = Field(
        min_length=1, max_length=3
    )

    def output_shape(self, input_shape: Shape) -> Shape:
        if math.prod(self.target_shape) != math.prod(input_shape):
            raise LayerShapeError(
                f"Reshape to {self.target_shape} needs {math.prod(self.target_shape)} values but "
                f"receives {input_shape} = {math.prod(input_shape)} values; the product of the "
                "target shape must equal the number of input values"
            )
        return self.target_shape

    def keras_code(self) -> str:
        dims = ", ".join(str(d) for d in self.target_shape)
        return f"layers.Reshape(({dims}{',' if len(self.target_shape) == 1 else ''}))"


class Dropout(_Layer):
    type: Literal["dropout"] = "dropout"
    rate: float = Field(0.25, ge=0.0, lt=1.0)

    def keras_code(self) -> str:
        return f"layers.Dropout({self.rate})"


class BatchNormalization(_Layer):
    type: Literal["batch_normalization"] = "batch_normalization"
    # How much of the running mean and variance (used at inference) each training batch keeps.
    momentum: float = Field(0.99, ge=0.0, lt=1.0)

    def keras_code(self) -> str:
        if self.momentum == 0.99:  # Keras's default
            return "layers.BatchNormalization()"
        return f"layers.BatchNormalization(momentum={self.momentum})"


class Activation(_Layer):
    type: Literal["activation"] = "activation"
    activation: ActivationName

    def keras_code(self) -> str:
        return f'layers.Activation("{self.activation}")'


LayerSpec = Annotated[
    Dense
    | Conv1D
    | Conv2D
    | DepthwiseConv2D
    | MaxPooling1D
    | MaxPooling2D
    | AveragePooling1D
    | AveragePooling2D
    | GlobalAveragePooling1D
    | GlobalAveragePooling2D
    | Flatten
    | Reshape
    | Dropout
    | BatchNormalization
    | Activation,
    Field(discriminator="type"),
]
LAYER_LIST = TypeAdapter(list[LayerSpec])


def parse_layers(data: object) -> list[LayerSpec]:
    """Layer specs from the editor's JSON state (a list of {"type": ..., params...})."""
    return LAYER_LIST.validate_python(data)


def infer_shapes(layers: list[LayerSpec], input_shape: Shape) -> list[Shape]:
    """The output shape of every layer for `input_shape`; LayerShapeError names the bad layer."""
    if not input_shape or any(d < 1 for d in input_shape):
        raise LayerShapeError(f"input shape {input_shape} must have at least one positive size")
    shapes: list[Shape] = []
    shape = tuple(input_shape)
    for position, layer in enumerate(layers, start=1):
        try:
            shape = layer.output_shape(shape)
        except LayerShapeError as error:
            raise LayerShapeError(f"layer {position} ({layer.label}): {error}") from None
        shapes.append(shape)
    return shapes
